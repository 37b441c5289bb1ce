"""Makes the byte-level fixtures for TensorTests. Run once; the outputs are committed.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy safetensors
    cd Tests/TensorTests/Fixtures && /tmp/ref/bin/python make_fixtures.py

numpy 2.4.6 and safetensors 0.8.0 made the committed files. The values are simple formulas so
that the Swift tests can restate them without reading Python.
"""
import json
import numpy as np
from safetensors.numpy import save_file

# .npy, written by numpy.save (format 1.0)
np.save("f32_2x3.npy", (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) / 4)   # (i - 2.5) / 4
np.save("i32_4.npy", np.array([-2, -1, 0, 2147483647], dtype=np.int32))
np.save("i64_2x2.npy", np.array([[0, -1], [2**40, -(2**62)]], dtype=np.int64))
np.save("f32_scalar.npy", np.float32(1.5))
np.save("f32_empty_0x4.npy", np.zeros((0, 4), dtype=np.float32))

# safetensors, written by the Python package (one metadata key, so its order is fixed)
save_file({
    "embed.W_E": (np.arange(12, dtype=np.float32).reshape(4, 3) * 0.5),   # i * 0.5
    "tokens": np.array([[0, 5, 7]], dtype=np.int64),
    "positions": np.arange(3, dtype=np.int32),
}, "small.safetensors", metadata={"config": json.dumps({"d_model": 3, "act_fn": "relu"})})

# PCG64: raw outputs for a given raw state and increment (compare RandomGenerator(rawState:)).
bg = np.random.PCG64()
bg.state = {"bit_generator": "PCG64", "state": {"state": 0x0123456789ABCDEF_FEDCBA9876543210,
            "inc": 0x0000000000000001_DA3E39CB94B95BDB}, "has_uint32": 0, "uinteger": 0}
print("pcg64 raw:", [hex(v) for v in bg.random_raw(4)])

# --- Added for F16/BF16 checkpoints and the eigensolver (torch 2.15, safetensors 0.8.0, numpy 2.4.6).
# Run from this folder with the project's virtualenv: /work/venv/bin/python make_fixtures.py

import torch
from safetensors.torch import save_file as save_torch_file

# half.safetensors, as PyTorch writes half-precision tensors: F16 and BF16 beside an F32 one.
f16_bits = np.array([
    0x0000, 0x8000,          # +0, -0
    0x3C00, 0xC100,          # 1, -2.5
    0x7BFF,                  # 65504, the largest F16
    0x0400,                  # 2^-14, the smallest normal
    0x0001, 0x8001,          # ±2^-24, the smallest subnormal
    0x03FF,                  # 1023 * 2^-24, the largest subnormal
    0x0200,                  # 2^-15, a subnormal
    0x2E66,                  # 0.1 rounded to F16: 0.0999755859375
], dtype=np.uint16)
bf16_values = [1.0, -0.0, -1.5, 0.1, 2.0**-126, 2.0**-133, 2.0**-127 * 3, (2 - 2.0**-7) * 2.0**127]
save_torch_file({
    "f16": torch.from_numpy(f16_bits.view(np.float16)).reshape(1, 11),
    "f16_nonfinite": torch.tensor([float("inf"), float("-inf"), float("nan")], dtype=torch.float16),
    # bfloat16(0.1) rounds to 0.10009765625; the others are exact.
    "bf16": torch.tensor(bf16_values, dtype=torch.bfloat16).reshape(2, 4),
    "bf16_nonfinite": torch.tensor([float("inf"), float("-inf"), float("nan")], dtype=torch.bfloat16),
    "f32": torch.tensor([0.5, -3.0], dtype=torch.float32),
}, "half.safetensors", metadata={"note": "F16/BF16 fixture"})

# eigh.npy / eigh_values.npy / eigh_vectors.npy: numpy's LAPACK eigh, in float64, of a fixed
# symmetric 48 x 48 float32 matrix (its eigenvalues distinct); values descending,
# vectors as rows with the largest-magnitude entry positive.
rng = np.random.default_rng(7)
x = rng.standard_normal((64, 48)).astype(np.float32)
a = (x.T @ x / 64 - np.eye(48, dtype=np.float32)).astype(np.float32)
a = ((a + a.T) / 2).astype(np.float32)
values, vectors = np.linalg.eigh(a.astype(np.float64))
order = np.argsort(-values, kind="stable")
values, vectors = values[order], vectors[:, order].T
largest = np.argmax(np.abs(vectors), axis=1)
vectors *= np.sign(vectors[np.arange(48), largest])[:, None]
np.save("eigh.npy", a)
np.save("eigh_values.npy", values.astype(np.float32))
np.save("eigh_vectors.npy", vectors.astype(np.float32))
