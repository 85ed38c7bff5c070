"""EXPAND_DIMS, SHAPE, PACK, UNPACK, STRIDED_SLICE against TFLM, bit for bit (issue 12, shape ops).

Every case is a single-op .tflite model (single_op_models.py) with seeded random shapes, types,
axes, indices and inputs, run once in the `tflite-micro` package (the reference) and compared bit
for bit with tinyml's plain C engine (host_engine.py: device/runtime, kernels, ops through
ctypes); a share of them also runs through `import tinyml` in the Unix port.

What the cases cover, per op:
  EXPAND_DIMS:    0- to 5-D int8 / int16 / float32 inputs, every axis (negative too), the axis as
                  a 1-element vector or a scalar.
  SHAPE:          1- to 6-D inputs of int8 / int16 / int32 / float32.
  PACK:           1 to 6 inputs of 0- to 4-D, every axis (negative too), int8 / int32 / int64 /
                  float32, some inputs constant.
  UNPACK:         1- to 5-D, every axis (negative too) of size 1 to 4, int8 / int16 / int32 /
                  float32; every output compared. Plus 16, 50 and 255 outputs (an unrolled RNN;
                  TM_MAX_NODE_OUTPUTS is 255) and a refusal naming the cap past it.
  STRIDED_SLICE:  1- to 4-D int8 (and int16 / int32 / float32 / bool), begin / end anywhere in
                  [-2 size, 2 size] (clamped), strides -3..3, begin / end / shrink masks.
Plus the chain a dynamic-batch converter writes, SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE, and
the models prepare must refuse.

TINYML_SHAPE_CASES sets the number of random cases per op (default 150);
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
from test_single_ops_elementwise import (NP_DTYPES, UNIX_SCRIPT, case, describe_mismatch,
                                         random_dims, same_bits)

CASES = int(os.environ.get("TINYML_SHAPE_CASES", "150"))
UNIX_CASES_PER_OP = 12
NP_DTYPES = dict(NP_DTYPES, bool=np.bool_, int64=np.int64)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def random_data(rng, shape, dtype):
    if dtype == "float32":
        return rng.normal(0, 3, shape).astype(np.float32)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    info = np.iinfo(NP_DTYPES[dtype])
    lo, hi = max(int(info.min), -(1 << 40)), min(int(info.max), 1 << 40)
    return rng.integers(lo, hi, shape, endpoint=True).astype(NP_DTYPES[dtype])


def tensor(shape, dtype, data=None):
    """An activation (or constant) of dtype; int8 / int16 ones quantized as a converter writes."""
    quant = {"int8": dict(scale=0.05, zero_point=-3), "int16": dict(scale=0.001, zero_point=0)}
    return Tensor(list(shape), dtype, data=data, **quant.get(dtype, {}))


def expand_dims_case(rng, i):
    rank = int(rng.integers(0, 6))
    dims = random_dims(rng, rank, hi=4, max_elems=300)
    dtype = str(rng.choice(["int8", "int8", "int16", "float32"]))
    axis = int(rng.integers(-rank - 1, rank + 1))
    pos = axis + rank + 1 if axis < 0 else axis
    out = dims[:pos] + [1] + dims[pos:]
    axis_t = Tensor([1] if rng.random() < 0.7 else [], "int32", data=[axis])
    x = random_data(rng, dims, dtype)
    model = build_single_op_model("EXPAND_DIMS", [tensor(dims, dtype), axis_t], [tensor(out, dtype)],
                                  options={}, options_type="ExpandDimsOptions")
    return case(f"expand_dims{i} {dims} axis {axis} {dtype}", model, [x], [(out, dtype)])


def shape_case(rng, i):
    rank = int(rng.integers(1, 7))
    dims = random_dims(rng, rank, hi=5, max_elems=400)
    dtype = str(rng.choice(["int8", "int8", "int16", "int32", "float32"]))
    options = dict(out_type=2) if rng.random() < 0.5 else None   # INT32, or absent (default)
    model = build_single_op_model("SHAPE", [tensor(dims, dtype)], [Tensor([rank], "int32")],
                                  options=options, options_type="ShapeOptions")
    return case(f"shape{i} {dims} {dtype}", model, [random_data(rng, dims, dtype)], [([rank], "int32")])


def pack_case(rng, i):
    rank = int(rng.integers(0, 5))
    dims = random_dims(rng, rank, hi=4, max_elems=100)
    count = int(rng.integers(1, 7))
    dtype = str(rng.choice(["int8", "int8", "int32", "int64", "float32"]))
    axis = int(rng.integers(-rank - 1, rank + 1))
    pos = axis + rank + 1 if axis < 0 else axis
    out = dims[:pos] + [count] + dims[pos:]
    ins, feeds = [], []
    for k in range(count):
        x = random_data(rng, dims, dtype)
        const = k > 0 and rng.random() < 0.2      # the loader wants one model input
        ins.append(tensor(dims, dtype, data=x if const else None))
        if not const:
            feeds.append(x)
    model = build_single_op_model("PACK", ins, [tensor(out, dtype)], version=2 if dtype == "int8" else 1,
                                  options=dict(values_count=count, axis=axis), options_type="PackOptions")
    return case(f"pack{i} {count} x {dims} axis {axis} {dtype}", model, feeds, [(out, dtype)])


def unpack_case(rng, i):
    rank = int(rng.integers(1, 6))
    dims = random_dims(rng, rank, hi=4, max_elems=300)
    dtype = str(rng.choice(["int8", "int8", "int16", "int32", "float32"]))
    axis = int(rng.integers(-rank, rank))
    num = dims[axis]
    out = [d for k, d in enumerate(dims) if k != axis % rank]
    x = random_data(rng, dims, dtype)
    model = build_single_op_model("UNPACK", [tensor(dims, dtype)], [tensor(out, dtype) for _ in range(num)],
                                  version=2 if dtype == "int8" else (4 if dtype == "int16" else 1),
                                  options=dict(num=num, axis=axis), options_type="UnpackOptions")
    return case(f"unpack{i} {dims} axis {axis} {dtype}", model, [x], [(out, dtype)] * num)


def strided_slice_case(rng, i):
    while True:
        c = _strided_slice_case(rng, i)
        if c is not None:
            return c


def _strided_slice_case(rng, i):
    """A random slice, or None if it is empty (TFLM takes a 0-sized output for a dynamic one)."""
    rank = int(rng.integers(1, 5))
    dims = random_dims(rng, rank, hi=6, max_elems=500)
    dtype = str(rng.choice(["int8"] * 6 + ["int16", "int32", "float32", "bool"]))
    begin, end, strides = [], [], []
    begin_mask = end_mask = shrink = 0
    out = []
    for d, size in enumerate(dims):
        if rng.random() < 0.2:
            # Shrink: one index in range, positive stride (the converter's x[..., k, ...]).
            b = int(rng.integers(-size, size))
            begin.append(b)
            end.append(int(rng.integers(-2 * size, 2 * size + 1)))
            strides.append(int(rng.integers(1, 3)))
            shrink |= 1 << d
            continue
        s = int(rng.choice([1, 1, 2, 3, -1, -2, -3]))
        b = int(rng.integers(-2 * size, 2 * size + 1))
        e = int(rng.integers(-2 * size, 2 * size + 1))
        bm, em = rng.random() < 0.2, rng.random() < 0.2
        begin_mask |= bm << d
        end_mask |= em << d
        begin.append(b)
        end.append(e)
        strides.append(s)
        # Python's slice gives TensorFlow's clamping; the count is then checked by TFLM's prepare.
        out.append(len(range(size)[slice(None if bm else b, None if em else e, s)]))
    if 0 in out:
        return None
    x = random_data(rng, dims, dtype)
    ins = [tensor(dims, dtype)] + [Tensor([rank], "int32", data=v) for v in (begin, end, strides)]
    options = dict(begin_mask=begin_mask, end_mask=end_mask, shrink_axis_mask=shrink)
    model = build_single_op_model("STRIDED_SLICE", ins, [tensor(out, dtype)], options=options,
                                  version={"int8": 2, "bool": 3}.get(dtype, 1))
    return case(f"strided_slice{i} {dims} {begin}:{end}:{strides} masks b{begin_mask} e{end_mask} "
                f"s{shrink} {dtype}", model, [x], [(out, dtype)])


GENERATORS = {
    "expand_dims": expand_dims_case,
    "shape": shape_case,
    "pack": pack_case,
    "unpack": unpack_case,
    "strided_slice": strided_slice_case,
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
        assert len(ours) == len(refs)
        for o, r in zip(ours, refs):
            assert same_bits(o, r), describe_mismatch(name, o, r)
    summary(f"{op}: {len(cases)} random single-op models bit-exact with TFLM (C engine)")


# ---------------------------------------------------------------------------------------------
# Many outputs per node: an unrolled Keras LSTM/GRU over T steps UNPACKs its input into T tensors.
# A node's tensor indices live in a pool shared by all nodes, so the cap (TM_MAX_NODE_OUTPUTS,
# 255) costs no per-node RAM.

def unpack_model(num, dtype, n_model_outputs):
    """x [1, num, 3] -> UNPACK along axis 1 -> num tensors [1, 3]; the first n_model_outputs of
    them are the model's outputs (at most 16), the rest are written and never read."""
    tensors = [tensor([1, num, 3], dtype)] + [tensor([1, 3], dtype) for _ in range(num)]
    op = Op("UNPACK", [0], list(range(1, num + 1)), dict(num=num, axis=1),
            version=2 if dtype == "int8" else 4, options_type="UnpackOptions")
    return build_model(tensors, [op], [0], list(range(1, n_model_outputs + 1)))


