#!/usr/bin/env python3
"""Write N synthetic input windows for a model, as float32 real values: `make run`'s batch.

    scripts/make_windows.py MODEL N OUT.npy [--seed S]

There is no recorded sensor data in this repository, so the windows are random (seeded) real
values spread over the whole range the model's input quantization can represent, plus a few
values out of range on each side (they saturate). They exercise every input code and the
rounding of the quantization; they say nothing about accuracy (no labels).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))
from tinyml_host.tflite_model import read_model  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t = read_model(Path(args.model).read_bytes()).inputs[0]
    rng = np.random.default_rng(args.seed)
    if t.dtype in ("int8", "uint8") and t.scale > 0:
        lo, hi = (-128, 127) if t.dtype == "int8" else (0, 255)
        span = ((lo - 2 - t.zero_point) * t.scale, (hi + 2 - t.zero_point) * t.scale)
    else:
        span = (-1.0, 1.0)
    x = rng.uniform(*span, size=(args.n, *t.shape[1:])).astype(np.float32)
    np.save(args.out, x)
    print(f"wrote {args.n} windows of shape {list(t.shape[1:])} to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
