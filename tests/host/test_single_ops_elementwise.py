"""ADD, MUL, MEAN, PAD, CONCATENATION, QUANTIZE, DEQUANTIZE, RESHAPE, SQUEEZE against TFLM, bit for bit.

Every case is a single-op .tflite model (single_op_models.py) with seeded random shapes,
quantization parameters and inputs, run once in the `tflite-micro` package (the reference) and
compared bit for bit (float outputs included) with tinyml run two ways:

  test_engine_matches_tflm: the plain C engine (device/runtime, device/kernels, device/ops) and
                  tests/host/tm_host_run.c compiled with gcc + UBSan into a shared library and
                  called through ctypes: load, prepare, invoke. Many cases, in seconds.
  test_unix_port: a share of the same cases through `import tinyml` in the Unix port
                  (build/unix/micropython): Model(bytes), set_input(), invoke(), get_output().
  test_float_io_model: float32 in/out, QUANTIZE -> ADD -> MUL -> MEAN -> DEQUANTIZE, through
                  the engine and through predict(array('f')) in the Unix port.
  test_rejections: models prepare must refuse, with the status and message it must give (and
                  whether TFLM refuses them too).

What the cases cover, per op:
  ADD / MUL:      numpy broadcasting of two inputs up to 6-D (scalars, either side, both sides,
                  same shape), constant second operands, zero points across int8, scales over
                  three decades, fused NONE / RELU / RELU6 / RELU_N1_TO_1, MUL rescales above 1.
  MEAN:           1- to 5-D inputs, one or two axes (negative and repeated ones too), keep_dims
                  on and off, equal and different input/output quantization, the global average
                  pool [1,H,W,C] over axes 1,2.
  PAD:            1- to 5-D, int32 paddings, pad value = output zero point; int64 paddings
                  (which TFLM reads as int32 and refuses) against numpy instead.
  CONCATENATION:  1- to 4-D, 1 to 6 inputs, every axis (negative too), int8 / int16 / int32 /
                  float32, constant inputs.
  QUANTIZE:       float32 -> int8 / int16 (ties, saturation), int8 -> int8 / int16 and
                  int16 -> int8 / int16 requantization over every input value.
  DEQUANTIZE:     int8 (every value) and int16 -> float32.
  RESHAPE /
  SQUEEZE:        random shapes, with and without the shape input / squeeze_dims.

TINYML_ELEMENTWISE_CASES scales the number of random cases per op (default 150);
TINYML_HOST_LIB=path uses a prebuilt engine library.
"""

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

import mputil
from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Op, Tensor, build_model, build_single_op_model, run_tflm

CASES = int(os.environ.get("TINYML_ELEMENTWISE_CASES", "150"))
UNIX_CASES_PER_OP = 12
ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
NP_DTYPES = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
             "float32": np.float32}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


# ---------------------------------------------------------------------------------------------
# Random cases. A case: (name, model bytes, model inputs, [(output shape, dtype)]).

def f32(x):
    return float(np.float32(x))


def log_uniform(rng, lo, hi):
    return f32(10 ** rng.uniform(np.log10(lo), np.log10(hi)))


def random_dims(rng, rank, hi=5, max_elems=600):
    while True:
        dims = [int(d) for d in rng.integers(1, hi + 1, rank)]
        if int(np.prod(dims, dtype=np.int64)) <= max_elems:
            return dims


def random_int8(rng, shape):
    return rng.integers(-128, 128, shape).astype(np.int8)


def case(name, model, inputs, outputs):
    return (name, model, inputs, [(tuple(s), d) for s, d in outputs])


def broadcast_shapes(rng):
    """(out, in1, in2): numpy-broadcastable input shapes for a random output up to 6-D."""
    rank = int(rng.choice([0, 1, 2, 3, 4, 4, 4, 5, 6]))
    out = random_dims(rng, rank, hi=4, max_elems=500)
    kind = rng.random()
    if kind < 0.25:
        return out, list(out), list(out)          # same shape: the element-wise path
    if kind < 0.35:
        return out, list(out), []                 # a scalar operand
    a = [d if rng.random() < 0.6 else 1 for d in out]
    b = [d if rng.random() < 0.6 else 1 for d in out]
    for i in range(rank):                         # every output dim comes from one input
        if a[i] != out[i] and b[i] != out[i]:
            (a if rng.random() < 0.5 else b)[i] = out[i]

    def strip(s):                                 # drop some leading 1s (lower rank)
        k = int(rng.integers(0, len(s) + 1))
        while k and s and s[0] == 1:
            s, k = s[1:], k - 1
        return s

    a, b = strip(a), strip(b)
    if rng.random() < 0.5:
        a, b = b, a
    return out, a, b


