#!/usr/bin/env python3
"""Data for the Vega-Lite benchmark specs (`rederive bench vega-lite`), made deterministically.

    python3 Scripts/vl-bench-data.py [OUT_DIR]    # default Tests/VegaLiteTests/Fixtures/bench

Writes
  scatter10k.csv  10,000 rows x,y,group: five Gaussian clusters (groups A..E, 2,000 points each,
                  rows interleaved A,B,C,D,E,A,...), x and y with 4 decimals;
  heatmap50.csv   2,500 rows row,col,value: a 50 x 50 grid (row, col in 0..49), value a smooth
                  pattern plus a little noise, 4 decimals.
Standard library only; Python's Mersenne Twister with a fixed integer seed and random() alone
(no gauss(), whose algorithm is not promised to stay the same), so the bytes are the same on every
machine and Python 3 version. Re-running rewrites identical files.
"""
import math, os, random, sys

SEED = 20261207


def normal_pair(rng):
    """Two independent standard normals (Box-Muller from random())."""
    u1 = 1.0 - rng.random()  # in (0, 1]
    u2 = rng.random()
    r = math.sqrt(-2.0 * math.log(u1))
    return r * math.cos(2.0 * math.pi * u2), r * math.sin(2.0 * math.pi * u2)


def scatter(path, rng):
    centres = {"A": (2.0, 3.0, 1.0), "B": (6.0, 7.0, 1.5), "C": (-3.0, 5.0, 0.8),
               "D": (0.0, -4.0, 2.0), "E": (8.0, -1.0, 1.2)}
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("x,y,group\n")
        for i in range(10_000):
            g = "ABCDE"[i % 5]
            cx, cy, s = centres[g]
            a, b = normal_pair(rng)
            f.write("%.4f,%.4f,%s\n" % (cx + s * a, cy + s * b, g))


def heatmap(path, rng):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("row,col,value\n")
        for r in range(50):
            for c in range(50):
                v = math.sin(r / 7.0) * math.cos(c / 5.0) + 0.5 * math.exp(-((r - 30) ** 2 + (c - 15) ** 2) / 80.0)
                v += 0.05 * (rng.random() - 0.5)
                f.write("%d,%d,%.4f\n" % (r, c, v))


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "Tests/VegaLiteTests/Fixtures/bench")
    os.makedirs(out, exist_ok=True)
    scatter(os.path.join(out, "scatter10k.csv"), random.Random(SEED))
    heatmap(os.path.join(out, "heatmap50.csv"), random.Random(SEED + 1))
    print("wrote scatter10k.csv and heatmap50.csv in %s" % out)


if __name__ == "__main__":
    main()
