"""Single-op bit-exactness through `import tinyml`: the whole path (model reader, op prepare,
kernel) of SOFTMAX, LOGISTIC, TANH, RELU, RELU6, AVERAGE_POOL_2D and MAX_POOL_2D against
TensorFlow Lite Micro.

Each case is a one-operator int8 .tflite model (tests/host/single_op_models.py) run once in the
`tflite-micro` package and once by `tinyml.Model(path).predict(x)` in the Unix port; all cases of
a test run in ONE MicroPython process. Outputs must be equal byte for byte.

  LOGISTIC, TANH, RELU, RELU6: all 256 int8 inputs, for a grid of quantization parameters.
  SOFTMAX, pools:              seeded random inputs, shapes and options.

Models TFLM (or tinyml, for safety) refuses must raise a Python exception naming the op.
"""

import itertools

import numpy as np
import pytest

import mputil
from single_op_models import Tensor, build_single_op_model, build_unary_model, run_tflm

DRIVER = r"""
import tinyml
CASES = {cases!r}
for name, model, inp, out in CASES:
    try:
        m = tinyml.Model(model)
        y = m.predict(open(inp, "rb").read())
        open(out, "wb").write(bytes(y))
        print("OK", name)
    except Exception as e:
        print("ERR", name, type(e).__name__, str(e).replace("\n", " "))
    m = None
"""


def f32(x):
    return float(np.float32(x))


def run_in_tinyml(micropython, tmp_path, cases):
    """cases: list of (name, model_bytes, input_array). Returns {name: bytes or ("ERR", text)}."""
    rows = []
    for i, (name, model, x) in enumerate(cases):
        mp = tmp_path / f"m{i}.tflite"
        ip = tmp_path / f"x{i}.bin"
        op = tmp_path / f"y{i}.bin"
        mp.write_bytes(model)
        ip.write_bytes(np.ascontiguousarray(x).tobytes())
        rows.append((name, str(mp), str(ip), str(op)))
    out = mputil.run_script(DRIVER.format(cases=rows), binary=micropython, timeout=600)
    results = {}
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if parts[0] == "OK":
            idx = [r[0] for r in rows].index(parts[1])
            results[parts[1]] = open(rows[idx][3], "rb").read()
        elif parts[0] == "ERR":
            results[parts[1]] = ("ERR", parts[2] if len(parts) > 2 else "")
    missing = [r[0] for r in rows if r[0] not in results]
    assert not missing, f"no result for {missing[:5]} (output tail: {out[-500:]})"
    return results


def compare(micropython, tmp_path, cases, summary, label):
    results = run_in_tinyml(micropython, tmp_path, cases)
    bad = []
    outputs = 0
    for name, model, x in cases:
        ref = run_tflm(model, [x])[0]
        got = results[name]
        if isinstance(got, tuple):
            bad.append(f"{name}: tinyml raised {got[1]}")
            continue
        got = np.frombuffer(got, dtype=np.int8)
        want = ref.reshape(-1).astype(np.int8)
        if got.size != want.size or (got != want).any():
            diff = np.nonzero(got != want)[0] if got.size == want.size else [-1]
            i = int(diff[0])
            bad.append(f"{name}: {len(diff)} mismatches, first at {i}: actual "
                       f"{got[i] if i >= 0 else got.size}, expected {want[i] if i >= 0 else want.size}")
        outputs += want.size
    assert not bad, "\n".join(bad[:10])
    summary(f"single ops {label}: {len(cases)} models ({outputs} outputs) bit-exact with TFLM")


ALL_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)


def elementwise_q(seed):
    grid = list(itertools.product([1e-3, 0.01, 0.0625, 0.1, 0.25, 1.0, 2.5], [-128, -20, 0, 33, 127]))
    rng = np.random.default_rng(seed)
    return grid + [(f32(10 ** rng.uniform(-3.5, 0.7)), int(rng.integers(-128, 128))) for _ in range(25)]


def unary_model(op, shape, in_q, out_q, options=None):
    return build_unary_model(op, shape, in_q, out_q, options, version=2)


def test_elementwise(micropython, tmp_path, summary):
    cases = []
    for s, z in elementwise_q(1):
        s = f32(s)
        cases.append((f"LOGISTIC_{s}_{z}", unary_model("LOGISTIC", (1, 256), (s, z), (1 / 256, -128)), ALL_INT8))
        cases.append((f"TANH_{s}_{z}", unary_model("TANH", (1, 256), (s, z), (1 / 128, 0)), ALL_INT8))
        cases.append((f"RELU6_{s}_{z}", unary_model("RELU6", (1, 256), (s, z), (s, z)), ALL_INT8))
        for ratio, oz in [(1.0, z), (0.3, -128), (2.7, 10)]:
            cases.append((f"RELU_{s}_{z}_{ratio}_{oz}",
                          unary_model("RELU", (1, 256), (s, z), (f32(s / ratio), oz)), ALL_INT8))
    compare(micropython, tmp_path, cases, summary, "LOGISTIC/TANH/RELU/RELU6 (all 256 inputs each)")


