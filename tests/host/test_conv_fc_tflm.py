"""CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED against TFLM, op glue + kernels, bit for bit.

The plain C engine (device/runtime, device/kernels, device/ops) and tests/host/tm_host_run.c are
compiled with the host gcc (with UBSan) into a shared library; each case is a single-op .tflite
model (single_op_models.py) run once in the `tflite-micro` package and once through
tm_host_run (load, prepare, invoke). Outputs must be equal bit for bit.

  *_random:      seeded random configurations: shapes, batches, strides, dilations, SAME/VALID,
                 fused activations, per-tensor / per-channel weights, with / without bias,
                 depth multipliers, grouped convolutions, keep_num_dims, requantization
                 multipliers below and above 1, zero points across int8.
  real_layers:   every CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED of the shared models, cut
                 out as a single-op model with its real weights and quantization (person_detect's
                 per-channel bias with quantized_dimension 3 included), on random inputs.
  rejections:    models prepare must refuse, with the status and message it must give.

No MicroPython build is needed. TINYML_HOST_LIB=path uses a prebuilt library instead (for
example one linked with extra sources).
"""

import os

import numpy as np
import pytest
import tflite

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Tensor, build_single_op_model, run_tflm

CASES = int(os.environ.get("TINYML_CONV_CASES", "250"))
ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


@pytest.fixture(scope="module")
def host_lib(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("host"))


def f32(x):
    return float(np.float32(x))


def log_uniform(rng, lo, hi, n=None):
    return 10 ** rng.uniform(np.log10(lo), np.log10(hi), n)


def out_size(padding, n, k, stride, dilation):
    """TFLM ComputeOutSize."""
    eff = (k - 1) * dilation + 1
    return (n + stride - 1) // stride if padding == "SAME" else (n + stride - eff) // stride


def compare(run, model, inputs, out_shape, what):
    (ref,) = run_tflm(model, inputs)
    status, err, (ours,) = run(model, inputs, [(out_shape, np.int8)])
    assert status == TM_OK, f"{what}: tinyml refused the model: {err}"
    bad = np.nonzero(ours.reshape(-1) != ref.reshape(-1))[0]
    assert bad.size == 0, (f"{what}: {bad.size} of {ref.size} outputs differ, first at {bad[0]}: "
                           f"actual {ours.reshape(-1)[bad[0]]}, expected {ref.reshape(-1)[bad[0]]}")


def quant_weights(rng, shape, channels, per_channel):
    """Random symmetric int8 weights and their scales (one per channel or one)."""
    data = rng.integers(-127, 128, shape).astype(np.int8)
    scales = [f32(s) for s in log_uniform(rng, 1e-4, 3e-2, channels if per_channel else 1)]
    return data, scales


def bias_tensor(rng, n, in_scale, w_scales, kind):
    """kind: 'none' (2 inputs), 'omitted' (input index -1) or 'present'."""
    if kind == "none":
        return []
    if kind == "omitted":
        return [None]
    scales = [f32(in_scale * s) for s in w_scales]
    return [Tensor([n], "int32", scale=scales, zero_point=[0] * len(scales),
                   data=rng.integers(-20000, 20000, n))]


def output_scale(rng, in_scale, w_scales, depth):
    """An output scale that spreads the results over int8, sometimes with a multiplier > 1."""
    typical = in_scale * float(np.mean(w_scales)) * 40.0 * 60.0 * np.sqrt(depth)
    s = typical / 100.0 * rng.uniform(0.2, 4.0)
    if rng.random() < 0.1:
        s = in_scale * float(np.min(w_scales)) * rng.uniform(0.1, 0.9)   # multiplier above 1
    return f32(s)


def random_window(rng, in_h, in_w):
    """Random filter size, strides, dilations and padding for an in_h x in_w input, and the output
    size they give (below 1 where the filter does not fit: draw again)."""
    kh, kw = (int(v) for v in rng.integers(1, 5, 2))
    sh, sw = (int(v) for v in rng.integers(1, 4, 2))
    dh, dw = (int(v) for v in (rng.integers(1, 4, 2) if rng.random() < 0.3 else (1, 1)))
    padding = str(rng.choice(["SAME", "VALID"]))
    out_h, out_w = out_size(padding, in_h, kh, sh, dh), out_size(padding, in_w, kw, sw, dw)
    return (kh, kw), (sh, sw), (dh, dw), padding, (out_h, out_w)


