"""`tinyml-host convert`: Keras / SavedModel -> int8 .tflite that the firmware runs bit-exactly.

A small Keras classifier (100 x 3 accelerometer-like windows, Conv2D + DepthwiseConv2D + Dense)
is trained for a few seconds on a seeded synthetic task, then converted:
- the result is full-integer int8 (int8 input/output, int8 weights, per-channel conv weights);
- it loads in the Unix-port firmware and its outputs equal TFLM's bit for bit;
- the accuracy delta (float vs int8) is reported, and the int8 accuracy `convert` reports is the
  firmware's own (computed from the Unix-port outputs here);
- --io float, .h5 and SavedModel inputs work too;
- a layer the firmware lacks (GELU -> GELU) is an error naming the op and the layer,
  and nothing is written; bad calibration data and a model TF cannot convert give errors that
  say what to do.
TensorFlow is required (requirements-convert.txt, installed by `make setup`).
"""

import json
import subprocess
import sys

import numpy as np
import pytest

import model_runs
import mputil
from tinyml_host.errors import TinymlError
from tinyml_host.tflite_model import read_model

STEPS, CLASSES = 50, 3


def make_data(n, seed):
    """Three classes of noisy 3-axis windows: a slow wave, a fast wave, a step."""
    rng = np.random.default_rng(seed)
    t = np.arange(STEPS) / STEPS
    y = rng.integers(0, CLASSES, n)
    x = rng.normal(0, 0.3, (n, STEPS, 3)) + rng.uniform(-0.5, 0.5, (n, 1, 3))
    for i, c in enumerate(y):
        ax = rng.integers(3)
        if c == 0:
            x[i, :, ax] += np.sin(2 * np.pi * 2 * t + rng.uniform(0, 6))
        elif c == 1:
            x[i, :, ax] += np.sin(2 * np.pi * 9 * t + rng.uniform(0, 6))
        else:
            x[i, :, ax] += np.where(t > rng.uniform(0.2, 0.8), 1.0, -1.0)
    return x.astype(np.float32), y


@pytest.fixture(scope="module")
def trained(keras, tmp_path_factory):
    """A trained small model saved as .keras, .h5 and SavedModel, with data files."""
    d = tmp_path_factory.mktemp("convert")
    keras.utils.set_random_seed(0)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((STEPS, 3)),
        L.Reshape((STEPS, 1, 3)),
        L.Conv2D(8, (5, 1), padding="same", activation="relu"),
        L.MaxPooling2D((2, 1)),
        L.DepthwiseConv2D((3, 1), activation="relu6"),
        L.Conv2D(12, (1, 1), activation="relu"),
        L.GlobalAveragePooling2D(),
        L.Dense(CLASSES, activation="softmax"),
    ], name="tiny")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x, y = make_data(1200, 1)
    model.fit(x, y, epochs=6, batch_size=64, verbose=0)
    model.save(d / "tiny.keras")
    model.save(d / "tiny.h5")
    model.export(str(d / "tiny_savedmodel"), verbose=False)
    xe, ye = make_data(300, 2)
    np.save(d / "calib.npy", x[:200])
    np.save(d / "eval_x.npy", xe)
    np.save(d / "eval_y.npy", ye)
    return d


