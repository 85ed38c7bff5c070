"""Writes the small model files the device tests load (run with the repository's .venv):

    .venv/bin/python tests/device/data/generate.py

Built with tests/host/single_op_models.py; tests/host/test_device_data.py checks the committed
files are exactly what this script writes.
- unsupported_op.tflite: one int8 FLOOR_DIV node (an op tinyml does not implement);
- huge_arena.tflite: two RELU outputs of [0x7fffffff] int8 live together: 4 GiB of arena, which
  wraps to 0 in 32 bits (issue 11, A);
- reshape_<dtype>.tflite: RESHAPE [2, 2] -> [4] of a bool / int16 / int32 / int64 / uint8 tensor
  (quantized where the dtype is an integer), for reading every output dtype;
- mixed_outputs.tflite: int8 RELU(x), and RESHAPEs of constant bool, int64 and int32 tensors:
  outputs of every dtype from a model that takes floats;
- op_version_0.tflite, schema_version_0.tflite: a RELU whose op version, or whose model's schema
  version, is 0: corrupt, not unsupported;
- conv_16x8_small.tflite, fc_16x8_small.tflite: int16 activations with int8 weights (TFLM's 16x8
  mode): a CONV_2D and a FULLY_CONNECTED, both with int64 biases, built as tests/host/test_ops_int16_conv.py builds
  its cases, for model_16x8.py and the link's int16 windows;
- lstm_small.tflite, svdf_small.tflite: one UNIDIRECTIONAL_SEQUENCE_LSTM (batch 1, 4 time steps,
  3 features, 5 units, cell clip) and one SVDF (int16 state, rank 2, memory 4), built as
  tests/host/test_ops_rnn.py builds its cases, for model_recurrent.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "host"))

from single_op_models import Op, Tensor, build_model, build_single_op_model  # noqa: E402


def unsupported_op_model() -> bytes:
    a = Tensor([1, 4], "int8", scale=0.1, zero_point=0)
    b = Tensor([1, 4], "int8", scale=0.1, zero_point=0)
    y = Tensor([1, 4], "int8", scale=0.1, zero_point=0)
    return build_single_op_model("FLOOR_DIV", [a, b], [y], options=None)


def huge_arena_model() -> bytes:
    # x -> RELU -> a, x -> RELU -> b, ADD(a, b) -> y: a and b are live together at the ADD.
    big = [0x7FFFFFFF]
    q = dict(scale=0.1, zero_point=0)
    tensors = [Tensor(big, "int8", **q), Tensor(big, "int8", **q), Tensor(big, "int8", **q), Tensor(big, "int8", **q)]
    ops = [Op("RELU", [0], [1]), Op("RELU", [0], [2]), Op("ADD", [1, 2], [3], options={})]
    return build_model(tensors, ops, [0], [3])


def reshape_model(dtype: str) -> bytes:
    q = {} if dtype == "bool" else dict(scale=0.5, zero_point=3 if dtype == "uint8" else 1)
    return build_single_op_model("RESHAPE", [Tensor([2, 2], dtype, **q)], [Tensor([4], dtype, **q)])


def mixed_outputs_model() -> bytes:
    q = dict(scale=0.5, zero_point=0)
    tensors = [Tensor([1, 4], "int8", **q), Tensor([1, 4], "int8", **q),
               Tensor([2, 2], "bool", data=[[True, False], [True, True]]), Tensor([4], "bool"),
               Tensor([2, 2], "int64", data=[[5, -6], [7, 1 << 40]]), Tensor([4], "int64"),
               Tensor([2, 2], "int32", data=[[5, 6], [7, 8]], **q), Tensor([4], "int32", **q)]
    ops = [Op("RELU", [0], [1]), Op("RESHAPE", [2], [3]), Op("RESHAPE", [4], [5]), Op("RESHAPE", [6], [7])]
    return build_model(tensors, ops, [0], [1, 3, 5, 7])


def lstm_small_model() -> bytes:
    import numpy as np
    from test_ops_rnn import lstm_model
    return lstm_model(np.random.default_rng(2024), 1, 4, 3, 5, cell_clip=3.0, cell_scale=2.0 ** -12,
                      hidden=(0.006, 7))[0]


def svdf_small_model() -> bytes:
    import numpy as np
    from test_ops_rnn import svdf_model
    return svdf_model(np.random.default_rng(2025), 1, 6, 4, 2, 4)[0]


def int16x8_model(generator: str, seed: int, index: int) -> bytes:
    import numpy as np
    from test_ops_int16_conv import GENERATORS
    rng = np.random.default_rng(seed)
    cases = [GENERATORS[generator](rng, i) for i in range(index + 1)]
    return cases[index][1]  # (name, model, inputs, outputs)


def relu_model(op_version: int = 1, schema_version: int = 3) -> bytes:
    q = dict(scale=0.1, zero_point=0)
    return build_model([Tensor([1, 4], "int8", **q), Tensor([1, 4], "int8", **q)],
                       [Op("RELU", [0], [1], version=op_version)], [0], [1], schema_version=schema_version)


FILES = {
    "unsupported_op.tflite": unsupported_op_model,
    "huge_arena.tflite": huge_arena_model,
    "mixed_outputs.tflite": mixed_outputs_model,
    "op_version_0.tflite": lambda: relu_model(op_version=0),
    "schema_version_0.tflite": lambda: relu_model(schema_version=0),
    "lstm_small.tflite": lstm_small_model,
    "svdf_small.tflite": svdf_small_model,
    "conv_16x8_small.tflite": lambda: int16x8_model("conv_2d_s16", 2026, 6),
    "fc_16x8_small.tflite": lambda: int16x8_model("fully_connected_s16", 2027, 14),
}
for _dtype in ("bool", "int16", "int32", "int64", "uint8"):
    FILES[f"reshape_{_dtype}.tflite"] = lambda d=_dtype: reshape_model(d)


def main() -> None:
    for name, make in FILES.items():
        (HERE / name).write_bytes(make())
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
