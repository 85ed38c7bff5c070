"""SLICE, SPLIT, SPLIT_V, TRANSPOSE (issue 12, second shape slice) against TFLM, bit for bit.

Every case is a single-op .tflite model (single_op_models.py) with seeded random shapes, types and
indices, run once in the `tflite-micro` package (the reference) and compared bit for bit with
tinyml's plain C engine (host_engine.py); a share of them also runs through `import tinyml` in the
Unix port. Helpers come from test_ops_shape.py / test_single_ops_elementwise.py.

What the cases cover, per op:
  SLICE:  1- to 5-D int8 (and int16 / int32 / float32 / bool), begin anywhere in [0, dim], size
          anything in [0, dim - begin] or -1 (to the end), int32 or int64 begin / size.
  SPLIT:  1- to 5-D int8 (and int16 / int32 / float32), every axis (negative too), 1 to 12
          outputs; every output compared.
  SPLIT_V: the same with 1 to 12 outputs of sizes 1..4 (size_splits with a -1 sometimes).
  TRANSPOSE: 1- to 5-D int8 (and int16 / float32), every permutation.
Plus the models prepare must refuse.

TINYML_SHAPE_CASES sets the number of random cases per op (default 150);
TINYML_HOST_LIB=path uses a prebuilt engine library.
"""

import numpy as np
import pytest

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, build_engine
from single_op_models import Tensor, build_single_op_model
from test_ops_shape import CASES, random_data, tensor
from test_ops_shape import test_rejections as _shape_rejections  # noqa: F401 (reused below)
from test_single_ops_elementwise import case, check_engine, check_unix_port, random_dims

UNIX_CASES_PER_OP = 12
MAX_OUTPUTS = 12   # TM_MAX_NODE_OUTPUTS is 255: test_ops_shape.py goes there


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def slice_case(rng, i):
    rank = int(rng.integers(1, 6))
    dims = random_dims(rng, rank, hi=5, max_elems=500)
    dtype = str(rng.choice(["int8"] * 6 + ["int16", "int32", "float32", "bool"]))
    begin, size, out = [], [], []
    for d in dims:
        b = int(rng.integers(0, d))          # a non-empty slice (TFLM: 0-sized outputs are dynamic)
        s = -1 if rng.random() < 0.25 else int(rng.integers(1, d - b + 1))
        begin.append(b)
        size.append(s)
        out.append(d - b if s == -1 else s)
    index_type = "int64" if rng.random() < 0.3 else "int32"
    x = random_data(rng, dims, dtype)
    ins = [tensor(dims, dtype), Tensor([rank], index_type, data=begin), Tensor([rank], index_type, data=size)]
    model = build_single_op_model("SLICE", ins, [tensor(out, dtype)], options={},
                                  options_type="SliceOptions", version=2 if dtype == "int8" else 1)
    return case(f"slice{i} {dims} begin {begin} size {size} {index_type} {dtype}", model, [x], [(out, dtype)])


def split_case(rng, i):
    rank = int(rng.integers(1, 6))
    dtype = str(rng.choice(["int8"] * 5 + ["int16", "int32", "float32"]))
    axis = int(rng.integers(-rank, rank))
    num = int(rng.integers(1, MAX_OUTPUTS + 1))
    dims = random_dims(rng, rank, hi=4, max_elems=120)
    dims[axis] *= num
    out = list(dims)
    out[axis] //= num
    x = random_data(rng, dims, dtype)
    ins = [Tensor([] if rng.random() < 0.5 else [1], "int32", data=[axis]), tensor(dims, dtype)]
    model = build_single_op_model("SPLIT", ins, [tensor(out, dtype) for _ in range(num)],
                                  options=dict(num_splits=num), options_type="SplitOptions",
                                  version={"int8": 2, "int16": 3, "int32": 4}.get(dtype, 1))
    return case(f"split{i} {dims} axis {axis} into {num} {dtype}", model, [x], [(out, dtype)] * num)


