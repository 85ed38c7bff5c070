"""Issue 12, second activation / element-wise slice: ELU, PRELU, SQUARED_DIFFERENCE, RSQRT against
TFLM, bit for bit.

Same framework as test_single_ops_elementwise.py and test_ops_act.py: seeded random single-op
models (single_op_models.py) run in the `tflite-micro` package (the reference) and in tinyml's
plain C engine through ctypes (host_engine.py), a share of them through `import tinyml` in the
Unix port, and the models prepare must refuse. int16 versions of these ops are not supported
(refused).

What the cases cover, per op:
  ELU:          every int8 input value (the 256-entry table), input scales over three decades,
                output scales 0.05x to 4x the input's, zero points across int8.
  PRELU:        1- to 4-D inputs, alpha constant (as Keras writes it: the input shape without
                the batch, 1s on shared axes) or a second input of any broadcasting shape,
                symmetric and asymmetric alpha quantization, scales over three decades.
  SQUARED_DIFFERENCE: numpy broadcasting up to 4-D (same shapes up to 6-D), constant second
                operands, equal and different input scales, output scales around max(s)^2 * 255
                and narrow ones that saturate, zero points across int8.
  RSQRT:        every int8 input value with input zero point -128 (the only one accepted: TFLM's
                invoke fails on negative inputs, eval here cannot), input scales over five
                decades, output scales 0.02x to 3x the one that fits 1/sqrt(scale) in 127.

TINYML_ACT2_CASES scales the number of random cases per op (default 150).
"""

import os

import numpy as np
import pytest

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, build_engine
from single_op_models import Tensor, build_single_op_model
from test_ops_act import every_int8
from test_ops_act import test_rejections as check_rejection  # the same check, other models
from test_single_ops_elementwise import (broadcast_shapes, case, check_engine, check_unix_port, f32, log_uniform,
                                         random_dims, random_int8)

CASES = int(os.environ.get("TINYML_ACT2_CASES", "150"))
UNIX_CASES_PER_OP = 10


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def elu_case(rng, i):
    x = every_int8(rng, i)
    shape = list(x.shape)
    si, zi = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    so, zo = f32(si * rng.uniform(0.05, 4.0)), int(rng.integers(-128, 128))
    if i % 5 == 0:
        so, zo = si, zi                                     # same quantization
    model = build_single_op_model("ELU", [Tensor(shape, scale=si, zero_point=zi)],
                                  [Tensor(shape, scale=so, zero_point=zo)],
                                  version=1 if i % 7 == 0 else 2)
    return case(f"elu{i} {si}/{zi} -> {so}/{zo}", model, [x], [(shape, "int8")])


def elu_float32_case(rng, i):
    """ELU on float32, as TensorFlow's converter leaves it in an int8 model (between DEQUANTIZE and
    QUANTIZE): values across the range where expm1 matters (tiny, moderate, saturated), zeros of
    both signs, infinities and NaN."""
    n = int(rng.integers(1, 300))
    x = (rng.standard_normal(n) * float(rng.choice([1e-6, 0.01, 1.0, 5.0, 40.0]))).astype(np.float32)
    special = np.array([0.0, -0.0, -1e-30, 1e-30, -np.inf, np.inf, np.nan, -88.0, -104.0, 3.4e38], np.float32)
    k = min(n, int(rng.integers(0, len(special) + 1)))
    x[:k] = special[:k]
    shape = [n] if i % 2 else [1, n]
    model = build_single_op_model("ELU", [Tensor(shape, "float32")], [Tensor(shape, "float32")], version=1)
    return case(f"elu_float32_{i} {n}", model, [x.reshape(shape)], [(shape, "float32")])


def prelu_shapes(rng):
    """(input shape, alpha shape): up to 4-D input; alpha as Keras writes it (the input's shape
    without the batch, with 1s on shared axes) or any shape broadcasting to the input's."""
    rank = int(rng.choice([1, 2, 3, 4, 4]))
    shape = random_dims(rng, rank, hi=6, max_elems=400)
    if rng.random() < 0.6:
        alpha = [d if rng.random() < 0.7 else 1 for d in shape[1:]]
    else:
        alpha = [d if rng.random() < 0.5 else 1 for d in shape]
        alpha = alpha[int(rng.integers(0, len(alpha) + 1)):]
    return shape, alpha


