"""Issue 12, int16x8 slice B: the int16 paths of TFLM's "16x8" quantization mode (int16
activations, symmetric) for the element-wise, pooling, activation and conversion ops, against
TFLM, bit for bit.

Same framework as test_single_ops_elementwise.py: seeded random single-op models
(single_op_models.py) run in the `tflite-micro` package (the reference) and in tinyml's plain C
engine through ctypes (host_engine.py), a share of them through `import tinyml` in the Unix port,
and the malformed int16 models prepare must refuse.

What the cases cover, per op (int16 values always include -32768 and 32767):
  ADD / SUB:     numpy broadcasting up to 6-D, constant second operands, fused activations, input
                 and output scales over three decades (left shift 15), zero points 0 (the 16x8
                 convention) and, now and then, non-zero (TFLM accepts them).
  MUL:           broadcasting up to 6-D, fused activations, rescales below and above 1.
  PAD:           1- to 5-D, the output zero point or a constant pad value.
  MAX_POOL_2D /
  AVERAGE_POOL_2D: SAME / VALID, strides, windows larger than the input, fused activations.
  LEAKY_RELU:    alphas in (0, 1), above 1, 0 and negative; scale ratios above and below 1.
  SOFTMAX:       int16 -> int16 (exp / reciprocal tables), betas and input scales over decades,
                 rows of 1 to 300 elements.
  LOGISTIC / TANH: every int16 value, power-of-two input scales (the multiplier-free path) and
                 general ones.
  QUANTIZE:      int8 <-> int16, int16 -> int16, int8 / int16 -> int32, float32 -> int16.
  DEQUANTIZE:    int16 -> float32, every value.
  STRIDED_SLICE / CONCATENATION / RESHAPE: int16 data movement.
  MEAN:          global average pools and random axes, keep_dims or not, equal and different
                 scales (GlobalAveragePooling in a 16x8 Keras model).

TINYML_INT16_CASES scales the number of random cases per op (default 150).
"""

import os

import numpy as np
import pytest

from host_engine import TM_ERR_MODEL, TM_ERR_UNSUPPORTED, TM_OK, build_engine
from single_op_models import Tensor, build_single_op_model, run_tflm
from test_ops_act import _zeros_for_inputs
from test_single_ops_elementwise import (ACTIVATIONS, broadcast_shapes, case, check_engine,
                                         check_unix_port, f32, log_uniform, random_dims)

CASES = int(os.environ.get("TINYML_INT16_CASES", "150"))
UNIX_CASES_PER_OP = 6


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(tmp_path_factory.mktemp("engine"))


