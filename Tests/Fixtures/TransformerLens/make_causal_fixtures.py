"""Makes the activation-patching and logit-lens fixtures that Rederive's tests compare against.

Run after make_fixtures.py (whose trained models it reads), in a virtualenv outside the repo
made with `python3 -m venv /work/tl-venv && /work/tl-venv/bin/pip install transformer_lens==3.9.0`
(the committed outputs were made with transformer_lens 3.9.0, torch 2.15.0, numpy 2.4.6 and
safetensors 0.8.0, Python 3.11, on CPU with one thread):

    /work/tl-venv/bin/python Tests/Fixtures/TransformerLens/make_causal_fixtures.py [MODEL ...]

For each model it loads MODEL/model.safetensors into a HookedTransformer (the config of
make_fixtures.py; load_and_process_state_dict with no folding or centring) and writes into
causal/MODEL/:

    clean.npy, corrupted.npy   [batch, n_ctx] int64: random sequences (BOS first); in the corrupted
                               copy the token at p - 1 is replaced by another
    answers.npy                [batch, 3] int64: p (a different one per sequence), the original
                               token (correct) and its replacement (wrong)
    metrics.json               the metric (mean of logit[correct] - logit[wrong] at p) on the clean
                               and the corrupted tokens
    SWEEP.npy                  transformer_lens.patching.get_act_patch_SWEEP(model, corrupted,
                               clean_cache, metric) for the six sweeps (mlp_out only with an MLP)
    logit_lens.loss.npy        [stream, n_ctx] on MODEL/tokens.npy and targets.npy: every stream of
    logit_lens.accuracy.npy    cache.accumulated_resid(incl_mid=True; False attention-only) through
                               cache.apply_ln_to_stack, ln_final.w/.b and the unembedding: mean
                               cross-entropy and top-1 accuracy over the sequences with a target
                               (NaN at position 0, which has none)
"""
import json
import os
import sys

import numpy as np
import torch
import transformer_lens
import transformer_lens.patching as patching
from safetensors.torch import load_file
from transformer_lens import HookedTransformer, HookedTransformerConfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import MODELS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SWEEPS = ["resid_pre", "attn_out", "mlp_out", "attn_head_out_all_pos", "attn_head_out_by_pos",
          "attn_head_pattern_all_pos"]
BATCH = 6


def load(name):
    cfg = HookedTransformerConfig(**MODELS[name]["cfg"], seed=0)
    model = HookedTransformer(cfg)
    state = load_file(os.path.join(HERE, name, "model.safetensors"))
    model.load_and_process_state_dict(state, fold_ln=False, center_writing_weights=False,
                                      center_unembed=False, fold_value_biases=False)
    model.eval()
    return model


def corruption(cfg, generator):
    clean = torch.randint(1, cfg.d_vocab, (BATCH, cfg.n_ctx), generator=generator)
    clean[:, 0] = 0
    corrupted = clean.clone()
    # Answer positions spread over the context, the last one below n_ctx - 1 so that some
    # positions lie past every answer.
    positions = torch.linspace(1, cfg.n_ctx - 2, BATCH).round().long()
    answers = torch.zeros(BATCH, 3, dtype=torch.long)
    for b in range(BATCH):
        p = int(positions[b])
        original = int(clean[b, p - 1])
        other = original
        while other == original:
            other = int(torch.randint(1, cfg.d_vocab, (1,), generator=generator))
        corrupted[b, p - 1] = other
        answers[b] = torch.tensor([p, original, other])
    return clean, corrupted, answers


def logit_lens(model, tokens, targets):
    _, cache = model.run_with_cache(tokens)
    stack = cache.accumulated_resid(incl_mid=not model.cfg.attn_only)  # [stream, batch, pos, d_model]
    stack = cache.apply_ln_to_stack(stack)
    if model.cfg.normalization_type == "LN":
        stack = stack * model.ln_final.w + model.ln_final.b
    logits = stack @ model.unembed.W_U + model.unembed.b_U  # [stream, batch, pos, d_vocab]
    mask = targets >= 0
    safe = targets.clamp(min=0)
    logprobs = torch.log_softmax(logits.double(), dim=-1)
    loss = -logprobs.gather(-1, safe[None, ..., None].expand(logits.shape[0], -1, -1, 1))[..., 0]
    hit = (logits.argmax(-1) == safe[None]).double()
    counts = mask.sum(0).double()
    with np.errstate(invalid="ignore"):
        mean_loss = ((loss * mask).sum(1) / counts).numpy()
        accuracy = ((hit * mask).sum(1) / counts).numpy()
    mean_loss[:, counts.numpy() == 0] = np.nan
    accuracy[:, counts.numpy() == 0] = np.nan
    return mean_loss.astype(np.float32), accuracy.astype(np.float32)


def main(names):
    torch.set_num_threads(1)
    print("transformer_lens", transformer_lens.__version__ if hasattr(transformer_lens, "__version__") else "?",
          "torch", torch.__version__)
    for name in names:
        model = load(name)
        cfg = model.cfg
        folder = os.path.join(HERE, "causal", name)
        os.makedirs(folder, exist_ok=True)
        clean, corrupted, answers = corruption(cfg, torch.Generator().manual_seed(3))
        rows = torch.arange(BATCH)

        def metric(logits):
            return (logits[rows, answers[:, 0], answers[:, 1]] - logits[rows, answers[:, 0], answers[:, 2]]).mean()

        arrays = {"clean": clean.numpy(), "corrupted": corrupted.numpy(), "answers": answers.numpy()}
        with torch.no_grad():
            clean_logits, clean_cache = model.run_with_cache(clean)
            metrics = {"clean": float(metric(clean_logits)), "corrupted": float(metric(model(corrupted)))}
            for sweep in SWEEPS:
                if sweep == "mlp_out" and cfg.attn_only:
                    continue
                function = getattr(patching, "get_act_patch_" + sweep)
                arrays[sweep] = function(model, corrupted, clean_cache, metric).numpy().astype(np.float32)
            tokens = torch.from_numpy(np.load(os.path.join(HERE, name, "tokens.npy")))
            targets = torch.from_numpy(np.load(os.path.join(HERE, name, "targets.npy")))
            arrays["logit_lens.loss"], arrays["logit_lens.accuracy"] = logit_lens(model, tokens, targets)
        for key, value in arrays.items():
            np.save(os.path.join(folder, key + ".npy"), value.astype(np.int64) if value.dtype.kind == "i" else value)
        with open(os.path.join(folder, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=1, sort_keys=True)
        print(f"{name}: clean {metrics['clean']:.4f}, corrupted {metrics['corrupted']:.4f}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(MODELS))
