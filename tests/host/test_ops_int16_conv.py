"""Issue 12, int16x8 slice A: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with int16 activations
and int8 weights ("16x8") against TFLM, bit for bit.

Same framework as test_ops_act.py: seeded random single-op models (single_op_models.py) run in the
`tflite-micro` package (the reference) and in tinyml's plain C engine through ctypes
(host_engine.py), a share of them through `import tinyml` in the Unix port, and the models prepare
must refuse.

TFLM's 16x8 arithmetic (reference_integer_ops, checked against the pinned package): no zero points
(16x8 activations are symmetric); the accumulator follows the bias type. An int64 bias, or none:
int64 accumulator and MultiplyByQuantizedMultiplier on int64 (15-bit multiplier, one rounding). An
int32 bias (CONV_2D, FULLY_CONNECTED; the converter writes one with
_experimental_full_integer_quantization_bias_type = int32): an int32 accumulator that wraps, and the
int8 ops' double-rounding requantization. DEPTHWISE_CONV_2D reads its bias as int64 whatever its
type, so an int32 bias there is refused.

What the cases cover, per op (as test_conv_fc_tflm.py's int8 generators): shapes, batches, strides,
dilations, SAME / VALID, fused NONE / RELU / RELU6 / RELU_N1_TO_1, per-channel and per-tensor
weight scales (weights over all of int8), int64 / int32 / no / omitted bias (large int64 biases
too), requantization multipliers below and above 1, depth multipliers, grouped convolutions,
keep_num_dims, deep filters, and inputs with runs of -32768 / 32767. Two pinned tests: int64
accumulators next to the 15-bit multiplier's rounding boundaries, and int32-bias accumulators taken
past 2^31 (TFLM's int32 sum wraps).

TINYML_INT16_CONV_CASES scales the number of random cases per op (default 150).
"""

import os

import numpy as np
import pytest

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Tensor, build_single_op_model
from test_conv_fc_tflm import log_uniform, quant_weights, random_window
from test_ops_act import _zeros_for_inputs
from test_single_ops_elementwise import ACTIVATIONS, case, check_engine, check_unix_port, f32

CASES = int(os.environ.get("TINYML_INT16_CONV_CASES", "150"))
UNIX_CASES_PER_OP = 8


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def int16_input(rng, shape):
    """Random int16 values, sometimes with runs of the extremes (-32768, 32767) or small ones."""
    kind = rng.random()
    if kind < 0.2:
        return rng.choice(np.array([-32768, 32767, -32767, 0], np.int16), shape)
    x = rng.integers(-32768, 32768, shape)
    if kind < 0.5:
        mask = rng.random(shape) < 0.3
        x = np.where(mask, rng.choice([-32768, 32767], shape), x)
    elif kind < 0.6:
        x = rng.integers(-300, 300, shape)
    return x.astype(np.int16)


def weights(rng, shape, channels, per_channel):
    """The int8 tests' random symmetric weights and scales, sometimes with the weights all at the
    extremes (-128 included: -128 x -32768 is the largest product)."""
    data, scales = quant_weights(rng, shape, channels, per_channel)
    if rng.random() < 0.15:
        data = rng.choice(np.array([-128, 127, -127], np.int8), shape)
    return data, scales


def bias_tensors(rng, n, in_scale, w_scales, kind):
    """kind: 'none' (2 inputs), 'omitted' (input index -1), 'int64' or 'int32'."""
    if kind == "none":
        return []
    if kind == "omitted":
        return [None]
    scales = [f32(in_scale * s) for s in w_scales]
    if len(scales) == 1:
        scales = scales * n
    if kind == "int64" and rng.random() < 0.15:
        data = rng.integers(-2 ** 44, 2 ** 44, n)   # beyond any accumulator: saturates, or wraps in int32
    else:
        data = rng.integers(-2_000_000, 2_000_000, n)
    return [Tensor([n], kind, scale=scales, zero_point=[0] * n, data=data)]


