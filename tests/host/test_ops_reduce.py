"""Issue 12, reductions and friends: REDUCE_MAX, REDUCE_MIN, SUM, RESIZE_NEAREST_NEIGHBOR
against TFLM, bit for bit.

The pattern of test_single_ops_elementwise.py: seeded random single-op models run once in the
`tflite-micro` package (the reference) and in tinyml's plain C engine through ctypes
(host_engine.py), a share of them through `import tinyml` in the Unix port, and the models
prepare must refuse.

What the cases cover, per op:
  REDUCE_MAX /
  REDUCE_MIN:  0- to 5-D int8 inputs, one axis up to every axis (negative and repeated ones too),
               keep_dims on and off, input = output quantization (TFLM requires it), inputs
               that hit -128 / 127, size-1 dims (merged away by the kernel).
  SUM:         the same shapes and axes, any input / output quantization (the multiplier
               input_scale / output_scale, above and below 1), zero points across int8, sums
               that saturate.
  RESIZE_NEAREST_NEIGHBOR: [B,H,W,C] to any size (up- and downsampling, 2x), align_corners and
               half_pixel_centers both ways.
int16 (version 3 of REDUCE_MAX / REDUCE_MIN, 4 of RESIZE_NEAREST_NEIGHBOR) is not supported and
is refused.

TINYML_REDUCE_CASES sets the number of random cases per op (default 150);
TINYML_HOST_LIB=path uses a prebuilt engine library.
"""

import os

import numpy as np
import pytest

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Tensor, build_single_op_model, run_tflm
from test_single_ops_elementwise import (case, check_engine, check_unix_port, f32, log_uniform,
                                         random_dims, random_int8, same_bits, describe_mismatch)

CASES = int(os.environ.get("TINYML_REDUCE_CASES", "150"))
UNIX_CASES_PER_OP = 12
REDUCER = "ReducerOptions"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


# ---------------------------------------------------------------------------------------------
# Random cases: (name, model bytes, model inputs, [(output shape, dtype)]).

def random_ints(rng, rank):
    """Axes for a rank-D input: one to all, some negative, sometimes one repeated. (An empty axis
    tensor has a 0 dimension, which the loader refuses.)"""
    if rank == 0:
        return [0]                                      # a scalar ignores its axes
    n = int(rng.integers(1, rank + 1))
    picked = [int(a) for a in rng.choice(rank, n, replace=False)]
    axes = [a - rank if rng.random() < 0.3 else a for a in picked]
    if axes and rng.random() < 0.1:
        axes.append(axes[0])
    return axes


def reduced_shape(dims, axes, keep):
    rank = len(dims)
    red = {a % rank for a in axes} if rank else set()
    if keep:
        return [1 if d in red else n for d, n in enumerate(dims)]
    return [n for d, n in enumerate(dims) if d not in red]


def reduce_shapes(rng, i):
    if i % 6 == 0:
        # The image case: [1,H,W,C] over H, W (a global pool).
        dims = [1, int(rng.integers(1, 13)), int(rng.integers(1, 13)), int(rng.integers(1, 17))]
        axes = [1, 2] if rng.random() < 0.7 else [-3, -2]
    else:
        rank = int(rng.choice([0, 1, 2, 3, 4, 4, 5]))
        dims = random_dims(rng, rank, hi=6, max_elems=800)
        axes = random_ints(rng, rank)
    keep = bool(rng.random() < 0.5)
    return dims, axes, keep, reduced_shape(dims, axes, keep)


def reduce_model(op, dims, axes, keep, in_q, out_q):
    return build_single_op_model(
        op, [Tensor(dims, scale=in_q[0], zero_point=in_q[1]), Tensor([len(axes)], "int32", data=axes)],
        [Tensor(out, scale=out_q[0], zero_point=out_q[1]) for out in [reduced_shape(dims, axes, keep)]],
        options=dict(keep_dims=keep), version=2, options_type=REDUCER)


def minmax_case(rng, op, i):
    dims, axes, keep, out = reduce_shapes(rng, i)
    q = (log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128)))
    x = random_int8(rng, dims)
    if rng.random() < 0.2:
        x = np.full(dims, -128 if op == "REDUCE_MAX" else 127, np.int8)   # the init value itself
    model = reduce_model(op, dims, axes, keep, q, q)
    return case(f"{op.lower()}{i} {dims} axes {axes} keep={keep}", model, [x], [(out, "int8")])


def sum_case(rng, i):
    dims, axes, keep, out = reduce_shapes(rng, i)
    si, zi = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    count = int(np.prod(dims, dtype=np.int64)) // max(int(np.prod(out, dtype=np.int64)), 1)
    # Output scales around what the sum needs (count * input scale), a few far below (saturating)
    # and some below the input's (a multiplier above 1).
    so = f32(si * max(count, 1) * rng.uniform(0.02, 0.5))
    if rng.random() < 0.2:
        so = f32(si * rng.uniform(0.2, 3.0))
    zo = int(rng.integers(-128, 128))
    x = random_int8(rng, dims)
    model = reduce_model("SUM", dims, axes, keep, (si, zi), (so, zo))
    return case(f"sum{i} {dims} axes {axes} keep={keep} {si}/{zi} -> {so}/{zo}", model, [x],
                [(out, "int8")])


