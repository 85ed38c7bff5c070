"""Writes the small model files the device tests load (run with the repository's .venv):

    .venv/bin/python tests/device/data/generate.py

unsupported_op.tflite: one int8 FLOOR_DIV node (an op tinyml does not implement), built with
tests/host/single_op_models.py. tests/host/test_device_data.py checks the committed files are
exactly what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "host"))

from single_op_models import Tensor, build_single_op_model  # noqa: E402


def unsupported_op_model() -> bytes:
    a = Tensor([1, 4], "int8", scale=0.1, zero_point=0)
    b = Tensor([1, 4], "int8", scale=0.1, zero_point=0)
    y = Tensor([1, 4], "int8", scale=0.1, zero_point=0)
    return build_single_op_model("FLOOR_DIV", [a, b], [y], options=None)


FILES = {"unsupported_op.tflite": unsupported_op_model}


def main() -> None:
    for name, make in FILES.items():
        (HERE / name).write_bytes(make())
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
