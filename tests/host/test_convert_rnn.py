"""`tinyml-host convert` for recurrent classifiers and 16x8, and when TensorFlow crashes.

- A Keras LSTM classifier and a Keras GRU classifier (trained for a few seconds on a seeded
  synthetic task, so their outputs are not constant) convert with the CLI: the LSTM to one fused
  UNIDIRECTIONAL_SEQUENCE_LSTM (int8 weights, int16 cell state), the GRU unrolled into FULLY_CONNECTED,
  SPLIT, SUB, MUL, ADD, LOGISTIC and TANH. Both run bit-exact against TFLM in the Unix-port firmware,
  each window from the reset state (the fused LSTM keeps its state between invokes, as in TFLM:
  also bit-exact that way), and the int8 accuracy `convert` reports is close to the float one.
- `--activations int16` (16x8: int16 activations, int8 weights) on a small conv model: int16 I/O
  and activations, bit-exact; and with --io float. The LSTM classifier in 16x8 (unrolled: TF has
  no 16x8 fused LSTM), bit-exact too.
- A crash of TensorFlow (the child process aborts: TINYML_CONVERT_CRASH_AT makes it call
  os.abort() at a step) is one error line naming the step, exit status 2, nothing written.
- A model in which nodes were left in float32 is refused, naming them.
TensorFlow is required (requirements-convert.txt).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import model_runs
import mputil
from single_op_models import Op, Tensor, build_model
from tinyml_host.errors import TinymlError
from tinyml_host.tflite_model import read_model

STEPS, FEATURES, CLASSES, WINDOWS = 20, 3, 3, 20


def make_data(n, seed):
    """Three classes of noisy 3-axis windows: a slow wave, a fast wave, a ramp."""
    rng = np.random.default_rng(seed)
    t = np.arange(STEPS) / STEPS
    y = rng.integers(0, CLASSES, n)
    x = rng.normal(0, 0.25, (n, STEPS, FEATURES))
    for i, c in enumerate(y):
        ax = rng.integers(FEATURES)
        if c == 0:
            x[i, :, ax] += np.sin(2 * np.pi * 1 * t + rng.uniform(0, 6))
        elif c == 1:
            x[i, :, ax] += np.sin(2 * np.pi * 5 * t + rng.uniform(0, 6))
        else:
            x[i, :, ax] += 2 * t - 1
    return x.astype(np.float32), y


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("convert_rnn")
    x, y = make_data(900, 1)
    xe, ye = make_data(200, 2)
    np.save(d / "calib.npy", x[:150])
    np.save(d / "eval_x.npy", xe)
    np.save(d / "eval_y.npy", ye)
    return d, x, y


def _train(keras, d, name, layers, x, y, epochs):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((STEPS, FEATURES))] + layers
                             + [keras.layers.Dense(CLASSES, activation="softmax")], name=name)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    model.save(d / f"{name}.keras")
    return d / f"{name}.keras"


def _cli_convert(d, model, *extra, env=None):
    out = d / (model.stem + "".join(extra).replace("-", "_") + ".tflite")
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", "convert", str(model),
                        "--calibration", str(d / "calib.npy"), "-o", str(out), "--json",
                        "--eval-data", str(d / "eval_x.npy"), "--eval-labels", str(d / "eval_y.npy"), *extra],
                       capture_output=True, text=True, timeout=600, cwd=mputil.REPO_ROOT,
                       env=dict(os.environ, **(env or {})))
    return p, out


def _bit_exact(d, out, micropython, n=WINDOWS, reset=False):
    data = out.read_bytes()
    info = read_model(data)
    xe = np.load(d / "eval_x.npy")[:n]
    xq = model_runs.quantize(xe, info.inputs[0])
    y_dev = model_runs.run_unix_batch(out, xq, binary=micropython, reset=reset)
    y_ref = model_runs.run_tflm_batch(data, xq, reset=reset)
    diff = np.argwhere(y_dev != y_ref)
    assert diff.size == 0, f"{len(diff)} outputs differ, first at {diff[0]}"
    return info, y_dev.reshape(n, -1)


def _check_rnn(d, model, micropython, summary, label, stateful):
    p, out = _cli_convert(d, model)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    # Each window from the reset state (m.reset(), TFLM's reset()), as the Keras model sees it;
    # a stateful op is also bit-exact when its state carries over from window to window.
    info, y = _bit_exact(d, out, micropython, reset=True)
    if stateful:
        _bit_exact(d, out, micropython, reset=False)
        assert any("m.reset()" in n for n in r["notes"]), r["notes"]
    assert info.inputs[0].dtype == "int8" and info.outputs[0].dtype == "int8"
    assert len(set(y.argmax(axis=1))) > 1, "the model answers one class for every window: the check proves little"
    e = r["evaluation"]
    assert e["float_accuracy"] > 0.7, f"the {label} did not learn: {e}"
    assert abs(e["int8_accuracy"] - e["float_accuracy"]) < 0.1, e
    summary(f"convert {label}: {len(info.ops)} ops, float accuracy {e['float_accuracy']:.3f}, int8 "
            f"{e['int8_accuracy']:.3f}; Unix port == TFLM on {WINDOWS} windows")
    return info


def test_lstm_classifier(keras, data, micropython, summary):
    d, x, y = data
    model = _train(keras, d, "lstm_clf", [keras.layers.LSTM(16)], x, y, epochs=6)
    info = _check_rnn(d, model, micropython, summary, "LSTM(16) classifier", stateful=True)
    ops = [op.name for op in info.ops]
    assert ops.count("UNIDIRECTIONAL_SEQUENCE_LSTM") == 1, ops
    lstm = next(op for op in info.ops if op.name == "UNIDIRECTIONAL_SEQUENCE_LSTM")
    weights = [info.tensors[i] for i in lstm.inputs[1:9] if i >= 0]
    assert weights and all(t.dtype == "int8" for t in weights)
    assert any(info.tensors[i].dtype == "int16" for i in lstm.inputs if i >= 0)   # the cell state

    # 16x8: TensorFlow has no int16 fused LSTM, so the LSTM is unrolled; still bit-exact.
    p, out16 = _cli_convert(d, model, "--activations", "int16")
    assert p.returncode == 0, p.stderr
    e16 = json.loads(p.stdout)["evaluation"]
    info16, y16 = _bit_exact(d, out16, micropython)
    assert info16.inputs[0].dtype == "int16" and "UNIDIRECTIONAL_SEQUENCE_LSTM" not in {op.name for op in info16.ops}
    assert len(set(y16.argmax(axis=1))) > 1 and e16["float_accuracy"] - e16["int8_accuracy"] < 0.1, e16


def test_gru_classifier(keras, data, micropython, summary):
    d, x, y = data
    model = _train(keras, d, "gru_clf", [keras.layers.GRU(12)], x, y, epochs=6)
    info = _check_rnn(d, model, micropython, summary, "GRU(12) classifier", stateful=False)
    ops = {op.name for op in info.ops}
    assert {"FULLY_CONNECTED", "SPLIT", "SUB", "MUL", "ADD", "LOGISTIC", "TANH"} <= ops, ops
    assert not ops & {"UNIDIRECTIONAL_SEQUENCE_LSTM", "WHILE"}
    assert all(t.dtype != "float32" for t in info.tensors)


@pytest.fixture(scope="module")
def conv_model(keras, data):
    d, x, y = data
    L = keras.layers
    return _train(keras, d, "conv16", [L.Reshape((STEPS, 1, FEATURES)), L.Conv2D(8, (5, 1), activation="relu"),
                                       L.DepthwiseConv2D((3, 1), activation="relu"), L.Flatten()], x, y, epochs=3)


def test_int16_activations(conv_model, data, micropython, summary):
    from tinyml_host.convert import convert
    d = data[0]
    out = d / "conv16_int16.tflite"
    r = convert(conv_model, d / "calib.npy", output=out, activations="int16",
                eval_data=d / "eval_x.npy", eval_labels=d / "eval_y.npy")
    assert r.io == "int16" and r.activations == "int16" and "16x8" in r.summary()
    info, y = _bit_exact(d, out, micropython)
    assert info.inputs[0].dtype == "int16" and info.outputs[0].dtype == "int16"
    for op in info.ops:
        if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            assert info.tensors[op.inputs[1]].dtype == "int8"          # weights
            assert info.tensors[op.inputs[0]].dtype == "int16"         # activations
    assert len(set(y.argmax(axis=1))) > 1
    e = r.evaluation
    summary(f"convert conv --activations int16: float accuracy {e['float_accuracy']:.3f}, 16x8 "
            f"{e['int8_accuracy']:.3f}; Unix port == TFLM on {WINDOWS} windows")

    p, out_f = _cli_convert(d, conv_model, "--activations", "int16", "--io", "float")
    assert p.returncode == 0, p.stderr
    info_f = read_model(out_f.read_bytes())
    assert info_f.inputs[0].dtype == "float32"
    assert any(t.dtype == "int16" for t in info_f.tensors)
    xe = np.load(d / "eval_x.npy")[:WINDOWS]
    assert np.array_equal(model_runs.run_unix_batch(out_f, xe, binary=micropython).view(np.uint32),
                          model_runs.run_tflm_batch(out_f.read_bytes(), xe).view(np.uint32))

    with pytest.raises(TinymlError, match="--io int16"):
        convert(conv_model, d / "calib.npy", activations="int16", io="int8")


def test_tensorflow_crash_is_one_line(conv_model, data):
    """The child really aborts (SIGABRT) when calibration starts: exit 2, one line, no file."""
    d = data[0]
    for step, words in (("calibration", "calibrating"), ("loading", "loading")):
        p, out = _cli_convert(d, conv_model, env={"TINYML_CONVERT_CRASH_AT": step})
        assert p.returncode == 2, (p.returncode, p.stderr)
        lines = p.stderr.strip().splitlines()
        errors = [l for l in lines if not l.startswith("convert: ")]   # the progress lines
        assert len(errors) == 1, p.stderr
        assert errors[0].startswith("tinyml-host: error: TensorFlow crashed (SIGABRT, exit status 134) while " + words)
        assert "nothing was written" in errors[0] and "Traceback" not in p.stderr
        assert not out.exists() and p.stdout == ""
        assert not list(d.glob(out.name + ".*"))   # no temporary file left either


def test_partly_float_refused(tmp_path):
    """DEQUANTIZE -> EXP in float32 -> QUANTIZE: the node left float is named; float I/O alone is fine."""
    from tinyml_host.convert import check_fully_quantized
    from tinyml_host.partly_float import float_nodes
    q = dict(scale=0.05, zero_point=-3)
    tensors = [Tensor([1, 8], "int8", **q), Tensor([1, 8], "float32"), Tensor([1, 8], "float32", name="m/gelu/Exp"),
               Tensor([1, 8], "int8", **q), Tensor([1, 8], "int8", **q)]
    ops = [Op("DEQUANTIZE", [0], [1]), Op("EXP", [1], [2]), Op("QUANTIZE", [2], [3]), Op("RELU", [3], [4])]
    info = read_model(build_model(tensors, ops, [0], [4]))
    assert [op.name for op in float_nodes(info, allow_float_io=False)] == ["EXP"]
    with pytest.raises(TinymlError) as e:
        check_fully_quantized(info, "int8", ["gelu"], "m")
    assert "left 1 op(s) in float32" in e.value.what and "EXP (node 1, layer 'gelu')" in e.value.what
    assert "nothing was written" in e.value.what and "integer kernel" in e.value.hint

    io_tensors = [Tensor([1, 8], "float32"), Tensor([1, 8], "int8", **q), Tensor([1, 8], "int8", **q),
                  Tensor([1, 8], "float32")]
    io_ops = [Op("QUANTIZE", [0], [1]), Op("RELU", [1], [2]), Op("DEQUANTIZE", [2], [3])]
    io_info = read_model(build_model(io_tensors, io_ops, [0], [3]))
    assert float_nodes(io_info, allow_float_io=True) == []
    assert [op.name for op in float_nodes(io_info, allow_float_io=False)] == ["QUANTIZE", "DEQUANTIZE"]


@pytest.mark.parametrize("name", ["gru_reset_before_seq", "gru_backwards_nobias", "lstm_hard_sigmoid_stack",
                                  "lstm_backwards", "lstm_fused_seq_nobias", "gru_40_steps_seq", "simple_rnn_stack"])
def test_rewrite_matches_keras(keras, name):
    """The rewritten layers compute what Keras computes (float, traced as for conversion): every
    variant rnn_rewrite handles (fused, unrolled, reset_after False, backwards, no bias, long
    sequences concatenated in pieces, SimpleRNN)."""
    import tensorflow as tf
    from tinyml_host.rnn_rewrite import recurrent_rewritten
    L = keras.layers
    layers = {"gru_reset_before_seq": [L.GRU(5, reset_after=False, return_sequences=True)],
              "gru_backwards_nobias": [L.GRU(5, go_backwards=True, use_bias=False)],
              "lstm_hard_sigmoid_stack": [L.LSTM(4, recurrent_activation="hard_sigmoid", return_sequences=True),
                                          L.LSTM(3)],
              "lstm_backwards": [L.LSTM(4, go_backwards=True)],
              "lstm_fused_seq_nobias": [L.LSTM(4, return_sequences=True, use_bias=False)],
              "gru_40_steps_seq": [L.GRU(3, return_sequences=True)],
              "simple_rnn_stack": [L.SimpleRNN(4, return_sequences=True), L.SimpleRNN(3, use_bias=False)]}[name]
    steps = 40 if "40" in name else 7
    x = np.random.default_rng(1).normal(0, 1, (2, steps, 3)).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((steps, 3))] + layers)
    expected = model(x).numpy()
    with recurrent_rewritten(model) as rewritten:
        assert all("call" in layer.__dict__ for layer in layers)   # the rewrite is what runs
        got = tf.function(lambda v: model(v))(x).numpy()
    assert rewritten == [layer.name for layer in layers]
    assert not any("call" in layer.__dict__ for layer in layers)   # and is undone
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-5)
