"""Issue 12, activation and element-wise slice: LEAKY_RELU, HARD_SWISH, SUB, MAXIMUM, MINIMUM against TFLM,
bit for bit.

Same framework as test_single_ops_elementwise.py: seeded random single-op models
(single_op_models.py) run in the `tflite-micro` package (the reference) and in tinyml's plain C
engine through ctypes (host_engine.py), a share of them through `import tinyml` in the Unix port,
and the models prepare must refuse. The int16 LEAKY_RELU and SUB are in test_ops_int16.py; int16
MAXIMUM / MINIMUM are not supported (refused).

What the cases cover, per op:
  LEAKY_RELU:   every int8 input value, alpha in (0, 1), above 1, 0, negative; scales over
                three decades with input/output ratios above and below 1; zero points across int8.
  HARD_SWISH:   every int8 input value, input scales whose relu-ish multiplier needs right and
                left shifts (exponents -3 to 6), output scales 0.05x to 3x the input's.
  SUB / MAXIMUM /
  MINIMUM:      numpy broadcasting of two inputs up to 6-D (as ADD), constant second operands,
                zero points across int8; SUB also fused activations and scales over three decades.

TINYML_ACT_CASES scales the number of random cases per op (default 150).
"""

import os
import numpy as np
import pytest

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Tensor, build_single_op_model, run_tflm
from test_single_ops_elementwise import (ACTIVATIONS, broadcast_shapes, case, check_unix_port,
                                         describe_mismatch, f32, log_uniform, random_int8, same_bits)

CASES = int(os.environ.get("TINYML_ACT_CASES", "150"))
UNIX_CASES_PER_OP = 10


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def every_int8(rng, shape_hint_rank):
    """All 256 int8 values (shuffled) in a random shape of 256 elements."""
    x = rng.permutation(np.arange(-128, 128)).astype(np.int8)
    shapes = [[256], [1, 256], [4, 64], [1, 8, 8, 4], [2, 2, 4, 16], [1, 2, 2, 2, 32]]
    return x.reshape(shapes[shape_hint_rank % len(shapes)])


def leaky_relu_case(rng, i):
    x = every_int8(rng, i)
    shape = list(x.shape)
    kind = i % 6
    if kind == 0:
        alpha = f32(rng.uniform(0.01, 0.5))
    elif kind == 1:
        alpha = f32(rng.choice([0.2, 0.1, 0.3, 0.01]))     # Keras' usual alphas
    elif kind == 2:
        alpha = f32(rng.uniform(1.0, 5.0))                  # above 1
    elif kind == 3:
        alpha = f32(-rng.uniform(0.01, 2.0))                # negative: a negative multiplier
    elif kind == 4:
        alpha = 0.0                                         # a plain RELU
    else:
        alpha = log_uniform(rng, 1e-4, 1.0)
    si, zi = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    so, zo = f32(si * rng.uniform(0.1, 3.0)), int(rng.integers(-128, 128))
    if rng.random() < 0.2:
        so, zo = si, zi                                     # same quantization (converter's usual)
    model = build_single_op_model("LEAKY_RELU", [Tensor(shape, scale=si, zero_point=zi)],
                                  [Tensor(shape, scale=so, zero_point=zo)], options=dict(alpha=alpha))
    return case(f"leaky_relu{i} alpha {alpha} {si}/{zi} -> {so}/{zo}", model, [x], [(shape, "int8")])


def binary_version(sh1, sh2, out, int8_version):
    """The converter's version: one more than int8's when the inputs broadcast over > 4 dims."""
    return int8_version + 1 if list(sh1) != list(sh2) and max(len(sh1), len(sh2)) > 4 else int8_version


def sub_case(rng, i):
    out, sh1, sh2 = broadcast_shapes(rng)
    s1, s2 = log_uniform(rng, 1e-3, 1.0), log_uniform(rng, 1e-3, 1.0)
    if rng.random() < 0.2:
        s2 = s1                                           # equal scales: exact ties in the rescale
    z1, z2, zo = (int(v) for v in rng.integers(-128, 128, 3))
    so = f32(max(s1, s2) * rng.uniform(0.3, 4.0))
    act = str(rng.choice(ACTIVATIONS))
    x1, x2 = random_int8(rng, sh1), random_int8(rng, sh2)
    const2 = rng.random() < 0.2
    t2 = Tensor(sh2, scale=s2, zero_point=z2, data=x2 if const2 else None)
    model = build_single_op_model("SUB", [Tensor(sh1, scale=s1, zero_point=z1), t2],
                                  [Tensor(out, scale=so, zero_point=zo)],
                                  options=dict(fused_activation_function=act),
                                  version=binary_version(sh1, sh2, out, 2))
    inputs = [x1] if const2 else [x1, x2]
    return case(f"sub{i} {sh1}{'c' if const2 else ''} {sh2} -> {out} {act}", model, inputs,
                [(out, "int8")])