def add_mul_case(rng, op, i):
    out, sh1, sh2 = broadcast_shapes(rng)
    s1, s2 = log_uniform(rng, 1e-3, 1.0), log_uniform(rng, 1e-3, 1.0)
    z1, z2, zo = (int(v) for v in rng.integers(-128, 128, 3))
    if op == "ADD":
        so = f32(max(s1, s2) * rng.uniform(0.3, 4.0))
    else:
        so = f32(s1 * s2 * 128 * rng.uniform(0.02, 3.0))
        if rng.random() < 0.15:
            so = f32(s1 * s2 * rng.uniform(0.1, 0.99))   # multiplier above 1 (MUL version 3)
    act = str(rng.choice(ACTIVATIONS))
    x1 = random_int8(rng, sh1)
    x2 = random_int8(rng, sh2)
    const2 = rng.random() < 0.2
    t2 = Tensor(sh2, scale=s2, zero_point=z2, data=x2 if const2 else None)
    model = build_single_op_model(op, [Tensor(sh1, scale=s1, zero_point=z1), t2],
                                  [Tensor(out, scale=so, zero_point=zo)],
                                  options=dict(fused_activation_function=act),
                                  version=3 if op == "MUL" else 2)
    inputs = [x1] if const2 else [x1, x2]
    return case(f"{op.lower()}{i} {sh1}{'c' if const2 else ''} {sh2} -> {out} {act}", model, inputs,
                [(out, "int8")])


def mean_case(rng, i):
    if i % 5 == 0:
        # The common case: global average pool of [1,H,W,C] over H, W.
        dims = [1, int(rng.integers(1, 13)), int(rng.integers(1, 13)), int(rng.integers(1, 17))]
        axes = [1, 2] if rng.random() < 0.7 else [-3, -2]
    else:
        rank = int(rng.integers(1, 6))
        dims = random_dims(rng, rank, hi=6, max_elems=800)
        n_axes = int(rng.integers(1, min(rank, 2) + 1))
        picked = [int(a) for a in rng.choice(rank, n_axes, replace=False)]
        axes = [a - rank if rng.random() < 0.3 else a for a in picked]
        if rng.random() < 0.1:
            axes = axes + [axes[0]]                     # a repeated axis is ignored
    rank = len(dims)
    reduced = {a % rank for a in axes}
    keep = bool(rng.random() < 0.5)
    out = [1 if d in reduced else n for d, n in enumerate(dims)] if keep else \
        [n for d, n in enumerate(dims) if d not in reduced]
    si, zi = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    if rng.random() < 0.5:
        so, zo = si, zi                                   # same quantization (the usual MEAN)
    else:
        so, zo = f32(si * rng.uniform(0.2, 3.0)), int(rng.integers(-128, 128))
    x = random_int8(rng, dims)
    model = build_single_op_model(
        "MEAN", [Tensor(dims, scale=si, zero_point=zi), Tensor([len(axes)], "int32", data=axes)],
        [Tensor(out, scale=so, zero_point=zo)], options=dict(keep_dims=keep), version=2)
    return case(f"mean{i} {dims} axes {axes} keep={keep}", model, [x], [(out, "int8")])


def pad_case(rng, i):
    rank = int(rng.integers(1, 6))
    dims = random_dims(rng, rank, hi=5, max_elems=300)
    pads = rng.integers(0, 4, (rank, 2))
    if rank == 4 and rng.random() < 0.5:
        pads[0] = pads[3] = 0                              # TFLM's "image style" padding
    out = [int(d + p[0] + p[1]) for d, p in zip(dims, pads)]
    s, z = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    x = random_int8(rng, dims)
    model = build_single_op_model(
        "PAD", [Tensor(dims, scale=s, zero_point=z), Tensor([rank, 2], "int32", data=pads)],
        [Tensor(out, scale=s, zero_point=z)], version=4 if rank > 4 else 2)
    return case(f"pad{i} {dims} {pads.tolist()}", model, [x], [(out, "int8")])


