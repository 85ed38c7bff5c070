"""Kernel-level bit-exactness: tinyml's pure C kernels (device/kernels) against TFLM.

The kernels, with the prepare-time parameter functions they export (the same functions the
op glue in device/ops calls), are compiled with the host gcc into a shared library and called
through ctypes; every case also runs as a single-op .tflite model (tests/host/single_op_models.py)
in the `tflite-micro` package. Outputs must be equal bit for bit.

  LOGISTIC, TANH, RELU, RELU6: every int8 input (all 256 values in one tensor) for a grid of
                               quantization parameters.
  SOFTMAX:                     seeded random inputs, shapes, input scales and betas (int8 and
                               int16 outputs).
  AVERAGE_POOL_2D, MAX_POOL_2D: seeded random inputs, shapes, strides, filters, SAME/VALID,
                               fused activations.

This needs no MicroPython build (only gcc): it pins the arithmetic; tests through
`import tinyml` (test_single_ops.py) cover the op glue as well.
"""

import ctypes
import itertools

import numpy as np
import pytest

import mputil
from host_engine import compile_library
from single_op_models import Tensor, build_single_op_model, build_unary_model, run_tflm

KERNELS = ["softmax", "logistic", "tanh", "relu", "relu6", "average_pool_2d", "max_pool_2d"]

I8 = ctypes.POINTER(ctypes.c_int8)
I16 = ctypes.POINTER(ctypes.c_int16)


class SoftmaxParams(ctypes.Structure):
    _fields_ = [("input_multiplier", ctypes.c_int32), ("input_left_shift", ctypes.c_int32),
                ("diff_min", ctypes.c_int32)]


class LogisticParams(ctypes.Structure):  # also tm_tanh_params
    _fields_ = [("input_zero_point", ctypes.c_int32), ("input_range_radius", ctypes.c_int32),
                ("input_multiplier", ctypes.c_int32), ("input_left_shift", ctypes.c_int32)]


class ReluParams(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int32) for n in ("input_offset", "output_offset", "output_multiplier",
                                              "output_shift", "act_min", "act_max")]


class PoolParams(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int32) for n in (
        "batches", "in_h", "in_w", "channels", "out_h", "out_w", "stride_h", "stride_w",
        "filter_h", "filter_w", "pad_h", "pad_w", "act_min", "act_max")]


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    root = mputil.REPO_ROOT
    srcs = [root / "device" / "kernels" / f"{k}.c" for k in KERNELS]
    srcs += [root / "device" / "runtime" / "tm_quant.c"]
    return compile_library(tmp_path_factory.mktemp("kernels") / "libtmkernels.so", srcs, ubsan=False)


def ptr(a, t=I8):
    return a.ctypes.data_as(t)


def all_int8(shape=(1, 256)):
    return np.arange(-128, 128, dtype=np.int8).reshape(shape)


def f32(x):
    return float(np.float32(x))


def tflm_unary(op, x, in_q, out_q, options=None, out_dtype="int8"):
    return run_tflm(build_unary_model(op, x.shape, in_q, out_q, options, out_dtype=out_dtype), [x])[0]


def check_equal(ours, ref, what):
    ours = np.asarray(ours).reshape(-1)
    ref = np.asarray(ref).reshape(-1)
    bad = np.nonzero(ours != ref)[0]
    assert bad.size == 0, (f"{what}: {bad.size} mismatches, first at {bad[0]}: "
                           f"actual {ours[bad[0]]}, expected {ref[bad[0]]}")


# Input quantization grid for the element-wise ops: scales from tiny (everything inside the
# fixed-point range) to large (everything saturates), and zero points across int8.
ELEMENTWISE_SCALES = [1e-4, 0.0039215686, 0.01, 0.02, 0.03125, 0.047, 0.0625, 0.1, 0.12, 0.25,
                      0.5, 1.0, 2.5]
ELEMENTWISE_ZPS = [-128, -70, -1, 0, 5, 64, 127]


def elementwise_qparams():
    """The grid above plus 100 seeded random (scale, zero_point) pairs, scales log-uniform."""
    grid = list(itertools.product(ELEMENTWISE_SCALES, ELEMENTWISE_ZPS))
    rng = np.random.default_rng(1234)
    extra = [(f32(10 ** rng.uniform(-3.5, 0.7)), int(rng.integers(-128, 128))) for _ in range(100)]
    return grid + extra


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
def test_logistic_tanh_all_inputs(lib, op, summary):
    x = all_int8()
    fn_prep = lib.tm_logistic_prepare_params if op == "LOGISTIC" else lib.tm_tanh_prepare_params
    fn = lib.tm_logistic_s8 if op == "LOGISTIC" else lib.tm_tanh_s8
    fn_prep.argtypes = [ctypes.c_float, ctypes.c_int32, ctypes.POINTER(LogisticParams)]
    out_q = (1 / 256, -128) if op == "LOGISTIC" else (1 / 128, 0)
    cases = 0
    for scale, zp in elementwise_qparams():
        p = LogisticParams()
        assert fn_prep(scale, zp, ctypes.byref(p)) == 0
        ours = np.zeros_like(x)
        fn(ctypes.byref(p), x.size, ptr(x), ptr(ours))
        ref = tflm_unary(op, x, (scale, zp), out_q)
        check_equal(ours, ref, f"{op} scale={scale} zp={zp}")
        cases += 1
    summary(f"kernels {op}: {cases} (scale, zero_point) pairs x 256 int8 inputs equal to TFLM")


