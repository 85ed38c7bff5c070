"""`tinyml-host convert`: a Keras or SavedModel model -> a full-integer int8 .tflite for the device.

Library API:
  result = convert("model.keras", calibration="windows.npy", output="model.tflite", io="int8",
                   eval_data="x.npy", eval_labels="y.npy")
  result.tflite (bytes), result.evaluation (float vs int8 accuracy or error), result.as_dict()

TensorFlow's TFLiteConverter does the conversion (post-training full-integer quantization:
int8 weights, per-channel for convolutions, int8 activations calibrated on --calibration). Before
anything is written, the model goes through the device's own loader (the same pre-flight check
as `inspect`): an op the firmware lacks is an error naming the op and the layer it came from.
The int8 accuracy is measured with the device's engine (native.run_batch), so it is the accuracy
the board gets, bit for bit. TensorFlow is imported inside functions only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from . import inputs
from .errors import TinymlError

MIN_CALIBRATION = 10        # fewer samples give ranges that clip real inputs
RECOMMENDED_CALIBRATION = 100
DATA_SUFFIXES = (".npy", ".csv")
CALIBRATION_HINT = "clean the samples: the ranges of int8 activations are computed from them"


def add_arguments(p) -> None:
    p.add_argument("model", help="a Keras model (.keras or .h5) or a SavedModel directory")
    p.add_argument("--calibration", required=True, metavar="FILE",
                   help="representative inputs: a .npy (samples along axis 0) or .csv (one flattened "
                        "sample per row) file, or a folder of them")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="the .tflite to write (default: the model's name with .tflite)")
    p.add_argument("--io", choices=("int8", "float"), default="int8",
                   help="type of the model's input and output: int8 (default; the board quantizes "
                        "nothing) or float (QUANTIZE/DEQUANTIZE inside the model)")
    p.add_argument("--eval-data", metavar="FILE", help="labelled inputs (.npy/.csv) to compare float and int8 on")
    p.add_argument("--eval-labels", metavar="FILE",
                   help="their labels: class indices or one-hot (accuracy), or target values (error)")
    p.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                   help="how to score --eval-data (auto: integer labels and several outputs = classification)")
    p.add_argument("--max-calibration", type=inputs.int_at_least(MIN_CALIBRATION), default=500, metavar="N",
                   help="use at most N calibration samples, picked evenly (default 500)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--verbose", action="store_true", help="let TensorFlow's own log lines through (stderr)")


def run(args) -> int:
    global VERBOSE
    VERBOSE = VERBOSE or args.verbose
    output = args.output or default_output(args.model)
    result = convert(args.model, args.calibration, output=output, io=args.io,
                     eval_data=args.eval_data, eval_labels=args.eval_labels, task=args.task,
                     max_calibration=args.max_calibration, log=sys.stderr)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(result.summary())
    return 0


@dataclass
class ConvertResult:
    output: str | None
    tflite: bytes
    io: str
    calibration_samples: int
    float_tflite_bytes: int
    macs: int
    arena_bytes: int
    input_shape: tuple
    evaluation: dict | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"output": self.output, "int8_tflite_bytes": len(self.tflite),
                "float_tflite_bytes": self.float_tflite_bytes, "io": self.io,
                "calibration_samples": self.calibration_samples, "macs": self.macs,
                "arena_bytes": self.arena_bytes, "input_shape": list(self.input_shape),
                "evaluation": self.evaluation, "notes": self.notes}

    def summary(self) -> str:
        where = self.output or "<not written>"
        lines = [f"wrote {where}: int8 model, {self.io} input/output, {len(self.tflite):,} bytes "
                 f"(float32 .tflite: {self.float_tflite_bytes:,} bytes)",
                 f"calibrated on {self.calibration_samples} samples; {self.macs:,} MACs; "
                 f"device arena {self.arena_bytes:,} bytes"]
        e = self.evaluation
        if e:
            if e["task"] == "classification":
                lines.append(f"accuracy on {e['samples']} samples: float {e['float_accuracy']:.4f}, "
                             f"int8 {e['int8_accuracy']:.4f} (delta {e['int8_accuracy'] - e['float_accuracy']:+.4f}); "
                             f"int8 and float agree on {e['agreement']:.4f}")
            else:
                lines.append(f"error on {e['samples']} samples: float MAE {e['float_mae']:.5g} RMSE "
                             f"{e['float_rmse']:.5g}; int8 MAE {e['int8_mae']:.5g} RMSE {e['int8_rmse']:.5g}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Data files

def load_array(path, what: str = "data"):
    """A .npy or .csv file, or a folder of them (concatenated along axis 0, in name order)."""
    import numpy as np
    path = Path(path)
    if path.is_dir():
        try:
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in DATA_SUFFIXES)
        except OSError as e:
            raise TinymlError(f"cannot list {what} folder {path}: {e.strerror or e}") from None
        if not files:
            raise TinymlError(f"{what} folder {path} has no .npy or .csv file",
                              "put the samples in .npy (samples along axis 0) or .csv (one per row) files")
        arrays = [load_array(f, what) for f in files]
        if sum(a.nbytes for a in arrays) > inputs.MAX_DATA_BYTES:
            raise TinymlError(f"the {what} files in {path} hold more than {inputs.MAX_DATA_BYTES >> 20} MiB",
                              "a few hundred representative samples are enough")
        shapes = {a.shape[1:] for a in arrays}
        if len(shapes) > 1 and len({int(np.prod(s)) for s in shapes}) == 1:
            # .csv rows are flattened samples: flatten every file alike, fit_samples() reshapes
            arrays = [a.reshape(len(a), -1) for a in arrays]
            shapes = {a.shape[1:] for a in arrays}
        if len(shapes) > 1:
            raise TinymlError(f"the {what} files in {path} hold samples of different shapes: "
                              f"{', '.join(str(s) for s in sorted(shapes))}",
                              "every file must hold samples of the model's input shape")
        return np.concatenate(arrays, axis=0)
    return inputs.load_array(path, what)


def fit_samples(a, input_shape: tuple, what: str, path):
    """Reshape `a` to (N, *input_shape) or explain what is wrong with its shape."""
    import numpy as np
    input_shape = tuple(int(d) for d in input_shape)
    n_in = int(np.prod(input_shape))
    if a.shape[1:] == input_shape:
        return a
    if a.shape == input_shape:                 # a single sample
        return a[None]
    if a.ndim >= 2 and int(np.prod(a.shape[1:])) == n_in:   # flattened rows (.csv) or extra 1-dims
        return a.reshape((a.shape[0],) + input_shape)
    raise TinymlError(
        f"{what} in {path} has shape {tuple(a.shape)}: samples of shape {tuple(a.shape[1:])} "
        f"({int(np.prod(a.shape[1:])) if a.ndim > 1 else 1} values), but the model's input is {input_shape} ({n_in} values)",
        f"give an array of shape (N, {', '.join(map(str, input_shape))}) in .npy, "
        f"or a .csv with {n_in} values per row")


# ---------------------------------------------------------------------------------------------
# TensorFlow

def _import_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")   # TF's C++ INFO/WARNING lines
    try:
        with _quiet():
            import tensorflow as tf
    except ImportError:
        raise TinymlError("TensorFlow is not installed; `convert` needs it",
                          "install the pinned version: pip install -r requirements-convert.txt "
                          "(`make setup` does it in this repository's .venv)")
    tf.get_logger().setLevel("ERROR")
    return tf


VERBOSE = bool(os.environ.get("TINYML_VERBOSE"))


@contextlib.contextmanager
def _quiet():
    """Hold back what TensorFlow and Keras print (their C++ log lines on fd 2, "Saved artifact"
    on stdout): the results go to stdout and our own diagnostics to stderr. TINYML_VERBOSE=1 (or
    --verbose) lets it through to stderr."""
    if VERBOSE:
        with contextlib.redirect_stdout(sys.stderr):
            yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


class _Source:
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
                with _quiet():
                    self.saved = tf.saved_model.load(str(path))
                self.signature = self.saved.signatures["serving_default"]
            except Exception as e:
                raise TinymlError(f"TensorFlow cannot load the SavedModel {path}: {_short(e)}",
                                  "export it with model.export(dir) (Keras) or tf.saved_model.save with a serving_default signature")
            specs = self.signature.structured_input_signature[1]
            if len(specs) != 1:
                raise TinymlError(f"the SavedModel has {len(specs)} inputs; convert handles single-input models")
            self.input_name, spec = next(iter(specs.items()))
            self.input_shape = tuple(spec.shape[1:])
        else:
            import keras
            try:
                with _quiet():
                    self.keras_model = keras.models.load_model(str(path), compile=False)
            except Exception as e:
                raise TinymlError(f"Keras cannot load {path}: {_short(e)}",
                                  "custom layers must be importable; save the model with model.save('m.keras')")
            if len(self.keras_model.inputs) != 1:
                raise TinymlError(f"the model has {len(self.keras_model.inputs)} inputs; convert handles single-input models")
            self.input_shape = tuple(self.keras_model.inputs[0].shape[1:])
            self.layer_names = [layer.name for layer in self.keras_model.layers]
            self.model_name = self.keras_model.name
        if any(d is None for d in self.input_shape):
            raise TinymlError(f"the model's input shape {self.input_shape} has unknown dimensions",
                              "build the model with a fixed input shape, e.g. keras.Input((100, 3))")

    def converter(self, workdir: str):
        """A converter for the model re-exported with batch size 1: every shape is static, so a
        Keras Reshape/Flatten becomes one RESHAPE (a dynamic batch adds SHAPE/STRIDED_SLICE/PACK
        ops, which the device does not run). The export goes through a SavedModel in `workdir`,
        which is how TensorFlow freezes the variables (Keras 3 included)."""
        tf = self.tf
        spec = tf.TensorSpec((1,) + tuple(self.input_shape), tf.float32)
        export = os.path.join(workdir, "batch1")
        if self.keras_model is not None:
            self.keras_model.export(export, format="tf_saved_model", input_signature=[spec], verbose=False)
        else:
            sig, name = self.signature, self.input_name
            module = tf.Module()
            module.source = self.saved
            module.serve = tf.function(lambda x: sig(**{name: x}), input_signature=[spec])
            tf.saved_model.save(module, export, signatures=module.serve)
        return tf.lite.TFLiteConverter.from_saved_model(export)

    def predict(self, x):
        import numpy as np
        with _quiet():
            if self.keras_model is not None:
                return np.asarray(self.keras_model.predict(x, batch_size=256, verbose=0))
            outs = []
            for i in range(0, len(x), 256):
                y = self.signature(**{self.input_name: self.tf.constant(x[i:i + 256])})
                outs.append(next(iter(y.values())).numpy())
            return np.concatenate(outs)


HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_SOURCE_BYTES = inputs.MAX_DATA_BYTES  # float weights are 4x the int8 ones: far beyond any board


def check_source(path: Path) -> None:
    """The model to convert is a SavedModel folder or a whole .keras/.h5 file (checked before
    TensorFlow is imported: a wrong path fails in a second)."""
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise TinymlError(f"{path} is a folder but not a SavedModel (no saved_model.pb)",
                              "give a .keras/.h5 file or a SavedModel directory")
    elif path.suffix.lower() in (".keras", ".h5", ".hdf5"):
        check_keras_file(path)
    else:
        raise TinymlError(f"{path}: not a Keras model (.keras, .h5) or a SavedModel directory")


def check_keras_file(path: Path) -> None:
    """Before Keras sees it: a regular file of sane size that is a whole .keras zip archive or an
    HDF5 file (Keras reports a truncated .keras as "File not found")."""
    import zipfile

    try:
        st = path.stat()
    except OSError as e:
        raise TinymlError(f"cannot read model file {path}: {e.strerror or e}") from None
    if not path.is_file():
        raise TinymlError(f"model {path} is not a regular file", "give a .keras/.h5 file or a SavedModel directory")
    if st.st_size > MAX_SOURCE_BYTES:
        raise TinymlError(f"model file {path} is larger than {MAX_SOURCE_BYTES >> 20} MiB ({st.st_size:,} bytes)",
                          "its int8 version could not fit any board")
    try:
        with open(path, "rb") as f:
            head = f.read(len(HDF5_SIGNATURE))
        if path.suffix.lower() == ".keras":
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
            whole = "config.json" in names
        else:
            whole = head == HDF5_SIGNATURE
    except (OSError, zipfile.BadZipFile, EOFError) as e:
        if isinstance(e, OSError) and not isinstance(e, zipfile.BadZipFile) and e.strerror:
            raise TinymlError(f"cannot read model file {path}: {e.strerror}") from None
        whole = False
    if not whole:
        kind = "a .keras archive (a zip with config.json)" if path.suffix.lower() == ".keras" else "an HDF5 file"
        raise TinymlError(f"model file {path} is not {kind}: truncated or damaged",
                          "save the model again with model.save(...)")


def _short(e: Exception) -> str:
    text = str(e).strip()
    lines = [l for l in text.splitlines() if l.strip()]
    # TF's converter errors end with the useful line ("error: 'tf.X' op is neither a custom op...").
    useful = [l for l in lines if "error:" in l]
    return (useful[0] if useful else (lines[-1] if lines else type(e).__name__))[:500]


def _run_converter(src: _Source, calib, io: str, quantize: bool) -> bytes:
    import numpy as np
    tf = src.tf
    workdir = tempfile.mkdtemp(prefix="tinyml-convert-")
    try:
        with _quiet():
            conv = src.converter(workdir)
    except Exception as e:
        shutil.rmtree(workdir, ignore_errors=True)
        raise TinymlError(f"TensorFlow could not trace the model with a batch of 1: {_short(e)}",
                          "the model must run on one sample of its input shape")
    if quantize:
        def representative():
            for s in calib:
                yield [s[None].astype(np.float32)]
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8 if io == "int8" else tf.float32
        conv.inference_output_type = tf.int8 if io == "int8" else tf.float32
    try:
        with _quiet():
            return bytes(conv.convert())
    except Exception as e:
        what = "int8" if quantize else "float"
        raise TinymlError(f"TensorFlow could not convert the model to {what} TFLite: {_short(e)}",
                          "every layer must map to a TFLite builtin op with an int8 kernel: "
                          "use Conv2D, DepthwiseConv2D, Dense, pooling, Add/Multiply/Concatenate, "
                          "ReLU/ReLU6/sigmoid/tanh/softmax; drop custom and Lambda layers")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------

def default_output(model) -> Path:
    """model.keras -> model.tflite; a SavedModel folder dir/ -> dir.tflite beside it."""
    path = Path(model)
    return path.parent / (path.name.rstrip("/") + ".tflite") if path.is_dir() else path.with_suffix(".tflite")


def convert(model, calibration, output=None, io: str = "int8", eval_data=None, eval_labels=None,
            task: str = "auto", max_calibration: int = 500, log=None) -> ConvertResult:
    """Convert `model` (path) to an int8 .tflite; write it to `output` (None: not written) after the
    device pre-flight check passes. Returns a ConvertResult; raises TinymlError with a hint."""
    import numpy as np
    from . import native
    from .inspect import device_problems
    from .tflite_model import keras_layer_of, read_model

    if io not in ("int8", "float"):
        raise TinymlError(f"--io must be int8 or float, not {io!r}")
    if (eval_data is None) != (eval_labels is None):
        raise TinymlError("--eval-data and --eval-labels go together", "give both, or neither")
    say = (lambda m: print(m, file=log)) if log else (lambda m: None)
    path = Path(model)
    notes = []
    check_source(path)
    out_path = check_output(output) if output else None

    calib_raw = load_array(calibration, "calibration data")
    inputs.require_finite(calib_raw, f"calibration data in {calibration}", CALIBRATION_HINT)
    evaluation_set = load_evaluation(eval_data, eval_labels) if eval_data is not None else None
    tf = _import_tf()
    say(f"convert: loading {path}")
    src = _Source(tf, path)
    calib = fit_samples(calib_raw, src.input_shape, "calibration data", calibration).astype(np.float32)
    inputs.require_finite(calib, f"calibration data in {calibration}", CALIBRATION_HINT)  # float64 -> inf
    if len(calib) < MIN_CALIBRATION:
        raise TinymlError(f"only {len(calib)} calibration sample(s) in {calibration}; at least {MIN_CALIBRATION} are needed",
                          f"give {RECOMMENDED_CALIBRATION}-500 windows that look like what the device will see "
                          "(all classes, real noise and offsets)")
    if len(calib) < RECOMMENDED_CALIBRATION:
        notes.append(f"{len(calib)} calibration samples: {RECOMMENDED_CALIBRATION} or more give safer int8 ranges")
    if len(calib) > max_calibration:
        calib = calib[np.linspace(0, len(calib) - 1, max_calibration).astype(int)]

    say("convert: float32 .tflite (for its size)")
    float_tflite = _run_converter(src, calib, io, quantize=False)
    say(f"convert: int8 quantization calibrated on {len(calib)} samples")
    tflite = _run_converter(src, calib, io, quantize=True)

    info = read_model(tflite)
    problems = device_problems(tflite, info)
    if problems:
        parts = []
        for p in problems:
            layer = keras_layer_of(p["tensor"], src.layer_names, src.model_name) if p["tensor"] else None
            scope = p["tensor"].split(";")[0].split("/")
            where = (f"layer '{layer}'" if layer else
                     f"name scope '{scope[1]}'" if len(scope) > 1 else "no layer identified")
            tensor = p["tensor"] if len(p["tensor"]) <= 80 else p["tensor"][:77] + "..."
            parts.append(f"op {p['op']} at node {p['node']} ({where}; TFLite tensor '{tensor}'): {p['reason']}")
        hints = [f"{p['op']}: {p['hint']}" for p in problems if p.get("hint")]
        raise TinymlError("the converted model uses what this firmware cannot run, so nothing was written: "
                          + "; ".join(parts),
                          "; ".join(hints) if hints else "change those layers, or add the op to the firmware "
                          "(device/ops + device/runtime/tm_ops.c)")
    plan = native.plan(tflite)

    evaluation = None
    if eval_data is not None:
        evaluation = evaluate(src, tflite, info, *evaluation_set, task)

    if out_path is not None:
        write_model(out_path, tflite)
    return ConvertResult(str(out_path) if out_path else None, tflite, io, len(calib), len(float_tflite),
                         info.macs, plan.arena_bytes, tuple(int(d) for d in src.input_shape), evaluation, notes)


def check_output(output) -> Path:
    """Before converting: `output` can become the .tflite (not a folder, not a device; its
    folder exists or can be made)."""
    out = Path(output)
    if out.is_dir():
        raise TinymlError(f"output {out} is a folder", f"give a file name, e.g. -o {out / 'model.tflite'}")
    if out.exists() and not out.is_file():
        raise TinymlError(f"output {out} exists and is not a regular file", "give a file name for the .tflite")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TinymlError(f"cannot create the folder of output {out}: {e.strerror or e}") from None
    return out


def write_model(out_path: Path, tflite: bytes) -> None:
    """Write through a temporary file in the same folder and rename it: never a half-written
    model, and no temporary file left behind on failure."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=out_path.name + ".", dir=out_path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(tflite)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)      # mkstemp makes 0600; a written model is an ordinary file
        os.replace(tmp, out_path)
        tmp = None
    except OSError as e:
        raise TinymlError(f"cannot write {out_path}: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def quantize_input(x, t):
    """Float samples -> the input tensor's dtype (int8: round half away from zero, saturate)."""
    import numpy as np
    if t.dtype != "int8":
        return x.astype(np.float32)
    q = x / t.scale + t.zero_point
    q = np.where(q >= 0, np.floor(q + 0.5), np.ceil(q - 0.5))
    return np.clip(q, -128, 127).astype(np.int8)


def dequantize_output(raw, t):
    """Raw output bytes (n, bytes) -> float values (n, elements)."""
    import numpy as np
    if t.dtype == "int8":
        return (raw.view(np.int8).astype(np.float32) - t.zero_point) * t.scale
    return raw.view(np.float32)


def load_evaluation(eval_data, eval_labels):
    """(samples, labels as float64) from --eval-data/--eval-labels: numbers, finite, one label each."""
    import numpy as np
    x = load_array(eval_data, "evaluation data")
    y = load_array(eval_labels, "evaluation labels").astype(np.float64)
    inputs.require_finite(x, f"evaluation data {eval_data}")
    inputs.require_finite(y, f"evaluation labels {eval_labels}")
    if len(y) != len(x):
        raise TinymlError(f"{len(x)} evaluation samples but {len(y)} labels",
                          "--eval-labels must have one label (or target row) per --eval-data sample")
    return x, y


def _check_classes(y, n_out: int, where) -> None:
    """Classification labels: class indices 0..n_out-1, or one-hot rows of n_out."""
    import numpy as np
    hint = f"class indices 0 to {n_out - 1}, or one-hot rows of {n_out} values"
    if y.ndim == 2 and y.shape[1] == n_out:
        return
    if y.ndim != 1:
        raise TinymlError(f"evaluation labels {where} have shape {tuple(y.shape)}", hint)
    if not np.all(y == np.round(y)) or y.min() < 0 or y.max() >= n_out:
        raise TinymlError(f"evaluation labels {where} hold values from {y.min():g} to {y.max():g}, "
                          f"not class indices of the model's {n_out} outputs", hint)


def evaluate(src, tflite: bytes, info, eval_data, eval_labels, task: str = "auto") -> dict:
    """Float (the source model) vs int8 (the device's engine) on labelled data."""
    import numpy as np
    from . import native
    x_raw, y = load_evaluation(eval_data, eval_labels) if isinstance(eval_data, (str, os.PathLike)) \
        else (eval_data, eval_labels)
    x = fit_samples(x_raw, src.input_shape, "evaluation data", "--eval-data").astype(np.float32)
    inputs.require_finite(x, "evaluation data (as float32)")
    y_float = src.predict(x).reshape(len(x), -1)
    raw = native.run_batch(tflite, quantize_input(x, info.inputs[0]))
    y_int8 = dequantize_output(raw, info.outputs[0]).reshape(len(x), -1)
    n_out = y_float.shape[1]
    if task == "auto":
        labels_int = y.ndim == 1 and np.all(np.equal(np.mod(y, 1), 0))
        onehot = y.ndim == 2 and y.shape[1] == n_out and np.all((y == 0) | (y == 1))
        task = "classification" if n_out > 1 and (labels_int or onehot) else "regression"
    if task == "classification":
        _check_classes(y, n_out, eval_labels)
        labels = y.argmax(axis=1) if y.ndim == 2 else y.astype(int)
        pf, pq = y_float.argmax(axis=1), y_int8.argmax(axis=1)
        return {"task": task, "samples": int(len(x)),
                "float_accuracy": float(np.mean(pf == labels)), "int8_accuracy": float(np.mean(pq == labels)),
                "agreement": float(np.mean(pf == pq))}
    target = y.reshape(len(x), -1).astype(np.float32)
    if target.shape[1] != n_out:
        raise TinymlError(f"labels have {target.shape[1]} values per sample, the model outputs {n_out}",
                          "for regression give one target row per sample with the output's size")
    ef, eq = y_float - target, y_int8 - target
    return {"task": "regression", "samples": int(len(x)),
            "float_mae": float(np.mean(np.abs(ef))), "float_rmse": float(np.sqrt(np.mean(ef ** 2))),
            "int8_mae": float(np.mean(np.abs(eq))), "int8_rmse": float(np.sqrt(np.mean(eq ** 2))),
            "int8_vs_float_max_abs": float(np.max(np.abs(y_int8 - y_float)))}