def random_conv(rng):
    while True:
        batches = int(rng.choice([1, 1, 1, 2]))
        in_h, in_w = (int(v) for v in rng.integers(1, 11, 2))
        groups = int(rng.choice([1, 1, 1, 1, 2, 3]))
        filter_in_c = int(rng.integers(1, 6))
        in_c = groups * filter_in_c
        out_c = groups * int(rng.integers(1, 5))
        (kh, kw), (sh, sw), (dh, dw), padding, (out_h, out_w) = random_window(rng, in_h, in_w)
        if out_h >= 1 and out_w >= 1:
            break
    cfg = dict(batches=batches, in_hwc=(in_h, in_w, in_c), out_c=out_c, k=(kh, kw), groups=groups,
               stride=(sh, sw), dilation=(dh, dw), padding=padding,
               act=str(rng.choice(ACTIVATIONS)), per_channel=bool(rng.random() < 0.7),
               bias=str(rng.choice(["present", "present", "none", "omitted"])))
    in_scale, in_zp = f32(log_uniform(rng, 1e-3, 1.0)), int(rng.integers(-128, 128))
    w, w_scales = quant_weights(rng, (out_c, kh, kw, filter_in_c), out_c, cfg["per_channel"])
    out_scale_ = output_scale(rng, in_scale, w_scales, kh * kw * filter_in_c)
    x = Tensor([batches, in_h, in_w, in_c], "int8", scale=in_scale, zero_point=in_zp)
    wt = Tensor(list(w.shape), "int8", scale=w_scales, zero_point=[0] * len(w_scales), data=w)
    y = Tensor([batches, out_h, out_w, out_c], "int8", scale=out_scale_, zero_point=int(rng.integers(-128, 128)))
    options = dict(padding=padding, stride_w=sw, stride_h=sh, dilation_w_factor=dw,
                   dilation_h_factor=dh, fused_activation_function=cfg["act"])
    model = build_single_op_model("CONV_2D", [x, wt] + bias_tensor(rng, out_c, in_scale, w_scales, cfg["bias"]),
                                  [y], options=options, version=6 if groups > 1 else 3)
    return cfg, model, (batches, in_h, in_w, in_c), (batches, out_h, out_w, out_c)


def random_depthwise(rng):
    while True:
        batches = int(rng.choice([1, 1, 1, 2]))
        in_h, in_w = (int(v) for v in rng.integers(1, 11, 2))
        in_c = int(rng.integers(1, 7))
        dm = int(rng.choice([1, 1, 2, 3, 8]))
        out_c = in_c * dm
        (kh, kw), (sh, sw), (dh, dw), padding, (out_h, out_w) = random_window(rng, in_h, in_w)
        if out_h >= 1 and out_w >= 1:
            break
    # No "omitted" bias (input index -1) here: TFLM's DEPTHWISE_CONV_2D crashes on it (tinyml
    # runs it without bias; see test_rejections).
    cfg = dict(batches=batches, in_hwc=(in_h, in_w, in_c), depth_multiplier=dm, k=(kh, kw),
               stride=(sh, sw), dilation=(dh, dw), padding=padding,
               act=str(rng.choice(ACTIVATIONS)), per_channel=bool(rng.random() < 0.7),
               bias=str(rng.choice(["present", "present", "none"])))
    in_scale, in_zp = f32(log_uniform(rng, 1e-3, 1.0)), int(rng.integers(-128, 128))
    w, w_scales = quant_weights(rng, (1, kh, kw, out_c), out_c, cfg["per_channel"])
    out_scale_ = output_scale(rng, in_scale, w_scales, kh * kw)
    x = Tensor([batches, in_h, in_w, in_c], "int8", scale=in_scale, zero_point=in_zp)
    wt = Tensor(list(w.shape), "int8", scale=w_scales, zero_point=[0] * len(w_scales), data=w,
                quantized_dimension=3)
    y = Tensor([batches, out_h, out_w, out_c], "int8", scale=out_scale_, zero_point=int(rng.integers(-128, 128)))
    options = dict(padding=padding, stride_w=sw, stride_h=sh, depth_multiplier=dm,
                   dilation_w_factor=dw, dilation_h_factor=dh, fused_activation_function=cfg["act"])
    model = build_single_op_model("DEPTHWISE_CONV_2D", [x, wt] + bias_tensor(rng, out_c, in_scale, w_scales, cfg["bias"]),
                                  [y], options=options, version=3)
    return cfg, model, (batches, in_h, in_w, in_c), (batches, out_h, out_w, out_c)


