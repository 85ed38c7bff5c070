"""FILL, TILE, GATHER, ARG_MAX, ARG_MIN, SPACE_TO_DEPTH, DEPTH_TO_SPACE, SPACE_TO_BATCH_ND,
BATCH_TO_SPACE_ND (issue 12, data slice) against TFLM, bit for bit.

Every case is a single-op .tflite model (single_op_models.py) with seeded random shapes, types,
options and inputs, run once in the `tflite-micro` package (the reference) and compared bit for
bit with tinyml's plain C engine (host_engine.py); a share of them also runs through `import
tinyml` in the Unix port.

What the cases cover, per op (types: TFLM's for each kernel):
  FILL:            1- to 5-D outputs, int8 / int32 / float32 values (a model input), int32 or int64
                   constant dims. Dims computed by SHAPE (TFLM refuses them) and a constant value:
                   test_fill_dims_from_shape.
  TILE:            1- to 5-D int8 / int32 / int64 / float32 / bool, multiples 1..3 (int32
                   or int64). TFLM has no TILE: the reference is TensorFlow Lite's kernel
                   (tf.lite.Interpreter with the reference op resolver).
  GATHER:          1- to 4-D int8 / float32 input (int32 too, beyond TFLM's types: compared with
                   TensorFlow Lite, gather_int32), 0- to 3-D int32 positions (model input or
                   constant), every axis (negative too), batch_dims 0 or up to the axis (negative
                   too). Out-of-range positions at run time: test_gather_out_of_range_positions.
  ARG_MAX/ARG_MIN: 1- to 5-D int8 / float32 (ties, +-inf, NaN), every axis, a scalar or 1-element
                   axis, int32 output; int64 output (refused by TFLM's eval, run by tinyml)
                   compared with TensorFlow Lite's kernel (arg_max_int64 / arg_min_int64).
  SPACE_TO_DEPTH / DEPTH_TO_SPACE: 4-D int8 / float32, block_size 1..4.
  SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND: 3-D and 4-D int8 / float32, blocks 1..3 per spatial
                   axis, paddings / crops 0..3 per side, batch 1..3. TFLM pads SPACE_TO_BATCH_ND
                   with a byte its prepare never sets (op_space_batch_nd.c): the padded cases are
                   compared with TensorFlow Lite (padding = the zero point, not 0 here), the
                   unpadded ones with TFLM too.
Plus the models prepare must refuse.

TINYML_DATA_CASES sets the number of random cases per op (default 150);
TINYML_HOST_LIB=path uses a prebuilt engine library.
"""

import os

import numpy as np
import pytest

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Op, Tensor, build_model, build_single_op_model, run_tflm
from test_ops_shape import random_data, tensor
from test_ops_shape import test_rejections as _shape_rejections  # noqa: F401 (reused below)
from test_single_ops_elementwise import case, check_engine, check_unix_port, describe_mismatch, random_dims, same_bits