@pytest.mark.parametrize("num,dtype", [(16, "int8"), (16, "int16"), (50, "int16"), (255, "int8")])
def test_unpack_many_outputs(engine, num, dtype):
    rng = np.random.default_rng(num)
    x = random_data(rng, [1, num, 3], dtype)
    n_out = min(num, 16)
    model = unpack_model(num, dtype, n_out)
    refs = run_tflm(model, [x])
    status, err, ours = engine(model, [x], [((1, 3), dtype)] * n_out)
    assert status == TM_OK, f"UNPACK into {num}: {err}"
    assert len(ours) == len(refs) == n_out
    for k, (o, r) in enumerate(zip(ours, refs)):
        assert same_bits(o, r), describe_mismatch(f"UNPACK into {num}, output {k}", o, r)
        assert np.array_equal(o.reshape(-1), x[0, k].reshape(-1))


def test_split_many_outputs(engine):
    rng = np.random.default_rng(20)
    num, dims, out = 20, [2, 40], [2, 2]
    x = random_data(rng, dims, "int8")
    tensors = [Tensor([], "int32", data=[1]), tensor(dims, "int8")] + [tensor(out, "int8") for _ in range(num)]
    op = Op("SPLIT", [0, 1], list(range(2, num + 2)), dict(num_splits=num), version=2, options_type="SplitOptions")
    model = build_model(tensors, [op], [1], list(range(num + 2 - 16, num + 2)))    # the last 16
    refs = run_tflm(model, [x])
    status, err, ours = engine(model, [x], [(out, "int8")] * 16)
    assert status == TM_OK, err
    for k, (o, r) in enumerate(zip(ours, refs)):
        assert same_bits(o, r), describe_mismatch("SPLIT into 20", o, r)
        assert np.array_equal(o, x[:, 2 * (k + 4):2 * (k + 5)])