def output_scale(rng, in_scale, w_scales, depth):
    """An output scale that spreads the results over int16, sometimes with a multiplier above 1
    (up to 2^7, TFLM's documented limit)."""
    typical = in_scale * float(np.mean(w_scales)) * 16000.0 * 60.0 * np.sqrt(depth)
    s = typical / 8000.0 * rng.uniform(0.2, 4.0)
    if rng.random() < 0.1:
        s = in_scale * float(np.max(w_scales)) / rng.uniform(1.1, 100.0)   # multiplier above 1
    return f32(s)


def fit_activation(act, scale):
    """The fused activation, or NONE where its bounds (6 / scale) would overflow int32 (which
    prepare refuses, as TFLM does)."""
    return act if 6.0 / scale < 2.0 ** 30 else "NONE"


def window(rng, max_hw=10):
    while True:
        in_h, in_w = (int(v) for v in rng.integers(1, max_hw + 1, 2))
        (kh, kw), (sh, sw), (dh, dw), padding, (out_h, out_w) = random_window(rng, in_h, in_w)
        if out_h >= 1 and out_w >= 1:
            return (in_h, in_w), (kh, kw), (sh, sw), (dh, dw), padding, (out_h, out_w)


def conv_case(rng, i):
    batches = int(rng.choice([1, 1, 1, 2]))
    (in_h, in_w), (kh, kw), (sh, sw), (dh, dw), padding, (out_h, out_w) = window(rng)
    groups = int(rng.choice([1, 1, 1, 1, 2, 3]))
    filter_in_c = int(rng.integers(1, 6)) if i % 10 else int(rng.integers(60, 80))   # deep: int32 wraps
    in_c, out_c = groups * filter_in_c, groups * int(rng.integers(1, 5))
    act = str(rng.choice(ACTIVATIONS))
    per_channel = bool(rng.random() < 0.8)
    bias = str(rng.choice(["int64", "int64", "int32", "none", "omitted"]))
    in_scale = f32(log_uniform(rng, 1e-5, 1e-2))
    w, w_scales = weights(rng, (out_c, kh, kw, filter_in_c), out_c, per_channel)
    x = Tensor([batches, in_h, in_w, in_c], "int16", scale=in_scale, zero_point=0)
    wt = Tensor(list(w.shape), "int8", scale=w_scales, zero_point=[0] * len(w_scales), data=w)
    y = Tensor([batches, out_h, out_w, out_c], "int16",
               scale=output_scale(rng, in_scale, w_scales, kh * kw * filter_in_c), zero_point=0)
    act = fit_activation(act, y.scale)
    options = dict(padding=padding, stride_w=sw, stride_h=sh, dilation_w_factor=dw, dilation_h_factor=dh,
                   fused_activation_function=act)
    model = build_single_op_model("CONV_2D", [x, wt] + bias_tensors(rng, out_c, in_scale, w_scales, bias), [y],
                                  options=options, version=6 if groups > 1 else 3)
    name = (f"conv{i} {batches}x{in_h}x{in_w}x{in_c} k{kh}x{kw}/{filter_in_c} s{sh},{sw} d{dh},{dw} {padding} "
            f"g{groups} {act} pc={per_channel} bias={bias}")
    return case(name, model, [int16_input(rng, x.shape)], [(y.shape, "int16")])


def depthwise_case(rng, i):
    batches = int(rng.choice([1, 1, 1, 2]))
    (in_h, in_w), (kh, kw), (sh, sw), (dh, dw), padding, (out_h, out_w) = window(rng)
    in_c = int(rng.integers(1, 7))
    dm = int(rng.choice([1, 1, 2, 3, 8]))
    out_c = in_c * dm
    act = str(rng.choice(ACTIVATIONS))
    per_channel = bool(rng.random() < 0.8)
    # No omitted bias (TFLM's DEPTHWISE_CONV_2D crashes on it) and no int32 one (refused).
    bias = str(rng.choice(["int64", "int64", "none"]))
    in_scale = f32(log_uniform(rng, 1e-5, 1e-2))
    w, w_scales = weights(rng, (1, kh, kw, out_c), out_c, per_channel)
    x = Tensor([batches, in_h, in_w, in_c], "int16", scale=in_scale, zero_point=0)
    wt = Tensor(list(w.shape), "int8", scale=w_scales, zero_point=[0] * len(w_scales), data=w,
                quantized_dimension=3)
    y = Tensor([batches, out_h, out_w, out_c], "int16", scale=output_scale(rng, in_scale, w_scales, kh * kw),
               zero_point=0)
    act = fit_activation(act, y.scale)
    options = dict(padding=padding, stride_w=sw, stride_h=sh, depth_multiplier=dm, dilation_w_factor=dw,
                   dilation_h_factor=dh, fused_activation_function=act)
    model = build_single_op_model("DEPTHWISE_CONV_2D",
                                  [x, wt] + bias_tensors(rng, out_c, in_scale, w_scales, bias), [y],
                                  options=options, version=3)
    name = (f"dw{i} {batches}x{in_h}x{in_w}x{in_c} k{kh}x{kw} dm{dm} s{sh},{sw} d{dh},{dw} {padding} {act} "
            f"pc={per_channel} bias={bias}")
    return case(name, model, [int16_input(rng, x.shape)], [(y.shape, "int16")])