def concat_case(rng, i):
    rank = int(rng.integers(1, 5))
    base = random_dims(rng, rank, hi=4, max_elems=100)
    axis = int(rng.integers(0, rank))
    n = int(rng.integers(1, 7))
    dtype = str(rng.choice(["int8"] * 6 + ["int16", "int32", "float32"]))
    sizes = [int(v) for v in rng.integers(1, 5, n)]
    quant = {}
    if dtype in ("int8", "int16"):
        quant = dict(scale=log_uniform(rng, 1e-3, 1.0),
                     zero_point=int(rng.integers(-128, 128)) if dtype == "int8" else 0)
    tensors, inputs = [], []
    for k in range(n):
        shape = list(base)
        shape[axis] = sizes[k]
        if dtype == "float32":
            data = rng.normal(0, 10, shape).astype(np.float32)
        else:
            info = np.iinfo(NP_DTYPES[dtype])
            data = rng.integers(max(info.min, -(1 << 31)), min(info.max, (1 << 31) - 1), shape,
                                dtype=np.int64).astype(NP_DTYPES[dtype])
        const = rng.random() < 0.15
        tensors.append(Tensor(shape, dtype, data=data if const else None, **quant))
        if not const:
            inputs.append(data)
    if not inputs:                                        # keep at least one model input
        tensors[0] = Tensor(tensors[0].shape, dtype, **quant)
        inputs.append(np.zeros(tensors[0].shape, NP_DTYPES[dtype]) + 1)
    out = list(base)
    out[axis] = sum(sizes)
    axis_opt = axis - rank if rng.random() < 0.3 else axis
    version = {"int8": 2, "int16": 3}.get(dtype, 1)
    model = build_single_op_model("CONCATENATION", tensors, [Tensor(out, dtype, **quant)],
                                  options=dict(axis=axis_opt), version=version)
    return case(f"concat{i} {dtype} {n}x{base} axis {axis_opt}", model, inputs, [(out, dtype)])


def quantize_case(rng, i):
    kind = ["f32_s8", "f32_s8", "f32_s16", "s8_s8", "s8_s8", "s8_s16", "s16_s8", "s16_s16"][i % 8]
    so = log_uniform(rng, 1e-3, 1.0) if not kind.endswith("s16") else log_uniform(rng, 1e-5, 1e-2)
    zo = int(rng.integers(-128, 128)) if kind.endswith("s8") else int(rng.integers(-50, 50))
    out_t = "int8" if kind.endswith("s8") else "int16"
    if kind.startswith("f32"):
        n = 300
        q = rng.integers(-300, 300, n)
        x = (q + rng.choice([0.0, 0.5, -0.5, 0.25, 0.4999], n)) * so     # ties and near-ties
        x = x.astype(np.float32)
        x[:4] = [0.0, -0.0, 1e6 * so, -1e6 * so]
        x = x.reshape(1, n)
        model = build_single_op_model("QUANTIZE", [Tensor([1, n], "float32")],
                                      [Tensor([1, n], out_t, scale=so, zero_point=zo)],
                                      version=2 if out_t == "int16" else 1)
        return case(f"quantize{i} {kind} scale {so} zp {zo}", model, [x], [([1, n], out_t)])
    in_t = "int8" if kind.startswith("s8") else "int16"
    if in_t == "int8":
        si, zi = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
        x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    else:
        si, zi = log_uniform(rng, 1e-5, 1e-2), 0
        x = rng.integers(-32768, 32768, (1, 256)).astype(np.int16)
    if rng.random() < 0.3:
        so = f32(si * rng.choice([0.5, 1.0, 2.0, 4.0]))  # power-of-two ratios: exact ties
    model = build_single_op_model("QUANTIZE", [Tensor([1, 256], in_t, scale=si, zero_point=zi)],
                                  [Tensor([1, 256], out_t, scale=so, zero_point=zo)],
                                  version=2 if out_t == "int16" else 1)
    return case(f"quantize{i} {kind} {si}/{zi} -> {so}/{zo}", model, [x], [([1, 256], out_t)])


