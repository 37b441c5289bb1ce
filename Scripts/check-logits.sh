#!/usr/bin/env bash
# Cross-check: our logits against the independent PyTorch twin (shared/reference/torch_model.py)
# for the study config and an attention-only config, on the same checkpoint and tokens.
# Trains each config briefly (so the weights are not just the initialisation), then compares.
#   Scripts/check-logits.sh [PYTHON] [REFERENCE_DIR]
# Needs a release build (swift build -c release) and a Python with torch, numpy, safetensors.
set -euo pipefail
PY=${1:-/tmp/ref/bin/python}
REF=${2:-$(cd "$(dirname "$0")/.." && pwd)/../shared/reference}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/.build/release/rederive"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TOL=1e-4
status=0
for config in study attn-only; do
  "$BIN" train --config "$ROOT/Configs/$config.yaml" --out "$WORK/$config" --steps 200 --threads 2 2>/dev/null
  "$PY" -c "import numpy as np; r=np.random.default_rng(1); t=r.integers(1,300,size=(64,50)); t[:,0]=0; np.save('$WORK/tokens.npy', t)"
  ours=$("$BIN" logits "$WORK/$config/model.safetensors" --tokens "$WORK/tokens.npy" --out "$WORK/ours.npy")
  theirs=$("$PY" "$REF/torch_model.py" logits "$WORK/$config/model.safetensors" --tokens "$WORK/tokens.npy" --out "$WORK/theirs.npy")
  "$PY" - "$WORK/ours.npy" "$WORK/theirs.npy" "$config" "$TOL" "$ours" "$theirs" <<'PY' || status=1
import json, sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
config, tol = sys.argv[3], float(sys.argv[4])
diff = float(np.abs(a - b).max())
ok = a.shape == b.shape and diff <= tol
print(json.dumps({"config": config, "shape": list(a.shape), "max_abs_diff": diff,
                  "loss_ours": json.loads(sys.argv[5])["loss"], "loss_torch": json.loads(sys.argv[6])["loss"],
                  "tolerance": tol, "ok": ok}))
sys.exit(0 if ok else 1)
PY
done
exit $status