def fully_connected_case(rng, i):
    units = int(rng.integers(1, 20))
    depth = int(rng.integers(1, 70)) if i % 8 else int(rng.integers(300, 700))   # deep: int32 wraps
    batches = int(rng.choice([1, 1, 2, 3]))
    per_channel = bool(rng.random() < 0.4)
    keep_num_dims = bool(rng.random() < 0.3)
    if keep_num_dims:
        in_shape, out_shape = [1, batches, depth], [1, batches, units]
    else:
        in_shape = [batches, depth] if rng.random() < 0.7 else [batches, 1, depth, 1]
        out_shape = [batches, units]
    act = str(rng.choice(ACTIVATIONS))
    bias = str(rng.choice(["int64", "int64", "int32", "none", "omitted"]))
    in_scale = f32(log_uniform(rng, 1e-5, 1e-2))
    w, w_scales = weights(rng, (units, depth), units, per_channel)
    x = Tensor(in_shape, "int16", scale=in_scale, zero_point=0)
    wt = Tensor([units, depth], "int8", scale=w_scales, zero_point=[0] * len(w_scales), data=w)
    y = Tensor(out_shape, "int16", scale=output_scale(rng, in_scale, w_scales, depth), zero_point=0)
    act = fit_activation(act, y.scale)
    b = bias_tensors(rng, units, in_scale, w_scales, bias)
    if b and b[0] is not None and not per_channel:
        b[0].scale = b[0].scale[0]          # per-tensor weights: a per-tensor bias scale
        b[0].zero_point = 0
    version = 6 if bias in ("none", "omitted") else (5 if keep_num_dims else 4)
    model = build_single_op_model("FULLY_CONNECTED", [x, wt] + b, [y],
                                  options=dict(fused_activation_function=act, keep_num_dims=keep_num_dims),
                                  version=version)
    name = f"fc{i} {in_shape}->{units} {act} pc={per_channel} keep={keep_num_dims} bias={bias}"
    return case(name, model, [int16_input(rng, in_shape)], [(out_shape, "int16")])


GENERATORS = {
    "conv_2d_s16": conv_case,
    "depthwise_conv_2d_s16": depthwise_case,
    "fully_connected_s16": fully_connected_case,
}
SEEDS = {name: 3100 + k for k, name in enumerate(GENERATORS)}


def cases_for(op, n=CASES):
    rng = np.random.default_rng(SEEDS[op])
    return [GENERATORS[op](rng, i) for i in range(n)]


@pytest.mark.parametrize("op", list(GENERATORS))
def test_engine_matches_tflm(engine, op, summary):
    cases = cases_for(op)
    check_engine(engine, cases)
    summary(f"{op}: {len(cases)} random 16x8 single-op models bit-exact with TFLM (C engine)")


# ---------------------------------------------------------------------------------------------
# The requantization where its variants disagree: each accumulator picked through the bias.