def test_outputs_past_the_cap_are_refused_naming_it(engine):
    model = unpack_model(256, "int8", 1)
    status, err, _ = engine(model, [np.zeros((1, 256, 3), np.int8)], [((1, 3), "int8")])
    assert status == TM_ERR_UNSUPPORTED, (status, err)
    assert "256 outputs" in err and "TM_MAX_NODE_OUTPUTS" in err and "255" in err, err


# ---------------------------------------------------------------------------------------------
# The chain of a model converted with a dynamic batch: the batch is read from the input's shape
# and packed into RESHAPE's new shape.

def dynamic_batch_model():
    """x [1,3,4] int8 -> SHAPE -> [1,3,4] -> STRIDED_SLICE [0:1] shrink -> 1 -> PACK(1, 12) -> [1, 12]
    -> RESHAPE(x) -> y [1,12]. Outputs: y and the packed shape."""
    tensors = [
        tensor([1, 3, 4], "int8"),                            # 0 x
        Tensor([3], "int32"),                                 # 1 shape
        Tensor([1], "int32", data=[0]),                       # 2 begin
        Tensor([1], "int32", data=[1]),                       # 3 end
        Tensor([1], "int32", data=[1]),                       # 4 strides
        Tensor([], "int32"),                                  # 5 batch
        Tensor([], "int32", data=[12]),                       # 6 features
        Tensor([2], "int32"),                                 # 7 new shape
        tensor([1, 12], "int8"),                              # 8 y
    ]
    ops = [Op("SHAPE", [0], [1], None),
           Op("STRIDED_SLICE", [1, 2, 3, 4], [5], dict(shrink_axis_mask=1)),
           Op("PACK", [5, 6], [7], dict(values_count=2, axis=0), options_type="PackOptions"),
           Op("RESHAPE", [0, 7], [8], None)]
    return build_model(tensors, ops, [0], [8, 7])


