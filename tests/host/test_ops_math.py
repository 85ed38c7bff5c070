"""Issue 12, "math" slice: RESIZE_BILINEAR, L2_NORMALIZATION, LOG_SOFTMAX, BATCH_MATMUL and
TRANSPOSE_CONV (int8, and 16x8) against TFLM, bit for bit.

Same framework as test_single_ops_elementwise.py and test_ops_act2.py: seeded random single-op
models (single_op_models.py) run in the `tflite-micro` package (the reference) and in tinyml's
plain C engine through ctypes (host_engine.py), a share of them through `import tinyml` in the
Unix port, and the models prepare must refuse. Models made by TF's converter (a Keras
Conv2DTranspose, tf.image.resize bilinear, l2_normalize, matmul, log_softmax) are in
test_converted_keras_models below.

What the cases cover, per op:
  RESIZE_BILINEAR:  [B,H,W,C] to any size (down, up, 2x, 1-pixel axes), align_corners,
                    half_pixel_centers or neither (versions 2 and 3), every int8 value.
  L2_NORMALIZATION: 1- to 4-D, rows of 1 to 300 elements, input scales over three decades, zero
                    points across int8, rows that are all zero point (sum 0) or one nonzero value.
  LOG_SOFTMAX:      1- to 4-D, rows of 1 to 300 elements, input scales from 1e-4 to 2 (the
                    smallest TFLM accepts is just above 2^-26), mostly 0.01 to 0.1, constant
                    rows, extreme rows.
  BATCH_MATMUL:     operands of 2 to 5 dimensions, batch dimensions broadcasting both ways,
                    adj_x / adj_y, constant or activation right (and left) operand, zero points
                    across int8, output scales that fit and that saturate.
  TRANSPOSE_CONV:   int8 with per-tensor and per-channel weights, bias present / omitted, SAME
                    and VALID padding, strides 1 to 3, filters 1x1 to 4x4 (larger than the
                    stride and smaller), every output size that maps back onto the input;
                    16x8 (int16 activations, int8 weights, int64 bias, version 3) the same;
                    fused RELU / RELU6 / RELU_N1_TO_1 (version 4) in both.

TINYML_MATH_CASES sets the number of random cases per op (default 150).
"""

import os

import numpy as np
import pytest

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, build_engine
from single_op_models import Tensor, build_single_op_model
from test_ops_act import test_rejections as check_rejection  # the same check, other models
from test_single_ops_elementwise import (case, check_engine, check_unix_port, f32, log_uniform, random_dims,
                                         random_int8)

CASES = int(os.environ.get("TINYML_MATH_CASES", "150"))
UNIX_CASES_PER_OP = 8


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def edgy_int8(rng, shape, i):
    """Random int8 values; every 10th case all -128, all 127 or only the two extremes."""
    kind = i % 10
    if kind == 3:
        return np.full(shape, -128, np.int8)
    if kind == 6:
        return np.full(shape, 127, np.int8)
    if kind == 9:
        return rng.choice(np.array([-128, 127], np.int8), shape)
    return random_int8(rng, shape)


def const_ints(values):
    return Tensor([len(values)], "int32", data=np.asarray(values, np.int32))


# ---------------------------------------------------------------------------------------------
# RESIZE_BILINEAR

def resize_bilinear_case(rng, i):
    b, c = int(rng.integers(1, 3)), int(rng.integers(1, 5))
    h, w = (int(v) for v in rng.integers(1, 9, 2))
    if i % 4 == 0:
        oh, ow = 2 * h, 2 * w
    else:
        oh, ow = (int(v) for v in rng.integers(1, 17, 2))
    mode = i % 3                                 # 0 neither, 1 align_corners, 2 half_pixel_centers
    q = (log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128)))
    x = edgy_int8(rng, [b, h, w, c], i)
    model = build_single_op_model(
        "RESIZE_BILINEAR", [Tensor([b, h, w, c], scale=q[0], zero_point=q[1]), const_ints([oh, ow])],
        [Tensor([b, oh, ow, c], scale=q[0], zero_point=q[1])],
        options={"align_corners": mode == 1, "half_pixel_centers": mode == 2},
        version=3 if mode == 2 else 2, options_type="ResizeBilinearOptions")
    return case(f"resize_bilinear{i} {[b, h, w, c]} -> {[oh, ow]} mode {mode}", model, [x], [([b, oh, ow, c], "int8")])