def test_models_at_a_4_byte_address(engine, summary):
    """The loader accepts constant data 4-byte aligned (what a model in a bytearray slice or a
    memoryview can give); an int64 bias there must still be read correctly, without a misaligned
    8-byte load (UBSan in the host engine stops the process on one)."""
    import test_ops_math
    cases = [c for op in GENERATORS for c in cases_for(op, 20)]
    cases += test_ops_math.cases_for("transpose_conv16", 20)
    engine.set_model_offset(4)
    try:
        check_engine(engine, cases)
    finally:
        engine.set_model_offset(0)
    summary(f"16x8: {len(cases)} models placed at 4 mod 8 bytes bit-exact with TFLM")


def test_requantization_int64_rounding(engine, summary):
    """Weights of 1 and an input of 0 make every accumulator its int64 bias: biases around the
    rounding boundaries of the 15-bit multiplier's shift (where the int32 double rounding or an
    unreduced multiplier give another output), across shifts from -20 to +7."""
    rng = np.random.default_rng(3200)
    n = 64
    cases = []
    for trial in range(24):
        s_in = f32(log_uniform(rng, 1e-5, 1e-2))
        s_w = f32(log_uniform(rng, 1e-4, 3e-2))
        s_out = f32(s_in * s_w / 2.0 ** rng.uniform(-20, 7))
        real = float(s_in) * float(s_w) / float(s_out)
        k = rng.integers(-30000, 30000, n)
        bias = np.round((k + 0.5) / real).astype(np.int64) + rng.integers(-2, 3, n)
        for op, w_shape, qd, opts in [
                ("FULLY_CONNECTED", [n, 1], 0, {}),
                ("CONV_2D", [n, 1, 1, 1], 0, dict(padding="VALID", stride_w=1, stride_h=1)),
                ("DEPTHWISE_CONV_2D", [1, 1, 1, n], 3,
                 dict(padding="VALID", stride_w=1, stride_h=1, depth_multiplier=n))]:
            x_shape = [1, 1] if op == "FULLY_CONNECTED" else [1, 1, 1, 1]
            y_shape = [1, n] if op == "FULLY_CONNECTED" else [1, 1, 1, n]
            x = Tensor(x_shape, "int16", scale=s_in, zero_point=0)
            w = Tensor(w_shape, "int8", scale=[s_w] * n, zero_point=[0] * n, data=np.ones(w_shape),
                       quantized_dimension=qd)
            b = Tensor([n], "int64", scale=[f32(s_in * s_w)] * n, zero_point=[0] * n, data=bias)
            y = Tensor(y_shape, "int16", scale=s_out, zero_point=0)
            model = build_single_op_model(op, [x, w, b], [y], options=opts, version=3 if op != "FULLY_CONNECTED" else 4)
            cases.append(case(f"{op} rounding trial {trial}", model, [np.zeros(x_shape, np.int16)],
                              [(y_shape, "int16")]))
    check_engine(engine, cases)
    summary(f"16x8 requantization: {len(cases)} models x {n} accumulators next to rounding boundaries "
            "equal to TFLM")


def test_int32_accumulator_wraps(engine, summary):
    """With an int32 bias TFLM accumulates in int32: deep filters of large weights on large inputs
    of one sign take the sum past 2^31, where it wraps (two's complement, as compiled), before the
    requantization. Each of these models has accumulators beyond the int32 range."""
    rng = np.random.default_rng(3300)
    cases = []
    for trial in range(12):
        depth = int(rng.integers(700, 1000))
        n = 6
        sign = 1 if trial % 2 else -1
        w = (sign * rng.integers(100, 128, (n, depth))).astype(np.int8)
        x = rng.integers(28000, 32768, (1, depth)).astype(np.int16)
        assert int(np.max(np.abs(w.astype(np.int64) @ x[0].astype(np.int64)))) >= 2 ** 31
        s_in, s_w = f32(log_uniform(rng, 1e-5, 1e-2)), f32(log_uniform(rng, 1e-4, 3e-2))
        s_out = f32(s_in * s_w * 2 ** 31 / 20000.0)
        bias = Tensor([n], "int32", scale=[f32(s_in * s_w)] * n, zero_point=[0] * n,
                      data=rng.integers(-2 ** 30, 2 ** 30, n))
        fc = build_single_op_model(
            "FULLY_CONNECTED", [Tensor([1, depth], "int16", scale=s_in, zero_point=0),
                                Tensor([n, depth], "int8", scale=[s_w] * n, zero_point=[0] * n, data=w), bias],
            [Tensor([1, n], "int16", scale=s_out, zero_point=0)], version=4)
        cases.append(case(f"fc int32 wrap {trial}", fc, [x], [((1, n), "int16")]))
        conv = build_single_op_model(
            "CONV_2D", [Tensor([1, 1, 1, depth], "int16", scale=s_in, zero_point=0),
                        Tensor([n, 1, 1, depth], "int8", scale=[s_w] * n, zero_point=[0] * n,
                               data=w.reshape(n, 1, 1, depth)), bias],
            [Tensor([1, 1, 1, n], "int16", scale=s_out, zero_point=0)],
            options=dict(padding="VALID", stride_w=1, stride_h=1), version=3)
        cases.append(case(f"conv int32 wrap {trial}", conv, [x.reshape(1, 1, 1, depth)], [((1, 1, 1, n), "int16")]))
    check_engine(engine, cases)
    summary(f"16x8 int32-bias accumulators past 2^31: {len(cases)} FC / CONV_2D models equal to TFLM (wrapped)")


