"""Cross-checks `rederive patch` against TransformerLens on the same model and tokens.

    rederive patch RUN --out OUT          # the task's own batch: OUT/clean.npy, corrupted.npy, answers.npy
    /work/tl-venv/bin/python Scripts/check-patching.py RUN/model.safetensors OUT

Loads the Rederive checkpoint into a HookedTransformer (the config from its metadata; no folding
or centring), runs transformer_lens.patching's get_act_patch_* for every sweep OUT holds on OUT's
own clean, corrupted and answers arrays, and compares: the clean and corrupted metrics, and each
sweep to 1e-4 of its largest magnitude. Prints, for resid_pre, attn_out and mlp_out, TransformerLens's
normalised restoration at the corrupted position and at the answer, by layer. Exits 1 on a
disagreement. Needs transformer_lens 3.9 (made and run with 3.9.0, torch 2.15.0).
"""
import json
import sys

import numpy as np
import torch
import transformer_lens.patching as patching
from safetensors import safe_open
from safetensors.torch import load_file
from transformer_lens import HookedTransformer, HookedTransformerConfig

TOLERANCE = 1e-4


def load(checkpoint):
    with safe_open(checkpoint, "pt") as f:
        c = json.loads(f.metadata()["config"])
    cfg = HookedTransformerConfig(
        n_layers=c["n_layers"], d_model=c["d_model"], n_heads=c["n_heads"], d_head=c["d_head"],
        d_mlp=c.get("d_mlp"), act_fn=c.get("act_fn") or "relu", d_vocab=c["d_vocab"], n_ctx=c["n_ctx"],
        normalization_type="LN" if c["normalization"] == "LN" else None, attn_only=not c.get("d_mlp"), seed=0)
    model = HookedTransformer(cfg)
    state = model.state_dict()
    state.update(load_file(checkpoint))
    model.load_and_process_state_dict(state, fold_ln=False, center_writing_weights=False,
                                      center_unembed=False, fold_value_biases=False)
    return model.eval()


def main(checkpoint, folder):
    torch.set_num_threads(2)
    model = load(checkpoint)
    with open(folder + "/summary.json") as f:
        summary = json.load(f)
    clean = torch.from_numpy(np.load(folder + "/clean.npy"))
    corrupted = torch.from_numpy(np.load(folder + "/corrupted.npy"))
    answers = torch.from_numpy(np.load(folder + "/answers.npy"))
    rows = torch.arange(clean.shape[0])

    def metric(logits):
        return (logits[rows, answers[:, 0], answers[:, 1]] - logits[rows, answers[:, 0], answers[:, 2]]).mean()

    failures = 0
    with torch.no_grad():
        logits, cache = model.run_with_cache(clean)
        clean_metric, corrupted_metric = float(metric(logits)), float(metric(model(corrupted)))
        for name, ours, theirs in [("clean", summary["cleanMetric"], clean_metric),
                                   ("corrupted", summary["corruptedMetric"], corrupted_metric)]:
            ok = abs(ours - theirs) <= TOLERANCE * max(1, abs(theirs))
            failures += not ok
            print(f"{name} metric: rederive {ours:.5f}, TransformerLens {theirs:.5f}" + ("" if ok else "  MISMATCH"))
        p = int(answers[0, 0])
        changed = (clean != corrupted).nonzero()[:, 1].unique().tolist()
        for sweep in summary["sweeps"]:
            reference = getattr(patching, "get_act_patch_" + sweep)(model, corrupted, cache, metric).numpy()
            error = np.abs(np.load(f"{folder}/{sweep}.npy") - reference).max() / max(np.abs(reference).max(), 1e-12)
            failures += error > TOLERANCE
            line = f"{sweep}: max |rederive - TL| / max |TL| = {error:.1e}"
            if sweep in ("resid_pre", "attn_out", "mlp_out") and len(changed) == 1 and (answers[:, 0] == p).all():
                restored = (reference - corrupted_metric) / (clean_metric - corrupted_metric)
                line += f"; TL restores at position {changed[0]}, {p} by layer: " + ", ".join(
                    f"L{l} {restored[l, changed[0]]:.3f}, {restored[l, p]:.3f}" for l in range(restored.shape[0]))
            print(line + ("  MISMATCH" if error > TOLERANCE else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