def prelu_case(rng, i):
    shape, alpha_shape = prelu_shapes(rng)
    si, zi = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    sa, za = log_uniform(rng, 1e-3, 0.1), int(rng.integers(-128, 128))
    if rng.random() < 0.5:
        za = 0                                              # symmetric alpha
    so, zo = f32(si * rng.uniform(0.1, 3.0)), int(rng.integers(-128, 128))
    x, a = random_int8(rng, shape), random_int8(rng, alpha_shape)
    const_alpha = rng.random() < 0.7                        # Keras: alpha is a weight
    t_alpha = Tensor(alpha_shape, scale=sa, zero_point=za, data=a if const_alpha else None)
    model = build_single_op_model("PRELU", [Tensor(shape, scale=si, zero_point=zi), t_alpha],
                                  [Tensor(shape, scale=so, zero_point=zo)])
    inputs = [x] if const_alpha else [x, a]
    return case(f"prelu{i} {shape} alpha {alpha_shape}{'c' if const_alpha else ''} {si}/{zi} a {sa}/{za} "
                f"-> {so}/{zo}", model, inputs, [(shape, "int8")])


def squared_difference_case(rng, i):
    while True:                                           # TFLM broadcasts up to 4-D only
        out, sh1, sh2 = broadcast_shapes(rng)
        if list(sh1) == list(sh2) or max(len(out), len(sh1), len(sh2)) <= 4:
            break
    s1, s2 = log_uniform(rng, 1e-3, 1.0), log_uniform(rng, 1e-3, 1.0)
    if rng.random() < 0.2:
        s2 = s1                                           # one quantization (the usual case)
    z1, z2, zo = (int(v) for v in rng.integers(-128, 128, 3))
    # Outputs span [0, (range1 + range2)^2]: output scales from a fraction of max(s)^2 * 255 up.
    so = f32(max(s1, s2) ** 2 * 255 * rng.uniform(0.05, 4.0))
    if rng.random() < 0.2:
        so = f32(max(s1, s2) * rng.uniform(0.1, 2.0))     # narrow output: saturation
    x1, x2 = random_int8(rng, sh1), random_int8(rng, sh2)
    const2 = rng.random() < 0.2
    t2 = Tensor(sh2, scale=s2, zero_point=z2, data=x2 if const2 else None)
    model = build_single_op_model("SQUARED_DIFFERENCE", [Tensor(sh1, scale=s1, zero_point=z1), t2],
                                  [Tensor(out, scale=so, zero_point=zo)], version=2)
    inputs = [x1] if const2 else [x1, x2]
    return case(f"squared_difference{i} {sh1}{'c' if const2 else ''} {sh2} -> {out} {so}/{zo}", model,
                inputs, [(out, "int8")])


def rsqrt_case(rng, i):
    x = every_int8(rng, i)
    shape = list(x.shape)
    # Input zero point -128 (a non-negative range, as converters write for variance + epsilon);
    # output scales around 1 / sqrt(input scale) / 127 and wider / narrower (saturation).
    si = log_uniform(rng, 1e-5, 1.0)
    top = 1.0 / np.sqrt(si)                                 # 1/sqrt of the smallest positive input
    so, zo = f32(top / 127 * rng.uniform(0.02, 3.0)), int(rng.integers(-128, 128))
    if i % 4 == 0:
        zo = -128                                           # outputs are positive too
    model = build_single_op_model("RSQRT", [Tensor(shape, scale=si, zero_point=-128)],
                                  [Tensor(shape, scale=so, zero_point=zo)], version=2)
    return case(f"rsqrt{i} {si}/-128 -> {so}/{zo}", model, [x], [(shape, "int8")])


GENERATORS = {
    "elu": elu_case,
    "elu_float32": elu_float32_case,
    "prelu": prelu_case,
    "squared_difference": squared_difference_case,
    "rsqrt": rsqrt_case,
}
SEEDS = {name: 3000 + k for k, name in enumerate(GENERATORS)}


def cases_for(op, n=CASES):
    rng = np.random.default_rng(SEEDS[op])
    return [GENERATORS[op](rng, i) for i in range(n)]


@pytest.mark.parametrize("op", list(GENERATORS))
def test_engine_matches_tflm(engine, op, summary):
    cases = cases_for(op)
    check_engine(engine, cases)
    summary(f"{op}: {len(cases)} random single-op models bit-exact with TFLM (C engine)")


# ---------------------------------------------------------------------------------------------
# Models prepare must refuse.

def _i8(shape, scale=0.1, zp=0, data=None):
    return Tensor(shape, scale=scale, zero_point=zp, data=data)


