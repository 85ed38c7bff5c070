"""Run a converted model on windows in TFLM and in tinyml's C engine (test_keras_zoo.py and
bench/model_coverage.py).

    xs = quantize(float_windows, input_tensor_info)
    outs, error = run_tflm(model, xs)          # per window a list of outputs, or TFLM's refusal
    status, error, outs = run_tinyml(engine, model, xs)   # engine: host_engine.cached_engine()
"""

import numpy as np

from tinyml_host.tflite_model import read_model

NP = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "float32": np.float32, "uint8": np.uint8}


def quantize(x, t):
    """Float windows -> the input tensor's integers (round half away from zero, saturating)."""
    if t.dtype == "float32":
        return x.astype(np.float32)
    info = np.iinfo(NP[t.dtype])
    q = x / t.scales[0] + t.zero_points[0]
    q = np.where(q >= 0, np.floor(q + 0.5), np.ceil(q - 0.5))
    return np.clip(q, info.min, info.max).astype(NP[t.dtype])


def run_tflm(model: bytes, xs):
    """Per window, TFLM's outputs; or the error text when TFLM cannot load or run the model."""
    from tflite_micro.python.tflite_micro import runtime
    info = read_model(model)
    try:
        it = runtime.Interpreter.from_bytes(model, arena_size=4 << 20)
    except RuntimeError as e:   # TFLM's refusal to load/allocate the model
        return None, f"{type(e).__name__}: {str(e).strip()[:400]}"
    outs = []
    for x in xs:
        it.set_input(x.reshape(info.inputs[0].shape), 0)
        it.invoke()
        outs.append([np.array(it.get_output(k)) for k in range(len(info.outputs))])
    return outs, None


def run_tinyml(engine, model: bytes, xs):
    info = read_model(model)
    shapes = [(tuple(t.shape), NP[t.dtype]) for t in info.outputs]
    status, err, outs = engine.steps(model, [[x] for x in xs], shapes)
    return status, err, outs