def random_fully_connected(rng):
    units = int(rng.integers(1, 20))
    depth = int(rng.integers(1, 70))
    batches = int(rng.choice([1, 1, 2, 3]))
    per_channel = bool(rng.random() < 0.4)
    keep_num_dims = bool(rng.random() < 0.3)
    if keep_num_dims:
        in_shape = [1, batches, depth]
        out_shape = [1, batches, units]
    else:
        # A flattening FC (like micro_speech's [1, 25, 20, 8] input) or a plain [batches, depth].
        in_shape = [batches, depth] if rng.random() < 0.7 else [batches, 1, depth, 1]
        out_shape = [batches, units]
    cfg = dict(units=units, depth=depth, batches=batches, per_channel=per_channel,
               keep_num_dims=keep_num_dims, in_shape=in_shape,
               act=str(rng.choice(ACTIVATIONS)),
               bias=str(rng.choice(["present", "present", "none", "omitted"])))
    in_scale, in_zp = f32(log_uniform(rng, 1e-3, 1.0)), int(rng.integers(-128, 128))
    w, w_scales = quant_weights(rng, (units, depth), units, per_channel)
    out_scale_ = output_scale(rng, in_scale, w_scales, depth)
    x = Tensor(in_shape, "int8", scale=in_scale, zero_point=in_zp)
    wt = Tensor([units, depth], "int8", scale=w_scales, zero_point=[0] * len(w_scales), data=w)
    y = Tensor(out_shape, "int8", scale=out_scale_, zero_point=int(rng.integers(-128, 128)))
    options = dict(fused_activation_function=cfg["act"], keep_num_dims=keep_num_dims)
    bias = bias_tensor(rng, units, in_scale, w_scales, cfg["bias"])
    version = 6 if cfg["bias"] != "present" else (5 if keep_num_dims else 4)
    model = build_single_op_model("FULLY_CONNECTED", [x, wt] + bias, [y], options=options, version=version)
    return cfg, model, tuple(in_shape), tuple(out_shape)


@pytest.mark.parametrize("op,generator,seed", [
    ("CONV_2D", random_conv, 101),
    ("DEPTHWISE_CONV_2D", random_depthwise, 202),
    ("FULLY_CONNECTED", random_fully_connected, 303),
])
def test_random(host_lib, summary, op, generator, seed):
    rng = np.random.default_rng(seed)
    for case in range(CASES):
        cfg, model, in_shape, out_shape = generator(rng)
        for _ in range(2):
            x = rng.integers(-128, 128, in_shape).astype(np.int8)
            compare(host_lib, model, [x], out_shape, f"{op} case {case} {cfg}")
    summary(f"{op}: {CASES} random configurations x 2 inputs equal to TFLM")


# --- requantization: accumulators chosen where arithmetic variants disagree -----------------

def quantize_multiplier(real):
    """TFLite QuantizeMultiplier (frexp, round half away from zero)."""
    if real == 0.0:
        return 0, 0
    mant, exp = np.frexp(real)
    q = int(np.floor(abs(mant) * 2.0 ** 31 + 0.5)) * (1 if mant >= 0 else -1)
    if q == 2 ** 31:
        q //= 2
        exp += 1
    if exp < -31:
        return 0, 0
    return q, int(exp)