# ---------------------------------------------------------------------------------------------
# L2_NORMALIZATION and LOG_SOFTMAX: rows along the last dimension.

def row_shape(rng, i):
    rank = int(rng.choice([1, 2, 3, 4, 4]))
    depth = int(rng.integers(2, 33))
    if i % 7 == 0:
        depth = int(rng.integers(100, 301))                # long rows
    if i % 11 == 0:
        depth = 1
    return random_dims(rng, rank - 1, hi=4, max_elems=24) + [depth]


def l2_normalization_case(rng, i):
    shape = row_shape(rng, i)
    si, zi = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    x = edgy_int8(rng, shape, i)
    if i % 13 == 0:
        x = np.full(shape, zi, np.int8)                     # every row sums to 0
    elif i % 13 == 1:
        x = np.full(shape, zi, np.int8)
        x[..., 0] = np.int8(np.clip(zi + int(rng.choice([-1, 1, 50])), -128, 127))
    model = build_single_op_model("L2_NORMALIZATION", [Tensor(shape, scale=si, zero_point=zi)],
                                  [Tensor(shape, scale=1 / 128, zero_point=0)], version=2,
                                  options={"fused_activation_function": "NONE"}, options_type="L2NormOptions")
    return case(f"l2_normalization{i} {shape} {si}/{zi}", model, [x], [(shape, "int8")])


def log_softmax_case(rng, i):
    shape = row_shape(rng, i)
    si, zi = log_uniform(rng, 1e-2, 0.1), int(rng.integers(-128, 128))   # spans of 2.5 to 25
    if i % 8 == 0:
        si = log_uniform(rng, 1e-4, 1e-2)                  # differences far below one output step
    elif i % 5 == 0:
        si = log_uniform(rng, 0.1, 2.0)                    # most of the row far below the maximum
    x = edgy_int8(rng, shape, i)
    model = build_single_op_model("LOG_SOFTMAX", [Tensor(shape, scale=si, zero_point=zi)],
                                  [Tensor(shape, scale=16 / 256, zero_point=127)], version=2)
    return case(f"log_softmax{i} {shape} {si}/{zi}", model, [x], [(shape, "int8")])


# ---------------------------------------------------------------------------------------------
# BATCH_MATMUL

def batch_matmul_shapes(rng):
    """(lhs, rhs, out, adj_x, adj_y): ranks 2 to 5, batch dimensions broadcasting."""
    out_rank = int(rng.integers(2, 6))
    batch = [int(v) for v in rng.integers(1, 4, out_rank - 2)]
    lb = [d if rng.random() < 0.7 else 1 for d in batch]
    rb = [d if (rng.random() < 0.7 or lb[k] == 1) else 1 for k, d in enumerate(batch)]
    lb = [lb[k] if lb[k] == rb[k] or lb[k] == 1 or rb[k] == 1 else batch[k] for k in range(len(batch))]
    # One operand may have fewer dimensions (leading batch dims dropped).
    if rng.random() < 0.3:
        lb = lb[int(rng.integers(0, len(lb) + 1)):]
    elif rng.random() < 0.3:
        rb = rb[int(rng.integers(0, len(rb) + 1)):]
    out_batch = list(np.broadcast_shapes(tuple(lb), tuple(rb)))
    m, k, n = (int(v) for v in rng.integers(1, 9, 3))
    if rng.random() < 0.15:
        k = int(rng.integers(40, 120))                     # deep sums
    adj_x, adj_y = bool(rng.random() < 0.4), bool(rng.random() < 0.4)
    lhs = lb + ([k, m] if adj_x else [m, k])
    rhs = rb + ([n, k] if adj_y else [k, n])
    out = [int(d) for d in out_batch] + [m, n]
    return lhs, rhs, out, adj_x, adj_y, k