def _i16(shape):
    return Tensor(shape, "int16", 0.1, 0)


REJECTIONS = [
    ("elu of int16",
     lambda: build_single_op_model("ELU", [_i16([4])], [_i16([4])], version=2),
     TM_ERR_UNSUPPORTED, "input is int16 (only int8", False),
    ("elu whose table overflows int32",
     lambda: build_single_op_model("ELU", [_i8([4], 1.0)], [_i8([4], 1e-12)], version=2),
     TM_ERR_UNSUPPORTED, "table entry overflows int32", False),
    ("elu with an output of another size",
     lambda: build_single_op_model("ELU", [_i8([4])], [_i8([5])], version=2),
     TM_ERR_MODEL, "input has 4 elements, output 5", False),
    ("prelu of 5-D tensors",
     lambda: build_single_op_model("PRELU", [_i8([1, 1, 1, 2, 3]), _i8([3], data=[1, 2, 3])],
                                   [_i8([1, 1, 1, 2, 3])]),
     TM_ERR_UNSUPPORTED, "at most 4-D", False),
    ("prelu whose alpha does not broadcast to the input",
     lambda: build_single_op_model("PRELU", [_i8([2, 3]), _i8([2], data=[1, 2])], [_i8([2, 3])]),
     TM_ERR_MODEL, "do not broadcast", False),
    ("prelu of int16",
     lambda: build_single_op_model("PRELU", [_i16([4]), _i8([4], data=[1, 2, 3, 4])], [_i16([4])]),
     TM_ERR_UNSUPPORTED, "int16", False),
    ("prelu whose scale ratio needs a shift above 30",
     lambda: build_single_op_model("PRELU", [_i8([4], 1.0), _i8([4], 0.1, data=[1, 2, 3, 4])],
                                   [_i8([4], 1e-12)]),
     TM_ERR_UNSUPPORTED, "scale ratio not representable", False),
    ("squared_difference broadcasting 5-D inputs",
     lambda: build_single_op_model("SQUARED_DIFFERENCE", [_i8([1, 1, 1, 2, 3]), _i8([3])], [_i8([1, 1, 1, 2, 3])],
                                   version=2),
     TM_ERR_UNSUPPORTED, "at most 4-D", False),
    ("squared_difference whose output scale is far too small",
     lambda: build_single_op_model("SQUARED_DIFFERENCE", [_i8([4], 1.0), _i8([4], 1.0)], [_i8([4], 1e-20)],
                                   version=2),
     TM_ERR_UNSUPPORTED, "output scale too small", False),
    ("squared_difference of int16",
     lambda: build_single_op_model("SQUARED_DIFFERENCE", [_i16([4]), _i16([4])], [_i16([4])], version=2),
     TM_ERR_UNSUPPORTED, "int16", False),
    ("squared_difference with shapes that do not broadcast",
     lambda: build_single_op_model("SQUARED_DIFFERENCE", [_i8([2, 3]), _i8([3, 2])], [_i8([2, 3])], version=2),
     TM_ERR_MODEL, "do not broadcast", False),
    ("rsqrt whose input can be negative (TFLM's invoke fails on those values)",
     lambda: build_single_op_model("RSQRT", [_i8([4], 0.1, -127)], [_i8([4])], version=2),
     TM_ERR_UNSUPPORTED, "input zero point -127", False),
    ("rsqrt of int16",
     lambda: build_single_op_model("RSQRT", [_i16([4])], [_i16([4])], version=2),
     TM_ERR_UNSUPPORTED, "int16", False),
    ("rsqrt whose output multiplier needs a shift above 30",
     lambda: build_single_op_model("RSQRT", [_i8([4], 1e-6, -128)], [_i8([4], 1e-12)], version=2),
     TM_ERR_UNSUPPORTED, "not representable", False),
]


@pytest.mark.parametrize("what,make,status,message,tflm_refuses", REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_rejections(engine, what, make, status, message, tflm_refuses):
    check_rejection(engine, what, make, status, message, tflm_refuses)


# ---------------------------------------------------------------------------------------------
# A share of the same models through `import tinyml` in the Unix port.

def test_unix_port(micropython, summary):
    picked = []
    for op in GENERATORS:
        picked += [(op, c) for c in cases_for(op, UNIX_CASES_PER_OP)]
    check_unix_port(micropython, picked)
    summary(f"act2 slice: {len(picked)} single-op models bit-exact with TFLM through `import tinyml`")