CHAIN_SCRIPT = """
import sys, tinyml
f = open(sys.argv[1], 'rb'); model = f.read(); f.close()
f = open(sys.argv[2], 'rb'); x = f.read(); f.close()
m = tinyml.Model(model)
m.set_input(x, 0)
m.invoke()
print(bytes(m.get_output(0)).hex(), bytes(m.get_output(1)).hex())
"""


def test_dynamic_batch_chain(engine, micropython):
    """SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE end to end: TFLM, the C engine and the Unix port agree."""
    model = dynamic_batch_model()
    rng = np.random.default_rng(5)
    for k in range(3):
        x = random_data(rng, [1, 3, 4], "int8")
        y_ref, shape_ref = run_tflm(model, [x])
        assert shape_ref.tolist() == [1, 12] and same_bits(y_ref, x.reshape(1, 12))
        status, err, (y, shape) = engine(model, [x], [((1, 12), "int8"), ((2,), "int32")])
        assert status == TM_OK, err
        assert same_bits(y, y_ref) and same_bits(shape, shape_ref)
        with tempfile.TemporaryDirectory() as d:
            Path(d, "m.tflite").write_bytes(model)
            Path(d, "x.bin").write_bytes(x.tobytes())
            out = mputil.run_script(CHAIN_SCRIPT, binary=micropython,
                                    args=[Path(d, "m.tflite"), Path(d, "x.bin")]).split()
        assert bytes.fromhex(out[0]) == y_ref.tobytes(), out
        assert bytes.fromhex(out[1]) == shape_ref.astype("<i4").tobytes(), out


# ---------------------------------------------------------------------------------------------
# Models prepare must refuse.

def _ss(dims, begin, end, strides, out, **options):
    ins = [tensor(dims, "int8")] + [Tensor([len(v)], "int32", data=v) for v in (begin, end, strides)]
    return build_single_op_model("STRIDED_SLICE", ins, [tensor(out, "int8")], options=options, version=2)


@pytest.mark.parametrize("strides", [[1, 553648129], [-(2**31), 1], [2**31 - 1, -(2**31)]])
def test_strided_slice_strides_past_the_axis(engine, strides):
    """Strides far beyond an axis take one element (found by the fuzzer in CI: the stride times the
    axis' step overflowed int32 in prepare, undefined behaviour under UBSan), as in TFLM."""
    dims = [2, 10]
    begin = [0 if s > 0 else -1 for s in strides]
    end = [2 if s > 0 else -3 for s in strides]
    end[1] = 10 if strides[1] > 0 else -11
    out = [len(range(n)[slice(b, e, s)]) for n, b, e, s in zip(dims, begin, end, strides)]
    x = random_data(np.random.default_rng(7), dims, "int8")
    model = _ss(dims, begin, end, strides, out)
    refs = run_tflm(model, [x])
    status, err, ours = engine(model, [x], [(out, "int8")])
    assert status == TM_OK, err
    assert same_bits(ours[0], refs[0]), describe_mismatch(f"strides {strides}", ours[0], refs[0])