def max_min_case(rng, op, i):
    out, sh1, sh2 = broadcast_shapes(rng)
    s, z = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    q = [(s, z)] * 3                                      # what converters write: one quantization
    if rng.random() < 0.15:                               # TFLM compares raw values regardless
        q = [(log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))) for _ in range(3)]
    x1, x2 = random_int8(rng, sh1), random_int8(rng, sh2)
    const2 = rng.random() < 0.2
    t2 = Tensor(sh2, scale=q[1][0], zero_point=q[1][1], data=x2 if const2 else None)
    model = build_single_op_model(op, [Tensor(sh1, scale=q[0][0], zero_point=q[0][1]), t2],
                                  [Tensor(out, scale=q[2][0], zero_point=q[2][1])],
                                  version=binary_version(sh1, sh2, out, 2))
    inputs = [x1] if const2 else [x1, x2]
    return case(f"{op.lower()}{i} {sh1}{'c' if const2 else ''} {sh2} -> {out}", model, inputs,
                [(out, "int8")])


def hard_swish_case(rng, i):
    x = every_int8(rng, i)
    shape = list(x.shape)
    si, zi = log_uniform(rng, 1e-3, 0.5), int(rng.integers(-128, 128))
    # Real outputs span [-0.375, max(input)]: output scales around the input's, and wider/narrower.
    so, zo = f32(si * rng.uniform(0.05, 3.0)), int(rng.integers(-128, 128))
    model = build_single_op_model("HARD_SWISH", [Tensor(shape, scale=si, zero_point=zi)],
                                  [Tensor(shape, scale=so, zero_point=zo)])
    return case(f"hard_swish{i} {si}/{zi} -> {so}/{zo}", model, [x], [(shape, "int8")])


GENERATORS = {
    "leaky_relu": leaky_relu_case,
    "hard_swish": hard_swish_case,
    "sub": sub_case,
    "maximum": lambda rng, i: max_min_case(rng, "MAXIMUM", i),
    "minimum": lambda rng, i: max_min_case(rng, "MINIMUM", i),
}
SEEDS = {name: 2000 + k for k, name in enumerate(GENERATORS)}


def cases_for(op, n=CASES):
    rng = np.random.default_rng(SEEDS[op])
    return [GENERATORS[op](rng, i) for i in range(n)]


@pytest.mark.parametrize("op", list(GENERATORS))
def test_engine_matches_tflm(engine, op, summary):
    cases = cases_for(op)
    for name, model, inputs, outputs in cases:
        refs = run_tflm(model, inputs)
        status, err, ours = engine(model, inputs, outputs)
        assert status == TM_OK, f"{name}: tinyml refused the model: {err}"
        for o, r in zip(ours, refs):
            assert same_bits(o, r), describe_mismatch(name, o, r)
    summary(f"{op}: {len(cases)} random single-op models bit-exact with TFLM (C engine)")


# ---------------------------------------------------------------------------------------------
# Models prepare must refuse.

def _i8(shape, scale=0.1, zp=0, data=None):
    return Tensor(shape, scale=scale, zero_point=zp, data=data)