def requantize(acc, multiplier, shift, zero_point):
    """TFLM MultiplyByQuantizedMultiplier (double rounding) + zero point, clamped to int8, on an
    int64 array of accumulators."""
    x = np.asarray(acc, np.int64) << max(shift, 0)
    x = (x + 2 ** 31) % 2 ** 32 - 2 ** 31                       # int32 wrap of the left shift
    ab = x * multiplier
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    hi = np.abs(ab + nudge) // 2 ** 31 * np.sign(ab + nudge)    # C division truncates
    right = max(-shift, 0)
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (hi < 0)
    out = (hi >> right) + ((hi & mask) > threshold)
    return np.clip(out + zero_point, -128, 127)


def multiplier_variants(s_in, s_w, s_out):
    """The multiplier TFLM uses (double product) first, then plausible wrong ones."""
    d_in, d_w, d_out = float(s_in), float(s_w), float(s_out)
    return [quantize_multiplier(d_in * d_w / d_out),                                 # TFLM
            quantize_multiplier(float(np.float32(s_in * s_w)) / d_out),              # float product
            quantize_multiplier(d_in * (d_w / d_out)),                                # other order
            quantize_multiplier(float(np.float32(np.float32(s_in * s_w) / s_out)))]   # all float


def telling_accumulators(rng, s_in, s_w, s_out, zp_out, count):
    """Up to `count` accumulators whose output differs between the TFLM multiplier and one of the
    variants, padded with random ones. Returns (int64 array of `count`, number telling).

    Variant multipliers differ by a few units in 2^31, so an output can only change where the
    high product (acc * multiplier / 2^31) lands next to a rounding boundary of the final right
    shift: acc ~= boundary * 2^31 / multiplier for boundaries (2k + 1) * 2^(right - 1); those
    are tried (with neighbours) for outputs across int8."""
    variants = multiplier_variants(s_in, s_w, s_out)
    multiplier, shift = variants[0]
    right = -shift
    cand = []
    if multiplier > 0 and right >= 1:
        for k in range(-140 - zp_out, 140 - zp_out):
            boundary = (2 * k + 1) << (right - 1)
            acc0 = (boundary << 31) // multiplier
            cand.extend(acc0 + d for d in range(-2, 3) if abs(acc0 + d) < 2 ** 31 - 1)
    cand = np.array(cand, np.int64)
    telling = cand[:0]
    if cand.size:
        ref = requantize(cand, multiplier, shift, zp_out)
        differs = np.zeros(cand.shape, bool)
        for m, sh in variants[1:]:
            differs |= requantize(cand, m, sh, zp_out) != ref
        telling = cand[differs]
        telling = telling[rng.permutation(telling.size)][:count]
    real = float(s_in) * float(s_w) / float(s_out)
    limit = int(min(2 ** 31 - 2, 300 / real))
    rest = rng.integers(-limit, limit + 1, count - telling.size)
    return np.concatenate([telling, rest]).astype(np.int64), int(telling.size)


def sensitive_weight_scale(rng, s_in, s_out):
    """A weight scale small enough for a long final right shift (as in vww's 1e-9 weight scales)
    for which the multiplier variants are not all equal (if one is found)."""
    for _ in range(200):
        s_w = f32(log_uniform(rng, 1e-9, 1e-4))
        if len(set(multiplier_variants(s_in, s_w, s_out))) > 1:
            return s_w
    return s_w