CASES = int(os.environ.get("TINYML_DATA_CASES", "150"))
UNIX_CASES_PER_OP = 8
VARIANT_CASES = 60


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def run_tflite(model_bytes, inputs):
    """TensorFlow Lite's reference kernels (for what TFLM lacks: TILE, int64 ARG_MAX / ARG_MIN)."""
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(
        model_content=model_bytes, experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    for detail, x in zip(interpreter.get_input_details(), inputs):
        interpreter.set_tensor(detail["index"], np.asarray(x))
    interpreter.invoke()
    return [np.array(interpreter.get_tensor(d["index"])) for d in interpreter.get_output_details()]


def _version(dtype):
    return 2 if dtype == "int8" else 1


# ---------------------------------------------------------------------------------------------
# Generators.

def fill_case(rng, i):
    rank = int(rng.integers(1, 6))
    dims = random_dims(rng, rank, hi=5, max_elems=400)
    dtype = str(rng.choice(["int8"] * 4 + ["int32", "float32"]))
    dims_type = "int64" if rng.random() < 0.3 else "int32"
    value = random_data(rng, [], dtype)
    ins = [Tensor([rank], dims_type, data=dims), tensor([], dtype)]
    model = build_single_op_model("FILL", ins, [tensor(dims, dtype)], options={}, options_type="FillOptions",
                                  version=_version(dtype))
    return case(f"fill{i} {dims} {dims_type} {dtype} {value}", model, [value], [(dims, dtype)])


def tile_case(rng, i):
    rank = int(rng.integers(1, 6))
    dtype = str(rng.choice(["int8"] * 5 + ["int32", "int64", "float32", "bool"]))
    while True:
        dims = random_dims(rng, rank, hi=4, max_elems=100)
        mult = [int(m) for m in rng.integers(1, 4, rank)]
        out = [d * m for d, m in zip(dims, mult)]
        if int(np.prod(out)) <= 800:
            break
    mult_type = "int64" if rng.random() < 0.3 else "int32"
    x = random_data(rng, dims, dtype)
    model = build_single_op_model("TILE", [tensor(dims, dtype), Tensor([rank], mult_type, data=mult)],
                                  [tensor(out, dtype)], options={}, options_type="TileOptions",
                                  version=_version(dtype))
    return case(f"tile{i} {dims} x {mult} {mult_type} {dtype}", model, [x], [(out, dtype)])


def gather_case(rng, i, dtypes=("int8", "int8", "int8", "float32")):
    rank = int(rng.integers(1, 5))
    dtype = str(rng.choice(list(dtypes)))
    dims = random_dims(rng, rank, hi=5, max_elems=300)
    axis = int(rng.integers(0, rank))
    batch_dims = int(rng.integers(0, axis + 1)) if rng.random() < 0.3 else 0
    pos_rank = int(rng.integers(batch_dims, batch_dims + 3))
    pos_dims = dims[:batch_dims] + random_dims(rng, pos_rank - batch_dims, hi=4)
    positions = rng.integers(0, dims[axis], pos_dims).astype(np.int32)
    out = dims[:axis] + pos_dims[batch_dims:] + dims[axis + 1:]
    axis_opt = axis - rank if rng.random() < 0.3 else axis
    batch_opt = batch_dims - pos_rank if 0 < batch_dims < pos_rank and rng.random() < 0.3 else batch_dims
    const = rng.random() < 0.3
    x = random_data(rng, dims, dtype)
    ins = [tensor(dims, dtype), Tensor(pos_dims, "int32", data=positions if const else None)]
    model = build_single_op_model("GATHER", ins, [tensor(out, dtype)], options=dict(axis=axis_opt, batch_dims=batch_opt),
                                  options_type="GatherOptions", version=5 if batch_dims else _version(dtype))
    feeds = [x] if const else [x, positions]
    return case(f"gather{i} {dims} axis {axis_opt} batch_dims {batch_opt} positions {pos_dims}"
                f"{' const' if const else ''} {dtype}", model, feeds, [(out, dtype)])


def gather_int32_case(rng, i):
    return gather_case(rng, i, dtypes=("int32",))


def _arg_input(rng, dims, dtype, nan=True):
    if dtype == "int8":
        lo = int(rng.integers(-128, 120))
        return rng.integers(lo, min(lo + int(rng.choice([3, 20, 256])), 128), dims).astype(np.int8)   # ties
    x = rng.normal(0, 2, dims).astype(np.float32)
    if rng.random() < 0.5:
        x = np.round(x)                                             # ties
    special = rng.random(dims) < 0.05
    specials = [np.inf, -np.inf, np.nan] if nan else [np.inf, -np.inf]
    x[special] = rng.choice(np.array(specials, np.float32), int(special.sum()))
    return x


def _arg_case(rng, i, op, out_type):
    rank = int(rng.integers(1, 6))
    dims = random_dims(rng, rank, hi=5, max_elems=400)
    dtype = str(rng.choice(["int8"] * 3 + ["float32"]))
    axis = int(rng.integers(-rank, rank))
    out = [d for k, d in enumerate(dims) if k != axis % rank]
    # NaN only where TFLM is the reference: TensorFlow Lite's kernel (the int64 reference) gives
    # 2147483647 for a slice that starts with NaN, TFLM (and tinyml) index 0.
    x = _arg_input(rng, dims, dtype, nan=out_type == "int32")
    axis_t = Tensor([1] if rng.random() < 0.5 else [], "int32", data=[axis])
    options_type = "ArgMaxOptions" if op == "ARG_MAX" else "ArgMinOptions"
    model = build_single_op_model(op, [tensor(dims, dtype), axis_t], [Tensor(out, out_type)],
                                  options=dict(output_type=2 if out_type == "int32" else 4),
                                  options_type=options_type, version=_version(dtype))
    return case(f"{op.lower()}{i} {dims} axis {axis} {dtype} -> {out_type}", model, [x], [(out, out_type)])


def arg_max_case(rng, i):
    return _arg_case(rng, i, "ARG_MAX", "int32")


def arg_min_case(rng, i):
    return _arg_case(rng, i, "ARG_MIN", "int32")


def arg_max_int64_case(rng, i):
    return _arg_case(rng, i, "ARG_MAX", "int64")


def arg_min_int64_case(rng, i):
    return _arg_case(rng, i, "ARG_MIN", "int64")


def space_to_depth_case(rng, i):
    bs = int(rng.integers(1, 5))
    dtype = str(rng.choice(["int8"] * 3 + ["float32"]))
    b, oh, ow, c = (int(v) for v in rng.integers(1, 4, 4))
    dims = [b, oh * bs, ow * bs, c]
    out = [b, oh, ow, c * bs * bs]
    x = random_data(rng, dims, dtype)
    model = build_single_op_model("SPACE_TO_DEPTH", [tensor(dims, dtype)], [tensor(out, dtype)],
                                  options=dict(block_size=bs), options_type="SpaceToDepthOptions",
                                  version=_version(dtype))
    return case(f"space_to_depth{i} {dims} block {bs} {dtype}", model, [x], [(out, dtype)])


def depth_to_space_case(rng, i):
    bs = int(rng.integers(1, 5))
    dtype = str(rng.choice(["int8"] * 3 + ["float32"]))
    b, h, w, oc = (int(v) for v in rng.integers(1, 4, 4))
    dims = [b, h, w, oc * bs * bs]
    out = [b, h * bs, w * bs, oc]
    x = random_data(rng, dims, dtype)
    model = build_single_op_model("DEPTH_TO_SPACE", [tensor(dims, dtype)], [tensor(out, dtype)],
                                  options=dict(block_size=bs), options_type="DepthToSpaceOptions",
                                  version=_version(dtype))
    return case(f"depth_to_space{i} {dims} block {bs} {dtype}", model, [x], [(out, dtype)])


def _space_batch_dims(rng):
    rank = int(rng.choice([3, 4]))
    spatial = rank - 2
    return rank, spatial, [int(v) for v in rng.integers(1, 4, spatial)], str(rng.choice(["int8"] * 3 + ["float32"]))


def space_to_batch_case(rng, i):
    rank, spatial, block, dtype = _space_batch_dims(rng)
    batch, depth = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    size, pads, out_sp = [], [], []
    unpadded = rng.random() < 0.3
    for k in range(spatial):
        n = int(rng.integers(1, 7))
        before = 0 if unpadded else int(rng.integers(0, 4))
        after = 0 if unpadded else int(rng.integers(0, 4))
        if unpadded:
            n += (-n) % block[k]
        else:
            after += (-(n + before + after)) % block[k]        # the padded size a multiple of the block
        size.append(n)
        pads.append([before, after])
        out_sp.append((n + before + after) // block[k])
    dims = [batch] + size + [depth]
    out = [batch * int(np.prod(block))] + out_sp + [depth]
    x = random_data(rng, dims, dtype)
    ins = [tensor(dims, dtype), Tensor([spatial], "int32", data=block), Tensor([spatial, 2], "int32", data=pads)]
    model = build_single_op_model("SPACE_TO_BATCH_ND", ins, [tensor(out, dtype)], options={},
                                  options_type="SpaceToBatchNDOptions", version=_version(dtype))
    return case(f"space_to_batch{i} {dims} block {block} paddings {pads} {dtype}{' unpadded' if unpadded else ''}",
                model, [x], [(out, dtype)])


def batch_to_space_case(rng, i):
    rank, spatial, block, dtype = _space_batch_dims(rng)
    batch, depth = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    size, crops, out_sp = [], [], []
    for k in range(spatial):
        n = int(rng.integers(1, 5))
        full = n * block[k]
        total = int(rng.integers(0, min(full - 1, 6) + 1))     # at least one output row left
        before = int(rng.integers(0, total + 1))
        size.append(n)
        crops.append([before, total - before])
        out_sp.append(full - total)
    dims = [batch * int(np.prod(block))] + size + [depth]
    out = [batch] + out_sp + [depth]
    x = random_data(rng, dims, dtype)
    ins = [tensor(dims, dtype), Tensor([spatial], "int32", data=block), Tensor([spatial, 2], "int32", data=crops)]
    model = build_single_op_model("BATCH_TO_SPACE_ND", ins, [tensor(out, dtype)], options={},
                                  options_type="BatchToSpaceNDOptions", version=_version(dtype))
    return case(f"batch_to_space{i} {dims} block {block} crops {crops} {dtype}", model, [x], [(out, dtype)])


# Op -> (generator, reference, number of cases). The reference is TFLM unless TFLM lacks the kernel.
GENERATORS = {
    "fill": fill_case,
    "tile": tile_case,
    "gather": gather_case,
    "arg_max": arg_max_case,
    "arg_min": arg_min_case,
    "arg_max_int64": arg_max_int64_case,
    "arg_min_int64": arg_min_int64_case,
    "space_to_depth": space_to_depth_case,
    "depth_to_space": depth_to_space_case,
    "space_to_batch_nd": space_to_batch_case,
    "batch_to_space_nd": batch_to_space_case,
    "gather_int32": gather_int32_case,
}
TFLITE_REFERENCE = {"tile", "gather_int32", "arg_max_int64", "arg_min_int64", "space_to_batch_nd"}
TFLM_LACKS = {"tile", "gather_int32", "arg_max_int64", "arg_min_int64"}
FEWER_CASES = {"gather_int32", "arg_max_int64", "arg_min_int64"}   # variants beyond TFLM's types
SEEDS = {name: 4000 + k for k, name in enumerate(GENERATORS)}


def reference_for(op):
    return run_tflite if op in TFLITE_REFERENCE else run_tflm


def cases_for(op, n=None):
    if n is None:
        n = min(CASES, VARIANT_CASES) if op in FEWER_CASES else CASES
    rng = np.random.default_rng(SEEDS[op])
    return [GENERATORS[op](rng, i) for i in range(n)]


@pytest.mark.parametrize("op", list(GENERATORS))
def test_engine_matches_reference(engine, op, summary):
    cases = cases_for(op)
    check_engine(engine, cases, reference=reference_for(op))
    ref = "TensorFlow Lite's reference kernel" if op in TFLITE_REFERENCE else "TFLM"
    summary(f"{op}: {len(cases)} random single-op models bit-exact with {ref} (C engine)")


def test_tflm_refuses_what_tflite_is_used_for():
    """TILE and int64 ARG_MAX / ARG_MIN are compared with TensorFlow Lite because TFLM cannot run them
    (if a later TFLM can, compare with it instead)."""
    for op in TFLM_LACKS:
        name, model, inputs, _ = cases_for(op, 1)[0]
        with pytest.raises(RuntimeError):
            run_tflm(model, inputs)


def test_space_to_batch_unpadded_matches_tflm(engine, summary):
    """SPACE_TO_BATCH_ND is compared with TensorFlow Lite (TFLM pads with an unset byte,
    op_space_batch_nd.c); without padding TFLM's output is defined: the same bits."""
    cases = [c for c in cases_for("space_to_batch_nd") if c[0].endswith(" unpadded")]
    assert len(cases) >= 20
    check_engine(engine, cases)
    summary(f"space_to_batch_nd: {len(cases)} unpadded models bit-exact with TFLM (C engine)")


def test_space_to_batch_padding_is_the_zero_point(engine):
    """The padded pixels are the output's zero point (int8), as in TensorFlow Lite."""
    x = np.arange(4, dtype=np.int8).reshape(1, 2, 2, 1) + 5
    q = dict(scale=0.1, zero_point=-3)
    model = build_single_op_model("SPACE_TO_BATCH_ND", [Tensor([1, 2, 2, 1], "int8", **q),
                                                        Tensor([2], "int32", data=[2, 2]),
                                                        Tensor([2, 2], "int32", data=[[1, 1], [1, 1]])],
                                  [Tensor([4, 2, 2, 1], "int8", **q)], options={},
                                  options_type="SpaceToBatchNDOptions", version=2)
    status, err, (ours,) = engine(model, [x], [((4, 2, 2, 1), "int8")])
    assert status == TM_OK, err
    assert ours.reshape(-1).tolist() == [-3, -3, -3, 8, -3, -3, 7, -3, -3, 6, -3, -3, 5, -3, -3, -3]
    assert same_bits(ours, run_tflite(model, [x])[0])


# ---------------------------------------------------------------------------------------------
# GATHER's positions out of range at run time (policy: op_gather.c).

def test_gather_out_of_range_positions(engine):
    """TFLM's invoke fails; tinyml's cannot: the output slices of bad positions are zero bytes, the
    others the gathered slices, and nothing outside the input is read (UBSan build)."""
    rng = np.random.default_rng(11)
    for dtype in ("int8", "float32"):
        x = random_data(rng, [5, 3], dtype)
        model = build_single_op_model("GATHER", [tensor([5, 3], dtype), Tensor([6], "int32")],
                                      [tensor([6, 3], dtype)], options=dict(axis=0), options_type="GatherOptions",
                                      version=_version(dtype))
        positions = np.array([4, 5, -1, 0, 2**31 - 1, -(2**31)], np.int32)
        with pytest.raises(RuntimeError):
            run_tflm(model, [x, positions])
        status, err, (ours,) = engine(model, [x, positions], [((6, 3), dtype)])
        assert status == TM_OK, err
        want = np.zeros((6, 3), x.dtype)
        want[0], want[3] = x[4], x[0]
        assert same_bits(ours, want), describe_mismatch("out-of-range gather", ours, want)
        good = np.array([4, 1, 0, 3, 2, 2], np.int32)    # the same model, in range: TFLM's values
        (ref,) = run_tflm(model, [x, good])
        status, err, (ours,) = engine(model, [x, good], [((6, 3), dtype)])
        assert status == TM_OK and same_bits(ours, ref), err


# ---------------------------------------------------------------------------------------------
# FILL with dims computed by SHAPE (a dynamic-batch converter's zeros_like / ones pattern).

def fill_from_shape_model(dims, dtype, value):
    """x -> SHAPE -> FILL(value, a constant) -> y of x's shape, and x + 0 passed through as output 1
    so the model has an input that is used."""
    rank = len(dims)
    tensors = [tensor(dims, dtype), Tensor([rank], "int32"), tensor([], dtype, data=[value]), tensor(dims, dtype)]
    ops = [Op("SHAPE", [0], [1], None), Op("FILL", [1, 2], [3], {}, version=_version(dtype), options_type="FillOptions")]
    return build_model(tensors, ops, [0], [3])


def test_fill_dims_from_shape(engine):
    """TFLM refuses a FILL whose dims are not a constant; tinyml takes the output's static shape. The
    output must equal TFLM's on the same FILL with constant dims."""
    rng = np.random.default_rng(12)
    for k in range(20):
        rank = int(rng.integers(1, 5))
        dims = random_dims(rng, rank, hi=4, max_elems=200)
        dtype = str(rng.choice(["int8", "int32", "float32"]))
        value = random_data(rng, [], dtype)
        model = fill_from_shape_model(dims, dtype, value)
        x = random_data(rng, dims, dtype)
        with pytest.raises(RuntimeError):
            run_tflm(model, [x])
        const_dims = build_single_op_model("FILL", [Tensor([rank], "int32", data=dims), tensor([], dtype)],
                                           [tensor(dims, dtype)], options={}, options_type="FillOptions",
                                           version=_version(dtype))
        (ref,) = run_tflm(const_dims, [value])
        status, err, (ours,) = engine(model, [x], [(dims, dtype)])
        assert status == TM_OK, err
        assert same_bits(ours, ref), describe_mismatch(f"fill from shape {dims} {dtype}", ours, ref)


# ---------------------------------------------------------------------------------------------
# Models prepare must refuse.

def _gather(dims, pos_dims, out, axis=0, batch_dims=0, positions=None, dtype="int8", pos_type="int32"):
    ins = [tensor(dims, dtype), Tensor(pos_dims, pos_type, data=positions)]
    return build_single_op_model("GATHER", ins, [tensor(out, dtype)], options=dict(axis=axis, batch_dims=batch_dims),
                                 options_type="GatherOptions", version=2)


def _arg(dims, axis, out, out_type="int32", dtype="int8", axis_data=True):
    ins = [tensor(dims, dtype), Tensor([1], "int32", data=[axis] if axis_data else None)]
    return build_single_op_model("ARG_MAX", ins, [Tensor(out, out_type)], options=dict(output_type=2),
                                 options_type="ArgMaxOptions", version=2)


def _fill(dims_data, out, value_shape=(), dtype="int8", out_dtype=None, dims_type="int32"):
    ins = [Tensor([len(dims_data)], dims_type, data=dims_data), tensor(list(value_shape), dtype)]
    return build_single_op_model("FILL", ins, [tensor(out, out_dtype or dtype)], options={}, options_type="FillOptions",
                                 version=2)


def _tile(dims, mult, out, dtype="int8", mult_data=True):
    ins = [tensor(dims, dtype), Tensor([len(mult)], "int32", data=mult if mult_data else None)]
    return build_single_op_model("TILE", ins, [tensor(out, dtype)], options={}, options_type="TileOptions", version=2)


def _space_depth(op, dims, out, bs, dtype="int8"):
    options_type = "SpaceToDepthOptions" if op == "SPACE_TO_DEPTH" else "DepthToSpaceOptions"
    return build_single_op_model(op, [tensor(dims, dtype)], [tensor(out, dtype)], options=dict(block_size=bs),
                                 options_type=options_type, version=2)


def _space_batch(op, dims, block, pads, out, dtype="int8", pad_shape=None, const=True):
    options_type = "SpaceToBatchNDOptions" if op == "SPACE_TO_BATCH_ND" else "BatchToSpaceNDOptions"
    ins = [tensor(dims, dtype), Tensor([len(block)], "int32", data=block if const else None),
           Tensor(pad_shape or [len(block), 2], "int32", data=pads)]
    return build_single_op_model(op, ins, [tensor(out, dtype)], options={}, options_type=options_type, version=2)


# The last field: TFLM's prepare refuses the model too (False: TFLM fails only at eval, or runs a
# model its eval mis-reads).
REJECTIONS = [
    ("gather positions of int64", lambda: _gather([4, 2], [3], [3, 2], pos_type="int64"),
     TM_ERR_UNSUPPORTED, "positions are int64", True),
    ("gather of int16", lambda: _gather([4, 2], [3], [3, 2], dtype="int16"),
     TM_ERR_UNSUPPORTED, "input is int16", True),
    ("gather axis out of range", lambda: _gather([4, 2], [3], [3, 2], axis=2),
     TM_ERR_MODEL, "axis 2 is out of range", True),
    ("gather batch_dims past the axis", lambda: _gather([4, 2], [4, 3], [4, 3], axis=0, batch_dims=1),
     TM_ERR_MODEL, "batch_dims 1 is out of range", True),
    ("gather batch dims that differ", lambda: _gather([4, 2, 3], [3, 2], [4, 2], axis=1, batch_dims=1),
     TM_ERR_MODEL, "batch dimension 0 is 4 in the input, 3 in the positions", True),
    ("gather output of the wrong shape", lambda: _gather([4, 2], [3], [2, 3]),
     TM_ERR_MODEL, "output shape is not", False),
    ("gather constant position out of range", lambda: _gather([4, 2], [3], [3, 2], positions=[0, 4, 1]),
     TM_ERR_MODEL, "position 1 is 4, outside [0, 4)", False),
    ("gather constant negative position", lambda: _gather([4, 2], [2], [2, 2], positions=[-1, 0]),
     TM_ERR_MODEL, "position 0 is -1", False),
    ("arg_max with a computed axis", lambda: _arg([3, 4], 1, [3], axis_data=False),
     TM_ERR_UNSUPPORTED, "not a constant", False),
    ("arg_max axis out of range", lambda: _arg([3, 4], 2, [3]),
     TM_ERR_MODEL, "axis 2 is out of range", False),
    ("arg_max output of the wrong shape", lambda: _arg([3, 4], 1, [4]),
     TM_ERR_MODEL, "output shape should be the input's without axis 1", False),
    ("arg_max to int16", lambda: _arg([3, 4], 1, [3], out_type="int16"),
     TM_ERR_UNSUPPORTED, "output is int16", False),
    ("arg_max of int16", lambda: _arg([3, 4], 1, [3], dtype="int16"),
     TM_ERR_UNSUPPORTED, "input is int16", False),
    ("fill dims not the output's shape", lambda: _fill([2, 3], [2, 4]),
     TM_ERR_MODEL, "dims[1] is 3, the output's dimension 4", True),
    ("fill dims of the wrong rank", lambda: _fill([2, 3], [6]),
     TM_ERR_MODEL, "dims should be a vector of 1 values", True),
    ("fill value not a scalar", lambda: _fill([2, 3], [2, 3], value_shape=(1,)),
     TM_ERR_MODEL, "value is 1-D", True),
    ("fill value of another type than the output", lambda: _fill([2, 3], [2, 3], dtype="int32", out_dtype="int8"),
     TM_ERR_MODEL, "value is int32, output is int8", True),
    ("fill of int16", lambda: _fill([2, 3], [2, 3], dtype="int16"),
     TM_ERR_UNSUPPORTED, "value is int16", False),
    ("tile multiples of 0", lambda: _tile([2, 3], [1, 0], [2, 3]),
     TM_ERR_UNSUPPORTED, "multiples[1] is 0", False),
    ("tile output of the wrong shape", lambda: _tile([2, 3], [2, 1], [2, 3]),
     TM_ERR_MODEL, "output dimension 0 is 2, expected 2 x 2", False),
    ("tile of int16 (TensorFlow Lite's kernel has none)", lambda: _tile([2, 3], [2, 1], [4, 3], dtype="int16"),
     TM_ERR_UNSUPPORTED, "input is int16", False),
    ("tile with computed multiples", lambda: _tile([2, 3], [2, 1], [4, 3], mult_data=False),
     TM_ERR_UNSUPPORTED, "not a constant", False),
    ("space_to_depth block not dividing the input", lambda: _space_depth("SPACE_TO_DEPTH", [1, 3, 4, 1], [1, 1, 2, 4], 2),
     TM_ERR_MODEL, "does not divide", True),
    ("space_to_depth of a 3-D input", lambda: _space_depth("SPACE_TO_DEPTH", [4, 4, 1], [2, 2, 4], 2),
     TM_ERR_MODEL, "must be 4-D", True),
    ("space_to_depth of int16", lambda: _space_depth("SPACE_TO_DEPTH", [1, 2, 2, 1], [1, 1, 1, 4], 2, dtype="int16"),
     TM_ERR_UNSUPPORTED, "input is int16", True),
    ("space_to_depth output of the wrong shape", lambda: _space_depth("SPACE_TO_DEPTH", [1, 4, 4, 1], [1, 2, 2, 2], 2),
     TM_ERR_MODEL, "output dimension 3 is 2, expected 4", False),
    ("depth_to_space block 0", lambda: _space_depth("DEPTH_TO_SPACE", [1, 2, 2, 4], [1, 2, 2, 4], 0),
     TM_ERR_MODEL, "block_size 0", False),
    ("depth_to_space depth not a multiple of block^2", lambda: _space_depth("DEPTH_TO_SPACE", [1, 2, 2, 6], [1, 4, 4, 1], 2),
     TM_ERR_MODEL, "not a multiple of block_size^2", True),
    ("space_to_batch padded size not a multiple of the block",
     lambda: _space_batch("SPACE_TO_BATCH_ND", [1, 5, 4, 1], [2, 2], [[0, 0], [0, 0]], [4, 2, 2, 1]),
     TM_ERR_MODEL, "padded size 5 at spatial axis 0 is not a multiple of the block 2", False),
    ("space_to_batch output of the wrong shape",
     lambda: _space_batch("SPACE_TO_BATCH_ND", [1, 4, 4, 1], [2, 2], [[0, 0], [0, 0]], [2, 2, 2, 1]),
     TM_ERR_MODEL, "output shape does not match block_shape and paddings", False),
    ("space_to_batch negative padding",
     lambda: _space_batch("SPACE_TO_BATCH_ND", [1, 4, 4, 1], [2, 2], [[-2, 2], [0, 0]], [4, 2, 2, 1]),
     TM_ERR_MODEL, "negative paddings", False),
    ("space_to_batch block 0",
     lambda: _space_batch("SPACE_TO_BATCH_ND", [1, 4, 4, 1], [0, 2], [[0, 0], [0, 0]], [4, 2, 2, 1]),
     TM_ERR_MODEL, "block_shape[0] is 0", False),
    ("space_to_batch with a computed block_shape",
     lambda: _space_batch("SPACE_TO_BATCH_ND", [1, 4, 4, 1], [2, 2], [[0, 0], [0, 0]], [4, 2, 2, 1], const=False),
     TM_ERR_UNSUPPORTED, "not a constant", False),
    ("space_to_batch paddings of the wrong shape",
     lambda: _space_batch("SPACE_TO_BATCH_ND", [1, 4, 4, 1], [2, 2], [0, 0, 0, 0], [4, 2, 2, 1], pad_shape=[4]),
     TM_ERR_MODEL, "paddings should be of shape [2, 2]", False),
    ("space_to_batch of a 5-D input",
     lambda: _space_batch("SPACE_TO_BATCH_ND", [1, 1, 4, 4, 1], [2, 2], [[0, 0], [0, 0]], [4, 1, 2, 2, 1]),
     TM_ERR_MODEL, "5-D input", True),
    ("batch_to_space batch not a multiple of the block",
     lambda: _space_batch("BATCH_TO_SPACE_ND", [3, 2, 2, 1], [2, 1], [[0, 0], [0, 0]], [1, 4, 2, 1]),
     TM_ERR_MODEL, "input batch 3 is not a multiple of the block size 2", False),
    ("batch_to_space crops past the size",
     lambda: _space_batch("BATCH_TO_SPACE_ND", [4, 1, 1, 1], [2, 2], [[2, 1], [0, 0]], [1, 1, 2, 1]),
     TM_ERR_MODEL, "crops at spatial axis 0 exceed the size", False),
    ("batch_to_space of int16",
     lambda: _space_batch("BATCH_TO_SPACE_ND", [4, 1, 1, 1], [2, 2], [[0, 0], [0, 0]], [1, 2, 2, 1], dtype="int16"),
     TM_ERR_UNSUPPORTED, "input is int16", False),
]


@pytest.mark.parametrize("what,make,status,message,tflm_refuses", REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_rejections(engine, what, make, status, message, tflm_refuses):
    _shape_rejections(engine, what, make, status, message, tflm_refuses)


# ---------------------------------------------------------------------------------------------
# A share of the random models through `import tinyml` in the Unix port.

def test_unix_port(micropython, summary):
    total = 0
    for reference in (run_tflm, run_tflite):
        picked = [(op, c) for op in GENERATORS if reference_for(op) is reference
                  for c in cases_for(op, UNIX_CASES_PER_OP)]
        check_unix_port(micropython, picked, reference=reference)
        total += len(picked)
    summary(f"data ops: {total} single-op models bit-exact with their reference through `import tinyml`")


# ---------------------------------------------------------------------------------------------
# A dilated convolution converted with a dynamic batch.

def dynamic_batch_dilated_conv_model():
    """What the converter writes for Conv2D(dilation_rate=2, padding="same") on a [None, 6, 6, 1]
    input: SPACE_TO_BATCH_ND -> CONV_2D -> BATCH_TO_SPACE_ND with every shape at batch 1 (the -1
    only in shape_signature), although the block makes the middle batch 4."""
    q = dict(scale=0.05, zero_point=-3)
    tensors = [Tensor([1, 6, 6, 1], "int8", **q), Tensor([2], "int32", data=[2, 2]),
               Tensor([2, 2], "int32", data=[[2, 2], [2, 2]]), Tensor([1, 5, 5, 1], "int8", **q),
               Tensor([1, 3, 3, 1], "int8", scale=[0.02], zero_point=[0], data=np.ones((1, 3, 3, 1))),
               Tensor([1], "int32", data=[0]), Tensor([1, 3, 3, 1], "int8", **q),
               Tensor([2, 2], "int32", data=[[0, 0], [0, 0]]), Tensor([1, 6, 6, 1], "int8", **q)]
    ops = [Op("SPACE_TO_BATCH_ND", [0, 1, 2], [3], {}, version=2, options_type="SpaceToBatchNDOptions"),
           Op("CONV_2D", [3, 4, 5], [6], dict(padding="VALID", stride_w=1, stride_h=1), version=3),
           Op("BATCH_TO_SPACE_ND", [6, 1, 7], [8], {}, version=2, options_type="BatchToSpaceNDOptions")]
    return build_model(tensors, ops, [0], [8])


def test_dynamic_batch_dilated_conv_is_refused(engine):
    """TFLM runs such a model with the stored batch 1 and computes the wrong pixels (a quarter of the
    block offsets); tinyml refuses it at load and says what to do."""
    model = dynamic_batch_dilated_conv_model()
    x = random_data(np.random.default_rng(3), [1, 6, 6, 1], "int8")
    status, err, _ = engine(model, [x], [((1, 6, 6, 1), "int8")])
    assert status == TM_ERR_MODEL, err
    assert "SPACE_TO_BATCH_ND" in err and "dimension 0 is 1, expected 4" in err and "fixed batch of 1" in err, err
    assert not same_bits(run_tflm(model, [x])[0], run_tflite(model, [x])[0])   # TFLM's wrong pixels