def resize_nearest_case(rng, i):
    b, h, w, c = (int(rng.integers(1, 3)), int(rng.integers(1, 9)), int(rng.integers(1, 9)),
                  int(rng.integers(1, 6)))
    oh, ow = int(rng.integers(1, 17)), int(rng.integers(1, 17))
    if i % 4 == 0:
        oh, ow = 2 * h, 2 * w                              # the common upsample by 2
    align = bool(rng.random() < 0.4)
    half = bool(rng.random() < 0.5)
    options = dict(align_corners=align, half_pixel_centers=half)
    q = (log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128)))
    x = random_int8(rng, [b, h, w, c])
    model = build_single_op_model(
        "RESIZE_NEAREST_NEIGHBOR", [Tensor([b, h, w, c], scale=q[0], zero_point=q[1]),
                                    Tensor([2], "int32", data=[oh, ow])],
        [Tensor([b, oh, ow, c], scale=q[0], zero_point=q[1])], options=options,
        version=3 if half else 2, options_type="ResizeNearestNeighborOptions")
    return case(f"resize_nn{i} {[b, h, w, c]} -> {oh}x{ow} {options}", model, [x], [([b, oh, ow, c], "int8")])


GENERATORS = {
    "reduce_max": lambda rng, i: minmax_case(rng, "REDUCE_MAX", i),
    "reduce_min": lambda rng, i: minmax_case(rng, "REDUCE_MIN", i),
    "sum": sum_case,
    "resize_nearest_neighbor": resize_nearest_case,
}
SEEDS = {name: 2000 + k for k, name in enumerate(GENERATORS)}


def cases_for(op, n=CASES):
    rng = np.random.default_rng(SEEDS[op])
    return [GENERATORS[op](rng, i) for i in range(n)]


@pytest.mark.parametrize("op", list(GENERATORS))
def test_engine_matches_tflm(engine, op, summary):
    cases = cases_for(op)
    check_engine(engine, cases)
    summary(f"{op}: {len(cases)} random single-op models bit-exact with TFLM (C engine)")


def test_sum_saturates_and_rounds(engine):
    """SUM rescales with TFLM's multiplier (round half away, double rounding) and clamps: a
    hand-checked vector. Sums over 4 elements, zero points 0, scale 0.1 -> 0.8: the ratio is
    exactly 1/8 (0.8f = 8 * 0.1f), multiplier 2^30 with shift -2."""
    x = np.array([[10, 10, 10, 10], [-128, -128, -128, -128], [1, 1, 1, 1], [127, 127, 127, 127],
                  [3, 0, 0, 0], [-3, -1, 0, 0]], np.int8)
    model = reduce_model("SUM", [6, 4], [1], False, (0.1, 0), (0.8, 0))
    (ref,) = run_tflm(model, [x])
    status, err, (ours,) = engine(model, [x], [((6,), "int8")])
    assert status == TM_OK, err
    assert same_bits(ours, ref), describe_mismatch("sum vector", ours, ref)
    # 40/8 = 5, -512/8 = -64, 4/8 = 0.5 -> 1, 508/8 = 63.5 -> 64, -4/8 = -0.5 -> -1, and
    # 3/8 = 0.375 -> 1: the high multiply rounds 3/2 to 2, then 2/4 = 0.5 rounds away from zero.
    assert ref.tolist() == [5, -64, 1, 64, 1, -1]


# ---------------------------------------------------------------------------------------------
# Models prepare must refuse: (what, model, status, message, where TFLM refuses: "prepare",
# "invoke" or None).

def _i8(shape, scale=0.1, zp=0):
    return Tensor(shape, scale=scale, zero_point=zp)


def _ints(values):
    return Tensor([len(values)], "int32", data=values)


