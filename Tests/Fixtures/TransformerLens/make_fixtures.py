"""Makes the TransformerLens fixtures that Rederive's tests compare against.

Run with TransformerLens 3.9.0 (and torch, numpy, safetensors) in a virtualenv outside the repo:

    /work/venv/bin/python Tests/Fixtures/TransformerLens/make_fixtures.py [MODEL ...]

For each model it trains a HookedTransformer on the previous-token task for a few hundred steps
and writes, into a folder named for the model:

    model.safetensors   safetensors.torch.save_file(model.state_dict()), buffers included
    config.json         json.dump(cfg.to_dict(), f, default=str)
    tokens.npy          [batch, n_ctx] int64, position 0 is BOS (token 0)
    targets.npy         [batch, n_ctx] int64, the previous token (-1 at position 0)
    logits.npy          [batch, n_ctx, d_vocab] float32
    blocks.L.attn.hook_pattern.npy, blocks.0.hook_resid_pre.npy, blocks.L.hook_resid_mid.npy,
    blocks.L.hook_resid_post.npy    run_with_cache outputs, float32
    dla.npy             [components, n_ctx] mean direct logit attribution to the target, from the
                        cache (components: embed, [pos_embed], L{l}H{h}..., [mlp{l}], per layer
                        in that order, then bias), 0 at position 0
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file
from transformer_lens import HookedTransformer, HookedTransformerConfig

HERE = os.path.dirname(os.path.abspath(__file__))

MODELS = {
    # The study's model (TransformerLens demo No_Position_Experiment): W_pos zeroed and frozen.
    "study": dict(cfg=dict(n_layers=2, d_model=64, n_heads=1, d_head=64, d_mlp=256, act_fn="relu",
                           d_vocab=300, n_ctx=50, normalization_type="LN"),
                  zero_pos=True, steps=400, lr=1e-3, batch=4),
    # Two layers of four GELU heads with learned positions.
    "heads4_gelu": dict(cfg=dict(n_layers=2, d_model=32, n_heads=4, d_head=8, d_mlp=64, act_fn="gelu",
                                 d_vocab=40, n_ctx=16, normalization_type="LN"),
                        zero_pos=False, steps=300, lr=3e-3, batch=4),
    # Attention-only, no normalisation, three layers of two heads.
    "attn_only": dict(cfg=dict(n_layers=3, d_model=24, n_heads=2, d_head=6, attn_only=True, act_fn=None,
                               d_vocab=20, n_ctx=12, normalization_type=None),
                      zero_pos=False, steps=300, lr=3e-3, batch=4),
}


def batch(generator, count, n_ctx, d_vocab):
    tokens = torch.randint(1, d_vocab, (count, n_ctx), generator=generator)
    tokens[:, 0] = 0
    targets = torch.full_like(tokens, -1)
    targets[:, 1:] = tokens[:, :-1]
    return tokens, targets


def train(model, spec, generator):
    cfg = model.cfg
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=spec["lr"], weight_decay=0.01)
    for _ in range(spec["steps"]):
        tokens, targets = batch(generator, 64, cfg.n_ctx, cfg.d_vocab)
        logits = model(tokens)
        loss = torch.nn.functional.cross_entropy(logits[:, 1:].reshape(-1, cfg.d_vocab), targets[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def direct_logit_attribution(model, cache, tokens, targets, learned_positions):
    cfg = model.cfg
    writers = [("embed", cache["hook_embed"])]
    if learned_positions:
        writers.append(("pos_embed", cache["hook_pos_embed"].expand_as(cache["hook_embed"])))
    bias = torch.zeros(cfg.d_model)
    for l in range(cfg.n_layers):
        z = cache[f"blocks.{l}.attn.hook_z"]
        result = torch.einsum("bphd,hdm->bphm", z, model.blocks[l].attn.W_O)
        for h in range(cfg.n_heads):
            writers.append((f"L{l}H{h}", result[:, :, h]))
        bias = bias + model.blocks[l].attn.b_O
        if not cfg.attn_only:
            b_out = model.blocks[l].mlp.b_out
            writers.append((f"mlp{l}", cache[f"blocks.{l}.hook_mlp_out"] - b_out))
            bias = bias + b_out
    ln = cfg.normalization_type == "LN"
    scale = cache["ln_final.hook_scale"] if ln else torch.ones(tokens.shape + (1,))
    w = model.ln_final.w if ln else torch.ones(cfg.d_model)
    b = model.ln_final.b if ln else torch.zeros(cfg.d_model)
    safe_targets = targets.clamp(min=0)
    direction = w[:, None] * model.unembed.W_U  # [d_model, d_vocab]
    direction = direction[:, safe_targets].permute(1, 2, 0)  # [batch, pos, d_model]
    mask = (targets >= 0).float()

    def project(x):
        if ln:
            x = x - x.mean(-1, keepdim=True)
        return (x * direction).sum(-1) / scale[..., 0]

    rows = [project(out) for _, out in writers]
    constant = project(bias.expand_as(cache["hook_embed"]))
    constant = constant + (b[:, None] * model.unembed.W_U)[:, safe_targets].sum(0) + model.unembed.b_U[safe_targets]
    rows.append(constant)
    counts = mask.sum(0).clamp(min=1)
    return torch.stack([(r * mask).sum(0) / counts for r in rows]).numpy().astype(np.float32)


def main(names):
    torch.set_num_threads(1)
    for name in names:
        spec = MODELS[name]
        torch.manual_seed(0)
        folder = os.path.join(HERE, name)
        os.makedirs(folder, exist_ok=True)
        cfg = HookedTransformerConfig(**spec["cfg"], seed=0)
        model = HookedTransformer(cfg)
        if spec["zero_pos"]:
            model.pos_embed.W_pos.data[:] = 0
            model.pos_embed.W_pos.requires_grad_(False)
        generator = torch.Generator().manual_seed(1)
        loss = train(model, spec, generator)
        model.eval()
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(folder, "model.safetensors"))
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(cfg.to_dict(), f, default=str)
        tokens, targets = batch(torch.Generator().manual_seed(2), spec["batch"], cfg.n_ctx, cfg.d_vocab)
        with torch.no_grad():
            logits, cache = model.run_with_cache(tokens)
            dla = direct_logit_attribution(model, cache, tokens, targets, not spec["zero_pos"])
        arrays = {"tokens": tokens.numpy().astype(np.int64), "targets": targets.numpy().astype(np.int64),
                  "logits": logits.numpy().astype(np.float32), "dla": dla}
        streams = ["blocks.0.hook_resid_pre"]
        for l in range(cfg.n_layers):
            arrays[f"blocks.{l}.attn.hook_pattern"] = cache[f"blocks.{l}.attn.hook_pattern"].numpy()
            if not cfg.attn_only:
                streams.append(f"blocks.{l}.hook_resid_mid")
            streams.append(f"blocks.{l}.hook_resid_post")
        for stream in streams:
            arrays[stream] = cache[stream].numpy()
        for key, value in arrays.items():
            np.save(os.path.join(folder, key + ".npy"), value)
        print(f"{name}: final training loss {loss:.4f}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(MODELS))