def dequantize_case(rng, i):
    if i % 3 == 2:
        s, z = log_uniform(rng, 1e-5, 1e-1), 0
        x = rng.integers(-32768, 32768, (2, 128)).astype(np.int16)
        in_t = "int16"
    else:
        s, z = log_uniform(rng, 1e-4, 10.0), int(rng.integers(-128, 128))
        x = np.arange(-128, 128, dtype=np.int8).reshape(2, 128)
        in_t = "int8"
    model = build_single_op_model("DEQUANTIZE", [Tensor([2, 128], in_t, scale=s, zero_point=z)],
                                  [Tensor([2, 128], "float32")], version=3 if in_t == "int16" else 2)
    return case(f"dequantize{i} {in_t} scale {s} zp {z}", model, [x], [([2, 128], "float32")])


def reshape_case(rng, i):
    rank = int(rng.integers(0, 6))
    dims = random_dims(rng, rank, hi=4, max_elems=200)
    n = int(np.prod(dims, dtype=np.int64))
    # Another factorisation of n.
    new = []
    rest = n
    for _ in range(int(rng.integers(0, 5))):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        d = int(rng.choice(divisors))
        new.append(d)
        rest //= d
    if rest != 1 or rng.random() < 0.3:
        new.append(rest)
    dtype = str(rng.choice(["int8", "int8", "float32", "int32"]))
    quant = dict(scale=0.05, zero_point=3) if dtype == "int8" else {}
    x = (rng.integers(-100, 100, dims).astype(NP_DTYPES[dtype]) if dtype != "float32"
         else rng.normal(0, 1, dims).astype(np.float32))
    ins = [Tensor(dims, dtype, **quant)]
    options = None
    if new and rng.random() < 0.5:
        ins.append(Tensor([len(new)], "int32", data=new))       # the shape input (not read)
    if rng.random() < 0.5:
        options = dict(new_shape=new)
    model = build_single_op_model("RESHAPE", ins, [Tensor(new, dtype, **quant)], options=options)
    return case(f"reshape{i} {dims} -> {new} {dtype}", model, [x], [(new, dtype)])


def squeeze_case(rng, i):
    rank = int(rng.integers(1, 7))
    dims = [int(d) if rng.random() < 0.5 else 1 for d in rng.integers(1, 5, rank)]
    ones = [d for d in range(rank) if dims[d] == 1]
    if ones and rng.random() < 0.6:
        k = int(rng.integers(1, len(ones) + 1))
        picked = [int(v) for v in rng.choice(ones, k, replace=False)]
        sq = [p - rank if rng.random() < 0.3 else p for p in picked]
        removed = set(picked)
    else:
        sq = []
        removed = set(ones)
    out = [d for j, d in enumerate(dims) if j not in removed]
    dtype = str(rng.choice(["int8", "float32"]))
    quant = dict(scale=0.1, zero_point=-4) if dtype == "int8" else {}
    x = (random_int8(rng, dims) if dtype == "int8" else rng.normal(0, 1, dims).astype(np.float32))
    model = build_single_op_model("SQUEEZE", [Tensor(dims, dtype, **quant)],
                                  [Tensor(out, dtype, **quant)],
                                  options=dict(squeeze_dims=sq) if sq else None)
    return case(f"squeeze{i} {dims} dims {sq} -> {out}", model, [x], [(out, dtype)])


GENERATORS = {
    "add": lambda rng, i: add_mul_case(rng, "ADD", i),
    "mul": lambda rng, i: add_mul_case(rng, "MUL", i),
    "mean": mean_case,
    "pad": pad_case,
    "concatenation": concat_case,
    "quantize": quantize_case,
    "dequantize": dequantize_case,
    "reshape": reshape_case,
    "squeeze": squeeze_case,
}
SEEDS = {name: 1000 + k for k, name in enumerate(GENERATORS)}


def cases_for(op, n=CASES):
    rng = np.random.default_rng(SEEDS[op])
    return [GENERATORS[op](rng, i) for i in range(n)]


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape and a.size == b.size:
        a = a.reshape(b.shape)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def describe_mismatch(name, ours, ref):
    ours, ref = np.asarray(ours).reshape(-1), np.asarray(ref).reshape(-1)
    if ours.dtype == np.float32:
        bad = np.nonzero(ours.view(np.uint32) != ref.view(np.uint32))[0]
    else:
        bad = np.nonzero(ours != ref)[0]
    if bad.size == 0:
        return f"{name}: dtype/shape differ ({ours.dtype} vs {ref.dtype})"
    i = bad[0]
    return f"{name}: {bad.size} of {ref.size} outputs differ, first at {i}: actual {ours[i]!r}, expected {ref[i]!r}"