REJECTIONS = [
    ("expand_dims axis out of range",
     lambda: build_single_op_model("EXPAND_DIMS", [tensor([2, 3], "int8"), Tensor([1], "int32", data=[3])],
                                   [tensor([2, 3, 1], "int8")], options={}, options_type="ExpandDimsOptions"),
     TM_ERR_MODEL, "axis 3 is out of range", True),
    ("expand_dims output shape not the input's plus a 1",
     lambda: build_single_op_model("EXPAND_DIMS", [tensor([2, 3], "int8"), Tensor([1], "int32", data=[0])],
                                   [tensor([2, 1, 3], "int8")], options={}, options_type="ExpandDimsOptions"),
     TM_ERR_MODEL, "with a 1 at axis 0", True),
    ("expand_dims with a computed axis",
     lambda: build_single_op_model("EXPAND_DIMS", [tensor([2, 3], "int8"), Tensor([1], "int32")],
                                   [tensor([1, 2, 3], "int8")], options={}, options_type="ExpandDimsOptions"),
     TM_ERR_UNSUPPORTED, "not a constant", True),
    ("expand_dims of int32",
     lambda: build_single_op_model("EXPAND_DIMS", [Tensor([2], "int32"), Tensor([1], "int32", data=[0])],
                                   [Tensor([1, 2], "int32")], options={}, options_type="ExpandDimsOptions"),
     TM_ERR_UNSUPPORTED, "input is int32", False),
    ("shape to int64",
     lambda: build_single_op_model("SHAPE", [tensor([2, 3], "int8")], [Tensor([2], "int64")],
                                   options=dict(out_type=4), options_type="ShapeOptions"),
     TM_ERR_UNSUPPORTED, "only int32", False),
    ("shape output of the wrong size",
     lambda: build_single_op_model("SHAPE", [tensor([2, 3], "int8")], [Tensor([3], "int32")]),
     TM_ERR_MODEL, "3 elements for a 2-D input", False),
    ("pack with values_count not the input count",
     lambda: build_single_op_model("PACK", [tensor([2], "int8"), tensor([2], "int8")], [tensor([3, 2], "int8")],
                                   options=dict(values_count=3, axis=0), options_type="PackOptions"),
     TM_ERR_MODEL, "values_count 3 for 2 inputs", False),
    ("pack of inputs with different shapes",
     lambda: build_single_op_model("PACK", [tensor([2], "int8"), tensor([3], "int8")], [tensor([2, 2], "int8")],
                                   options=dict(values_count=2, axis=0), options_type="PackOptions"),
     TM_ERR_MODEL, "input 1's shape differs", False),
    ("pack output shape wrong",
     lambda: build_single_op_model("PACK", [tensor([2], "int8"), tensor([2], "int8")], [tensor([2, 3], "int8")],
                                   options=dict(values_count=2, axis=1), options_type="PackOptions"),
     TM_ERR_MODEL, "output dimension 1 is 3, expected 2", False),
    ("pack of int16",
     lambda: build_single_op_model("PACK", [tensor([2], "int16"), tensor([2], "int16")], [tensor([2, 2], "int16")],
                                   options=dict(values_count=2, axis=0), options_type="PackOptions"),
     TM_ERR_UNSUPPORTED, "output is int16", False),
    ("unpack with num not the axis size",
     lambda: build_single_op_model("UNPACK", [tensor([2, 3], "int8")], [tensor([3], "int8")] * 2,
                                   options=dict(num=2, axis=1), options_type="UnpackOptions"),
     TM_ERR_MODEL, "input dimension 3 at the axis", False),
    ("unpack axis out of range",
     lambda: build_single_op_model("UNPACK", [tensor([2, 3], "int8")], [tensor([3], "int8")] * 2,
                                   options=dict(num=2, axis=2), options_type="UnpackOptions"),
     TM_ERR_MODEL, "axis 2 is out of range", False),
    ("strided_slice output shape wrong",
     lambda: _ss([6], [1], [5], [2], [3]),
     TM_ERR_MODEL, "output dimension 0 should be 2", True),
    ("strided_slice stride 0",
     lambda: _ss([6], [1], [5], [0], [3]),
     TM_ERR_MODEL, "stride 0 is 0", True),
    ("strided_slice of a 5-D input",
     lambda: _ss([1, 1, 1, 1, 4], [0] * 5, [1] * 5, [1] * 5, [1, 1, 1, 1, 1]),
     TM_ERR_UNSUPPORTED, "5-D input", True),
    ("strided_slice with an ellipsis mask",
     lambda: _ss([2, 3], [0, 0], [2, 3], [1, 1], [2, 3], ellipsis_mask=1),
     TM_ERR_UNSUPPORTED, "ellipsis_mask", False),
    ("strided_slice shrinking with a negative stride (TFLM writes no output)",
     lambda: _ss([4, 3], [1, 0], [2, 3], [-1, 1], [3], shrink_axis_mask=1),
     TM_ERR_UNSUPPORTED, "negative stride", False),
    ("strided_slice shrinking past the end (TFLM writes no output)",
     lambda: _ss([4, 3], [5, 0], [6, 3], [1, 1], [3], shrink_axis_mask=1),
     TM_ERR_MODEL, "index out of range", False),
    ("strided_slice with computed begin",
     lambda: build_single_op_model("STRIDED_SLICE", [tensor([6], "int8"), Tensor([1], "int32"),
                                                     Tensor([1], "int32", data=[5]), Tensor([1], "int32", data=[1])],
                                   [tensor([4], "int8")], options={}, version=2),
     TM_ERR_UNSUPPORTED, "not a constant", False),
    ("strided_slice int64 indices (TFLM reads them as int32)",
     lambda: build_single_op_model("STRIDED_SLICE", [tensor([6], "int8")] + [Tensor([1], "int64", data=[v]) for v in (1, 5, 1)],
                                   [tensor([4], "int8")], options={}, version=2),
     TM_ERR_UNSUPPORTED, "expected int32", False),
]