def test_relu_all_inputs(lib, summary):
    lib.tm_relu_prepare_params.argtypes = [ctypes.c_float, ctypes.c_int32, ctypes.c_float,
                                           ctypes.c_int32, ctypes.POINTER(ReluParams)]
    x = all_int8()
    cases = 0
    out_pairs = [(1.0, 0), (0.5, 0), (2.0, -3), (0.37, -128), (0.01, 10), (1e-3, 127), (3.0, -100),
                 (1.0, 17), (255.0, -128), (1 / 255, 0)]
    rng = np.random.default_rng(99)
    combos = [(a, b, r, z) for (a, b) in itertools.product([0.02, 0.1, 0.5, 1.0], [-128, -9, 0, 100])
              for (r, z) in out_pairs]
    combos += [(f32(10 ** rng.uniform(-3, 0.5)), int(rng.integers(-128, 128)),
                10 ** rng.uniform(-2, 2), int(rng.integers(-128, 128))) for _ in range(100)]
    for in_scale, in_zp, ratio, out_zp in combos:
        out_scale = f32(in_scale / ratio)
        p = ReluParams()
        assert lib.tm_relu_prepare_params(in_scale, in_zp, out_scale, out_zp, ctypes.byref(p)) == 0
        ours = np.zeros_like(x)
        lib.tm_relu_s8(ctypes.byref(p), x.size, ptr(x), ptr(ours))
        ref = tflm_unary("RELU", x, (in_scale, in_zp), (out_scale, out_zp))
        check_equal(ours, ref, f"RELU in=({in_scale},{in_zp}) out=({out_scale},{out_zp})")
        cases += 1
    summary(f"kernels RELU: {cases} quantization combinations x 256 int8 inputs equal to TFLM")


def test_relu6_all_inputs(lib, summary):
    lib.tm_relu6_prepare_params.argtypes = [ctypes.c_float, ctypes.c_int32,
                                            ctypes.POINTER(ctypes.c_int8), ctypes.POINTER(ctypes.c_int8)]
    x = all_int8()
    cases = 0
    for scale, zp in elementwise_qparams():
        lo, hi = ctypes.c_int8(), ctypes.c_int8()
        assert lib.tm_relu6_prepare_params(scale, zp, ctypes.byref(lo), ctypes.byref(hi)) == 0
        ours = np.zeros_like(x)
        lib.tm_relu6_s8(lo, hi, x.size, ptr(x), ptr(ours))
        # TFLM ignores the output quantization: check with equal and with different output params.
        for out_q in [(scale, zp), (f32(scale * 2), 0)]:
            ref = tflm_unary("RELU6", x, (scale, zp), out_q)
            check_equal(ours, ref, f"RELU6 scale={scale} zp={zp} out={out_q}")
            cases += 1
    summary(f"kernels RELU6: {cases} quantization combinations x 256 int8 inputs equal to TFLM")


def test_softmax_random(lib, summary):
    lib.tm_softmax_prepare_params.argtypes = [ctypes.c_double, ctypes.c_double,
                                              ctypes.POINTER(SoftmaxParams)]
    rng = np.random.default_rng(20240611)
    cases = elements = 0
    for i in range(240):
        outer = int(rng.integers(1, 5))
        # depth < 512: with int8 output TFLM aborts (TFLITE_CHECK on the shift) once the sum of
        # exps reaches 512, which needs at least 512 elements.
        depth = int(rng.choice([1, 2, 3, 5, 10, 12, 33, 100, 257, 511]))
        in_scale = f32(rng.choice([1e-3, 0.01, 0.0625, 0.1, 0.2, 0.5, 1.0, 4.0]) * rng.uniform(0.5, 1.5))
        in_zp = int(rng.integers(-128, 128))
        beta = f32(rng.choice([1.0, 1.0, 1.0, 0.5, 2.0, 0.01, 10.0]))
        if i % 3 == 0:
            x = rng.integers(-128, 128, size=(outer, depth), dtype=np.int8)
        else:  # values clustered near the maximum, where exp() matters most
            top = int(rng.integers(-100, 128))
            x = np.clip(top - rng.integers(0, 40, size=(outer, depth)), -128, 127).astype(np.int8)
        p = SoftmaxParams()
        if lib.tm_softmax_prepare_params(beta, in_scale, ctypes.byref(p)) != 0:
            continue
        int16_out = i % 5 == 4
        if int16_out:
            ours = np.zeros(x.shape, np.int16)
            lib.tm_softmax_s8_s16(ctypes.byref(p), outer, depth, ptr(x), ptr(ours, I16))
            ref = tflm_unary("SOFTMAX", x, (in_scale, in_zp), (1 / 65536, -32768),
                             options=dict(beta=beta), out_dtype="int16")
        else:
            ours = np.zeros_like(x)
            lib.tm_softmax_s8(ctypes.byref(p), outer, depth, ptr(x), ptr(ours))
            ref = tflm_unary("SOFTMAX", x, (in_scale, in_zp), (1 / 256, -128), options=dict(beta=beta))
        check_equal(ours, ref, f"SOFTMAX case {i} shape={x.shape} scale={in_scale} beta={beta} "
                               f"int16={int16_out}")
        cases += 1
        elements += x.size
    assert cases >= 200
    summary(f"kernels SOFTMAX: {cases} random cases ({elements} outputs, int8 and int16 out) equal to TFLM")