def batch_matmul_case(rng, i):
    lhs, rhs, out, adj_x, adj_y, k = batch_matmul_shapes(rng)
    sl, zl = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    sr, zr = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    if rng.random() < 0.5:
        zr = 0                                             # symmetric (as converted constants are)
    so, zo = f32(sl * sr * np.sqrt(k) * rng.uniform(10, 3000)), int(rng.integers(-128, 128))
    a, b = edgy_int8(rng, lhs, i), random_int8(rng, rhs)
    const_rhs = rng.random() < 0.5
    const_lhs = not const_rhs and rng.random() < 0.2
    model = build_single_op_model(
        "BATCH_MATMUL", [Tensor(lhs, scale=sl, zero_point=zl, data=a if const_lhs else None),
                         Tensor(rhs, scale=sr, zero_point=zr, data=b if const_rhs else None)],
        [Tensor(out, scale=so, zero_point=zo)], options={"adj_x": adj_x, "adj_y": adj_y}, version=2,
        options_type="BatchMatMulOptions")
    inputs = [x for x, const in ((a, const_lhs), (b, const_rhs)) if not const]
    return case(f"batch_matmul{i} {lhs}{'c' if const_lhs else ''} x {rhs}{'c' if const_rhs else ''} "
                f"adj {adj_x:d}{adj_y:d} -> {out}", model, inputs, [(out, "int8")])


# ---------------------------------------------------------------------------------------------
# TRANSPOSE_CONV

def transpose_conv_geometry(rng):
    """Input / filter / output shapes, stride and padding whose output maps back onto the input
    (TFLM's padding: ComputeOutSize of the output is the input size)."""
    b, ic, oc = int(rng.integers(1, 3)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    h, w = (int(v) for v in rng.integers(1, 7, 2))
    fh, fw = (int(v) for v in rng.integers(1, 5, 2))
    sh, sw = (int(v) for v in rng.integers(1, 4, 2))
    padding = "SAME" if rng.random() < 0.5 else "VALID"

    def out_size(n, f, s):
        lo, hi = ((n - 1) * s + 1, n * s) if padding == "SAME" else ((n - 1) * s + f, n * s + f - 1)
        return int(rng.integers(lo, hi + 1)) if rng.random() < 0.3 else (hi if padding == "SAME" else lo)

    oh, ow = out_size(h, fh, sh), out_size(w, fw, sw)
    return [b, h, w, ic], [oc, fh, fw, ic], [b, oh, ow, oc], sh, sw, padding


def transpose_conv_model(rng, i, int16):
    shape_in, shape_f, shape_out, sh, sw, padding = transpose_conv_geometry(rng)
    oc, taps = shape_f[0], shape_f[1] * shape_f[2] * shape_f[3]
    si = log_uniform(rng, 1e-4, 1e-2) if int16 else log_uniform(rng, 1e-3, 1.0)
    zi = 0 if int16 else int(rng.integers(-128, 128))
    per_channel = rng.random() < 0.7
    sw_ = [log_uniform(rng, 1e-3, 0.1) for _ in range(oc)] if per_channel else log_uniform(rng, 1e-3, 0.1)
    if per_channel and rng.random() < 0.1:
        sw_[0] = 0.0                                       # an all-zero channel
    top = max(float(np.max(sw_)), 1e-3)                    # (an all-zero single channel has scale 0)
    # Outputs of a few dozen steps (int8) / a few thousand (int16), some saturating.
    so = f32(si * top * np.sqrt(taps) * (rng.uniform(30, 1000) if int16 else rng.uniform(1, 200)))
    zo = 0 if int16 else int(rng.integers(-128, 128))
    dtype = "int16" if int16 else "int8"
    filt = random_int8(rng, shape_f)
    filt[filt == -128] = -127                              # symmetric weights, as converters write
    has_bias = rng.random() < 0.7
    if int16:
        bias = rng.integers(-(1 << 22), 1 << 22, oc).astype(np.int64) if has_bias else None
        if has_bias and rng.random() < 0.1:
            bias = rng.integers(-(1 << 40), 1 << 40, oc).astype(np.int64)
        x = rng.integers(-32768, 32768, shape_in).astype(np.int16)
        if i % 10 == 3:
            x = np.full(shape_in, -32768, np.int16)
    else:
        bias = rng.integers(-(1 << 14), 1 << 14, oc).astype(np.int32) if has_bias else None
        x = edgy_int8(rng, shape_in, i)
    bias_t = None
    if has_bias:
        bias_t = Tensor([oc], "int64" if int16 else "int32", scale=[si * s for s in np.atleast_1d(sw_)],
                        zero_point=[0] * len(np.atleast_1d(sw_)), data=bias)
    inputs = [const_ints(shape_out), Tensor(shape_f, scale=sw_, zero_point=[0] * len(np.atleast_1d(sw_)), data=filt),
              Tensor(shape_in, dtype, scale=si, zero_point=zi)]
    if has_bias or rng.random() < 0.5:
        inputs.append(bias_t)                              # None: the bias input omitted as -1
    # A fused activation (version 4) now and then: TFLM clamps to its range as CONV_2D does.
    act = str(rng.choice(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])) if rng.random() < 0.4 else "NONE"
    model = build_single_op_model(
        "TRANSPOSE_CONV", inputs, [Tensor(shape_out, dtype, scale=so, zero_point=zo)],
        options={"padding": padding, "stride_h": sh, "stride_w": sw, "fused_activation_function": act},
        version=4 if act != "NONE" else (3 if int16 else 2), options_type="TransposeConvOptions")
    name = (f"transpose_conv{'16' if int16 else ''}_{i} {shape_in} f{shape_f} s{sh}{sw} {padding} -> {shape_out} "
            f"{'per-channel' if per_channel else 'per-tensor'} bias {has_bias} {act}")
    return case(name, model, [x], [(shape_out, dtype)])