# ---------------------------------------------------------------------------------------------
# Bit-exactness through the C engine.

@pytest.mark.parametrize("op", list(GENERATORS))
def test_engine_matches_tflm(engine, op, summary):
    cases = cases_for(op)
    check_engine(engine, cases)
    summary(f"{op}: {len(cases)} random single-op models bit-exact with TFLM (C engine)")


def check_engine(engine, cases, reference=None):
    """Runs each case in TFLM (or `reference`, a function like run_tflm) and in the C engine and
    compares every output bit for bit (other test_ops_*.py files use it too)."""
    for name, model, inputs, outputs in cases:
        refs = (reference or run_tflm)(model, inputs)
        status, err, ours = engine(model, inputs, outputs)
        assert status == TM_OK, f"{name}: tinyml refused the model: {err}"
        for o, r in zip(ours, refs):
            assert same_bits(o, r), describe_mismatch(name, o, r)


def test_mean_global_pool_equal_quantization_rounds(engine):
    """TFLM's int8 MEAN rescales the sum (round half away) even when the quantization is equal:
    not the truncating integer division of reference_ops::Mean."""
    # One non-zero value per channel: sums -26, -104, 8, 7 over 16 elements, zero point 0.
    # TFLM: the multiplier 2^30 with shift 1 - 4 = -3 halves the sum in the high multiply,
    # then shifts right by 3 with rounding: -1.625 -> -2, -6.5 -> -7, 0.5 -> 1, and 7 -> 3.5
    # -> 4 (first rounding) -> 0.5 -> 1 (second): double rounding makes 0.4375 a 1.
    # A truncating division (reference_ops::Mean) would give -1, -6, 0, 0.
    x = np.zeros((1, 4, 4, 4), np.int8)
    x[0, 1, 2, :] = [-26, -104, 8, 7]
    model = build_single_op_model(
        "MEAN", [Tensor([1, 4, 4, 4], scale=0.1, zero_point=0), Tensor([2], "int32", data=[1, 2])],
        [Tensor([1, 1, 1, 4], scale=0.1, zero_point=0)], options=dict(keep_dims=True))
    (ref,) = run_tflm(model, [x])
    status, err, (ours,) = engine(model, [x], [((1, 1, 1, 4), "int8")])
    assert status == TM_OK, err
    assert same_bits(ours, ref), describe_mismatch("global pool", ours, ref)
    assert ref.reshape(-1).tolist() == [-2, -7, 1, 1]


def test_pad_int64_paddings(engine):
    """int64 paddings are read as int64 (TFLM reads paddings as int32 and refuses these models)."""
    rng = np.random.default_rng(7)
    for rank in range(1, 6):
        dims = random_dims(rng, rank, hi=4, max_elems=200)
        pads = rng.integers(0, 3, (rank, 2))
        out = [int(d + p[0] + p[1]) for d, p in zip(dims, pads)]
        x = random_int8(rng, dims)
        model = build_single_op_model(
            "PAD", [Tensor(dims, scale=0.2, zero_point=-7), Tensor([rank, 2], "int64", data=pads)],
            [Tensor(out, scale=0.2, zero_point=-7)])
        status, err, (ours,) = engine(model, [x], [(out, "int8")])
        assert status == TM_OK, err
        expected = np.pad(x, [tuple(p) for p in pads.tolist()], constant_values=-7)
        assert np.array_equal(ours, expected), f"rank {rank}: {dims} {pads.tolist()}"


# ---------------------------------------------------------------------------------------------
# Models prepare must refuse.

def _i8(shape, scale=0.1, zp=0, data=None):
    return Tensor(shape, scale=scale, zero_point=zp, data=data)