def test_convert_int8_bit_exact(trained, micropython, summary):
    from tinyml_host.convert import convert
    out = trained / "tiny.tflite"
    r = convert(trained / "tiny.keras", trained / "calib.npy", output=out,
                eval_data=trained / "eval_x.npy", eval_labels=trained / "eval_y.npy")
    data = out.read_bytes()
    assert data == r.tflite
    info = read_model(data)
    # Full integer: int8 in and out, int8 weights (per-channel for the convolutions), int32 biases.
    assert info.inputs[0].dtype == "int8" and info.outputs[0].dtype == "int8"
    assert info.inputs[0].shape == (1, STEPS, 3)
    ops = [op.name for op in info.ops]
    assert "CONV_2D" in ops and "DEPTHWISE_CONV_2D" in ops and "FULLY_CONNECTED" in ops
    assert "QUANTIZE" not in ops and "DEQUANTIZE" not in ops
    for op in info.ops:
        if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            w = info.tensors[op.inputs[1]]
            assert w.dtype == "int8", f"{op.name} weights are {w.dtype}"
            if op.name != "FULLY_CONNECTED":
                channels = w.shape[0] if op.name == "CONV_2D" else w.shape[3]
                assert len(w.scales) == channels > 1, f"{op.name}: {len(w.scales)} scales"
    assert all(t.dtype in ("int8", "int32") for t in info.tensors), {t.dtype for t in info.tensors}
    # Bit for bit: the firmware (Unix port) and TFLM on all 300 evaluation windows.
    xe = np.load(trained / "eval_x.npy")
    ye = np.load(trained / "eval_y.npy")
    xq = model_runs.quantize(xe, info.inputs[0])
    y_dev = model_runs.run_unix_batch(out, xq, binary=micropython)
    y_ref = model_runs.run_tflm_batch(data, xq)
    diff = np.argwhere(y_dev != y_ref)
    assert diff.size == 0, f"{len(diff)} outputs differ, first at {diff[0]}: {y_dev[tuple(diff[0])]} vs {y_ref[tuple(diff[0])]}"
    # Accuracy: what convert reports for int8 is what the firmware gets.
    e = r.evaluation
    dev_acc = float(np.mean(y_dev.reshape(len(xe), -1).argmax(axis=1) == ye))
    assert e["task"] == "classification" and e["samples"] == 300
    assert e["int8_accuracy"] == pytest.approx(dev_acc)
    assert e["float_accuracy"] > 0.8, "the test model did not learn: the accuracy check means nothing"
    assert abs(e["int8_accuracy"] - e["float_accuracy"]) < 0.05
    assert r.macs == info.macs > 0 and r.arena_bytes > 0
    summary(f"convert tiny.keras: float accuracy {e['float_accuracy']:.4f}, int8 {e['int8_accuracy']:.4f} "
            f"(delta {e['int8_accuracy'] - e['float_accuracy']:+.4f}), {len(data):,} B int8 vs "
            f"{r.float_tflite_bytes:,} B float; Unix port == TFLM on 300 windows")


def test_convert_float_io(trained, micropython):
    from tinyml_host.convert import convert
    out = trained / "tiny_float_io.tflite"
    convert(trained / "tiny.h5", trained / "calib.npy", output=out, io="float")
    data = out.read_bytes()
    info = read_model(data)
    assert info.inputs[0].dtype == "float32" and info.outputs[0].dtype == "float32"
    assert [op.name for op in info.ops][0] == "QUANTIZE" and info.ops[-1].name == "DEQUANTIZE"
    xe = np.load(trained / "eval_x.npy")[:50]
    y_dev = model_runs.run_unix_batch(out, xe, binary=micropython)
    y_ref = model_runs.run_tflm_batch(data, xe)
    assert np.array_equal(y_dev.view(np.uint32), y_ref.view(np.uint32))


def test_convert_savedmodel_and_csv_folder(trained, micropython):
    from tinyml_host.convert import convert
    folder = trained / "calib_folder"
    folder.mkdir()
    x = np.load(trained / "calib.npy")
    np.save(folder / "a.npy", x[:60])
    np.savetxt(folder / "b.csv", x[60:120].reshape(60, -1), delimiter=",")
    out = trained / "tiny_sm.tflite"
    r = convert(trained / "tiny_savedmodel", folder, output=out)
    assert r.calibration_samples == 120
    info = read_model(out.read_bytes())
    assert info.inputs[0].shape == (1, STEPS, 3)
    xq = model_runs.quantize(np.load(trained / "eval_x.npy")[:20], info.inputs[0])
    assert np.array_equal(model_runs.run_unix_batch(out, xq, binary=micropython),
                          model_runs.run_tflm_batch(out.read_bytes(), xq))