@pytest.mark.parametrize("what,make,status,message,tflm_refuses", REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_rejections(engine, what, make, status, message, tflm_refuses):
    import tflite
    from tflite_micro.python.tflite_micro import runtime

    model = make()
    sg = tflite.Model.GetRootAs(model, 0).Subgraphs(0)
    np_of = {9: np.int8, 7: np.int16, 0: np.float32, 2: np.int32, 4: np.int64}
    inputs = [np.zeros(sg.Tensors(sg.Inputs(i)).ShapeAsNumpy(), np_of[sg.Tensors(sg.Inputs(i)).Type()])
              for i in range(sg.InputsLength())]
    outs = [sg.Tensors(sg.Outputs(i)) for i in range(sg.OutputsLength())]
    got, err, _ = engine(model, inputs, [(tuple(o.ShapeAsNumpy()), np_of[o.Type()]) for o in outs])
    assert got == status, f"{what}: status {got} ({err}), expected {status}"
    assert message in err, f"{what}: message {err!r} lacks {message!r}"
    if tflm_refuses:
        with pytest.raises(RuntimeError):
            runtime.Interpreter.from_bytes(model, arena_size=1 << 16)


# ---------------------------------------------------------------------------------------------
# A share of the random models through `import tinyml` in the Unix port (output 0 of each).

def test_unix_port(micropython, summary):
    picked = []
    for op in GENERATORS:
        picked += cases_for(op, UNIX_CASES_PER_OP)
    with tempfile.TemporaryDirectory() as d:
        for k, (name, model, inputs, outputs) in enumerate(picked):
            Path(d, f"{k}.tflite").write_bytes(model)
            Path(d, f"{k}.n").write_text(str(len(inputs)))
            for i, x in enumerate(inputs):
                Path(d, f"{k}.in{i}").write_bytes(np.ascontiguousarray(x).tobytes())
        out = mputil.run_script(UNIX_SCRIPT, binary=micropython, args=[d], timeout=300)
    lines = out.split("\n")
    assert f"done {len(picked)}" in lines, out[-2000:]
    results = dict(line.split(" ", 1) for line in lines if line and not line.startswith("done"))
    for k, (name, model, inputs, outputs) in enumerate(picked):
        ref = run_tflm(model, inputs)[0]
        shape, dtype = outputs[0]
        ours = np.frombuffer(bytes.fromhex(results[str(k)]), NP_DTYPES[dtype]).reshape(shape)
        assert same_bits(ours, ref), describe_mismatch(f"unix port {name}", ours, ref)
    summary(f"shape ops: {len(picked)} single-op models bit-exact with TFLM through `import tinyml`")
