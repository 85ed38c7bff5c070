"""The Keras zoo (keras_zoo.py), converted as users convert, bit-exact with TensorFlow Lite Micro.

Every architecture is trained briefly on synthetic learnable data (a random-weight classifier
often answers the same class for every input) and converted
  keras_int8    TFLiteConverter.from_keras_model, dynamic batch, full-integer int8 (TF's guide)
  tinyml_int8   tinyml_host.convert.convert (batch 1)
and the architectures marked int16 also to 16x8 (int16 activations, int8 weights):
  keras_int16   from_keras_model with EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
  tinyml_int16  convert(..., activations="int16"): skipped until the converter has the keyword.
20 windows per model run through TFLM's reference kernels and tinyml's C engine (the device
sources built for the host, with UBSan); every output must be equal byte for byte, and must not
be the same for every window (a constant output proves nothing).

A model TFLM cannot run is skipped with TFLM's reason (tinyml then owes it nothing). The
conversions in KNOWN are the exceptions, each asserted as described there (an entry whose
cause goes away fails, so that it is removed).

Models and conversions are cached in build/zoo-cache (zoo_build.py); a fresh run trains and
converts everything (a few minutes), a rerun takes seconds.
"""

import numpy as np
import pytest

import zoo_build
from host_engine import TM_OK, cached_engine
from tinyml_host.tflite_model import read_model
from zoo_run import quantize, run_tflm, run_tinyml



# (architecture, kind) -> (what tinyml or its converter says, why). Asserted: the conversion or
# tinyml's load fails with that text; for the dynamic-batch TCN also that TFLM, which runs it,
# is wrong (its outputs differ from TensorFlow Lite's reference kernels), so matching it would
# mean matching a wrong result.
KNOWN = {
    ("tcn_dilated", "keras_int8"): (
        "dynamic batch? convert with a fixed batch of 1",
        "a dilated Conv1D with a dynamic batch becomes SPACE_TO_BATCH_ND whose stored output batch (1) "
        "is not the real one (2): TFLM runs it, reading and writing past the planned buffers, and gets "
        "outputs up to 80 LSB from TFLite's; the batch-1 conversion (tinyml_int8) is bit-exact"),
    ("elu_cnn", "keras_int8"): (
        "ELU: input is float32",
        "TensorFlow 2.21 leaves ELU in float (DEQUANTIZE -> ELU -> QUANTIZE) even with int8-only ops; "
        "TFLM runs the float ELU, tinyml runs integer kernels only"),
    ("elu_cnn", "tinyml_int8"): (
        "ELU: input is float32",
        "the same float ELU: the converter's pre-flight check refuses it and names the layer"),
}


def tflite_reference(model: bytes, xs):
    """TensorFlow Lite's reference kernels (not TFLM) on every window: output 0."""
    import tensorflow as tf
    it = tf.lite.Interpreter(model_content=model,
                             experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    din, dout = it.get_input_details()[0], it.get_output_details()[0]
    outs = []
    for x in xs:
        it.set_tensor(din["index"], x.reshape(din["shape"]))
        it.invoke()
        outs.append(it.get_tensor(dout["index"]).copy())
    return np.stack(outs)


def check_known(name, kind, conv, engine, summary):
    text, why = KNOWN[(name, kind)]
    if conv.tflite is None:
        assert conv.error and text in conv.error, f"{name} {kind}: expected a refusal with {text!r}: {conv.error}"
        summary(f"zoo {name} {kind}: known, converter refuses ({why})")
        return
    (status, err, _), ref, tflm_error = compare(name, kind, conv.tflite, engine)
    assert status != TM_OK and text in err, f"{name} {kind}: expected tinyml to refuse with {text!r}: {status} {err}"
    assert ref is not None, f"{name} {kind}: expected TFLM to run it: {tflm_error}"
    if name == "tcn_dilated":
        xs = quantize(zoo_build.windows(name), read_model(conv.tflite).inputs[0])
        lite = tflite_reference(conv.tflite, xs).astype(np.int64)
        tflm = np.stack([r[0] for r in ref]).reshape(lite.shape).astype(np.int64)
        assert np.abs(lite - tflm).max() > 2, f"{name} {kind}: TFLM now agrees with TFLite: run it"
    summary(f"zoo {name} {kind}: known, tinyml refuses ({why})")


@pytest.fixture(scope="module")
def engine():
    return cached_engine(zoo_build.CACHE / "engine")


def compare(name: str, kind: str, model: bytes, engine):
    """(tinyml outputs, TFLM outputs or None, TFLM's refusal) after checking the model's form."""
    info = read_model(model)
    assert len(info.inputs) == 1, f"{name}: {len(info.inputs)} inputs"
    if kind == "tinyml_int16":   # io="int8": int8 input and output around int16 activations
        assert any(t.dtype == "int16" and not t.is_const for t in info.tensors), f"{name} {kind}: no int16 activation"
    else:
        want = "int16" if kind.endswith("int16") else "int8"
        assert info.inputs[0].dtype == want, f"{name} {kind}: input {info.inputs[0].dtype}, expected {want}"
    xs = quantize(zoo_build.windows(name), info.inputs[0])
    assert len(xs) == zoo_build.N_WINDOWS
    ref, tflm_error = run_tflm(model, xs)
    status, err, got = run_tinyml(engine, model, xs)
    return (status, err, got), ref, tflm_error


@pytest.mark.parametrize("name,kind", [pytest.param(n, k, id=f"{n}-{k}") for n, k in zoo_build.cases()])
def test_keras_zoo_bit_exact(name, kind, engine, summary):
    conv = zoo_build.conversion(name, kind)
    if conv.skip:
        pytest.skip(conv.skip)
    if (name, kind) in KNOWN:
        check_known(name, kind, conv, engine, summary)
        return
    assert conv.tflite is not None, f"{name}: conversion {kind} failed: {conv.error}"
    (status, err, got), ref, tflm_error = compare(name, kind, conv.tflite, engine)
    ops = sorted({op.name for op in read_model(conv.tflite).ops})
    if ref is None:
        summary(f"zoo {name} {kind}: TFLM cannot run it ({tflm_error[:120]}); tinyml: "
                f"{'runs it' if status == TM_OK else err[:120]}")
        pytest.skip(f"TFLM cannot run this conversion either: {tflm_error}")
    assert status == TM_OK, f"{name} {kind}: TFLM runs it, tinyml refuses: {err} (ops {ops})"
    for w, (a, b) in enumerate(zip(got, ref)):
        for k, (x, y) in enumerate(zip(a, b)):
            assert x.dtype == y.dtype and x.shape == y.shape, f"{name} {kind} output {k}: {x.dtype}{x.shape} vs TFLM {y.dtype}{y.shape}"
            diff = np.abs(x.astype(np.int64) - y.astype(np.int64))
            assert diff.max() == 0, (f"{name} {kind}: window {w} output {k} differs from TFLM by up to "
                                     f"{diff.max()} LSB in {int((diff > 0).sum())} of {diff.size} values (ops {ops})")
    for k in range(len(ref[0])):
        outs = np.stack([r[k] for r in ref])
        assert (outs != outs[0]).any(), f"{name} {kind}: output {k} is the same for all {len(outs)} windows"
    summary(f"zoo {name} {kind}: {len(ref)} windows bit-exact ({', '.join(ops)})")