def test_requantization_pinned(host_lib, summary):
    """With weights of 1 and the input at its zero point, every accumulator equals the bias, so the
    bias picks accumulators (up to the int32 range) where the TFLM multiplier arithmetic and its
    plausible variants (float product, other division order, all float) give different outputs."""
    rng = np.random.default_rng(505)
    telling = 0
    n = 200
    for trial in range(12):
        s_in, s_out = f32(log_uniform(rng, 1e-3, 1.0)), f32(log_uniform(rng, 1e-3, 1.0))
        zp_in, zp_out = int(rng.integers(-128, 128)), int(rng.integers(-128, 128))
        # Per-tensor FC: one weight scale, n telling biases.
        s_w = sensitive_weight_scale(rng, s_in, s_out)
        bias, t = telling_accumulators(rng, s_in, s_w, s_out, zp_out, n)
        telling += t
        x = Tensor([1, 1], "int8", scale=s_in, zero_point=zp_in)
        w = Tensor([n, 1], "int8", scale=s_w, zero_point=0, data=np.ones((n, 1)))
        b = Tensor([n], "int32", scale=f32(float(s_in) * float(s_w)), zero_point=0, data=bias)
        y = Tensor([1, n], "int8", scale=s_out, zero_point=zp_out)
        model = build_single_op_model("FULLY_CONNECTED", [x, w, b], [y], version=4)
        compare(host_lib, model, [np.full((1, 1), zp_in, np.int8)], (1, n), f"FC per-tensor trial {trial}")
        # Per-channel: a sensitive scale and a telling bias per unit / channel.
        s_ws, bias = [], []
        for _ in range(n):
            s_ws.append(sensitive_weight_scale(rng, s_in, s_out))
            acc, t = telling_accumulators(rng, s_in, s_ws[-1], s_out, zp_out, 1)
            bias.append(int(acc[0]))
            telling += t
        b = Tensor([n], "int32", scale=[f32(float(s_in) * float(v)) for v in s_ws], zero_point=[0] * n, data=bias)
        cases = [
            ("FULLY_CONNECTED", Tensor([1, 1], "int8", scale=s_in, zero_point=zp_in),
             Tensor([n, 1], "int8", scale=s_ws, zero_point=[0] * n, data=np.ones((n, 1))), (1, n), {}),
            ("CONV_2D", Tensor([1, 1, 1, 1], "int8", scale=s_in, zero_point=zp_in),
             Tensor([n, 1, 1, 1], "int8", scale=s_ws, zero_point=[0] * n, data=np.ones((n, 1, 1, 1))),
             (1, 1, 1, n), dict(padding="VALID", stride_w=1, stride_h=1)),
            ("DEPTHWISE_CONV_2D", Tensor([1, 1, 1, 1], "int8", scale=s_in, zero_point=zp_in),
             Tensor([1, 1, 1, n], "int8", scale=s_ws, zero_point=[0] * n, data=np.ones((1, 1, 1, n)),
                    quantized_dimension=3),
             (1, 1, 1, n), dict(padding="VALID", stride_w=1, stride_h=1, depth_multiplier=n)),
        ]
        for op, x, w, out_shape, options in cases:
            y = Tensor(list(out_shape), "int8", scale=s_out, zero_point=zp_out)
            model = build_single_op_model(op, [x, w, b], [y], options=options, version=3)
            compare(host_lib, model, [np.full(x.shape, zp_in, np.int8)], out_shape, f"{op} per-channel trial {trial}")
    assert telling > 1000, f"only {telling} accumulators where the multiplier variants disagree"
    summary(f"requantization: {telling} accumulators where float or reordered multiplier arithmetic "
            "would change the output: FC / CONV_2D / DEPTHWISE_CONV_2D equal to TFLM")


# --- real layers ---------------------------------------------------------------------------

_TYPES = {tflite.TensorType.INT8: ("int8", np.int8), tflite.TensorType.INT32: ("int32", np.int32)}
_LAYER_OPS = {tflite.BuiltinOperator.CONV_2D: "CONV_2D",
              tflite.BuiltinOperator.DEPTHWISE_CONV_2D: "DEPTHWISE_CONV_2D",
              tflite.BuiltinOperator.FULLY_CONNECTED: "FULLY_CONNECTED"}
_OPTION_FIELDS = {
    "CONV_2D": (tflite.Conv2DOptions, ["padding", "stride_w", "stride_h", "fused_activation_function",
                                       "dilation_w_factor", "dilation_h_factor"]),
    "DEPTHWISE_CONV_2D": (tflite.DepthwiseConv2DOptions, [
        "padding", "stride_w", "stride_h", "depth_multiplier", "fused_activation_function",
        "dilation_w_factor", "dilation_h_factor"]),
    "FULLY_CONNECTED": (tflite.FullyConnectedOptions, ["fused_activation_function", "weights_format",
                                                       "keep_num_dims"]),
}