REJECTIONS = [
    ("concat with an input scale differing from the output's",
     lambda: build_single_op_model("CONCATENATION", [_i8([1, 2], 0.1), _i8([1, 2], 0.2)],
                                   [_i8([1, 4], 0.1)], options=dict(axis=1)),
     TM_ERR_UNSUPPORTED, "quantization differs", True),
    ("concat with a fused activation",
     lambda: build_single_op_model("CONCATENATION", [_i8([1, 2]), _i8([1, 2])], [_i8([1, 4])],
                                   options=dict(axis=1, fused_activation_function="RELU")),
     TM_ERR_UNSUPPORTED, "fused activation", True),
    ("concat sizes that do not add up",
     lambda: build_single_op_model("CONCATENATION", [_i8([1, 2]), _i8([1, 2])], [_i8([1, 5])],
                                   options=dict(axis=1)),
     TM_ERR_MODEL, "add up", False),
    ("concat axis out of range",
     lambda: build_single_op_model("CONCATENATION", [_i8([1, 2]), _i8([1, 2])], [_i8([1, 4])],
                                   options=dict(axis=2)),
     TM_ERR_MODEL, "axis 2 is out of range", False),
    ("add whose output scale is too small for its inputs",
     lambda: build_single_op_model("ADD", [_i8([4], 1.0), _i8([4], 1.0)], [_i8([4], 1e-7)]),
     TM_ERR_UNSUPPORTED, "output scale too small", False),
    ("add with shapes that do not broadcast",
     lambda: build_single_op_model("ADD", [_i8([2, 3]), _i8([3, 2])], [_i8([2, 3])]),
     TM_ERR_MODEL, "do not broadcast", False),
    ("mul whose output is not the broadcast shape",
     lambda: build_single_op_model("MUL", [_i8([2, 1]), _i8([1, 3])], [_i8([2, 4])]),
     TM_ERR_MODEL, "do not broadcast", False),
    ("mul of int16 with an int8 output (int16 MUL: test_ops_int16.py)",
     lambda: build_single_op_model("MUL", [Tensor([4], "int16", 0.1, 0), Tensor([4], "int16", 0.1, 0)],
                                   [Tensor([4], "int8", 0.1, 0)]),
     TM_ERR_UNSUPPORTED, "output is int8 (only int16", False),
    ("add with a per-channel input",
     lambda: build_single_op_model("ADD", [Tensor([1, 2], scale=[0.1, 0.2], zero_point=[0, 0],
                                                  quantized_dimension=1), _i8([1, 2])], [_i8([1, 2])]),
     TM_ERR_UNSUPPORTED, "per-channel", False),
    ("mean over a computed axis tensor",
     lambda: build_single_op_model("MEAN", [_i8([1, 4, 4, 2]), Tensor([2], "int32")],
                                   [_i8([1, 1, 1, 2])], options=dict(keep_dims=True)),
     TM_ERR_UNSUPPORTED, "not a constant", False),
    ("mean axis out of range",
     lambda: build_single_op_model("MEAN", [_i8([2, 3]), Tensor([1], "int32", data=[2])],
                                   [_i8([2, 3])], options=dict(keep_dims=True)),
     TM_ERR_MODEL, "axis 2 is out of range", False),
    ("mean output of the wrong size",
     lambda: build_single_op_model("MEAN", [_i8([2, 3]), Tensor([1], "int32", data=[1])],
                                   [_i8([3])]),
     TM_ERR_MODEL, "reduction gives 2", False),
    ("pad with a negative padding",
     lambda: build_single_op_model("PAD", [_i8([4]), Tensor([1, 2], "int32", data=[[-1, 2]])],
                                   [_i8([5])]),
     TM_ERR_UNSUPPORTED, "negative padding", False),
    ("pad output dims that disagree with the paddings",
     lambda: build_single_op_model("PAD", [_i8([4]), Tensor([1, 2], "int32", data=[[1, 2]])],
                                   [_i8([6])]),
     TM_ERR_MODEL, "output dimension 0 is 6", True),
    ("pad with computed paddings",
     lambda: build_single_op_model("PAD", [_i8([4]), Tensor([1, 2], "int32")], [_i8([6])]),
     TM_ERR_UNSUPPORTED, "not a constant", True),
    ("quantize of uint8",
     lambda: build_single_op_model("QUANTIZE", [Tensor([4], "uint8", 0.1, 128)], [_i8([4])]),
     TM_ERR_UNSUPPORTED, "uint8", False),
    ("quantize to a per-channel output",
     lambda: build_single_op_model("QUANTIZE", [Tensor([1, 2], "float32")],
                                   [Tensor([1, 2], scale=[0.1, 0.2], zero_point=[0, 0], quantized_dimension=1)]),
     TM_ERR_UNSUPPORTED, "per-channel", True),
    ("dequantize of a per-channel tensor",
     lambda: build_single_op_model("DEQUANTIZE", [Tensor([1, 2], scale=[0.1, 0.2], zero_point=[0, 0],
                                                         quantized_dimension=1)],
                                   [Tensor([1, 2], "float32")]),
     TM_ERR_UNSUPPORTED, "per-channel", False),
    ("dequantize to int32",
     lambda: build_single_op_model("DEQUANTIZE", [_i8([4])], [Tensor([4], "int32")]),
     TM_ERR_UNSUPPORTED, "only float32", True),
    ("reshape changing the element count",
     lambda: build_single_op_model("RESHAPE", [_i8([2, 3])], [_i8([7])]),
     TM_ERR_MODEL, "input has 6 elements, output 7", True),
    ("reshape changing the type",
     lambda: build_single_op_model("RESHAPE", [_i8([2, 3])], [Tensor([6], "int16", 0.1, 0)]),
     TM_ERR_MODEL, "input is int8, output is int16", True),
    ("squeeze of a dimension that is not 1",
     lambda: build_single_op_model("SQUEEZE", [_i8([1, 3])], [_i8([1])], options=dict(squeeze_dims=[1])),
     TM_ERR_MODEL, "cannot squeeze dimension 1", True),
]