# ---------------------------------------------------------------------------------------------
# Models prepare must refuse.

def _conv16(x=None, w=None, b="int64", y=None, act="NONE", version=3):
    x = x or Tensor([1, 4, 4, 2], "int16", scale=0.001, zero_point=0)
    w = w or Tensor([3, 3, 3, 2], "int8", scale=[0.01, 0.02, 0.03], zero_point=[0] * 3, data=np.ones((3, 3, 3, 2)))
    y = y or Tensor([1, 2, 2, 3], "int16", scale=0.002, zero_point=0)
    bias = [] if b is None else [b if isinstance(b, Tensor) else
                                 Tensor([3], b, scale=[1e-5, 2e-5, 3e-5], zero_point=[0] * 3, data=[1, 2, 3])]
    return build_single_op_model("CONV_2D", [x, w] + bias, [y],
                                 options=dict(padding="VALID", stride_w=1, stride_h=1, fused_activation_function=act),
                                 version=version)


def _dw16(b="int64"):
    x = Tensor([1, 4, 4, 2], "int16", scale=0.001, zero_point=0)
    w = Tensor([1, 3, 3, 4], "int8", scale=[0.01] * 4, zero_point=[0] * 4, data=np.ones((1, 3, 3, 4)),
               quantized_dimension=3)
    bias = Tensor([4], b, scale=[1e-5] * 4, zero_point=[0] * 4, data=[1, 2, 3, 4])
    y = Tensor([1, 4, 4, 4], "int16", scale=0.002, zero_point=0)
    return build_single_op_model("DEPTHWISE_CONV_2D", [x, w, bias], [y],
                                 options=dict(padding="SAME", stride_w=1, stride_h=1, depth_multiplier=2), version=3)


def _fc16(x=None, w=None, b=None, y=None):
    x = x or Tensor([2, 6], "int16", scale=0.001, zero_point=0)
    w = w or Tensor([4, 6], "int8", scale=0.01, zero_point=0, data=np.ones((4, 6)))
    b = b or Tensor([4], "int64", scale=1e-5, zero_point=0, data=[1, 2, 3, 4])
    y = y or Tensor([2, 4], "int16", scale=0.002, zero_point=0)
    return build_single_op_model("FULLY_CONNECTED", [x, w, b], [y], options={}, version=4)


