"""`tinyml-host convert`: a Keras or SavedModel model -> a full-integer .tflite for the device.

Library API:
  result = convert("model.keras", calibration="windows.npy", output="model.tflite", io="int8",
                   activations="int8", eval_data="x.npy", eval_labels="y.npy")
  result.tflite (bytes), result.evaluation (float vs quantized accuracy or error), result.as_dict()

TensorFlow's TFLiteConverter does the conversion (post-training full-integer quantization: int8
weights, per-channel for convolutions, activations calibrated on --calibration: int8, or int16
with --activations int16, TFLite's "16x8" mode). It runs in a child process (tf_process.py runs
convert_tf.py): if TensorFlow crashes, the error names the step and nothing is written. Keras
LSTM/GRU layers are rewritten for the converter (rnn_rewrite.py). Before anything is written,
the model must be fully quantized (no op left in float32) and go through the device's own loader
(the same pre-flight check as `inspect`): an op the firmware lacks is an error naming the op and
the layer it came from. The quantized accuracy is measured with the device's engine
(native.run_batch), so it is the accuracy the board gets, bit for bit. This process never
imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import inputs
from .errors import TinymlError
from .float_io import float_io_note

MIN_CALIBRATION = 10        # fewer samples give ranges that clip real inputs
RECOMMENDED_CALIBRATION = 100
DATA_SUFFIXES = (".npy", ".csv")
CALIBRATION_HINT = "clean the samples: the ranges of the quantized activations are computed from them"
ACTIVATIONS = ("int8", "int16")
# Ops whose state (variable tensors) carries over from one invoke to the next on the device.
STATEFUL_OPS = ("UNIDIRECTIONAL_SEQUENCE_LSTM", "SVDF")
STATE_NOTE = ("the model keeps its {ops} state from one inference to the next (as TFLM does): call "
              "m.reset() before each window to classify windows independently, as the Keras model does "
              "(the accuracy above is measured that way)")
VERBOSE = bool(os.environ.get("TINYML_VERBOSE"))


def add_arguments(p) -> None:
    p.add_argument("model", help="a Keras model (.keras or .h5) or a SavedModel directory")
    p.add_argument("--calibration", required=True, metavar="FILE",
                   help="representative inputs: a .npy (samples along axis 0) or .csv (one flattened "
                        "sample per row) file, or a folder of them")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="the .tflite to write (default: the model's name with .tflite)")
    p.add_argument("--activations", choices=ACTIVATIONS, default="int8",
                   help="int8 (default) or int16 activations (TFLite's 16x8 mode: int8 weights, int16 "
                        "activations; more precise, twice the arena)")
    p.add_argument("--io", choices=("int8", "int16", "float"), default=None,
                   help="type of the model's input and output: the activations' type (default; the board "
                        "quantizes nothing) or float (QUANTIZE/DEQUANTIZE inside the model)")
    p.add_argument("--eval-data", metavar="FILE", help="labelled inputs (.npy/.csv) to compare float and quantized on")
    p.add_argument("--eval-labels", metavar="FILE",
                   help="their labels: class indices or one-hot (accuracy), or target values (error)")
    p.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                   help="how to score --eval-data (auto: integer labels and several outputs = classification)")
    p.add_argument("--max-calibration", type=inputs.int_at_least(MIN_CALIBRATION), default=500, metavar="N",
                   help="use at most N calibration samples, picked evenly (default 500)")
    inputs.add_json_argument(p, "the result")
    p.add_argument("--verbose", action="store_true", help="let TensorFlow's own log lines through (stderr)")


def run(args) -> int:
    output = args.output or default_output(args.model)
    if args.json not in (None, "-"):
        inputs.check_output_file(args.json, "--json file")  # before the long conversion
    result = convert(args.model, args.calibration, output=output, io=args.io, activations=args.activations,
                     eval_data=args.eval_data, eval_labels=args.eval_labels, task=args.task,
                     max_calibration=args.max_calibration, log=sys.stderr, verbose=VERBOSE or args.verbose)
    if args.json != "-":
        print(result.summary())
    if args.json:
        inputs.emit_json(args.json, result.as_dict())
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
    activations: str = "int8"

    def as_dict(self) -> dict:
        return {"output": self.output, "tflite_bytes": len(self.tflite), "int8_tflite_bytes": len(self.tflite),
                "float_tflite_bytes": self.float_tflite_bytes, "io": self.io, "activations": self.activations,
                "calibration_samples": self.calibration_samples, "macs": self.macs,
                "arena_bytes": self.arena_bytes, "input_shape": list(self.input_shape),
                "evaluation": self.evaluation, "notes": self.notes}

    def summary(self) -> str:
        where = self.output or "<not written>"
        kind = "16x8 (int16 activations, int8 weights)" if self.activations == "int16" else "int8"
        lines = [f"wrote {where}: {kind} model, {self.io} input/output, {len(self.tflite):,} bytes "
                 f"(float32 .tflite: {self.float_tflite_bytes:,} bytes)",
                 f"calibrated on {self.calibration_samples} samples; {self.macs:,} MACs; "
                 f"device arena {self.arena_bytes:,} bytes"]
        e = self.evaluation
        q = self.activations
        if e:
            if e["task"] == "classification":
                lines.append(f"accuracy on {e['samples']} samples: float {e['float_accuracy']:.4f}, "
                             f"{q} {e['int8_accuracy']:.4f} (delta {e['int8_accuracy'] - e['float_accuracy']:+.4f}); "
                             f"{q} and float agree on {e['agreement']:.4f}")
            else:
                lines.append(f"error on {e['samples']} samples: float MAE {e['float_mae']:.5g} RMSE "
                             f"{e['float_rmse']:.5g}; {q} MAE {e['int8_mae']:.5g} RMSE {e['int8_rmse']:.5g}")
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


# ---------------------------------------------------------------------------------------------
# The model file (checked before TensorFlow starts: a wrong path fails in a second)

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


# ---------------------------------------------------------------------------------------------

def default_output(model) -> Path:
    """model.keras -> model.tflite; a SavedModel folder dir/ -> dir.tflite beside it."""
    path = Path(model)
    return path.parent / (path.name.rstrip("/") + ".tflite") if path.is_dir() else path.with_suffix(".tflite")


def convert(model, calibration, output=None, io: str | None = None, eval_data=None, eval_labels=None,
            task: str = "auto", max_calibration: int = 500, log=None, activations: str = "int8",
            verbose: bool | None = None) -> ConvertResult:
    """Convert `model` (path) to a full-integer .tflite: int8, or 16x8 with activations="int16";
    `io` "int8"/"int16" (the activations' type, the default) or "float". Write it to `output`
    (None: not written) after the device pre-flight check passes. TensorFlow runs in a child
    process (tf_process). Returns a ConvertResult; raises TinymlError with a hint."""
    import numpy as np
    from . import native, tf_process
    from .tflite_model import read_model

    io = check_types(io, activations)
    if (eval_data is None) != (eval_labels is None):
        raise TinymlError("--eval-data and --eval-labels go together", "give both, or neither")
    say = (lambda m: print(m, file=log)) if log else (lambda m: None)
    path = Path(model)
    check_source(path)
    out_path = check_output(output) if output else None

    calib_raw = load_array(calibration, "calibration data")
    inputs.require_finite(calib_raw, f"calibration data in {calibration}", CALIBRATION_HINT)
    evaluation_set = load_evaluation(eval_data, eval_labels) if eval_data is not None else None
    with tempfile.TemporaryDirectory(prefix="tinyml-convert-") as work:
        workdir = Path(work)
        np.save(workdir / "calib.npy", calib_raw)
        if evaluation_set is not None:
            np.save(workdir / "eval_x.npy", evaluation_set[0])
        job = {"model": str(path.resolve()), "calibration_name": str(calibration), "io": io,
               "activations": activations, "max_calibration": int(max_calibration),
               "eval": len(evaluation_set[0]) if evaluation_set is not None else 0}
        r = tf_process.run_job(workdir, job, say, VERBOSE if verbose is None else verbose)
        float_tflite = (workdir / "float.tflite").read_bytes()
        tflite = (workdir / "model.tflite").read_bytes()
        if evaluation_set is not None:
            x_eval, y_float = np.load(workdir / "eval_x.npy"), np.load(workdir / "eval_float.npy")

    info = read_model(tflite)
    plan = native.plan(tflite)
    float_note = None
    if plan.ok:     # ops TensorFlow left in float that the device runs in float: said, not refused
        float_note = float_ops_note(info, io, r["layer_names"], r["model_name"])
    else:
        check_fully_quantized(info, io, r["layer_names"], r["model_name"])
    check_device(tflite, info, r["layer_names"], r["model_name"])
    stateful = sorted({op.name for op in info.ops if op.name in STATEFUL_OPS})
    evaluation = None
    if evaluation_set is not None:
        evaluation = evaluate_outputs(tflite, info, x_eval, y_float, evaluation_set[1], task, eval_labels,
                                      reset_state=bool(stateful))
    if out_path is not None:
        write_model(out_path, tflite)
    notes = r["notes"] + ([f"recurrent layers rewritten for the converter: {', '.join(r['rewritten'])}"]
                          if r.get("rewritten") else [])
    notes += [STATE_NOTE.format(ops="/".join(stateful))] if stateful else []
    notes += [float_note] if float_note else []
    io_note = float_io_note(info.inputs, info.outputs)
    notes += [io_note] if io_note else []
    return ConvertResult(str(out_path) if out_path else None, tflite, io, r["calibration_samples"], len(float_tflite),
                         info.macs, plan.arena_bytes, tuple(r["input_shape"]), evaluation, notes, activations)


def check_types(io: str | None, activations: str) -> str:
    """The I/O type for `activations` (int8 or int16): that integer type by default, or float."""
    if activations not in ACTIVATIONS:
        raise TinymlError(f"--activations must be int8 or int16, not {activations!r}")
    io = io or activations
    if io not in ("int8", "int16", "float"):
        raise TinymlError(f"--io must be int8, int16 or float, not {io!r}")
    if io not in (activations, "float"):
        raise TinymlError(f"--io {io} with {activations} activations: the input and output are {activations} or float",
                          f"use --io {activations} or --io float")
    return io


def _where(tensor: str, layer_names: list[str], model_name: str) -> str:
    """"layer 'dense_1'" (or the TF name scope) for a TFLite tensor name."""
    from .tflite_model import keras_layer_of
    layer = keras_layer_of(tensor, layer_names, model_name) if tensor else None
    scope = tensor.split(";")[0].split("/")
    return (f"layer '{layer}'" if layer else
            f"name scope '{scope[1]}'" if len(scope) > 1 else "no layer identified")


def _float_parts(info, io: str, layer_names: list[str], model_name: str) -> list[str]:
    """"ELU (node 2, layer 'elu')" for each node TensorFlow left computing in float32."""
    from .partly_float import float_nodes
    return [f"{op.name} (node {op.index}, {_where(info.layer_name(op), layer_names, model_name)})"
            for op in float_nodes(info, allow_float_io=io == "float")]


def float_ops_note(info, io: str, layer_names: list[str], model_name: str) -> str | None:
    """The note for a model the device runs although TensorFlow left some ops in float32 (ELU: no
    converter quantizes it): they run in float on the board."""
    parts = _float_parts(info, io, layer_names, model_name)
    if not parts:
        return None
    return (f"{', '.join(parts)} run in float32 on the board (TensorFlow quantizes no such layer); "
            "slower on boards without an FPU")


def check_fully_quantized(info, io: str, layer_names: list[str], model_name: str) -> None:
    """Refuse a model in which TensorFlow left ops in float32 (only the I/O QUANTIZE/DEQUANTIZE of
    --io float may touch float) that the board cannot run."""
    parts = _float_parts(info, io, layer_names, model_name)
    if parts:
        left = parts
        raise TinymlError(f"TensorFlow left {len(left)} op(s) in float32, so nothing was written: " + ", ".join(parts),
                          "those layers have no integer kernel in TFLite: replace them with layers that do "
                          "(Dense, Conv, pooling, ReLU/sigmoid/tanh/softmax), or move that computation off the model")


def check_device(tflite: bytes, info, layer_names: list[str], model_name: str) -> None:
    """The device's own loader on the converted model: every op it cannot run, with its layer."""
    from .inspect import device_problems
    problems = device_problems(tflite, info)
    if problems:
        parts = []
        for p in problems:
            tensor = p["tensor"] if len(p["tensor"]) <= 80 else p["tensor"][:77] + "..."
            parts.append(f"op {p['op']} at node {p['node']} ({_where(p['tensor'], layer_names, model_name)}; "
                         f"TFLite tensor '{tensor}'): {p['reason']}")
        hints = [f"{p['op']}: {p['hint']}" for p in problems if p.get("hint")]
        raise TinymlError("the converted model uses what this firmware cannot run, so nothing was written: "
                          + "; ".join(parts),
                          "; ".join(hints) if hints else "change those layers, or add the op to the firmware "
                          "(device/ops + device/runtime/tm_ops.c)")


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


INTEGER_IO = {"int8": (-128, 127), "int16": (-32768, 32767)}


def quantize_input(x, t):
    """Float samples -> the input tensor's dtype (int8/int16: round half away from zero, saturate)."""
    import numpy as np
    if t.dtype not in INTEGER_IO:
        return x.astype(np.float32)
    q = x / t.scale + t.zero_point
    q = np.where(q >= 0, np.floor(q + 0.5), np.ceil(q - 0.5))
    return np.clip(q, *INTEGER_IO[t.dtype]).astype(t.dtype)


def dequantize_output(raw, t):
    """Raw output bytes (n, bytes) -> float values (n, elements)."""
    import numpy as np
    if t.dtype in INTEGER_IO:
        return (raw.view(t.dtype).astype(np.float32) - t.zero_point) * t.scale
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


def evaluate_outputs(tflite: bytes, info, x, y_float, y, task: str = "auto", where="--eval-labels",
                     reset_state: bool = False) -> dict:
    """Float (the source model's outputs `y_float` on `x`) vs the device's engine on labelled data
    (reset_state: each sample from the reset recurrent state, like the Keras model)."""
    import numpy as np
    from . import native
    raw = native.run_batch(tflite, quantize_input(x, info.inputs[0]), reset_state)
    y_int8 = dequantize_output(raw, info.outputs[0]).reshape(len(x), -1)
    n_out = y_float.shape[1]
    if task == "auto":
        labels_int = y.ndim == 1 and np.all(np.equal(np.mod(y, 1), 0))
        onehot = y.ndim == 2 and y.shape[1] == n_out and np.all((y == 0) | (y == 1))
        task = "classification" if n_out > 1 and (labels_int or onehot) else "regression"
    if task == "classification":
        _check_classes(y, n_out, where)
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
