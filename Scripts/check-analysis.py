"""Cross-checks `rederive analyze` against an independent NumPy computation.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy safetensors
    rederive analyze RUN_OR_CKPT --out OUT
    /tmp/ref/bin/python Scripts/check-analysis.py CKPT.safetensors OUT

It re-runs the model in float64 NumPy on OUT/tokens.npy (its own forward, written from the
TransformerLens equations, not from Rederive's code) and compares: the mean attention patterns,
the PCA explained-variance ratios and PC1..PC3 projections (up to sign), the ridge-probe R², and
the direct logit attribution. Exits 1 if any differs by more than its tolerance.
"""
import json, sys
import numpy as np
from safetensors.numpy import load_file
from safetensors import safe_open


def layer_norm(x, w, b, eps=1e-5):
    x = x - x.mean(-1, keepdims=True)
    scale = np.sqrt((x ** 2).mean(-1, keepdims=True) + eps)
    return x / scale * w + b, scale


def forward(p, cfg, tokens):
    """The forward of TransformerLens's HookedTransformer, keeping what the checks need."""
    ln = cfg["normalization"] == "LN"
    norm = (lambda x, name: layer_norm(x, p[name + ".w"], p[name + ".b"])) if ln else (lambda x, name: (x, np.ones(x.shape[:-1] + (1,))))
    B, T = tokens.shape
    cache = {"hook_embed": p["embed.W_E"][tokens], "hook_pos_embed": np.broadcast_to(p["pos_embed.W_pos"][:T], (B, T, cfg["d_model"]))}
    x = cache["hook_embed"] + cache["hook_pos_embed"]
    future = np.triu(np.ones((T, T), bool), 1)
    for l in range(cfg["n_layers"]):
        b = f"blocks.{l}."
        cache[b + "hook_resid_pre"] = x
        h, _ = norm(x, b + "ln1")
        q = np.einsum("btd,hde->bthe", h, p[b + "attn.W_Q"]) + p[b + "attn.b_Q"]
        k = np.einsum("btd,hde->bthe", h, p[b + "attn.W_K"]) + p[b + "attn.b_K"]
        v = np.einsum("btd,hde->bthe", h, p[b + "attn.W_V"]) + p[b + "attn.b_V"]
        scores = np.einsum("bqhe,bkhe->bhqk", q, k) / np.sqrt(cfg["d_head"])
        scores = np.where(future, -np.inf, scores)
        pattern = np.exp(scores - scores.max(-1, keepdims=True))
        pattern /= pattern.sum(-1, keepdims=True)
        cache[b + "attn.hook_pattern"] = pattern
        z = np.einsum("bhqk,bkhe->bqhe", pattern, v)
        result = np.einsum("bqhe,hed->bqhd", z, p[b + "attn.W_O"])
        cache[b + "attn.hook_result"] = result
        x = x + result.sum(2) + p[b + "attn.b_O"]
        if cfg["d_mlp"]:
            cache[b + "hook_resid_mid"] = x
            h, _ = norm(x, b + "ln2")
            pre = h @ p[b + "mlp.W_in"] + p[b + "mlp.b_in"]
            post = np.maximum(pre, 0) if cfg["act_fn"] == "relu" else 0.5 * pre * (1 + np.vectorize(__import__("math").erf)(pre / np.sqrt(2)))
            cache[b + "hook_mlp_out_nobias"] = post @ p[b + "mlp.W_out"]
            x = x + cache[b + "hook_mlp_out_nobias"] + p[b + "mlp.b_out"]
        cache[b + "hook_resid_post"] = x
    h, scale = norm(x, "ln_final")
    cache["ln_final.hook_scale"] = scale
    return h @ p["unembed.W_U"] + p["unembed.b_U"], cache