REJECTIONS = [
    ("leaky_relu of int16 to int8 (int16 LEAKY_RELU: test_ops_int16.py)",
     lambda: build_single_op_model("LEAKY_RELU", [Tensor([4], "int16", 0.1, 0)], [_i8([4])],
                                   options=dict(alpha=0.2)),
     TM_ERR_UNSUPPORTED, "output is int8 (only int16", False),
    ("leaky_relu with an infinite alpha",
     lambda: build_single_op_model("LEAKY_RELU", [_i8([4])], [_i8([4])], options=dict(alpha=float("inf"))),
     TM_ERR_UNSUPPORTED, "alpha or input/output scale ratio", False),
    ("leaky_relu whose scale ratio needs a shift above 30",
     lambda: build_single_op_model("LEAKY_RELU", [_i8([4], 1.0)], [_i8([4], 1e-12)], options=dict(alpha=0.2)),
     TM_ERR_UNSUPPORTED, "alpha or input/output scale ratio", False),
    ("leaky_relu with an output of another size",
     lambda: build_single_op_model("LEAKY_RELU", [_i8([4])], [_i8([5])], options=dict(alpha=0.2)),
     TM_ERR_MODEL, "input has 4 elements, output 5", False),
    ("hard_swish whose output scale is below input scale / 128",
     lambda: build_single_op_model("HARD_SWISH", [_i8([4], 1.0)], [_i8([4], 1.0 / 256)]),
     TM_ERR_UNSUPPORTED, "scale ratio not representable", True),
    ("sub whose output scale is too small for its inputs",
     lambda: build_single_op_model("SUB", [_i8([4], 1.0), _i8([4], 1.0)], [_i8([4], 1e-7)]),
     TM_ERR_UNSUPPORTED, "output scale too small", False),
    ("sub with shapes that do not broadcast",
     lambda: build_single_op_model("SUB", [_i8([2, 3]), _i8([3, 2])], [_i8([2, 3])]),
     TM_ERR_MODEL, "do not broadcast", False),
    ("sub of int16 and int8 (int16 SUB: test_ops_int16.py)",
     lambda: build_single_op_model("SUB", [Tensor([4], "int16", 0.1, 0), _i8([4])],
                                   [Tensor([4], "int16", 0.1, 0)]),
     TM_ERR_UNSUPPORTED, "input 2 is int8 (only int16", False),
    ("maximum whose output is not the broadcast shape",
     lambda: build_single_op_model("MAXIMUM", [_i8([2, 1]), _i8([1, 3])], [_i8([2, 4])]),
     TM_ERR_MODEL, "do not broadcast", False),
    ("minimum of int16",
     lambda: build_single_op_model("MINIMUM", [Tensor([4], "int16", 0.1, 0), Tensor([4], "int16", 0.1, 0)],
                                   [Tensor([4], "int16", 0.1, 0)]),
     TM_ERR_UNSUPPORTED, "int16", False),
    ("minimum with a per-channel input",
     lambda: build_single_op_model("MINIMUM", [Tensor([1, 2], scale=[0.1, 0.2], zero_point=[0, 0],
                                                      quantized_dimension=1), _i8([1, 2])], [_i8([1, 2])]),
     TM_ERR_UNSUPPORTED, "per-channel", False),
]


def _zeros_for_inputs(model):
    import tflite
    sg = tflite.Model.GetRootAs(model, 0).Subgraphs(0)
    types = {9: np.int8, 7: np.int16, 0: np.float32, 3: np.uint8, 2: np.int32}
    inputs = [np.zeros(tuple(sg.Tensors(sg.Inputs(i)).ShapeAsNumpy()), types[sg.Tensors(sg.Inputs(i)).Type()])
              for i in range(sg.InputsLength())]
    out = sg.Tensors(sg.Outputs(0))
    return inputs, [(tuple(out.ShapeAsNumpy()), types[out.Type()])]


@pytest.mark.parametrize("what,make,status,message,tflm_refuses", REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_rejections(engine, what, make, status, message, tflm_refuses):
    model = make()
    inputs, outputs = _zeros_for_inputs(model)
    got, err, _ = engine(model, inputs, outputs)
    assert got == status, f"{what}: status {got} ({err}), expected {status}"
    assert message in err, f"{what}: message {err!r} lacks {message!r}"
    if tflm_refuses:
        from tflite_micro.python.tflite_micro import runtime
        with pytest.raises(RuntimeError):
            runtime.Interpreter.from_bytes(model, arena_size=1 << 16)


# ---------------------------------------------------------------------------------------------
# A share of the same models through `import tinyml` in the Unix port.

def test_unix_port(micropython, summary):
    picked = []
    for op in GENERATORS:
        picked += [(op, c) for c in cases_for(op, UNIX_CASES_PER_OP)]
    check_unix_port(micropython, picked)
    summary(f"act slice: {len(picked)} single-op models bit-exact with TFLM through `import tinyml`")