def split_v_case(rng, i):
    rank = int(rng.integers(1, 6))
    dtype = str(rng.choice(["int8"] * 5 + ["int16", "int32", "float32"]))
    axis = int(rng.integers(-rank, rank))
    num = int(rng.integers(1, MAX_OUTPUTS + 1))
    dims = random_dims(rng, rank, hi=4, max_elems=60)
    sizes = [int(s) for s in rng.integers(1, 5, num)]
    dims[axis] = sum(sizes)
    outs = []
    for s in sizes:
        o = list(dims)
        o[axis] = s
        outs.append(o)
    # size_splits as the converter writes it, one entry sometimes -1 (the rest); TFLM reads the
    # output shapes, not size_splits.
    splits = list(sizes)
    if rng.random() < 0.3:
        splits[int(rng.integers(0, num))] = -1
    x = random_data(rng, dims, dtype)
    ins = [tensor(dims, dtype), Tensor([num], "int32", data=splits),
           Tensor([] if rng.random() < 0.5 else [1], "int32", data=[axis])]
    model = build_single_op_model("SPLIT_V", ins, [tensor(o, dtype) for o in outs],
                                  options=dict(num_splits=num), options_type="SplitVOptions",
                                  version={"int8": 2, "int16": 3}.get(dtype, 1))
    return case(f"split_v{i} {dims} axis {axis} into {sizes} {dtype}", model, [x], [(o, dtype) for o in outs])


def transpose_case(rng, i):
    rank = int(rng.integers(1, 6))
    dims = random_dims(rng, rank, hi=5, max_elems=500)
    dtype = str(rng.choice(["int8"] * 5 + ["int16", "float32"]))
    perm = [int(a) for a in rng.permutation(rank)]
    out = [dims[a] for a in perm]
    x = random_data(rng, dims, dtype)
    model = build_single_op_model("TRANSPOSE", [tensor(dims, dtype), Tensor([rank], "int32", data=perm)],
                                  [tensor(out, dtype)], options={}, version=2 if dtype == "int8" else 1)
    return case(f"transpose{i} {dims} perm {perm} {dtype}", model, [x], [(out, dtype)])


