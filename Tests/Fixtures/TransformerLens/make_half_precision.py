"""Makes the half-precision copies of a TransformerLens fixture, as PyTorch saves a model after
`model.half()` or `model.to(torch.bfloat16)`: every floating-point tensor (parameters and the
`attn.IGNORE` buffer, -inf) in F16 or BF16, the BOOL `attn.mask` buffers unchanged.

Run after make_fixtures.py, with torch 2.15 and safetensors 0.8.0:

    /work/venv/bin/python Tests/Fixtures/TransformerLens/make_half_precision.py [MODEL]

It writes into MODEL's folder (default heads4_gelu):

    model.f16.safetensors             the state dict in float16
    model.bf16.safetensors            the state dict in bfloat16
    model.f16.nonfinite.safetensors   the float16 one with embed.W_E[3, 5] = +inf (overflow)
"""
import os
import sys

import torch
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))


def main(name):
    folder = os.path.join(HERE, name)
    state = load_file(os.path.join(folder, "model.safetensors"))
    for suffix, dtype in [("f16", torch.float16), ("bf16", torch.bfloat16)]:
        converted = {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}
        save_file(converted, os.path.join(folder, f"model.{suffix}.safetensors"))
        if dtype == torch.float16:
            converted["embed.W_E"] = converted["embed.W_E"].clone()
            converted["embed.W_E"][3, 5] = float("inf")
            save_file(converted, os.path.join(folder, f"model.{suffix}.nonfinite.safetensors"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "heads4_gelu")