REJECTIONS = [
    # (what, make, status, message fragment, whether TFLM refuses it too)
    ("conv int16 reference", lambda: _conv16(), TM_OK, "", False),
    ("conv int16 with an int32 bias", lambda: _conv16(b="int32"), TM_OK, "", False),
    ("conv int16 input zero point 5",
     lambda: _conv16(x=Tensor([1, 4, 4, 2], "int16", scale=0.001, zero_point=5)),
     TM_ERR_MODEL, "int16 input zero point 5 is not 0", False),
    ("conv int16 output zero point -3",
     lambda: _conv16(y=Tensor([1, 2, 2, 3], "int16", scale=0.002, zero_point=-3)),
     TM_ERR_MODEL, "int16 output zero point -3 is not 0", False),
    ("conv int16 with an int8 bias", lambda: _conv16(b="int8"),
     TM_ERR_UNSUPPORTED, "bias is int8 (16x8 needs an int64 or int32 bias)", False),
    ("conv int16 with an int16 bias", lambda: _conv16(b="int16"),
     TM_ERR_UNSUPPORTED, "bias is int16 (16x8 needs an int64 or int32 bias)", False),
    ("conv int16 bias of 2 elements",
     lambda: _conv16(b=Tensor([2], "int64", scale=[1e-5] * 2, zero_point=[0] * 2, data=[1, 2])),
     TM_ERR_MODEL, "bias has 2 elements", False),
    ("conv int16 in, int8 out", lambda: _conv16(y=Tensor([1, 2, 2, 3], "int8", scale=0.002, zero_point=0)),
     TM_ERR_UNSUPPORTED, "output is int8 (only int16 is supported)", True),
    ("conv int16 weights",
     lambda: _conv16(w=Tensor([3, 3, 3, 2], "int16", scale=[0.01] * 3, zero_point=[0] * 3, data=np.ones((3, 3, 3, 2)))),
     TM_ERR_UNSUPPORTED, "weights are int16", True),
    ("conv int16 asymmetric weights",
     lambda: _conv16(w=Tensor([3, 3, 3, 2], "int8", scale=[0.01] * 3, zero_point=[0, 2, 0], data=np.ones((3, 3, 3, 2)))),
     TM_ERR_UNSUPPORTED, "symmetric", False),
    ("conv int16 fused TANH", lambda: _conv16(act="TANH"), TM_ERR_UNSUPPORTED, "TANH", False),
    ("conv int16 requantization scale 2^15 (int64 shift past its range)",
     lambda: _conv16(y=Tensor([1, 2, 2, 3], "int16", scale=0.001 * 0.01 / 40000.0, zero_point=0)),
     TM_ERR_UNSUPPORTED, "too large for 16x8", False),
    ("conv int16 per-channel input",
     lambda: _conv16(x=Tensor([1, 4, 4, 2], "int16", scale=[0.001, 0.002], zero_point=[0, 0], quantized_dimension=3)),
     TM_ERR_UNSUPPORTED, "per-channel", False),
    ("dw int16 reference", lambda: _dw16(), TM_OK, "", False),
    ("dw int16 with an int32 bias (TFLM reads it as int64)", lambda: _dw16(b="int32"),
     TM_ERR_UNSUPPORTED, "bias is int32 (16x8 needs an int64 bias)", False),
    ("fc int16 reference", lambda: _fc16(), TM_OK, "", False),
    ("fc int16 input zero point",
     lambda: _fc16(x=Tensor([2, 6], "int16", scale=0.001, zero_point=-7)),
     TM_ERR_MODEL, "int16 input zero point -7 is not 0", False),
    ("fc int16 bias scale",
     lambda: _fc16(b=Tensor([4], "int64", scale=1e-3, zero_point=0, data=[1, 2, 3, 4])),
     TM_ERR_MODEL, "bias scale", True),
    ("fc int16 with a float bias",
     lambda: _fc16(b=Tensor([4], "float32", data=[1, 2, 3, 4])),
     TM_ERR_UNSUPPORTED, "bias is float32", False),
    ("fc int16 units", lambda: _fc16(y=Tensor([2, 5], "int16", scale=0.002, zero_point=0)),
     TM_ERR_MODEL, "last dimension 5", False),
]


@pytest.mark.parametrize("what,make,status,message,tflm_refuses", REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_rejections(engine, what, make, status, message, tflm_refuses):
    model = make()
    inputs, outputs = _zeros_for_inputs(model)
    got, err, _ = engine(model, inputs, outputs)
    assert got == status, f"{what}: status {got} ({err}), expected {status}"
    assert message in err, f"{what}: message {err!r} lacks {message!r}"
    if status == TM_OK:
        check_engine(engine, [case(what, model, inputs, outputs)])
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
    summary(f"int16x8 conv slice: {len(picked)} single-op models bit-exact with TFLM through `import tinyml`")