def main(checkpoint, out):
    p = {k: v.astype(np.float64) for k, v in load_file(checkpoint).items()}
    with safe_open(checkpoint, "np") as f:
        cfg = json.loads(f.metadata()["config"])
    summary = json.load(open(f"{out}/summary.json"))
    tokens = np.load(f"{out}/tokens.npy")
    B, T = tokens.shape
    logits, cache = forward(p, cfg, tokens)
    failures = []

    def check(name, ours, theirs, tolerance):
        diff = float(np.max(np.abs(np.asarray(ours, np.float64) - np.asarray(theirs, np.float64))))
        print(f"{name:55s} max |diff| {diff:.2e}  (tolerance {tolerance:.0e})")
        if not diff <= tolerance:
            failures.append(name)

    for l in range(cfg["n_layers"]):
        check(f"attention.L{l}.pattern", np.load(f"{out}/attention.L{l}.pattern.npy"),
              cache[f"blocks.{l}.attn.hook_pattern"].mean(0), 1e-4)

    for entry in summary["pca"]:
        stream = entry["stream"]
        X = cache[stream].reshape(B * T, -1)
        centred = X - X.mean(0)
        values, vectors = np.linalg.eigh(centred.T @ centred / (len(X) - 1))
        values, vectors = values[::-1], vectors[:, ::-1]
        ratio = np.clip(values, 0, None) / np.clip(values, 0, None).sum()
        k = len(entry["explainedVarianceRatio"])
        check(f"pca {stream} explained variance", entry["explainedVarianceRatio"], ratio[:k], 1e-3)
        ours = np.load(f"{out}/pca.{stream}.projection.npy").reshape(B * T, -1)
        theirs = centred @ vectors[:, :ours.shape[1]]
        # Components are defined up to sign; match each column's sign. Only well-separated
        # components are compared (a near-tie makes the basis arbitrary).
        gaps = np.abs(np.diff(values[:ours.shape[1] + 1])) / values[0]
        for j in range(ours.shape[1]):
            if gaps[j] < 1e-3 or (j > 0 and gaps[j - 1] < 1e-3):
                continue
            sign = np.sign(np.sum(ours[:, j] * theirs[:, j])) or 1
            scale = np.abs(theirs[:, j]).max()
            check(f"pca {stream} PC{j + 1} projection / max", ours[:, j] / scale, sign * theirs[:, j] / scale, 2e-3)

    # Ridge probe: train on the first half of the sequences, score on the rest, λ as documented.
    train = B // 2
    for entry in summary["probes"]:
        if entry["normalized"]:
            continue
        X = cache[entry["stream"]]
        Xtr, Xte = X[:train].reshape(-1, X.shape[-1]), X[train:].reshape(-1, X.shape[-1])
        ytr, yte = np.tile(np.arange(T), train), np.tile(np.arange(T), B - train)
        mean = Xtr.mean(0)
        gram = (Xtr - mean).T @ (Xtr - mean)
        lam = max(1e-4 * np.trace(gram) / X.shape[-1], 1e-12)
        w = np.linalg.solve(gram + lam * np.eye(X.shape[-1]), (Xtr - mean).T @ (ytr - ytr.mean()))
        pred = (Xte - mean) @ w + ytr.mean()
        r2 = 1 - ((pred - yte) ** 2).sum() / ((yte - yte.mean()) ** 2).sum()
        check(f"ridge R² {entry['stream']}", entry["ridgeR2"], r2, 2e-3)

    # Direct logit attribution of each component to the correct (previous) token.
    W = p["ln_final.w"] if cfg["normalization"] == "LN" else np.ones(cfg["d_model"])
    target = tokens[:, :-1]                                          # correct token at positions 1..T-1
    direction = (W[:, None] * p["unembed.W_U"])[:, target].transpose(1, 2, 0)   # [B, T-1, d]
    def attribution(component):
        c = component[:, 1:]
        if cfg["normalization"] == "LN":
            c = c - c.mean(-1, keepdims=True)
        return ((c / cache["ln_final.hook_scale"][:, 1:]) * direction).sum(-1).mean(0)
    expected = {"embed": attribution(cache["hook_embed"])}
    if cfg["positional"] == "learned":
        expected["pos_embed"] = attribution(cache["hook_pos_embed"])
    for l in range(cfg["n_layers"]):
        for h in range(cfg["n_heads"]):
            expected[f"L{l}H{h}"] = attribution(cache[f"blocks.{l}.attn.hook_result"][:, :, h])
        if cfg["d_mlp"]:
            expected[f"mlp{l}"] = attribution(cache[f"blocks.{l}.hook_mlp_out_nobias"])
    dla = np.load(f"{out}/dla.npy")
    for row, name in enumerate(summary["dlaComponents"]):
        if name in expected:
            check(f"dla {name}", dla[row, 1:], expected[name], 1e-3 * max(1, np.abs(expected[name]).max()))
    check("dla total = mean correct-token logit", dla[:, 1:].sum(0),
          np.take_along_axis(logits[:, 1:], target[..., None], -1)[..., 0].mean(0), 1e-2)

    print("FAILED: " + ", ".join(failures) if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(*sys.argv[1:3])