def _tensor_from(model, sg, index):
    t = sg.Tensors(index)
    name, np_type = _TYPES[t.Type()]
    q = t.Quantization()
    scale = zp = None
    qd = 0
    if q is not None and q.ScaleLength() > 0:
        scale = [float(v) for v in q.ScaleAsNumpy()]
        zp = [int(v) for v in q.ZeroPointAsNumpy()] if q.ZeroPointLength() else [0] * len(scale)
        qd = q.QuantizedDimension()
    data = None
    buf = model.Buffers(t.Buffer())
    if buf is not None and buf.DataLength() > 0:
        data = np.frombuffer(buf.DataAsNumpy().tobytes(), dtype=np_type).reshape(t.ShapeAsNumpy())
    return Tensor([int(v) for v in t.ShapeAsNumpy()], name, scale=scale, zero_point=zp, data=data,
                  quantized_dimension=qd)


def real_layers(path):
    """(label, op name, single-op model, input shape, output shape) for each layer of ours."""
    buf = path.read_bytes()
    model = tflite.Model.GetRootAs(buf, 0)
    sg = model.Subgraphs(0)
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        oc = model.OperatorCodes(op.OpcodeIndex())
        name = _LAYER_OPS.get(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()))
        if name is None:
            continue
        inputs = [_tensor_from(model, sg, op.Inputs(j)) if op.Inputs(j) >= 0 else None
                  for j in range(op.InputsLength())]
        output = _tensor_from(model, sg, op.Outputs(0))
        table, fields = _OPTION_FIELDS[name]
        opt = table()
        raw = op.BuiltinOptions()
        opt.Init(raw.Bytes, raw.Pos)
        options = {f: getattr(opt, "".join(p.title() for p in f.split("_")))() for f in fields}
        single = build_single_op_model(name, inputs, [output], options=options, version=oc.Version())
        yield f"{path.name} node {i} {name}", name, single, tuple(inputs[0].shape), tuple(output.shape)


@pytest.mark.models
def test_real_layers(host_lib, models_dir, summary):
    rng = np.random.default_rng(404)
    layers = 0
    for path in sorted(models_dir.rglob("*.tflite")):
        for label, _, model, in_shape, out_shape in real_layers(path):
            for _ in range(3):
                x = rng.integers(-128, 128, in_shape).astype(np.int8)
                compare(host_lib, model, [x], out_shape, label)
            layers += 1
    assert layers > 0
    summary(f"real layers: {layers} CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED layers of the shared "
            f"models x 3 random inputs equal to TFLM")


# --- rejections ----------------------------------------------------------------------------

def _conv(**over):
    """A valid 1x4x4x2 -> 1x2x2x3 CONV_2D (3x3 filter, VALID) with fields overridden."""
    a = dict(x=Tensor([1, 4, 4, 2], "int8", scale=0.1, zero_point=0),
             w=Tensor([3, 3, 3, 2], "int8", scale=[0.01, 0.02, 0.03], zero_point=[0, 0, 0],
                      data=np.ones((3, 3, 3, 2))),
             b=Tensor([3], "int32", scale=0.001, zero_point=0, data=[1, 2, 3]),
             y=Tensor([1, 2, 2, 3], "int8", scale=0.2, zero_point=-1),
             options=dict(padding="VALID", stride_w=1, stride_h=1), version=3)
    a.update(over)
    return build_single_op_model("CONV_2D", [a["x"], a["w"], a["b"]], [a["y"]], options=a["options"],
                                 version=a["version"])


def _dw(**over):
    a = dict(x=Tensor([1, 4, 4, 2], "int8", scale=0.1, zero_point=0),
             w=Tensor([1, 3, 3, 4], "int8", scale=[0.01] * 4, zero_point=[0] * 4,
                      data=np.ones((1, 3, 3, 4)), quantized_dimension=3),
             y=Tensor([1, 4, 4, 4], "int8", scale=0.2, zero_point=0),
             options=dict(padding="SAME", stride_w=1, stride_h=1, depth_multiplier=2), version=3)
    a.update(over)
    return build_single_op_model("DEPTHWISE_CONV_2D", [a["x"], a["w"]], [a["y"]], options=a["options"],
                                 version=a["version"])