def test_unsupported_layer_named(keras, trained, tmp_path):
    """Activation("gelu") converts to GELU, which the firmware lacks: the error names op and layer."""
    from tinyml_host.convert import convert
    L = keras.layers
    model = keras.Sequential([keras.Input((STEPS, 3)), L.Flatten(), L.Dense(16), L.Activation("gelu", name="gelu"),
                              L.Dense(CLASSES, activation="softmax")])
    model.save(tmp_path / "gelu.keras")
    out = tmp_path / "gelu.tflite"
    with pytest.raises(TinymlError) as e:
        convert(tmp_path / "gelu.keras", trained / "calib.npy", output=out)
    assert "GELU" in e.value.what and "layer 'gelu'" in e.value.what
    assert "nothing was written" in e.value.what and "ReLU" in e.value.hint
    assert not out.exists()
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", "convert", str(tmp_path / "gelu.keras"),
                        "--calibration", str(trained / "calib.npy"), "-o", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2, p.stderr
    assert "error: " in p.stderr and "GELU" in p.stderr and "Traceback" not in p.stderr
    assert not out.exists()


def test_calibration_errors(trained, tmp_path):
    from tinyml_host.convert import convert
    model = trained / "tiny.keras"
    x = np.load(trained / "calib.npy")
    cases = {
        "shape.npy": (x[:, :40], "are samples of (40, 3)", "model's input takes samples of (50, 3)"),
        "few.npy": (x[:5], "only 5 calibration sample(s)", "at least 10"),
        "nan.npy": (np.where(np.arange(x.size).reshape(x.shape) == 7, np.nan, x), "NaN", ""),
    }
    for name, (arr, *expected) in cases.items():
        np.save(tmp_path / name, arr)
        with pytest.raises(TinymlError) as e:
            convert(model, tmp_path / name, output=tmp_path / "x.tflite")
        for text in expected:
            assert text in str(e.value), f"{name}: {e.value}"
    (tmp_path / "bad.csv").write_text("1,2,3\n4,5\n")
    with pytest.raises(TinymlError, match="cannot read calibration data"):
        convert(model, tmp_path / "bad.csv")
    with pytest.raises(TinymlError, match="not found"):
        convert(model, tmp_path / "missing.npy")
    with pytest.raises(TinymlError, match="not a Keras model"):
        convert(tmp_path / "bad.csv", trained / "calib.npy")
    assert not (tmp_path / "x.tflite").exists()


def test_tf_cannot_convert(keras, trained, tmp_path):
    """An op with no int8 TFLite kernel: TF's converter fails, and the error says so and what to do."""
    import tensorflow as tf
    L = keras.layers
    inp = keras.Input((STEPS, 3))
    x = L.Flatten()(inp)
    x = L.Lambda(lambda v: tf.abs(tf.signal.rfft(v)))(x)
    model = keras.Model(inp, L.Dense(CLASSES)(x))
    model.export(str(tmp_path / "rfft"), verbose=False)
    from tinyml_host.convert import convert
    with pytest.raises(TinymlError) as e:
        convert(tmp_path / "rfft", trained / "calib.npy", output=tmp_path / "rfft.tflite")
    assert "TensorFlow could not convert the model" in e.value.what
    assert "RFFT" in e.value.what and "Conv2D" in e.value.hint


def test_cli_convert_json(trained):
    out = trained / "cli.tflite"
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", "convert", str(trained / "tiny.keras"),
                        "--calibration", str(trained / "calib.npy"), "-o", str(out), "--json",
                        "--eval-data", str(trained / "eval_x.npy"), "--eval-labels", str(trained / "eval_y.npy")],
                       capture_output=True, text=True, timeout=300, cwd=mputil.REPO_ROOT)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)       # stdout holds the result only: TF's chatter is kept off it
    assert r["output"] == str(out) and r["int8_tflite_bytes"] == out.stat().st_size
    assert r["evaluation"]["task"] == "classification" and r["float_tflite_bytes"] > 0