def transpose_conv_case(rng, i):
    return transpose_conv_model(rng, i, int16=False)


def transpose_conv16_case(rng, i):
    return transpose_conv_model(rng, i, int16=True)


GENERATORS = {
    "resize_bilinear": resize_bilinear_case,
    "l2_normalization": l2_normalization_case,
    "log_softmax": log_softmax_case,
    "batch_matmul": batch_matmul_case,
    "transpose_conv": transpose_conv_case,
    "transpose_conv16": transpose_conv16_case,
}
SEEDS = {name: 4000 + k for k, name in enumerate(GENERATORS)}


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


def _i16(shape, scale=0.001, zp=0):
    return Tensor(shape, "int16", scale, zp)


def _resize(inp, size, out, **options):
    return build_single_op_model("RESIZE_BILINEAR", [inp, size], [out], options=options or None, version=3,
                                 options_type="ResizeBilinearOptions")


def _bmm(lhs, rhs, out, **options):
    return build_single_op_model("BATCH_MATMUL", [lhs, rhs], [out], options=options or None, version=2,
                                 options_type="BatchMatMulOptions")


def _tconv(inp, filt, out, bias=None, shape=None, version=2, **options):
    opts = {"padding": "SAME", "stride_h": 1, "stride_w": 1, **options}
    ins = [shape if shape is not None else const_ints(list(out.shape)), filt, inp] + ([bias] if bias else [])
    return build_single_op_model("TRANSPOSE_CONV", ins, [out], options=opts, version=version,
                                 options_type="TransposeConvOptions")


_W = np.ones([2, 3, 3, 2], np.int8)


def _weights(scale=0.05, zp=0, shape=(2, 3, 3, 2)):
    return Tensor(list(shape), scale=scale, zero_point=zp, data=np.ones(shape, np.int8))