def test_softmax(micropython, tmp_path, summary):
    rng = np.random.default_rng(3)
    cases = []
    for i in range(80):
        shape = [int(v) for v in rng.integers(1, 5, size=int(rng.integers(1, 4)))]
        shape[-1] = int(rng.choice([1, 2, 3, 10, 12, 100, 300]))
        s, z = f32(10 ** rng.uniform(-3, 0.5)), int(rng.integers(-128, 128))
        beta = f32(rng.choice([1.0, 1.0, 0.5, 2.0]))
        if i % 2:
            x = rng.integers(-128, 128, size=shape, dtype=np.int8)
        else:
            x = np.clip(100 - rng.integers(0, 30, size=shape), -128, 127).astype(np.int8)
        cases.append((f"SOFTMAX_{i}", unary_model("SOFTMAX", shape, (s, z), (1 / 256, -128),
                                                  options=dict(beta=beta)), x))
    compare(micropython, tmp_path, cases, summary, "SOFTMAX (seeded random)")


@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
def test_pool(micropython, tmp_path, summary, op):
    rng = np.random.default_rng(4 if op == "MAX_POOL_2D" else 5)
    cases = []
    for i in range(100):
        n, h, w, c = (int(rng.integers(1, 3)), int(rng.integers(1, 14)), int(rng.integers(1, 14)),
                      int(rng.integers(1, 9)))
        fh, fw, sh, sw = (int(v) for v in rng.integers(1, 7, size=4))
        padding = ["SAME", "VALID"][i % 2]
        act = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"][i % 4]
        oh = (h + sh - 1) // sh if padding == "SAME" else (h + sh - fh) // sh
        ow = (w + sw - 1) // sw if padding == "SAME" else (w + sw - fw) // sw
        if oh <= 0 or ow <= 0:
            continue
        s, z = f32(10 ** rng.uniform(-2.5, 0)), int(rng.integers(-128, 128))
        model = build_single_op_model(
            op, [Tensor([n, h, w, c], "int8", scale=s, zero_point=z)],
            [Tensor([n, oh, ow, c], "int8", scale=s, zero_point=z)],
            options=dict(padding=padding, stride_w=sw, stride_h=sh, filter_width=fw,
                         filter_height=fh, fused_activation_function=act), version=2)
        cases.append((f"{op}_{i}", model, rng.integers(-128, 128, size=(n, h, w, c), dtype=np.int8)))
    compare(micropython, tmp_path, cases, summary, f"{op} (seeded random)")


def test_refused(micropython, tmp_path, summary):
    """Models TFLM rejects (or cannot run safely) raise an exception naming the op."""
    P = dict(padding="VALID", stride_w=2, stride_h=2, filter_width=2, filter_height=2)
    T = Tensor
    x4 = np.zeros((1, 4, 4, 2), np.int8)
    x32 = np.zeros((1, 32), np.int8)
    cases = [
        ("AVERAGE_POOL_2D", build_single_op_model(  # TFLM: quantization must match
            "AVERAGE_POOL_2D", [T([1, 4, 4, 2], scale=0.1, zero_point=0)],
            [T([1, 2, 2, 2], scale=0.2, zero_point=0)], options=P), x4),
        ("MAX_POOL_2D", build_single_op_model(  # output shape inconsistent with the options
            "MAX_POOL_2D", [T([1, 4, 4, 2], scale=0.1, zero_point=0)],
            [T([1, 3, 2, 2], scale=0.1, zero_point=0)], options=P), x4),
        ("MAX_POOL_2D", build_single_op_model(  # no Pool2DOptions
            "MAX_POOL_2D", [T([1, 4, 4, 2], scale=0.1, zero_point=0)],
            [T([1, 2, 2, 2], scale=0.1, zero_point=0)], options=None), x4),
        ("SOFTMAX", unary_model("SOFTMAX", (1, 32), (0.1, 0), (1 / 255, -128), dict(beta=1.0)), x32),
        ("SOFTMAX", unary_model("SOFTMAX", (1, 32), (0.1, 0), (1 / 256, 0), dict(beta=1.0)), x32),
        ("SOFTMAX", unary_model("SOFTMAX", (1, 32), (0.1, 0), (1 / 256, -128), None), x32),  # beta 0
        ("LOGISTIC", unary_model("LOGISTIC", (1, 32), (0.1, 0), (1 / 256, 0)), x32),
        ("RELU6", unary_model("RELU6", (1, 32), (0.1, 300), (0.1, 0)), x32),
    ]
    named = [(f"{op}_{i}", m, x) for i, (op, m, x) in enumerate(cases)]
    results = run_in_tinyml(micropython, tmp_path, named)
    bad = []
    for (name, _, _), (op, _, _) in zip(named, cases):
        got = results[name]
        if not isinstance(got, tuple):
            bad.append(f"{name}: loaded and ran, expected an error")
        elif op not in got[1]:
            bad.append(f"{name}: error does not name {op}: {got[1]}")
    assert not bad, "\n".join(bad)
    summary(f"single ops refused: {len(cases)} invalid models raise an exception naming the op")