def pool_out_and_pad(padding, n, f, s):
    o = (n + s - 1) // s if padding == "SAME" else (n + s - f) // s
    total = max((o - 1) * s + f - n, 0)
    return o, total // 2


ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}


def act_range(lib, act, scale, zp):
    """tm_activation_range_quantized (device/runtime/tm_quant.c), as the op glue calls it."""
    lo, hi = ctypes.c_int32(), ctypes.c_int32()
    lib.tm_activation_range_quantized.argtypes = [
        ctypes.c_int, ctypes.c_float, ctypes.c_int32, ctypes.c_int32, ctypes.c_int32,
        ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32)]
    assert lib.tm_activation_range_quantized(ACTIVATIONS[act], scale, zp, -128, 127,
                                             ctypes.byref(lo), ctypes.byref(hi)) == 0
    return lo.value, hi.value


@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
def test_pool_random(lib, op, summary):
    fn = lib.tm_average_pool_2d_s8 if op == "AVERAGE_POOL_2D" else lib.tm_max_pool_2d_s8
    rng = np.random.default_rng(7 if op == "MAX_POOL_2D" else 11)
    cases = elements = 0
    # Fixed shapes from real models (global pooling as in KWS / ResNet-8), filters larger than the
    # input with SAME padding, then seeded random ones.
    fixed = [((1, 25, 5, 64), (25, 5), (2, 2), "VALID", "NONE"),
             ((1, 8, 8, 64), (8, 8), (8, 8), "VALID", "NONE"),
             ((1, 3, 3, 96), (7, 7), (1, 1), "SAME", "NONE"),
             ((1, 6, 6, 4), (3, 3), (2, 2), "SAME", "RELU6"),
             ((2, 5, 7, 3), (2, 3), (3, 1), "SAME", "RELU")]
    for i in range(150 + len(fixed)):
        if i < len(fixed):
            (n, h, w, c), (fh, fw), (sh, sw), padding, act = fixed[i]
        else:
            n, h, w, c = (int(rng.integers(1, 3)), int(rng.integers(1, 12)), int(rng.integers(1, 12)),
                          int(rng.integers(1, 6)))
            fh, fw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
            sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
            padding = "SAME" if i % 2 == 0 else "VALID"
            act = ["NONE", "NONE", "RELU", "RELU6", "RELU_N1_TO_1"][i % 5]
        oh, ph = pool_out_and_pad(padding, h, fh, sh)
        ow, pw = pool_out_and_pad(padding, w, fw, sw)
        if oh <= 0 or ow <= 0:
            continue
        scale = f32(rng.choice([0.02, 0.05, 0.1, 0.3]) * rng.uniform(0.7, 1.3))
        zp = int(rng.integers(-60, 60))
        x = rng.integers(-128, 128, size=(n, h, w, c), dtype=np.int8)
        lo, hi = act_range(lib, act, scale, zp)
        p = PoolParams(n, h, w, c, oh, ow, sh, sw, fh, fw, ph, pw, lo, hi)
        ours = np.zeros((n, oh, ow, c), np.int8)
        fn(ctypes.byref(p), ptr(x), ptr(ours))
        model = build_single_op_model(
            op, [Tensor([n, h, w, c], "int8", scale=scale, zero_point=zp)],
            [Tensor([n, oh, ow, c], "int8", scale=scale, zero_point=zp)],
            options=dict(padding=padding, stride_w=sw, stride_h=sh, filter_width=fw,
                         filter_height=fh, fused_activation_function=act))
        ref = run_tflm(model, [x])[0]
        check_equal(ours, ref, f"{op} case {i}: in={x.shape} f=({fh},{fw}) s=({sh},{sw}) "
                               f"{padding} {act}")
        cases += 1
        elements += ours.size
    assert cases >= 100
    summary(f"kernels {op}: {cases} cases, 5 fixed + seeded random ({elements} outputs) equal to TFLM")
