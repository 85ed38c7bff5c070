"""Run a whole .tflite model on many samples in the Unix port and in TFLM, for bit-for-bit checks.

    from model_runs import run_unix_batch, run_tflm_batch
    y_dev = run_unix_batch(model_path, x)     # x: (n, *input shape) in the input's dtype
    y_ref = run_tflm_batch(model_bytes, x)    # same shape, output dtype
    assert np.array_equal(y_dev, y_ref)

Also `device_figures(model_path)` -> the Unix port's m.arena_bytes, m.state_bytes, tinyml.ops().
"""

import tempfile
from pathlib import Path

import numpy as np

import mputil
from tinyml_host.tflite_model import read_model

# Input and output as raw bytes in a file, one sample after the other; the outputs printed as hex.
_RUN = """
import sys, tinyml
from array import array
m = tinyml.Model(sys.argv[1])
n, size, is_float = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
reset = len(sys.argv) > 6 and sys.argv[6] == "1"
with open(sys.argv[2], "rb") as f:
    for i in range(n):
        x = f.read(size)
        if reset:
            m.reset()
        m.set_input(array("f", x) if is_float else x)
        m.invoke()
        print(m.get_output().hex())
"""

_FIGURES = """
import sys, tinyml
m = tinyml.Model(sys.argv[1])
print(m.arena_bytes, m.state_bytes)
print(";".join("%s:%d" % op for op in tinyml.ops()))
"""

NP_DTYPES = {"int8": np.int8, "float32": np.float32, "int16": np.int16, "int32": np.int32, "uint8": np.uint8}


def run_unix_batch(model_path, x, binary=None, timeout=300, reset=False):
    """Outputs of the Unix-port tinyml for every sample of x, shape (n, *output shape).
    reset: m.reset() before each sample (recurrent state back to zero: independent windows)."""
    info = read_model(Path(model_path).read_bytes())
    tin, tout = info.inputs[0], info.outputs[0]
    x = np.ascontiguousarray(x, dtype=NP_DTYPES[tin.dtype]).reshape((-1,) + tuple(tin.shape))
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(x.tobytes())
        data = f.name
    try:
        out = mputil.run_script(_RUN, binary=binary, timeout=timeout,
                                args=(model_path, data, len(x), tin.nbytes, int(tin.dtype == "float32"), int(reset)))
    finally:
        Path(data).unlink()
    lines = out.split()
    assert len(lines) == len(x), f"{len(lines)} outputs for {len(x)} inputs: {out[-500:]}"
    raw = np.frombuffer(bytes.fromhex("".join(lines)), dtype=NP_DTYPES[tout.dtype])
    return raw.reshape((len(x),) + tuple(tout.shape))


def run_tflm_batch(model_bytes, x, reset=False):
    """Outputs of TensorFlow Lite Micro's reference kernels for every sample of x (reset: the
    interpreter's variable tensors back to their reset value before each sample)."""
    from tflite_micro.python.tflite_micro import runtime
    info = read_model(model_bytes)
    tin = info.inputs[0]
    x = np.asarray(x, dtype=NP_DTYPES[tin.dtype]).reshape((-1,) + tuple(tin.shape))
    it = runtime.Interpreter.from_bytes(bytes(model_bytes))
    outs = []
    for sample in x:
        if reset:
            it.reset()
        it.set_input(sample, 0)
        it.invoke()
        outs.append(np.array(it.get_output(0)))
    return np.stack(outs)


def device_figures(model_path, binary=None):
    """(arena_bytes, state_bytes, {op name: max version}) as the Unix-port firmware reports them."""
    out = mputil.run_script(_FIGURES, binary=binary, args=(model_path,), timeout=60).split("\n")
    arena, state = (int(v) for v in out[0].split())
    ops = dict((name, int(v)) for name, v in (item.split(":") for item in out[1].strip().split(";")))
    return arena, state, ops


def quantize(x, t):
    """Float samples -> the tensor's int8 values (round half away from zero, saturating)."""
    from tinyml_host.convert import quantize_input
    return quantize_input(np.asarray(x, np.float32), t)


def dequantize(y, t):
    y = np.asarray(y)
    if t.dtype == "int8":
        return (y.astype(np.float32) - t.zero_point) * t.scale
    return y.astype(np.float32)