REJECTIONS = [
    ("resize_bilinear with align_corners and half_pixel_centers",
     lambda: _resize(_i8([1, 2, 2, 1]), const_ints([4, 4]), _i8([1, 4, 4, 1]), align_corners=True,
                     half_pixel_centers=True),
     TM_ERR_MODEL, "cannot both be set", True),
    ("resize_bilinear with a computed size",
     lambda: _resize(_i8([1, 2, 2, 1]), Tensor([2], "int32"), _i8([1, 4, 4, 1])),
     TM_ERR_UNSUPPORTED, "size tensor is not a constant", True),
    ("resize_bilinear with an int64 size",
     lambda: _resize(_i8([1, 2, 2, 1]), Tensor([2], "int64", data=np.array([4, 4], np.int64)), _i8([1, 4, 4, 1])),
     TM_ERR_UNSUPPORTED, "size tensor is int64 (expected int32)", True),
    ("resize_bilinear of a 3-D input",
     lambda: _resize(_i8([2, 2, 1]), const_ints([4, 4]), _i8([4, 4, 1])),
     TM_ERR_MODEL, "must be 4-D", False),
    ("resize_bilinear output disagreeing with the size",
     lambda: _resize(_i8([1, 2, 2, 1]), const_ints([4, 4]), _i8([1, 4, 5, 1])),
     TM_ERR_MODEL, "disagrees with the input and size", False),
    ("resize_bilinear of int16",
     lambda: _resize(_i16([1, 2, 2, 1]), const_ints([4, 4]), _i16([1, 4, 4, 1])),
     TM_ERR_UNSUPPORTED, "only int8", False),
    ("resize_bilinear whose rounded scale reads past the input",
     lambda: _resize(_i8([1, 3, 1, 1]), const_ints([2047, 1]), _i8([1, 2047, 1, 1])),
     TM_ERR_UNSUPPORTED, "reads past the input", False),
    ("l2_normalization with a fused RELU",
     lambda: build_single_op_model("L2_NORMALIZATION", [_i8([2, 4])], [_i8([2, 4], 1 / 128, 0)], version=2,
                                   options={"fused_activation_function": "RELU"}, options_type="L2NormOptions"),
     TM_ERR_UNSUPPORTED, "fused activations", True),
    ("l2_normalization with another output quantization",
     lambda: build_single_op_model("L2_NORMALIZATION", [_i8([2, 4])], [_i8([2, 4], 0.01, 0)], version=2),
     TM_ERR_UNSUPPORTED, "scale 1/128, zero point 0", False),
    ("l2_normalization of a 5-D input",
     lambda: build_single_op_model("L2_NORMALIZATION", [_i8([1, 1, 1, 2, 4])], [_i8([1, 1, 1, 2, 4], 1 / 128, 0)],
                                   version=2),
     TM_ERR_MODEL, "1 to 4", True),
    ("l2_normalization of int16",
     lambda: build_single_op_model("L2_NORMALIZATION", [_i16([2, 4])], [_i16([2, 4])], version=2),
     TM_ERR_UNSUPPORTED, "int16", False),
    ("log_softmax with another output quantization",
     lambda: build_single_op_model("LOG_SOFTMAX", [_i8([2, 4])], [_i8([2, 4], 1 / 16, 0)], version=2),
     TM_ERR_UNSUPPORTED, "scale 16/256, zero point 127", True),
    ("log_softmax with shapes that differ",
     lambda: build_single_op_model("LOG_SOFTMAX", [_i8([2, 4])], [_i8([4, 2], 1 / 16, 127)], version=2),
     TM_ERR_MODEL, "shapes differ", True),
    ("log_softmax whose input scale is below 2^-26",
     lambda: build_single_op_model("LOG_SOFTMAX", [_i8([2, 4], 1e-9)], [_i8([2, 4], 1 / 16, 127)], version=2),
     TM_ERR_UNSUPPORTED, "input scale is too small", False),
    ("log_softmax of int16",
     lambda: build_single_op_model("LOG_SOFTMAX", [_i16([2, 4])], [_i16([2, 4])], version=2),
     TM_ERR_UNSUPPORTED, "int16", False),
    ("batch_matmul whose batch dimensions do not broadcast",
     lambda: _bmm(_i8([2, 3, 4]), _i8([3, 4, 5]), _i8([2, 3, 5])),
     TM_ERR_MODEL, "do not broadcast", True),
    ("batch_matmul whose inner dimensions differ",
     lambda: _bmm(_i8([3, 4]), _i8([5, 6]), _i8([3, 6])),
     TM_ERR_MODEL, "do not match", True),
    ("batch_matmul of a 1-D operand",
     lambda: _bmm(_i8([4]), _i8([4, 5]), _i8([5])),
     TM_ERR_MODEL, "2 to 5", True),
    ("batch_matmul with a wrong output shape",
     lambda: _bmm(_i8([3, 4]), _i8([4, 5]), _i8([3, 6])),
     TM_ERR_MODEL, "output shape", False),
    ("batch_matmul with per-channel right operand",
     lambda: _bmm(_i8([3, 4]), Tensor([4, 2], scale=[0.1, 0.2], zero_point=[0, 0], quantized_dimension=1,
                                       data=np.ones([4, 2], np.int8)), _i8([3, 2])),
     TM_ERR_UNSUPPORTED, "per-channel", False),
    ("batch_matmul of int16",
     lambda: _bmm(_i16([3, 4]), _i16([4, 5]), _i16([3, 5])),
     TM_ERR_UNSUPPORTED, "int16", False),
    ("transpose_conv with a fused TANH (no clamp range)",
     lambda: _tconv(_i8([1, 4, 4, 2]), _weights(), _i8([1, 4, 4, 2]), fused_activation_function="TANH", version=4),
     TM_ERR_UNSUPPORTED, "TANH", False),
    ("transpose_conv with asymmetric weights",
     lambda: _tconv(_i8([1, 4, 4, 2]), _weights(zp=3), _i8([1, 4, 4, 2])),
     TM_ERR_UNSUPPORTED, "symmetric", False),
    ("transpose_conv with an int64 bias on int8",
     lambda: _tconv(_i8([1, 4, 4, 2]), _weights(), _i8([1, 4, 4, 2]),
                    bias=Tensor([2], "int64", data=np.zeros(2, np.int64))),
     TM_ERR_UNSUPPORTED, "int8 ops need an int32 bias", False),
    ("transpose_conv 16x8 with an int32 bias (TFLM reads it as int64)",
     lambda: _tconv(_i16([1, 4, 4, 2]), _weights(), _i16([1, 4, 4, 2]),
                    bias=Tensor([2], "int32", data=np.zeros(2, np.int32)), version=3),
     TM_ERR_UNSUPPORTED, "16x8 needs an int64 bias", False),
    ("transpose_conv 16x8 with an input zero point",
     lambda: _tconv(_i16([1, 4, 4, 2], zp=5), _weights(), _i16([1, 4, 4, 2]), version=3),
     TM_ERR_MODEL, "zero point 0", False),
    ("transpose_conv whose output does not map back onto the input",
     lambda: _tconv(_i8([1, 4, 4, 2]), _weights(), _i8([1, 9, 8, 2]), stride_h=2, stride_w=2),
     TM_ERR_MODEL, "the model says", False),
    ("transpose_conv with stride 0",
     lambda: _tconv(_i8([1, 4, 4, 2]), _weights(), _i8([1, 4, 4, 2]), stride_h=0),
     TM_ERR_MODEL, "stride 0", False),
    ("transpose_conv whose filter input channels differ from the input's",
     lambda: _tconv(_i8([1, 4, 4, 3]), _weights(), _i8([1, 4, 4, 2])),
     TM_ERR_MODEL, "shapes disagree", False),
    ("transpose_conv with an output shape input disagreeing with the output",
     lambda: _tconv(_i8([1, 4, 4, 2]), _weights(), _i8([1, 4, 4, 2]), shape=const_ints([1, 4, 5, 2])),
     TM_ERR_MODEL, "output shape input disagrees", False),
    ("transpose_conv with per-channel scales along another axis",
     lambda: _tconv(_i8([1, 4, 4, 2]), Tensor([2, 3, 3, 2], scale=[0.1, 0.1], zero_point=[0, 0],
                                               quantized_dimension=3, data=_W), _i8([1, 4, 4, 2])),
     TM_ERR_UNSUPPORTED, "axis 3", False),
    ("transpose_conv with per-channel scales but one zero point (the loader's check)",
     lambda: _tconv(_i8([1, 4, 4, 2]), Tensor([2, 3, 3, 2], scale=[0.1, 0.1], zero_point=[0], data=_W),
                    _i8([1, 4, 4, 2])),
     TM_ERR_MODEL, "has 2 scales but 1 zero points", False),
    ("transpose_conv with a bias of the wrong size",
     lambda: _tconv(_i8([1, 4, 4, 2]), _weights(), _i8([1, 4, 4, 2]),
                    bias=Tensor([3], "int32", data=np.zeros(3, np.int32))),
     TM_ERR_MODEL, "bias has 3 elements", False),
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
    summary(f"math slice: {len(picked)} single-op models bit-exact with TFLM through `import tinyml`")


# ---------------------------------------------------------------------------------------------
# Models made by TF's converter: a Keras Conv2DTranspose (with a trained-looking bias) and
# tf.image.resize (bilinear, half-pixel centers) and tf.compat.v1 resize_bilinear(align_corners),
# full-integer int8; the Conv2DTranspose as 16x8 (int16 activations); tf.math.l2_normalize,
# tf.matmul of two activations and tf.nn.log_softmax, int8.

def convert_keras(model, shape, int16):
    import tensorflow as tf

    def representative():
        rng = np.random.default_rng(1)
        for _ in range(16):
            yield [rng.uniform(-1, 1, shape).astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    if int16:
        ops_16x8 = tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        converter.target_spec.supported_ops = [ops_16x8]
    else:
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int16 if int16 else tf.int8
    converter.inference_output_type = tf.int16 if int16 else tf.int8
    return converter.convert()


def op_names(model):
    import tflite
    m = tflite.Model.GetRootAs(model, 0)
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    sg = m.Subgraphs(0)
    codes = [m.OperatorCodes(sg.Operators(i).OpcodeIndex()) for i in range(sg.OperatorsLength())]
    return [names[max(c.BuiltinCode(), c.DeprecatedBuiltinCode())] for c in codes]


def test_converted_keras_models(engine, micropython, summary):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    layers = tf.keras.layers
    tf.keras.utils.set_random_seed(5)
    x = layers.Input((6, 5, 3), batch_size=1)
    y = layers.Conv2DTranspose(4, 3, strides=2, padding="same", bias_initializer="random_normal")(x)
    y = layers.Lambda(lambda t: tf.image.resize(t, (9, 7), "bilinear"))(y)
    y = layers.Conv2DTranspose(3, (2, 3), strides=(1, 2), padding="valid", bias_initializer="random_normal")(y)
    y = layers.Lambda(lambda t: tf.compat.v1.image.resize_bilinear(t, (5, 8), align_corners=True))(y)
    int8_model = tf.keras.Model(x, y)
    z = layers.Conv2DTranspose(4, 3, strides=2, padding="same", bias_initializer="random_normal")(x)
    int16_model = tf.keras.Model(x, layers.Conv2DTranspose(2, 2, strides=2, padding="valid")(z))
    # The other three ops as the converter writes them: l2_normalize, a matmul of two activations,
    # log_softmax.
    v = layers.Lambda(lambda t: tf.math.l2_normalize(t, -1))(x)
    v = layers.Lambda(lambda t: tf.matmul(t, t, transpose_b=True))(v)
    math_model = tf.keras.Model(x, layers.Lambda(lambda t: tf.nn.log_softmax(t, -1))(v))
    expected = {False: {"TRANSPOSE_CONV": 2, "RESIZE_BILINEAR": 2}, True: {"TRANSPOSE_CONV": 2},
                None: {"L2_NORMALIZATION": 1, "BATCH_MATMUL": 1, "LOG_SOFTMAX": 1}}

    rng = np.random.default_rng(9)
    picked = []
    for keras_model, int16 in ((int8_model, False), (int16_model, True), (math_model, None)):
        model = convert_keras(keras_model, (1, 6, 5, 3), bool(int16))
        ops = op_names(model)
        assert all(ops.count(op) == k for op, k in expected[int16].items()), ops
        dtype = np.int16 if int16 else np.int8
        out_shape = tuple(int(d) for d in keras_model.output.shape)
        info = np.iinfo(dtype)
        cases = [case(f"converted {'16x8' if int16 else 'int8'} {ops} input {k}", model,
                      [rng.integers(info.min, info.max + 1, (1, 6, 5, 3)).astype(dtype)],
                      [(out_shape, np.dtype(dtype).name)]) for k in range(5)]
        check_engine(engine, cases)
        picked += [("converted", c) for c in cases[:2]]
    check_unix_port(micropython, picked)
    summary("math slice: Keras Conv2DTranspose + tf.image.resize (bilinear) converted to int8, "
            "Conv2DTranspose to 16x8, l2_normalize + matmul + log_softmax to int8: bit-exact with TFLM "
            "(C engine and `import tinyml`)")