REJECTIONS = [
    ("reduce_max with an output scale differing from the input's",
     lambda: build_single_op_model("REDUCE_MAX", [_i8([2, 3], 0.1), _ints([1])], [_i8([2], 0.2)],
                                   options=dict(keep_dims=False), version=2, options_type=REDUCER),
     TM_ERR_UNSUPPORTED, "quantization differ", "invoke"),
    ("reduce_min with an output zero point differing from the input's",
     lambda: build_single_op_model("REDUCE_MIN", [_i8([2, 3], 0.1, 1), _ints([1])], [_i8([2], 0.1, 2)],
                                   options=dict(keep_dims=False), version=2, options_type=REDUCER),
     TM_ERR_UNSUPPORTED, "quantization differ", "invoke"),
    ("reduce_max over a computed axis tensor",
     lambda: build_single_op_model("REDUCE_MAX", [_i8([2, 3]), Tensor([1], "int32")], [_i8([2])],
                                   options=dict(keep_dims=False), version=2, options_type=REDUCER),
     TM_ERR_UNSUPPORTED, "not a constant", None),
    ("reduce_min axis out of range",
     lambda: build_single_op_model("REDUCE_MIN", [_i8([2, 3]), _ints([-3])], [_i8([2, 3])],
                                   options=dict(keep_dims=True), version=2, options_type=REDUCER),
     TM_ERR_MODEL, "axis -3 is out of range", None),
    ("sum with int64 axes",
     lambda: build_single_op_model("SUM", [_i8([2, 3]), Tensor([1], "int64", data=[1])], [_i8([2])],
                                   options=dict(keep_dims=False), version=2, options_type=REDUCER),
     TM_ERR_UNSUPPORTED, "axis", "prepare"),
    ("sum output of the wrong size",
     lambda: build_single_op_model("SUM", [_i8([2, 3]), _ints([0])], [_i8([2])],
                                   options=dict(keep_dims=False), version=2, options_type=REDUCER),
     TM_ERR_MODEL, "reduction gives 3", None),
    ("sum whose output scale is far too small for its input",
     lambda: build_single_op_model("SUM", [_i8([4], 1.0), _ints([0])], [_i8([1], 1e-10)],
                                   options=dict(keep_dims=False), version=2, options_type=REDUCER),
     TM_ERR_UNSUPPORTED, "scale", None),
    ("reduce_max of int16",
     lambda: build_single_op_model("REDUCE_MAX", [Tensor([2, 3], "int16", 0.1, 0), _ints([1])],
                                   [Tensor([2], "int16", 0.1, 0)],
                                   options=dict(keep_dims=False), version=3, options_type=REDUCER),
     TM_ERR_UNSUPPORTED, "version 3", None),
    ("resize_nearest_neighbor with a computed size",
     lambda: build_single_op_model("RESIZE_NEAREST_NEIGHBOR", [_i8([1, 2, 2, 1]), Tensor([2], "int32")],
                                   [_i8([1, 4, 4, 1])], options={}, version=2,
                                   options_type="ResizeNearestNeighborOptions"),
     TM_ERR_UNSUPPORTED, "not a constant", "prepare"),
    ("resize_nearest_neighbor of a 3-D input",
     lambda: build_single_op_model("RESIZE_NEAREST_NEIGHBOR", [_i8([2, 2, 1]), _ints([4, 4])],
                                   [_i8([4, 4, 1])], options={}, version=2,
                                   options_type="ResizeNearestNeighborOptions"),
     TM_ERR_MODEL, "must be 4-D", "prepare"),
    ("resize_nearest_neighbor output disagreeing with the size",
     lambda: build_single_op_model("RESIZE_NEAREST_NEIGHBOR", [_i8([1, 2, 2, 1]), _ints([4, 4])],
                                   [_i8([1, 4, 3, 1])], options={}, version=2,
                                   options_type="ResizeNearestNeighborOptions"),
     TM_ERR_MODEL, "size [4, 4]", None),
]


def _model_io(model):
    import tflite
    sg = tflite.Model.GetRootAs(model, 0).Subgraphs(0)
    dt = {9: np.int8, 7: np.int16, 0: np.float32, 2: np.int32, 4: np.int64}
    ins = [np.zeros(tuple(sg.Tensors(sg.Inputs(i)).ShapeAsNumpy()), dt[sg.Tensors(sg.Inputs(i)).Type()])
           for i in range(sg.InputsLength())]
    out = sg.Tensors(sg.Outputs(0))
    return ins, [(tuple(out.ShapeAsNumpy()), dt[out.Type()])]


@pytest.mark.parametrize("what,make,status,message,tflm_refuses", REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_rejections(engine, what, make, status, message, tflm_refuses):
    from tflite_micro.python.tflite_micro import runtime
    model = make()
    inputs, outputs = _model_io(model)
    got, err, _ = engine(model, inputs, outputs)
    assert got == status, f"{what}: status {got} ({err}), expected {status}"
    assert message in err, f"{what}: message {err!r} lacks {message!r}"
    if tflm_refuses == "prepare":
        with pytest.raises(RuntimeError):
            runtime.Interpreter.from_bytes(model, arena_size=1 << 16)
    elif tflm_refuses == "invoke":
        with pytest.raises(RuntimeError):
            run_tflm(model, inputs)


# ---------------------------------------------------------------------------------------------
# A share of the same models through `import tinyml` in the Unix port.

def test_unix_port(micropython, summary):
    picked = []
    for op in GENERATORS:
        picked += [(op, c) for c in cases_for(op, UNIX_CASES_PER_OP)]
    check_unix_port(micropython, picked)
    summary(f"reductions: {len(picked)} single-op models bit-exact with TFLM through `import tinyml`")