def _fc(**over):
    a = dict(x=Tensor([2, 6], "int8", scale=0.1, zero_point=3),
             w=Tensor([4, 6], "int8", scale=0.01, zero_point=0, data=np.ones((4, 6))),
             b=Tensor([4], "int32", scale=0.001, zero_point=0, data=[1, 2, 3, 4]),
             y=Tensor([2, 4], "int8", scale=0.2, zero_point=0),
             options=dict(), version=4)
    a.update(over)
    return build_single_op_model("FULLY_CONNECTED", [a["x"], a["w"], a["b"]], [a["y"]],
                                 options=a["options"], version=a["version"])


REJECTIONS = [
    # (label, model, input shape, output shape, status, message fragment)
    ("conv reference", _conv(), (1, 4, 4, 2), (1, 2, 2, 3), TM_OK, ""),
    ("conv output shape", _conv(y=Tensor([1, 3, 3, 3], "int8", scale=0.2, zero_point=0)),
     (1, 4, 4, 2), (1, 3, 3, 3), TM_ERR_MODEL, "output height is 2, the model says 3"),
    ("conv stride 0", _conv(options=dict(padding="VALID")), (1, 4, 4, 2), (1, 2, 2, 3),
     TM_ERR_MODEL, "stride 0"),
    ("conv asymmetric weights", _conv(w=Tensor([3, 3, 3, 2], "int8", scale=[0.01] * 3, zero_point=[0, 5, 0],
                                               data=np.ones((3, 3, 3, 2)))),
     (1, 4, 4, 2), (1, 2, 2, 3), TM_ERR_UNSUPPORTED, "symmetric"),
    ("conv tanh", _conv(options=dict(padding="VALID", stride_w=1, stride_h=1, fused_activation_function="TANH")),
     (1, 4, 4, 2), (1, 2, 2, 3), TM_ERR_UNSUPPORTED, "TANH"),
    ("conv bias size", _conv(b=Tensor([2], "int32", scale=0.001, zero_point=0, data=[1, 2])),
     (1, 4, 4, 2), (1, 2, 2, 3), TM_ERR_MODEL, "bias has 2 elements"),
    ("conv int8 bias", _conv(b=Tensor([3], "int8", scale=0.001, zero_point=0, data=[1, 2, 3])),
     (1, 4, 4, 2), (1, 2, 2, 3), TM_ERR_UNSUPPORTED, "bias is int8"),
    ("conv per-channel axis", _conv(w=Tensor([3, 3, 3, 2], "int8", scale=[0.01] * 2, zero_point=[0] * 2,
                                             data=np.ones((3, 3, 3, 2)), quantized_dimension=3)),
     (1, 4, 4, 2), (1, 2, 2, 3), TM_ERR_UNSUPPORTED, "axis 3"),
    ("conv input zero point", _conv(x=Tensor([1, 4, 4, 2], "int8", scale=0.1, zero_point=200)),
     (1, 4, 4, 2), (1, 2, 2, 3), TM_ERR_MODEL, "zero point 200"),
    ("conv output scale 0", _conv(y=Tensor([1, 2, 2, 3], "int8", scale=0.0, zero_point=0)),
     (1, 4, 4, 2), (1, 2, 2, 3), TM_ERR_MODEL, "output scale"),
    ("conv groups", _conv(x=Tensor([1, 4, 4, 3], "int8", scale=0.1, zero_point=0)),
     (1, 4, 4, 3), (1, 2, 2, 3), TM_ERR_MODEL, "not a multiple"),
    ("conv version 7", _conv(version=7), (1, 4, 4, 2), (1, 2, 2, 3), TM_ERR_UNSUPPORTED, "version 7"),
    # int16 activations are 16x8 (tests/host/test_ops_int16_conv.py): int8 weights only.
    ("conv int16 weights", _conv(x=Tensor([1, 4, 4, 2], "int16", scale=0.1, zero_point=0),
                                 w=Tensor([3, 3, 3, 2], "int16", scale=[0.01] * 3, zero_point=[0] * 3,
                                          data=np.ones((3, 3, 3, 2))),
                                 y=Tensor([1, 2, 2, 3], "int16", scale=0.2, zero_point=0)),
     (1, 4, 4, 2), (1, 2, 2, 3), TM_ERR_UNSUPPORTED, "weights are int16"),
    ("dw reference", _dw(), (1, 4, 4, 2), (1, 4, 4, 4), TM_OK, ""),
    ("dw depth multiplier", _dw(options=dict(padding="SAME", stride_w=1, stride_h=1, depth_multiplier=1)),
     (1, 4, 4, 2), (1, 4, 4, 4), TM_ERR_MODEL, "depth multiplier 1"),
    ("dw per-tensor weights", _dw(w=Tensor([1, 3, 3, 4], "int8", scale=[0.01], zero_point=[0], data=np.ones((1, 3, 3, 4)))),
     (1, 4, 4, 2), (1, 4, 4, 4), TM_OK, ""),
    ("dw filter shape", _dw(w=Tensor([2, 3, 3, 4], "int8", scale=[0.01] * 4, zero_point=[0] * 4,
                                     data=np.ones((2, 3, 3, 4)), quantized_dimension=3)),
     (1, 4, 4, 2), (1, 4, 4, 4), TM_ERR_MODEL, "[1, h, w, channels]"),
    ("dw valid too small", _dw(x=Tensor([1, 2, 2, 2], "int8", scale=0.1, zero_point=0),
                               y=Tensor([1, 1, 1, 4], "int8", scale=0.2, zero_point=0),
                               options=dict(padding="VALID", stride_w=1, stride_h=1, depth_multiplier=2)),
     (1, 2, 2, 2), (1, 1, 1, 4), TM_ERR_MODEL, "larger than the input"),
    ("dw version 4", _dw(version=4), (1, 4, 4, 2), (1, 4, 4, 4), TM_ERR_UNSUPPORTED, "version 4"),
    ("fc reference", _fc(), (2, 6), (2, 4), TM_OK, ""),
    ("fc units", _fc(y=Tensor([2, 5], "int8", scale=0.2, zero_point=0)), (2, 6), (2, 5), TM_ERR_MODEL,
     "last dimension 5"),
    ("fc rows", _fc(x=Tensor([1, 7], "int8", scale=0.1, zero_point=3)), (1, 7), (2, 4), TM_ERR_MODEL,
     "rows of 6"),
    ("fc bias scale", _fc(b=Tensor([4], "int32", scale=0.01, zero_point=0, data=[1, 2, 3, 4])),
     (2, 6), (2, 4), TM_ERR_MODEL, "bias scale"),
    ("fc shuffled", _fc(options=dict(weights_format="SHUFFLED4x16INT8")), (2, 6), (2, 4),
     TM_ERR_UNSUPPORTED, "shuffled"),
    ("fc per-channel 3-D output", _fc(
        x=Tensor([1, 2, 6], "int8", scale=0.1, zero_point=3),
        w=Tensor([4, 6], "int8", scale=[0.01, 0.02, 0.03, 0.04], zero_point=[0] * 4, data=np.ones((4, 6))),
        y=Tensor([1, 2, 4], "int8", scale=0.2, zero_point=0), options=dict(keep_num_dims=True), version=5),
     (1, 2, 6), (1, 2, 4), TM_OK, ""),
    ("fc keep_num_dims shape", _fc(
        x=Tensor([1, 2, 6], "int8", scale=0.1, zero_point=3),
        y=Tensor([2, 4], "int8", scale=0.2, zero_point=0), options=dict(keep_num_dims=True), version=5),
     (1, 2, 6), (2, 4), TM_ERR_MODEL, "keep_num_dims"),
    ("fc version 7", _fc(version=7), (2, 6), (2, 4), TM_ERR_UNSUPPORTED, "version 7"),
]


@pytest.mark.parametrize("label,model,in_shape,out_shape,status,fragment", REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_rejections(host_lib, label, model, in_shape, out_shape, status, fragment):
    x = np.zeros(in_shape, np.int8)
    got, err, _ = host_lib(model, [x], [(out_shape, np.int8)])
    assert (got, fragment in err) == (status, True), f"{label}: status {got}, error {err!r}"
