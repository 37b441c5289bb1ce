#!/usr/bin/env bash
# Training throughput, ours vs PyTorch eager (shared/reference/torch_model.py bench) and
# torch.compile (torch_compiled_bench.py), per preset, interleaved in one sitting so all three
# see the same machine load. Prints the FMA peak and our 2048^3 product first, then one JSON
# line per preset and implementation, then the speed-ups.
#   Scripts/bench-vs-torch.sh [PYTHON] [REFERENCE_DIR] [THREADS] [STEPS]
set -euo pipefail
PY=${1:-/tmp/ref/bin/python}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REF=${2:-$ROOT/../shared/reference}
THREADS=${3:-2}
STEPS=${4:-50}
BIN="$ROOT/.build/release/rederive"
"$BIN" bench train --preset A --steps 1 --warmup 0 --threads "$THREADS" --sgemm | head -1
for preset in study A B C; do
  ours=$("$BIN" bench train --preset "$preset" --steps "$STEPS" --threads "$THREADS")
  eager=$("$PY" "$REF/torch_model.py" bench --preset "$preset" --steps "$STEPS" --threads "$THREADS")
  compiled=$("$PY" "$REF/torch_compiled_bench.py" --preset "$preset" --steps "$STEPS" --threads "$THREADS" 2>/dev/null | tail -1)
  echo "$ours"
  echo "$eager"
  echo "$compiled"
  "$PY" -c "
import json, sys
a, e, c = (json.loads(x) for x in sys.argv[1:4])
print(json.dumps({'preset': a['preset'], 'ours_ms': a['step_ms_median'], 'eager_ms': round(e['step_ms_median'], 2),
                  'compiled_ms': round(c['step_ms_median'], 2),
                  'vs_eager': round(e['step_ms_median'] / a['step_ms_median'], 2),
                  'vs_compiled': round(c['step_ms_median'] / a['step_ms_median'], 2)}))" "$ours" "$eager" "$compiled"
done