@pytest.mark.parametrize("what,make,status,message,tflm_refuses", REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_rejections(engine, what, make, status, message, tflm_refuses):
    model = make()
    from tflite_micro.python.tflite_micro import runtime
    import tflite
    sg = tflite.Model.GetRootAs(model, 0).Subgraphs(0)
    shapes = [tuple(sg.Tensors(sg.Inputs(i)).ShapeAsNumpy()) for i in range(sg.InputsLength())]
    dtypes = [{9: np.int8, 7: np.int16, 0: np.float32, 3: np.uint8, 2: np.int32}[sg.Tensors(sg.Inputs(i)).Type()]
              for i in range(sg.InputsLength())]
    inputs = [np.zeros(s, d) for s, d in zip(shapes, dtypes)]
    out = sg.Tensors(sg.Outputs(0))
    out_dtype = {9: np.int8, 7: np.int16, 0: np.float32, 2: np.int32}[out.Type()]
    got, err, _ = engine(model, inputs, [(tuple(out.ShapeAsNumpy()), out_dtype)])
    assert got == status, f"{what}: status {got} ({err}), expected {status}"
    assert message in err, f"{what}: message {err!r} lacks {message!r}"
    if tflm_refuses:
        with pytest.raises(RuntimeError):
            runtime.Interpreter.from_bytes(model, arena_size=1 << 16)


# ---------------------------------------------------------------------------------------------
# The same models through `import tinyml` in the Unix port.

UNIX_SCRIPT = """
import sys, tinyml
d = sys.argv[1]
def load(p):
    f = open(p, 'rb'); b = f.read(); f.close(); return b
k = 0
while True:
    try:
        model = load('%s/%d.tflite' % (d, k))
    except OSError:
        break
    n_in = int(load('%s/%d.n' % (d, k)))
    m = tinyml.Model(model)
    for i in range(n_in):
        m.set_input(load('%s/%d.in%d' % (d, k, i)), i)
    m.invoke()
    print(k, m.get_output(0).hex())
    k += 1
print('done', k)
"""


def check_unix_port(micropython, picked, reference=None):
    """Runs the (op, case) pairs through `import tinyml` in the Unix port, each compared bit for
    bit with TFLM (or `reference`, a function like run_tflm)."""
    with tempfile.TemporaryDirectory() as d:
        for k, (op, (name, model, inputs, outputs)) in enumerate(picked):
            Path(d, f"{k}.tflite").write_bytes(model)
            Path(d, f"{k}.n").write_text(str(len(inputs)))
            for i, x in enumerate(inputs):
                Path(d, f"{k}.in{i}").write_bytes(np.ascontiguousarray(x).tobytes())
        out = mputil.run_script(UNIX_SCRIPT, binary=micropython, args=[d], timeout=300)
    lines = out.split("\n")
    assert f"done {len(picked)}" in lines, out[-2000:]
    results = dict(l.split(" ", 1) for l in lines if l and not l.startswith("done"))
    for k, (op, (name, model, inputs, outputs)) in enumerate(picked):
        ref = (reference or run_tflm)(model, inputs)[0]   # output 0 (multi-output ops: test_ops_shape2.py)
        shape, dtype = outputs[0]
        ours = np.frombuffer(bytes.fromhex(results[str(k)]), dtype).reshape(shape)
        assert same_bits(ours, ref), describe_mismatch(f"unix port {name}", ours, ref)


def test_unix_port(micropython, summary):
    picked = []
    for op in GENERATORS:
        picked += [(op, c) for c in cases_for(op, UNIX_CASES_PER_OP)]
    check_unix_port(micropython, picked)
    summary(f"elementwise ops: {len(picked)} single-op models bit-exact with TFLM through `import tinyml`")


def float_io_model(rng):
    """float32 -> QUANTIZE -> ADD (constant) -> MUL (broadcast constant) -> MEAN -> DEQUANTIZE -> float32."""
    c1 = random_int8(rng, [1, 3, 4, 8])
    c2 = random_int8(rng, [8])
    tensors = [
        Tensor([1, 3, 4, 8], "float32", name="x"),
        Tensor([1, 3, 4, 8], scale=0.02, zero_point=-3, name="q"),
        Tensor([1, 3, 4, 8], scale=0.015, zero_point=4, data=c1, name="c1"),
        Tensor([1, 3, 4, 8], scale=0.03, zero_point=1, name="sum"),
        Tensor([8], scale=0.01, zero_point=0, data=c2, name="c2"),
        Tensor([1, 3, 4, 8], scale=0.004, zero_point=-10, name="prod"),
        Tensor([2], "int32", data=[1, 2], name="axes"),
        Tensor([1, 8], scale=0.003, zero_point=2, name="mean"),
        Tensor([1, 8], "float32", name="y"),
    ]
    ops = [Op("QUANTIZE", [0], [1]), Op("ADD", [1, 2], [3], dict(fused_activation_function="NONE"), 2),
           Op("MUL", [3, 4], [5], dict(fused_activation_function="RELU"), 2),
           Op("MEAN", [5, 6], [7], dict(keep_dims=False), 2), Op("DEQUANTIZE", [7], [8], None, 2)]
    return build_model(tensors, ops, [0], [8])


FLOAT_IO_SCRIPT = """
import sys, tinyml
from array import array
f = open(sys.argv[1], 'rb'); model = f.read(); f.close()
f = open(sys.argv[2], 'rb'); x = array('f', f.read()); f.close()
m = tinyml.Model(model)
y = m.predict(x)
print(type(y).__name__, bytes(y).hex())
"""


def test_float_io_model(engine, micropython):
    """A float-in, float-out model chaining QUANTIZE, ADD, MUL, MEAN and DEQUANTIZE, through the
    engine and through predict(array('f')) in the Unix port."""
    rng = np.random.default_rng(11)
    model = float_io_model(rng)
    for k in range(5):
        x = rng.normal(0, 1.2, (1, 3, 4, 8)).astype(np.float32)
        (ref,) = run_tflm(model, [x])
        status, err, (ours,) = engine(model, [x], [((1, 8), np.float32)])
        assert status == TM_OK, err
        assert same_bits(ours, ref), describe_mismatch(f"float io engine {k}", ours, ref)
        with tempfile.TemporaryDirectory() as d:
            Path(d, "m.tflite").write_bytes(model)
            Path(d, "x.bin").write_bytes(x.tobytes())
            out = mputil.run_script(FLOAT_IO_SCRIPT, binary=micropython,
                                    args=[Path(d, "m.tflite"), Path(d, "x.bin")]).split()
        assert out[0] == "array", out
        y = np.frombuffer(bytes.fromhex(out[1]), np.float32).reshape(1, 8)
        assert same_bits(y, ref), describe_mismatch(f"float io unix port {k}", y, ref)
