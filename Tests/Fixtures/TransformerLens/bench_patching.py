"""TransformerLens's side of `rederive bench patch`: times transformer_lens.patching's sweeps on
the model and tokens the Swift side wrote, in this process, and prints one JSON line.

    python bench_patching.py FOLDER [--repeats N] [--threads T] [SWEEP ...]

FOLDER holds model.safetensors (TransformerLens names), config.json (HookedTransformerConfig
keyword arguments), clean.npy, corrupted.npy and answers.npy, as `rederive bench patch` writes
them. Each sweep's time is the median of N runs, after one untimed warm-up of the whole set;
the clean cache is made once, outside the timings, as a user of TransformerLens would.
Run with transformer_lens 3.9.0 (e.g. /work/tl-venv/bin/python).
"""
import argparse
import json
import time

import numpy as np
import torch
import transformer_lens.patching as patching
from safetensors.torch import load_file
from transformer_lens import HookedTransformer, HookedTransformerConfig


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("sweeps", nargs="*", default=["resid_pre", "attn_out", "mlp_out", "attn_head_out_by_pos"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with open(f"{args.folder}/config.json") as f:
        cfg = HookedTransformerConfig(**json.load(f))
    model = HookedTransformer(cfg)
    state = model.state_dict()
    state.update(load_file(f"{args.folder}/model.safetensors"))
    model.load_and_process_state_dict(state, fold_ln=False, center_writing_weights=False,
                                      center_unembed=False, fold_value_biases=False)
    model.eval()
    clean = torch.from_numpy(np.load(f"{args.folder}/clean.npy"))
    corrupted = torch.from_numpy(np.load(f"{args.folder}/corrupted.npy"))
    answers = torch.from_numpy(np.load(f"{args.folder}/answers.npy"))
    rows = torch.arange(clean.shape[0])

    def metric(logits):
        return (logits[rows, answers[:, 0], answers[:, 1]] - logits[rows, answers[:, 0], answers[:, 2]]).mean()

    times = {}
    with torch.no_grad():
        _, clean_cache = model.run_with_cache(clean)
        functions = {s: getattr(patching, "get_act_patch_" + s) for s in args.sweeps}
        for f in functions.values():
            f(model, corrupted, clean_cache, metric)
        for name, f in functions.items():
            runs = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                f(model, corrupted, clean_cache, metric)
                runs.append(time.perf_counter() - start)
            times[name] = sorted(runs)[len(runs) // 2]
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "seconds": times}))


if __name__ == "__main__":
    main()