GENERATORS = {
    "slice": slice_case,
    "split": split_case,
    "split_v": split_v_case,
    "transpose": transpose_case,
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

def _slice(dims, begin, size, out, index_type="int32"):
    ins = [tensor(dims, "int8"), Tensor([len(begin)], index_type, data=begin),
           Tensor([len(size)], index_type, data=size)]
    return build_single_op_model("SLICE", ins, [tensor(out, "int8")], options={},
                                 options_type="SliceOptions", version=2)


def _split(dims, axis, num, out, n_out=None):
    ins = [Tensor([], "int32", data=[axis]), tensor(dims, "int8")]
    return build_single_op_model("SPLIT", ins, [tensor(out, "int8")] * (num if n_out is None else n_out),
                                 options=dict(num_splits=num), options_type="SplitOptions", version=2)


# The last field: TFLM's prepare refuses the model too. Where it is False TFLM either fails only at
# eval (SLICE's begin / size, SPLIT's axis range) or runs a model its eval mis-reads.
def _transpose(dims, perm, out):
    return build_single_op_model("TRANSPOSE", [tensor(dims, "int8"), Tensor([len(perm)], "int32", data=perm)],
                                 [tensor(out, "int8")], options={}, version=2)


REJECTIONS = [
    ("slice begin past the end", lambda: _slice([4, 3], [5, 0], [1, 3], [1, 3]),
     TM_ERR_MODEL, "begin 5 is out of range", False),
    ("slice negative begin", lambda: _slice([4, 3], [-1, 0], [1, 3], [1, 3]),
     TM_ERR_MODEL, "begin -1 is out of range", False),
    ("slice size past the end", lambda: _slice([4, 3], [2, 0], [3, 3], [3, 3]),
     TM_ERR_MODEL, "size 3 at dimension 0 goes past its end", False),
    ("slice output of the wrong size", lambda: _slice([4, 3], [1, 0], [2, 3], [2, 2]),
     TM_ERR_MODEL, "the slice has 6 elements, the output 4", False),
    ("slice with a computed begin",
     lambda: build_single_op_model("SLICE", [tensor([4], "int8"), Tensor([1], "int32"),
                                             Tensor([1], "int32", data=[2])], [tensor([2], "int8")],
                                   options={}, options_type="SliceOptions", version=2),
     TM_ERR_UNSUPPORTED, "not a constant", False),
    ("slice of a 6-D input (the tflite-micro package aborts the process on it)",
     lambda: _slice([1] * 5 + [2], [0] * 6, [1] * 6, [1] * 6),
     TM_ERR_UNSUPPORTED, "6-D input", False),
    ("split axis out of range", lambda: _split([4, 2], 2, 2, [2, 2]),
     TM_ERR_MODEL, "axis 2 is out of range", False),
    ("split not dividing the axis", lambda: _split([5, 2], 0, 2, [2, 2]),
     TM_ERR_MODEL, "num_splits 2, 2 outputs, input dimension 5", False),
    ("split with num_splits not the output count", lambda: _split([4, 2], 0, 2, [2, 2], n_out=1),
     TM_ERR_MODEL, "num_splits 2, 1 outputs", False),
    ("split output of the wrong shape", lambda: _split([4, 2], 0, 2, [2, 1]),
     TM_ERR_MODEL, "output 0 should be the input's shape with 2 at axis 0", False),
    ("split_v outputs not adding up to the input",
     lambda: build_single_op_model("SPLIT_V", [tensor([5, 2], "int8"), Tensor([2], "int32", data=[2, 2]),
                                               Tensor([], "int32", data=[0])],
                                   [tensor([2, 2], "int8")] * 2, options=dict(num_splits=2),
                                   options_type="SplitVOptions", version=2),
     TM_ERR_MODEL, "the outputs add up to 4 at the axis, the input has 5", False),
    ("split_v output of the wrong shape off the axis",
     lambda: build_single_op_model("SPLIT_V", [tensor([4, 2], "int8"), Tensor([2], "int32", data=[2, 2]),
                                               Tensor([], "int32", data=[0])],
                                   [tensor([2, 2], "int8"), tensor([2, 1], "int8")], options=dict(num_splits=2),
                                   options_type="SplitVOptions", version=2),
     TM_ERR_MODEL, "output 1 should be the input's shape with 2 at axis 0", False),
    ("split_v with a computed axis",
     lambda: build_single_op_model("SPLIT_V", [tensor([4], "int8"), Tensor([2], "int32", data=[2, 2]),
                                               Tensor([], "int32")],
                                   [tensor([2], "int8")] * 2, options=dict(num_splits=2),
                                   options_type="SplitVOptions", version=2),
     TM_ERR_UNSUPPORTED, "not a constant", True),
    ("transpose perm with a repeated axis",
     lambda: _transpose([2, 3], [0, 0], [2, 2]), TM_ERR_MODEL, "not a permutation", False),
    ("transpose perm out of range",
     lambda: _transpose([2, 3], [0, 2], [2, 3]), TM_ERR_MODEL, "not a permutation", True),
    ("transpose output of the wrong shape",
     lambda: _transpose([2, 3], [1, 0], [2, 3]), TM_ERR_MODEL, "output dimension 0 is 2, expected 3", False),
    ("transpose of int32 (TFLM's eval has no int32)",
     lambda: build_single_op_model("TRANSPOSE", [Tensor([2, 3], "int32"), Tensor([2], "int32", data=[1, 0])],
                                   [Tensor([3, 2], "int32")], options={}),
     TM_ERR_UNSUPPORTED, "input is int32", False),
    ("transpose with a computed perm",
     lambda: build_single_op_model("TRANSPOSE", [tensor([2, 3], "int8"), Tensor([2], "int32")],
                                   [tensor([3, 2], "int8")], options={}, version=2),
     TM_ERR_UNSUPPORTED, "not a constant", True),
    ("split with a computed axis",
     lambda: build_single_op_model("SPLIT", [Tensor([], "int32"), tensor([4], "int8")], [tensor([2], "int8")] * 2,
                                   options=dict(num_splits=2), options_type="SplitOptions", version=2),
     TM_ERR_UNSUPPORTED, "not a constant", True),
]


@pytest.mark.parametrize("what,make,status,message,tflm_refuses", REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_rejections(engine, what, make, status, message, tflm_refuses):
    _shape_rejections(engine, what, make, status, message, tflm_refuses)


# ---------------------------------------------------------------------------------------------
# A share of the random models through `import tinyml` in the Unix port (output 0 of each).

def test_unix_port(micropython, summary):
    picked = []
    for op in GENERATORS:
        picked += [(op, c) for c in cases_for(op, UNIX_CASES_PER_OP)]
    check_unix_port(micropython, picked)
    summary(f"shape ops 2: {len(picked)} single-op models bit-exact with TFLM through `import tinyml`")
