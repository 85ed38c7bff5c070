"""The TensorFlow side of `tinyml-host convert`, run in a child process (tf_process.py).

TensorFlow's converter and calibrator are C++ that can crash the process (a segfault on some
models): so none of it runs in the CLI's process. The parent writes a job folder (job.json and
the raw calibration/evaluation arrays); this module, run as
    python -m tinyml_host.convert_tf JOB_DIR PROGRESS_FD
loads the model, fits the data to its input shape, converts it to float32 and to a quantized
.tflite, runs the float model on the evaluation data, and writes the results into JOB_DIR
(result.json, float.tflite, model.tflite, eval_x.npy, eval_float.npy). Before each step it
writes one line "step <description>" to PROGRESS_FD, so the parent can name the step if the
process dies. Every error it can catch ends up in result.json as {"error": what, "hint": hint}.

Test hook: TINYML_CONVERT_CRASH_AT=<step key> (loading, trace, float, calibration, predict)
makes this process abort (os.abort(), a real SIGABRT) when that step starts.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

from .convert import (CALIBRATION_HINT, MIN_CALIBRATION, RECOMMENDED_CALIBRATION, check_source)
from . import inputs
from .errors import TinymlError

CRASH_ENV = "TINYML_CONVERT_CRASH_AT"
VERBOSE = bool(os.environ.get("TINYML_VERBOSE"))


def _import_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")   # TF's C++ INFO/WARNING lines
    try:
        with quiet():
            import tensorflow as tf
    except ImportError:
        raise TinymlError("TensorFlow is not installed; `convert` needs it",
                          "pip install 'tinyml-host[convert]'; in a checkout, `make setup` installs "
                          "the pinned version into .venv")
    tf.get_logger().setLevel("ERROR")
    return tf


@contextlib.contextmanager
def quiet():
    """Hold back what TensorFlow and Keras print (C++ log lines on fd 2, "Saved artifact" on
    stdout). TINYML_VERBOSE=1 (or --verbose) lets it through."""
    if VERBOSE:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def short_error(e: Exception) -> str:
    text = str(e).strip()
    lines = [l for l in text.splitlines() if l.strip()]
    # TF's converter errors end with the useful line ("error: 'tf.X' op is neither a custom op...").
    useful = [l for l in lines if "error:" in l]
    return (useful[0] if useful else (lines[-1] if lines else type(e).__name__))[:500]


class Source:
    """A loaded model: its input shape, a float predictor, and a converter factory."""

    def __init__(self, tf, path: Path):
        self.tf = tf
        self.path = path
        self.keras_model = None
        self.layer_names: list[str] = []
        self.model_name = ""
        check_source(path)
        if path.is_dir():
            try:
                with quiet():
                    self.saved = tf.saved_model.load(str(path))
                self.signature = self.saved.signatures["serving_default"]
            except Exception as e:
                raise TinymlError(f"TensorFlow cannot load the SavedModel {path}: {short_error(e)}",
                                  "export it with model.export(dir) (Keras) or tf.saved_model.save with a serving_default signature")
            specs = self.signature.structured_input_signature[1]
            if len(specs) != 1:
                raise TinymlError(f"the SavedModel has {len(specs)} inputs; convert handles single-input models")
            self.input_name, spec = next(iter(specs.items()))
            self.input_shape = tuple(spec.shape[1:])
        else:
            import keras
            try:
                with quiet():
                    self.keras_model = keras.models.load_model(str(path), compile=False)
            except Exception as e:
                raise TinymlError(f"Keras cannot load {path}: {short_error(e)}",
                                  "custom layers must be importable; save the model with model.save('m.keras')")
            if len(self.keras_model.inputs) != 1:
                raise TinymlError(f"the model has {len(self.keras_model.inputs)} inputs; convert handles single-input models")
            self.input_shape = tuple(self.keras_model.inputs[0].shape[1:])
            self.layer_names = [layer.name for layer in self.keras_model.layers]
            self.model_name = self.keras_model.name
        if any(d is None for d in self.input_shape):
            raise TinymlError(f"the model's input shape {self.input_shape} has unknown dimensions",
                              "build the model with a fixed input shape, e.g. keras.Input((100, 3))")

    def export_batch1(self, export: str, fuse_lstm: bool = True) -> list[str]:
        """The model re-exported as a SavedModel with batch size 1: every shape is static, so a
        Keras Reshape/Flatten becomes one RESHAPE (a dynamic batch adds SHAPE/STRIDED_SLICE/PACK
        ops), and LSTM/GRU layers are traced through rnn_rewrite (a fused LSTM op, an unrolled
        GRU). The SavedModel is how TensorFlow freezes the variables (Keras 3 included), and the
        converter's LSTM fusion needs it (fuse_lstm=False: LSTMs unrolled too, for 16x8). Returns
        the names of the rewritten recurrent layers."""
        tf = self.tf
        spec = tf.TensorSpec((1,) + tuple(self.input_shape), tf.float32)
        if self.keras_model is not None:
            from .rnn_rewrite import recurrent_rewritten
            with recurrent_rewritten(self.keras_model, fuse_lstm) as rewritten:
                self.keras_model.export(export, format="tf_saved_model", input_signature=[spec], verbose=False)
            return rewritten
        sig, name = self.signature, self.input_name
        module = tf.Module()
        module.source = self.saved
        module.serve = tf.function(lambda x: sig(**{name: x}), input_signature=[spec])
        tf.saved_model.save(module, export, signatures=module.serve)
        return []

    def predict(self, x):
        import numpy as np
        with quiet():
            if self.keras_model is not None:
                return np.asarray(self.keras_model.predict(x, batch_size=256, verbose=0))
            outs = []
            for i in range(0, len(x), 256):
                y = self.signature(**{self.input_name: self.tf.constant(x[i:i + 256])})
                outs.append(next(iter(y.values())).numpy())
            return np.concatenate(outs)


CONVERT_HINT = ("every layer must map to a TFLite builtin op with an integer kernel: "
                "use Conv2D, DepthwiseConv2D, Dense, LSTM/GRU, pooling, Add/Multiply/Concatenate, "
                "ReLU/ReLU6/sigmoid/tanh/softmax; drop custom and Lambda layers")


def run_converter(tf, export: str, calib, io: str, activations: str | None) -> bytes:
    """TFLiteConverter on the batch-1 SavedModel: float32 (activations None), full-integer int8,
    or 16x8 (int16 activations, int8 weights) calibrated on `calib`."""
    import numpy as np
    conv = tf.lite.TFLiteConverter.from_saved_model(export)
    if activations is not None:
        def representative():
            for s in calib:
                yield [s[None].astype(np.float32)]
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative
        if activations == "int16":
            conv.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        else:
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        io_type = {"int8": tf.int8, "int16": tf.int16, "float": tf.float32}[io]
        conv.inference_input_type = io_type
        conv.inference_output_type = io_type
    try:
        with quiet():
            return bytes(conv.convert())
    except Exception as e:
        what = {None: "float", "int8": "int8", "int16": "16x8 (int16 activations)"}[activations]
        raise TinymlError(f"TensorFlow could not convert the model to {what} TFLite: {short_error(e)}", CONVERT_HINT)


class Job:
    """One conversion, as the parent described it in JOB_DIR/job.json."""

    def __init__(self, workdir: Path, progress):
        self.dir = workdir
        self.spec = json.loads((workdir / "job.json").read_text())
        self.progress = progress

    def step(self, key: str, description: str) -> None:
        self.progress.write(f"step {description}\n")
        self.progress.flush()
        if os.environ.get(CRASH_ENV) == key:
            os.abort()   # the test hook: a real crash of this process, as TensorFlow's would be

    def run(self) -> dict:
        import numpy as np
        spec = self.spec
        path = Path(spec["model"])
        self.step("loading", f"loading {path}")
        tf = _import_tf()
        src = Source(tf, path)
        calibration = spec["calibration_name"]
        calib = inputs.fit_samples(np.load(self.dir / "calib.npy"), src.input_shape, "calibration data", calibration)
        calib = calib.astype(np.float32)
        inputs.require_finite(calib, f"calibration data in {calibration}", CALIBRATION_HINT)  # float64 -> inf
        notes = []
        if len(calib) < MIN_CALIBRATION:
            raise TinymlError(f"only {len(calib)} calibration sample(s) in {calibration}; at least {MIN_CALIBRATION} are needed",
                              f"give {RECOMMENDED_CALIBRATION}-500 windows that look like what the device will see "
                              "(all classes, real noise and offsets)")
        if len(calib) < RECOMMENDED_CALIBRATION:
            notes.append(f"{len(calib)} calibration samples: {RECOMMENDED_CALIBRATION} or more give safer ranges")
        if len(calib) > spec["max_calibration"]:
            calib = calib[np.linspace(0, len(calib) - 1, spec["max_calibration"]).astype(int)]
        result = {"input_shape": [int(d) for d in src.input_shape], "layer_names": src.layer_names,
                  "model_name": src.model_name, "calibration_samples": int(len(calib)), "notes": notes}

        if spec["eval"]:
            self.step("predict", f"running the float model on the {spec['eval']} evaluation samples")
            x = inputs.fit_samples(np.load(self.dir / "eval_x.npy"), src.input_shape, "evaluation data", "--eval-data")
            x = x.astype(np.float32)
            inputs.require_finite(x, "evaluation data (as float32)")
            np.save(self.dir / "eval_x.npy", x)
            np.save(self.dir / "eval_float.npy", src.predict(x).reshape(len(x), -1))

        rnn = [layer.name for layer in _recurrent(src)]
        self.step("trace", "tracing the model with a batch of 1"
                  + (f" (recurrent layers {', '.join(rnn)} rewritten)" if rnn else ""))
        export = str(self.dir / "batch1")
        try:
            with quiet():
                result["rewritten"] = src.export_batch1(export, fuse_lstm=spec["activations"] != "int16")
        except TinymlError:
            raise
        except Exception as e:
            raise TinymlError(f"TensorFlow could not trace the model with a batch of 1: {short_error(e)}",
                              "the model must run on one sample of its input shape")
        self.step("float", "converting to float32 TFLite")
        (self.dir / "float.tflite").write_bytes(run_converter(tf, export, calib, spec["io"], None))
        kind = "int16 activations (16x8)" if spec["activations"] == "int16" else "int8"
        self.step("calibration", f"calibrating and quantizing to {kind} on {len(calib)} samples"
                  + (f" (recurrent layers {', '.join(rnn)})" if rnn else ""))
        (self.dir / "model.tflite").write_bytes(run_converter(tf, export, calib, spec["io"], spec["activations"]))
        return result


def _recurrent(src: Source) -> list:
    if src.keras_model is None:
        return []
    from .rnn_rewrite import recurrent_layers
    return recurrent_layers(src.keras_model)


def main(argv: list[str]) -> int:
    workdir, fd = Path(argv[0]), int(argv[1])
    global VERBOSE
    with os.fdopen(fd, "w") as progress:
        job = Job(workdir, progress)
        VERBOSE = VERBOSE or bool(job.spec.get("verbose"))
        try:
            result = job.run()
        except TinymlError as e:
            result = {"error": e.what, "hint": e.hint}
        except Exception as e:   # a bug here or in TF's Python: still one clear line for the user
            result = {"error": f"convert failed unexpectedly: {type(e).__name__}: {short_error(e)}",
                      "hint": "rerun with --verbose for the traceback, and report it",
                      "traceback": traceback.format_exc()}
        finally:
            shutil.rmtree(workdir / "batch1", ignore_errors=True)
        tmp = workdir / "result.json.tmp"
        tmp.write_text(json.dumps(result))
        os.replace(tmp, workdir / "result.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
