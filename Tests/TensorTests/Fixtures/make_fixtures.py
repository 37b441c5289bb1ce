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
