#!/usr/bin/env bash
# Training throughput, ours vs PyTorch eager (shared/reference/torch_model.py bench), per preset,
# interleaved in one sitting so both see the same machine load. Prints one JSON line per preset
# and per implementation, then the speed-up.
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
  theirs=$("$PY" "$REF/torch_model.py" bench --preset "$preset" --steps "$STEPS" --threads "$THREADS")
  echo "$ours"
  echo "$theirs"
  "$PY" -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(json.dumps({'preset': a['preset'], 'ours_ms': a['step_ms_median'], 'torch_ms': round(b['step_ms_median'], 2), 'speedup': round(b['step_ms_median'] / a['step_ms_median'], 2)}))" "$ours" "$theirs"
done