def random_int16(rng, shape):
    """Random int16 values, with the extremes planted now and then."""
    x = rng.integers(-32768, 32768, shape).astype(np.int16)
    if x.size and rng.random() < 0.5:
        flat = x.reshape(-1)
        k = max(1, flat.size // 8)
        flat[rng.integers(0, flat.size, k)] = rng.choice([-32768, 32767], k)
    return x


def every_int16(shape_hint):
    """All 65536 int16 values in one of a few shapes."""
    x = np.arange(-32768, 32768, dtype=np.int16)
    shapes = [[65536], [16, 4096], [1, 64, 64, 16], [2, 32768]]
    return x.reshape(shapes[shape_hint % len(shapes)])


def i16(shape, scale, zero_point=0, data=None):
    return Tensor(shape, "int16", scale, zero_point, data=data)


def zero_point(rng, p_nonzero):
    return int(rng.integers(-2000, 2000)) if rng.random() < p_nonzero else 0


# ---------------------------------------------------------------------------------------------
# Binary ops

def add_sub_case(rng, op, i):
    out, sh1, sh2 = broadcast_shapes(rng)
    s1, s2 = log_uniform(rng, 1e-5, 1e-2), log_uniform(rng, 1e-5, 1e-2)
    if rng.random() < 0.2:
        s2 = s1
    so = f32(max(s1, s2) * rng.uniform(0.3, 4.0))
    z1, z2, zo = (zero_point(rng, 0.15) for _ in range(3))
    act = str(rng.choice(ACTIVATIONS))
    x1, x2 = random_int16(rng, sh1), random_int16(rng, sh2)
    const2 = rng.random() < 0.2
    t2 = i16(sh2, s2, z2, data=x2 if const2 else None)
    model = build_single_op_model(op, [i16(sh1, s1, z1), t2], [i16(out, so, zo)],
                                  options=dict(fused_activation_function=act),
                                  version=3 if op == "ADD" else 5)
    inputs = [x1] if const2 else [x1, x2]
    return case(f"{op.lower()}{i} {sh1}{'c' if const2 else ''} {sh2} -> {out} {act} "
                f"{s1}/{z1} {s2}/{z2} -> {so}/{zo}", model, inputs, [(out, "int16")])


def mul_case(rng, i):
    out, sh1, sh2 = broadcast_shapes(rng)
    s1, s2 = log_uniform(rng, 1e-4, 1e-2), log_uniform(rng, 1e-4, 1e-2)
    so = f32(s1 * s2 * 32768 * rng.uniform(0.02, 3.0))
    if rng.random() < 0.15:
        so = f32(s1 * s2 * rng.uniform(0.1, 0.99))       # a rescale above 1 (a left shift)
    act = str(rng.choice(ACTIVATIONS))
    x1, x2 = random_int16(rng, sh1), random_int16(rng, sh2)
    const2 = rng.random() < 0.2
    t2 = i16(sh2, s2, data=x2 if const2 else None)
    model = build_single_op_model("MUL", [i16(sh1, s1), t2], [i16(out, so)],
                                  options=dict(fused_activation_function=act), version=4)
    inputs = [x1] if const2 else [x1, x2]
    return case(f"mul{i} {sh1}{'c' if const2 else ''} {sh2} -> {out} {act} {s1} {s2} -> {so}",
                model, inputs, [(out, "int16")])


# ---------------------------------------------------------------------------------------------
# Data movement and pooling

def pad_case(rng, i):
    rank = int(rng.integers(1, 6))
    dims = random_dims(rng, rank, hi=5, max_elems=300)
    pads = rng.integers(0, 4, (rank, 2))
    out = [int(d + p[0] + p[1]) for d, p in zip(dims, pads)]
    s = log_uniform(rng, 1e-5, 1e-2)
    x = random_int16(rng, dims)
    ins = [i16(dims, s), Tensor([rank, 2], "int32", data=pads)]
    v = None
    if rng.random() < 0.3:                              # a constant pad value (input 3)
        v = int(rng.choice([-32768, 32767, int(rng.integers(-32768, 32768))]))
        ins.append(i16([1], s, data=[v]))
    model = build_single_op_model("PAD", ins, [i16(out, s)], version=4 if rank > 4 else 3)
    return case(f"pad{i} {dims} {pads.tolist()} value {v}", model, [x], [(out, "int16")])


def pool_case(rng, op, i):
    n = int(rng.integers(1, 3))
    h, w, c = (int(v) for v in rng.integers(1, 9, 3))
    fh, fw = (int(v) for v in rng.integers(1, 5, 2))
    sh, sw = (int(v) for v in rng.integers(1, 4, 2))
    padding = str(rng.choice(["SAME", "VALID"]))
    if padding == "VALID":
        fh, fw = min(fh, h), min(fw, w)
        oh, ow = (h - fh) // sh + 1, (w - fw) // sw + 1
    else:
        oh, ow = -(-h // sh), -(-w // sw)
    s, z = log_uniform(rng, 1e-5, 1e-2), zero_point(rng, 0.15)
    act = str(rng.choice(ACTIVATIONS))
    x = random_int16(rng, [n, h, w, c])
    model = build_single_op_model(op, [i16([n, h, w, c], s, z)], [i16([n, oh, ow, c], s, z)],
                                  options=dict(padding=padding, stride_w=sw, stride_h=sh,
                                               filter_width=fw, filter_height=fh,
                                               fused_activation_function=act), version=3)
    return case(f"{op.lower()}{i} {[n, h, w, c]} f{fh}x{fw} s{sh}x{sw} {padding} {act}", model, [x],
                [([n, oh, ow, c], "int16")])


# ---------------------------------------------------------------------------------------------
# Activations

def leaky_relu_case(rng, i):
    shape = random_dims(rng, int(rng.integers(1, 5)), hi=8, max_elems=1000)
    x = random_int16(rng, shape)
    kind = i % 5
    alpha = [f32(rng.uniform(0.01, 0.5)), f32(rng.uniform(1.0, 5.0)), f32(-rng.uniform(0.01, 2.0)),
             0.0, f32(rng.choice([0.2, 0.1, 0.3]))][kind]
    si, zi = log_uniform(rng, 1e-5, 1e-2), zero_point(rng, 0.2)
    so, zo = f32(si * rng.uniform(0.1, 3.0)), zero_point(rng, 0.2)
    if rng.random() < 0.3:
        so, zo = si, zi
    model = build_single_op_model("LEAKY_RELU", [i16(shape, si, zi)], [i16(shape, so, zo)],
                                  options=dict(alpha=alpha), version=2)
    return case(f"leaky_relu{i} alpha {alpha} {si}/{zi} -> {so}/{zo}", model, [x], [(shape, "int16")])


def softmax_case(rng, i):
    rank = int(rng.integers(1, 5))
    shape = random_dims(rng, rank, hi=6, max_elems=400)
    if i % 10 == 0:
        shape = [1, int(rng.integers(100, 301))]          # long rows: large sums of exps
    si, zi = log_uniform(rng, 1e-5, 1e-2), 0
    beta = f32(rng.choice([1.0, 1.0, log_uniform(rng, 0.1, 10.0)]))
    x = random_int16(rng, shape)
    if rng.random() < 0.3:
        x[...] = rng.integers(-40, 40, shape)             # near-equal values: ties at the maximum
    model = build_single_op_model("SOFTMAX", [i16(shape, si, zi)], [i16(shape, 1.0 / 32768)],
                                  options=dict(beta=beta), version=3)
    return case(f"softmax{i} {shape} beta {beta} scale {si}/{zi}", model, [x], [(shape, "int16")])


def sigmoid_case(rng, op, i):
    x = every_int16(i)
    shape = list(x.shape)
    kind = i % 4
    if kind == 0:
        si = 2.0 ** -12 if op == "LOGISTIC" or rng.random() < 0.5 else 2.0 ** -11   # the POT path
    elif kind == 1:
        si = 2.0 ** int(rng.integers(-16, -6))            # other powers of two: the general path
    else:
        si = log_uniform(rng, 1e-6, 2e-3)
    model = build_single_op_model(op, [i16(shape, si)], [i16(shape, 1.0 / 32768)], version=3)
    return case(f"{op.lower()}{i} scale {si}", model, [x], [(shape, "int16")])



# ---------------------------------------------------------------------------------------------
# Conversions

def quantize_case(rng, i):
    kind = ["f32_s16", "s8_s16", "s16_s8", "s16_s16", "s16_s16", "s8_s32", "s16_s32"][i % 7]
    in_t = {"f32": "float32", "s8": "int8", "s16": "int16"}[kind.split("_")[0]]
    out_t = {"s8": "int8", "s16": "int16", "s32": "int32"}[kind.split("_")[1]]
    if out_t == "int8":
        so, zo = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
    elif out_t == "int16":
        so, zo = log_uniform(rng, 1e-5, 1e-2), zero_point(rng, 0.2)
    else:
        so, zo = log_uniform(rng, 1e-7, 1e-3), int(rng.integers(-100000, 100000))
    if in_t == "float32":
        n = 400
        q = rng.integers(-40000, 40000, n)
        x = ((q + rng.choice([0.0, 0.5, -0.5, 0.25, 0.4999], n)) * so).astype(np.float32)
        x[:4] = [0.0, -0.0, 1e6 * so, -1e6 * so]
        model = build_single_op_model("QUANTIZE", [Tensor([1, n], "float32")], [Tensor([1, n], out_t, so, zo)],
                                      version=2)
        return case(f"quantize{i} {kind} {so}/{zo}", model, [x.reshape(1, n)], [([1, n], out_t)])
    if in_t == "int8":
        si, zi = log_uniform(rng, 1e-3, 1.0), int(rng.integers(-128, 128))
        x = np.arange(-128, 128, dtype=np.int8).reshape(2, 128)
    else:
        si, zi = log_uniform(rng, 1e-5, 1e-2), zero_point(rng, 0.2)
        x = random_int16(rng, (2, 128))
    if rng.random() < 0.3:
        so = f32(si * rng.choice([0.25, 0.5, 1.0, 2.0, 4.0]))  # power-of-two ratios: exact ties
    model = build_single_op_model("QUANTIZE", [Tensor([2, 128], in_t, si, zi)], [Tensor([2, 128], out_t, so, zo)],
                                  version=2)
    return case(f"quantize{i} {kind} {si}/{zi} -> {so}/{zo}", model, [x], [([2, 128], out_t)])


def dequantize_case(rng, i):
    x = every_int16(i)
    s, z = log_uniform(rng, 1e-6, 1e-1), zero_point(rng, 0.3)
    model = build_single_op_model("DEQUANTIZE", [i16(list(x.shape), s, z)], [Tensor(list(x.shape), "float32")],
                                  version=3)
    return case(f"dequantize{i} scale {s} zp {z}", model, [x], [(x.shape, "float32")])


# ---------------------------------------------------------------------------------------------
# Data movement (already type-blind: int16 checked here)

def strided_slice_case(rng, i):
    while True:
        rank = int(rng.integers(1, 5))
        dims = random_dims(rng, rank, hi=6, max_elems=500)
        begin, end, strides, out = [], [], [], []
        for size in dims:
            st = int(rng.choice([1, 1, 2, 3, -1, -2]))
            b, e = (int(v) for v in rng.integers(-size, size + 1, 2))
            begin.append(b)
            end.append(e)
            strides.append(st)
            out.append(len(range(*slice(b, e, st).indices(size))))
        if min(out) > 0:
            break
    s = log_uniform(rng, 1e-5, 1e-2)
    x = random_int16(rng, dims)
    consts = [Tensor([rank], "int32", data=v) for v in (begin, end, strides)]
    model = build_single_op_model("STRIDED_SLICE", [i16(dims, s)] + consts, [i16(out, s)], version=4)
    return case(f"strided_slice{i} {dims} {begin}:{end}:{strides}", model, [x], [(out, "int16")])


def concatenation_case(rng, i):
    rank = int(rng.integers(1, 5))
    base = random_dims(rng, rank, hi=4, max_elems=100)
    axis = int(rng.integers(0, rank))
    s, z = log_uniform(rng, 1e-5, 1e-2), 0                # TFLM: int16 zero points 0
    tensors, inputs = [], []
    for _ in range(int(rng.integers(1, 6))):
        shape = list(base)
        shape[axis] = int(rng.integers(1, 5))
        tensors.append(i16(shape, s, z))
        inputs.append(random_int16(rng, shape))
    out = list(base)
    out[axis] = sum(t.shape[axis] for t in tensors)
    axis_opt = axis - rank if rng.random() < 0.3 else axis
    model = build_single_op_model("CONCATENATION", tensors, [i16(out, s, z)], options=dict(axis=axis_opt),
                                  version=3)
    return case(f"concatenation{i} {len(tensors)}x{base} axis {axis_opt}", model, inputs, [(out, "int16")])


def reshape_case(rng, i):
    dims = random_dims(rng, int(rng.integers(1, 6)), hi=4, max_elems=200)
    n = int(np.prod(dims))
    new, rest = [], n
    while rest > 1 and len(new) < 5 and rng.random() < 0.7:
        d = int(rng.choice([d for d in range(1, rest + 1) if rest % d == 0]))
        new.append(d)
        rest //= d
    new.append(rest)
    s, z = log_uniform(rng, 1e-5, 1e-2), zero_point(rng, 0.2)
    model = build_single_op_model("RESHAPE", [i16(dims, s, z)], [i16(new, s, z)], options=dict(new_shape=new))
    return case(f"reshape{i} {dims} -> {new}", model, [random_int16(rng, dims)], [(new, "int16")])


def mean_case(rng, i):
    """Global average pools over H, W (what Keras' GlobalAveragePooling becomes) and random axes;
    equal or different input/output scales; zero points 0 and now and then not."""
    if i % 3 == 0:
        dims, axes = [1, int(rng.integers(1, 13)), int(rng.integers(1, 13)), int(rng.integers(1, 17))], [1, 2]
    else:
        rank = int(rng.integers(1, 6))
        dims = random_dims(rng, rank, hi=6, max_elems=800)
        axes = [int(a) for a in rng.choice(rank, int(rng.integers(1, min(rank, 2) + 1)), replace=False)]
    reduced = {a % len(dims) for a in axes}
    keep = bool(rng.random() < 0.5)
    out = [1 if d in reduced else n for d, n in enumerate(dims)] if keep else \
        [n for d, n in enumerate(dims) if d not in reduced]
    si, zi = log_uniform(rng, 1e-5, 1e-2), zero_point(rng, 0.2)
    so, zo = (si, zi) if rng.random() < 0.5 else (f32(si * rng.uniform(0.2, 3.0)), zero_point(rng, 0.2))
    x = random_int16(rng, dims)
    model = build_single_op_model("MEAN", [i16(dims, si, zi), Tensor([len(axes)], "int32", data=axes)],
                                  [i16(out, so, zo)], options=dict(keep_dims=keep), version=3)
    return case(f"s16_mean{i} {dims} axes {axes} keep={keep}", model, [x], [(out, "int16")])


GENERATORS = {
    "add": lambda rng, i: add_sub_case(rng, "ADD", i),
    "sub": lambda rng, i: add_sub_case(rng, "SUB", i),
    "mul": mul_case,
    "pad": pad_case,
    "max_pool_2d": lambda rng, i: pool_case(rng, "MAX_POOL_2D", i),
    "average_pool_2d": lambda rng, i: pool_case(rng, "AVERAGE_POOL_2D", i),
    "leaky_relu": leaky_relu_case,
    "softmax": softmax_case,
    "logistic": lambda rng, i: sigmoid_case(rng, "LOGISTIC", i),
    "tanh": lambda rng, i: sigmoid_case(rng, "TANH", i),
    "quantize": quantize_case,
    "dequantize": dequantize_case,
    "strided_slice": strided_slice_case,
    "concatenation": concatenation_case,
    "reshape": reshape_case,
    "mean": mean_case,
}
SEEDS = {name: 3000 + k for k, name in enumerate(GENERATORS)}


def cases_for(op, n=CASES):
    """n cases of op; names start with "s16_" (seed file names, fuzz/make_seeds.py)."""
    rng = np.random.default_rng(SEEDS[op])
    return [(f"s16_{name}", *rest) for name, *rest in (GENERATORS[op](rng, i) for i in range(n))]


@pytest.mark.parametrize("op", list(GENERATORS))
def test_engine_matches_tflm(engine, op, summary):
    cases = cases_for(op)
    check_engine(engine, cases)
    summary(f"int16 {op}: {len(cases)} random single-op models bit-exact with TFLM (C engine)")


# ---------------------------------------------------------------------------------------------
# A model as TensorFlow's converter writes it in 16x8 mode (its op versions, its quantization).

def converted_16x8_model():
    """Keras -> TFLiteConverter with int16 activations (EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_
    INT16_WEIGHTS_INT8), int16 input and output: pools, ADD, MUL, LOGISTIC, LEAKY_RELU, TANH, SUB,
    PAD, RESHAPE, SOFTMAX."""
    import tensorflow as tf
    layers = tf.keras.layers
    inp = tf.keras.Input((8, 8, 4), batch_size=1)
    c = layers.Add()([layers.MaxPooling2D(2)(inp), layers.AveragePooling2D(2)(inp)])
    e = layers.LeakyReLU(0.2)(layers.Multiply()([c, layers.Activation("sigmoid")(c)]))
    g = layers.Subtract()([layers.Activation("tanh")(e), layers.Activation("sigmoid")(e)])
    out = layers.Softmax()(layers.Reshape((144,))(layers.ZeroPadding2D(1)(g)))
    rng = np.random.default_rng(0)

    def representative():
        for _ in range(50):
            yield [rng.normal(0, 2, (1, 8, 8, 4)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(tf.keras.Model(inp, out))
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    conv.inference_input_type = tf.int16
    conv.inference_output_type = tf.int16
    return conv.convert()


def test_converted_16x8_model(engine, summary):
    model = converted_16x8_model()
    rng = np.random.default_rng(1)
    for k in range(20):
        x = (random_int16(rng, (1, 8, 8, 4)) if k % 2 else
             rng.normal(0, 3000, (1, 8, 8, 4)).clip(-32768, 32767).astype(np.int16))
        (ref,) = run_tflm(model, [x])
        status, err, (ours,) = engine(model, [x], [((1, 144), "int16")])
        assert status == TM_OK, f"tinyml refused the converted 16x8 model: {err}"
        assert np.array_equal(ours.view(np.int16), ref), f"input {k}: {ours} vs {ref}"
    summary("int16: a converter-made 16x8 model (12 ops): 20 inputs bit-exact with TFLM (C engine)")


# ---------------------------------------------------------------------------------------------
# Malformed int16 models prepare must refuse: (what, model maker, status, message, TFLM's prepare
# refuses it too).

def _i8(shape, scale=0.1, zp=0):
    return Tensor(shape, "int8", scale, zp)


def _pool(op, x, y, f=(2, 2)):
    return build_single_op_model(op, [x], [y], version=3,
                                 options=dict(padding="VALID", stride_w=1, stride_h=1, filter_width=f[1],
                                              filter_height=f[0]))


REJECTIONS = [
    ("mul of int16 with a non-zero input zero point",
     lambda: build_single_op_model("MUL", [i16([4], 0.01, 5), i16([4], 0.01)], [i16([4], 0.01)], version=4),
     TM_ERR_MODEL, "int16 input 1 zero point is 5 (must be 0)", True),
    ("mul of int16 with a non-zero output zero point",
     lambda: build_single_op_model("MUL", [i16([4], 0.01), i16([4], 0.01)], [i16([4], 0.01, -3)], version=4),
     TM_ERR_MODEL, "int16 output zero point is -3 (must be 0)", True),
    ("mul of int16 whose shapes do not broadcast",
     lambda: build_single_op_model("MUL", [i16([2, 3], 0.01), i16([3, 2], 0.01)], [i16([2, 3], 0.01)], version=4),
     TM_ERR_MODEL, "do not broadcast", False),
    ("add of int16 and int8",
     lambda: build_single_op_model("ADD", [i16([4], 0.01), _i8([4])], [i16([4], 0.01)], version=3),
     TM_ERR_UNSUPPORTED, "input 2 is int8 (only int16", False),
    ("add of int16 into int8",
     lambda: build_single_op_model("ADD", [i16([4], 0.01), i16([4], 0.01)], [_i8([4])], version=3),
     TM_ERR_UNSUPPORTED, "output is int8 (only int16", False),
    ("sub of int16 whose output scale is too small",
     lambda: build_single_op_model("SUB", [i16([4], 1.0), i16([4], 1.0)], [i16([4], 1e-7)], version=5),
     TM_ERR_UNSUPPORTED, "must be below 2^15", False),
    ("softmax of int16 with a non-zero input zero point",
     lambda: build_single_op_model("SOFTMAX", [i16([1, 8], 0.001, 7)], [i16([1, 8], 1 / 32768)],
                                   options=dict(beta=1.0), version=3),
     TM_ERR_MODEL, "int16 input zero point is 7 (must be 0)", True),
    ("softmax of int16 with a non-zero output zero point",
     lambda: build_single_op_model("SOFTMAX", [i16([1, 8], 0.001)], [i16([1, 8], 1 / 32768, 1)],
                                   options=dict(beta=1.0), version=3),
     TM_ERR_MODEL, "int16 output zero point is 1 (must be 0)", True),
    ("softmax of int16 with an output scale of 1/256",
     lambda: build_single_op_model("SOFTMAX", [i16([1, 8], 0.001)], [i16([1, 8], 1 / 256)],
                                   options=dict(beta=1.0), version=3),
     TM_ERR_UNSUPPORTED, "int16 output must have scale 1/32768", True),
    ("softmax of int16 into int8",
     lambda: build_single_op_model("SOFTMAX", [i16([1, 8], 0.001)], [_i8([1, 8], 1 / 256, -128)],
                                   options=dict(beta=1.0), version=3),
     TM_ERR_UNSUPPORTED, "output is int8 (only int16", True),
    ("softmax of int16 with a negative beta",
     lambda: build_single_op_model("SOFTMAX", [i16([1, 8], 0.001)], [i16([1, 8], 1 / 32768)],
                                   options=dict(beta=-1.0), version=3),
     TM_ERR_UNSUPPORTED, "beta x input scale is not positive", False),
    ("softmax of int16 with an infinite beta",
     lambda: build_single_op_model("SOFTMAX", [i16([1, 8], 0.001)], [i16([1, 8], 1 / 32768)],
                                   options=dict(beta=float("inf")), version=3),
     TM_ERR_UNSUPPORTED, "beta x input scale is not positive", False),
    ("logistic of int16 with a non-zero input zero point",
     lambda: build_single_op_model("LOGISTIC", [i16([8], 2 ** -12, 4)], [i16([8], 2 ** -15)], version=3),
     TM_ERR_MODEL, "int16 input zero point is 4 (must be 0)", True),
    ("logistic of int16 into int8",
     lambda: build_single_op_model("LOGISTIC", [i16([8], 2 ** -12)], [_i8([8], 1 / 256, -128)], version=3),
     TM_ERR_UNSUPPORTED, "output is int8 (only int16", True),
    ("tanh of int16 with an output scale of 2^-14",
     lambda: build_single_op_model("TANH", [i16([8], 2 ** -12)], [i16([8], 2 ** -14)], version=3),
     TM_ERR_MODEL, "int16 output scale must be 2^-15", True),
    ("tanh of int16 with an output scale that is not a power of two",
     lambda: build_single_op_model("TANH", [i16([8], 2 ** -12)], [i16([8], 3e-5)], version=3),
     TM_ERR_MODEL, "int16 output scale must be 2^-15", True),
    ("tanh of int16 whose input scale needs a multiplier above 32767",
     lambda: build_single_op_model("TANH", [i16([8], 10.0)], [i16([8], 2 ** -15)], version=3),
     TM_ERR_UNSUPPORTED, "multiplier exceeds 32767", False),
    ("concatenation of int16 with a non-zero zero point",
     lambda: build_single_op_model("CONCATENATION", [i16([2], 0.01, 3), i16([2], 0.01, 3)], [i16([4], 0.01, 3)],
                                   options=dict(axis=0), version=3),
     TM_ERR_MODEL, "int16 output zero point is 3 (must be 0)", True),
    ("pad of int16 with a non-zero output zero point and no pad value",
     lambda: build_single_op_model("PAD", [i16([2, 2], 0.01, 9), Tensor([2, 2], "int32", data=[[1, 1], [0, 0]])],
                                   [i16([4, 2], 0.01, 9)], version=3),
     TM_ERR_UNSUPPORTED, "TFLM pads int16 with 0", False),
    ("pad of int16 with an int8 pad value",
     lambda: build_single_op_model("PAD", [i16([2, 2], 0.01), Tensor([2, 2], "int32", data=[[1, 1], [0, 0]]),
                                           Tensor([1], "int8", 0.01, 0, data=[3])], [i16([4, 2], 0.01)], version=3),
     TM_ERR_UNSUPPORTED, "constant value is int8 (only int16", True),
    ("max_pool_2d of int16 with another output quantization",
     lambda: _pool("MAX_POOL_2D", i16([1, 4, 4, 1], 0.01), i16([1, 3, 3, 1], 0.02)),
     TM_ERR_MODEL, "input and output quantization differ", True),
    ("max_pool_2d of int16 into int8",
     lambda: _pool("MAX_POOL_2D", i16([1, 4, 4, 1], 0.01), _i8([1, 3, 3, 1], 0.01)),
     TM_ERR_UNSUPPORTED, "output is int8 (only int16", False),
    ("average_pool_2d of int16 over a window whose sum can overflow int32",
     lambda: _pool("AVERAGE_POOL_2D", i16([1, 256, 256, 1], 0.01), i16([1, 1, 1, 1], 0.01), f=(256, 256)),
     TM_ERR_UNSUPPORTED, "pooling window too large", False),
    ("leaky_relu of int8 into int16",
     lambda: build_single_op_model("LEAKY_RELU", [_i8([4])], [i16([4], 0.01)], options=dict(alpha=0.2), version=2),
     TM_ERR_UNSUPPORTED, "output is int16 (only int8", True),
    ("quantize of float32 into int32",
     lambda: build_single_op_model("QUANTIZE", [Tensor([4], "float32")], [Tensor([4], "int32", 0.01, 0)],
                                   version=2),
     TM_ERR_UNSUPPORTED, "float32 -> int32 (only int8 or int16 -> int32", False),
    ("quantize of int16 into a per-channel int32",
     lambda: build_single_op_model("QUANTIZE", [i16([1, 2], 0.01)],
                                   [Tensor([1, 2], "int32", [0.01, 0.02], [0, 0], quantized_dimension=1)], version=2),
     TM_ERR_MODEL, "int32 output needs one positive scale", True),
]


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
    summary(f"int16 slice: {len(picked)} single-op models bit-exact with TFLM through `import tinyml`")
