"""`tinyml-host validate`: run windows on the board and in the host reference, and compare.

    tinyml-host validate model.tflite --data windows.npy [--labels labels.npy] [--port P]
                        [--json out.json] [--report DIR] [--tolerance N] [--no-progress] [--profile]

Library API:

    from tinyml_host.validate import load_windows, validate
    windows = load_windows("windows.npy", model_bytes)          # int8 (N, input bytes)
    report = validate(model_bytes, windows, labels=None, port=None)
    print(report.text()); report.passed; report.to_json()

Each window runs on the board (through the serial link, windows back to back) and in the host
reference: TensorFlow Lite Micro's interpreter and reference kernels from the `tflite-micro`
package, or, where that package does not exist (macOS, Windows), LiteRT with its reference
kernels (which differ from TFLM by up to 2 LSB on some models: the report says which ran).
Float windows are quantized on the host exactly as the device quantizes (device/runtime/tm_io.c:
float32 x / scale, rounded half away from zero, plus the zero point, saturated), and both sides
get the same int8 bytes.

Audio recordings (.wav, --frontend) go to validate_audio, --report included (audio_plots).

--profile also times every node of the last window on the board (Model.profile there; see
profile.py): a table by node with each node's share and the running total, the five slowest
nodes, and with --report a bar plot (profile.png).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import plots, validate_audio
from .board import add_firmware_argument
from .errors import DeviceError, TinymlError, TinymlWarning
from .profile import Profile
from .inputs import (MAX_DATA_BYTES, add_json_argument, check_output_file, emit_json,
                     fit_samples, load_array,
                     nonneg_float, read_file, read_model_file, require_finite, sample_shape, seconds)

EXIT_MISMATCH = 1  # validation ran, and some window differs beyond the tolerance

QUANT_RANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}
NP_DTYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32,
             "float32": np.float32}


# --- inputs -------------------------------------------------------------------------------


def quantize(x, scale: float, zero_point: int, qmin: int = -128, qmax: int = 127) -> np.ndarray:
    """Real values -> int8 exactly as the device does (tm_quantize_value in tm_io.c): in float32,
    r = roundf(x / scale) (half away from zero), NaN -> zero point, then r + zero point
    saturated to [qmin, qmax]."""
    v = np.asarray(x, dtype=np.float32) / np.float32(scale)
    with np.errstate(invalid="ignore"):
        t = np.trunc(v)
        frac = v - t  # exact in float32: |v| < 2**23 makes t and v - t representable
        r = t + np.where(np.abs(frac) >= np.float32(0.5), np.sign(v), np.float32(0)).astype(np.float32)
    nan = np.isnan(r)
    r = np.clip(np.where(nan, 0, r), -2147483520.0, 2147483520.0).astype(np.int64) + zero_point
    r[nan] = zero_point
    return np.clip(r, qmin, qmax).astype(np.int16 if qmax > 255 else np.int8 if qmin < 0 else np.uint8)


SATURATION_WARNING = 0.02  # the share of values beyond the input's range that earns a warning


def warn_saturation(x, scale: float, zero_point: int, lo: int, hi: int, path) -> float:
    """Warn (TinymlWarning) when more than SATURATION_WARNING of the real values `x` fall outside
    what the input's quantization represents, [(lo - zp) * scale, (hi - zp) * scale]: they all
    become lo or hi, and a model compared on them says little (int8 codes given as floats, data
    scaled unlike the calibration set). Returns the share."""
    import warnings

    x = np.asarray(x, dtype=np.float64)
    low, high = (lo - zero_point - 0.5) * scale, (hi - zero_point + 0.5) * scale
    share = float(np.mean((x < low) | (x > high))) if x.size else 0.0
    if share > SATURATION_WARNING:
        warnings.warn(TinymlWarning(
            f"{path}: {share:.0%} of the values fall outside the input's range [{low:.4g}, {high:.4g}] "
            f"and saturate to {lo} or {hi}: are they already quantized (pass --dtype int8) or scaled "
            f"unlike the calibration data?"))
    return share


def load_windows(path: str | Path, model: bytes, dtype: str = "auto") -> np.ndarray:
    """Windows for `model`'s input as raw input-tensor bytes: an (N, input bytes) uint8 array.

    `path`: .npy of N x the input shape (or N x the element count), float (real values,
    quantized here) or int8 (already quantized); or .csv with one flattened window per row
    (real values, unless dtype="int8"). dtype: "auto" (by the .npy's dtype), "float", "int8"."""
    from .tflite_model import read_model

    path = Path(path)
    inp = read_model(model).inputs
    if len(inp) != 1:
        raise TinymlError(f"the model has {len(inp)} inputs; validate runs single-input models")
    t = inp[0]
    if t.elements <= 0:
        raise TinymlError(f"the model's input {list(t.shape)} has no elements", "check the model with `tinyml-host inspect`")
    arr = load_array(path, "windows")
    if arr.dtype.kind == "b":
        raise TinymlError(f"{path}: windows of dtype bool", "give float or int8 windows")
    kind = dtype
    if kind == "auto" and path.suffix.lower() != ".npy":
        kind = "float"
    elif kind == "auto":
        if arr.dtype.kind == "f":
            kind = "float"
        elif arr.dtype.kind in "iu":
            kind = "quantized"
        else:
            raise TinymlError(f"{path}: windows of dtype {arr.dtype}", "give float or int8 windows")
    if kind in ("int8", "int16") and t.dtype != kind and not (kind == "int8" and t.dtype == "uint8"):
        raise TinymlError(f"--dtype {kind}: the model's input is {t.dtype}",
                          f"give {t.dtype} values, or real values with --dtype float")
    n_el = t.elements
    if tuple(arr.shape) == tuple(t.shape):
        arr = arr.reshape((1,) + tuple(t.shape))  # one window in the input's own shape (batch 1)
    arr = fit_samples(arr, sample_shape(t.shape) if arr.shape[1:] != tuple(t.shape) else t.shape,
                      "the windows", path)
    n = arr.shape[0]
    arr = arr.reshape(n, n_el)
    if t.dtype in QUANT_RANGE:
        lo, hi = QUANT_RANGE[t.dtype]
        if kind == "float":
            if not (math.isfinite(t.scale) and t.scale > 0):
                raise TinymlError(f"the model's input scale is {t.scale}: float windows cannot be quantized",
                                  "the model is damaged; give int8 windows, or convert the model again")
            warn_saturation(arr, t.scale, t.zero_point, lo, hi, path)
            q = quantize(arr, t.scale, t.zero_point, lo, hi)
        else:
            if not np.issubdtype(arr.dtype, np.integer) and not np.all(arr == np.round(arr)):
                raise TinymlError(f"{path}: non-integer values given as {t.dtype}", "use --dtype float")
            if arr.min() < lo or arr.max() > hi:
                raise TinymlError(f"{path}: values out of {t.dtype} range [{lo}, {hi}]",
                                  "real-valued windows: save them as float (or pass --dtype float)")
            q = arr.astype(NP_DTYPES[t.dtype])
        return q.view(np.uint8).reshape(n, n_el * q.itemsize)
    if t.dtype == "float32":
        return arr.astype(np.float32).view(np.uint8).reshape(n, n_el * 4)
    raise TinymlError(f"the model's input is {t.dtype}; validate takes int8, uint8, int16 or float32 inputs")


def load_labels(path: str | Path, n: int, classes: int | None = None) -> np.ndarray:
    """One class index per window: .npy, or text/CSV of integers. With `classes` (the first
    output's size) every label must be a class the model can predict: 0 <= label < classes."""
    path = Path(path)
    where = f"labels file {path}"
    hint = "one integer class per window"
    if path.suffix.lower() == ".npy":
        lab = load_array(path, "labels")
    else:
        data = read_file(path, "labels", MAX_DATA_BYTES, hint)
        try:
            lab = np.array(data.decode("utf-8-sig").replace(",", " ").split(), dtype=np.float64)
        except (UnicodeDecodeError, ValueError) as e:
            raise TinymlError(f"{where}: unreadable labels ({str(e)[:200]})", hint) from None
    lab = np.asarray(lab).reshape(-1)
    if lab.size != n:
        raise TinymlError(f"{where}: {lab.size} labels for {n} windows", hint)
    require_finite(lab, where, hint)
    if not np.all(lab == np.round(lab)):
        raise TinymlError(f"{where}: labels must be whole numbers (class indices)", hint)
    top = classes if classes and classes > 1 else 2**31
    if lab.min() < 0 or lab.max() >= top:
        raise TinymlError(f"{where}: labels range from {lab.min():g} to {lab.max():g}; "
                          f"class indices go from 0 to {top - 1}", hint)
    return lab.astype(np.int64)


# --- the reference ------------------------------------------------------------------------


def load_class_names(spec: str, classes: int | None) -> list[str]:
    """Class names from "a,b,c" or from a text file with one name per line; as many as the model
    has classes (its first output's size)."""
    path = Path(spec)
    if path.is_file():
        text = read_file(path, "class names file", MAX_DATA_BYTES).decode("utf-8", "replace")
        names = [line.strip() for line in text.splitlines() if line.strip()]
    else:
        names = [n.strip() for n in spec.split(",")]
    if not names or any(not n for n in names):
        raise TinymlError(f"--class-names {spec!r}: empty names", "give a,b,c or a file with one name per line")
    if classes and len(names) != classes:
        raise TinymlError(f"--class-names: {len(names)} names, but the model has {classes} classes",
                          "give one name per class, in the order of the model's outputs")
    return names


class Reference:
    """The host reference interpreter: TFLM (tflite-micro) or, failing that, LiteRT."""

    def __init__(self, model: bytes) -> None:
        from .tflite_model import read_model

        info = read_model(model)
        self.inputs = info.inputs
        self.outputs = info.outputs
        try:
            from tflite_micro.python.tflite_micro import runtime
        except ImportError:
            runtime = None
        if runtime is not None:
            self.engine = "TFLM (tflite-micro)"
            with self._errors("cannot load the model"):
                self._tflm = runtime.Interpreter.from_bytes(bytes(model))
            self._lite = None
            return
        try:
            from ai_edge_litert.interpreter import Interpreter, OpResolverType
        except ImportError:
            raise TinymlError("no host reference: neither tflite-micro nor ai-edge-litert is installed",
                              "pip install tflite-micro (Linux x86-64, installed with tinyml-host there) or ai-edge-litert") from None
        self.engine = "LiteRT (reference kernels; may differ from TFLM by a few LSB)"
        self._tflm = None
        with self._errors("cannot load the model"):
            self._lite = Interpreter(model_content=bytes(model),
                                     experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
            self._lite.allocate_tensors()

    @contextlib.contextmanager
    def _errors(self, doing: str):
        """The reference's own failures (RuntimeError/ValueError from its C++ core) as one line."""
        try:
            yield
        except (RuntimeError, ValueError) as e:
            text = " ".join(str(e).split())[:300] or type(e).__name__
            raise TinymlError(f"the host reference ({self.engine}) {doing}: {text}",
                              "check the model with `tinyml-host inspect`") from None

    def run(self, window: bytes) -> bytes:
        """Raw input bytes -> raw bytes of every output, concatenated (as the board returns them)."""
        with self._errors("failed to run a window"):
            return self._run(window)

    def _run(self, window: bytes) -> bytes:
        t = self.inputs[0]
        x = np.frombuffer(window, dtype=NP_DTYPES[t.dtype]).reshape(t.shape)
        if self._tflm is not None:
            self._tflm.set_input(x, 0)
            self._tflm.invoke()
            outs = [self._tflm.get_output(i) for i in range(len(self.outputs))]
        else:
            lite = self._lite
            lite.set_tensor(lite.get_input_details()[0]["index"], x)
            lite.invoke()
            outs = [lite.get_tensor(d["index"]) for d in lite.get_output_details()]
        return b"".join(np.ascontiguousarray(o).tobytes() for o in outs)


# --- the report ---------------------------------------------------------------------------


@dataclasses.dataclass
class WindowReport:
    index: int
    device: list            # output values (first output; all outputs in `outputs_device`)
    reference: list
    max_abs_diff: float
    bit_exact: bool
    top1_device: int | None
    top1_reference: int | None
    label: int | None
    us: int | None
    cycles: int | None


@dataclasses.dataclass
class ValidationReport:
    model: str
    board: str
    reference_engine: str
    tolerance: float
    windows: list[WindowReport]
    seconds: float          # wall time of the device run (the windows, not the model upload)
    link_bytes: int         # bytes over the serial link during the device run, both directions
    link_stats: dict
    output_names: list[str]
    timing_note: str | None = None           # what the latency is, when not a real chip's time
    class_names: list[str] | None = None      # names of the classes (labels and top-1 indices)
    profile: Profile | None = None           # per-node times of the last window (--profile)

    @property
    def n(self) -> int:
        return len(self.windows)

    @property
    def bit_exact(self) -> int:
        return sum(w.bit_exact for w in self.windows)

    @property
    def max_abs_diff(self) -> float:
        return max((w.max_abs_diff for w in self.windows), default=0)

    @property
    def beyond_tolerance(self) -> list[int]:
        return [w.index for w in self.windows if w.max_abs_diff > self.tolerance]

    @property
    def passed(self) -> bool:
        return not self.beyond_tolerance

    def top1_agreement(self) -> float | None:
        ws = [w for w in self.windows if w.top1_device is not None]
        return sum(w.top1_device == w.top1_reference for w in ws) / len(ws) if ws else None

    def accuracy(self, side: str) -> float | None:
        ws = [w for w in self.windows if w.label is not None and w.top1_device is not None]
        if not ws:
            return None
        return sum(getattr(w, f"top1_{side}") == w.label for w in ws) / len(ws)

    def latency(self) -> dict | None:
        us = [w.us for w in self.windows if w.us is not None]
        if not us:
            return None
        a = np.array(us, dtype=np.float64)
        out = {"p50_us": float(np.percentile(a, 50)), "p95_us": float(np.percentile(a, 95)),
               "max_us": float(a.max()), "mean_us": float(a.mean())}
        cyc = [w.cycles for w in self.windows if w.cycles is not None]
        if cyc:
            out["p50_cycles"] = float(np.percentile(np.array(cyc, dtype=np.float64), 50))
        return out

    def summary(self) -> dict:
        return {
            "model": self.model, "board": self.board, "reference": self.reference_engine,
            "windows": self.n, "bit_exact": self.bit_exact, "max_abs_diff": self.max_abs_diff,
            "tolerance": self.tolerance, "beyond_tolerance": len(self.beyond_tolerance),
            "passed": self.passed, "top1_agreement": self.top1_agreement(),
            "accuracy_device": self.accuracy("device"), "accuracy_reference": self.accuracy("reference"),
            "latency": self.latency(),
            "windows_per_second": self.n / self.seconds if self.seconds > 0 else None,
            "link_bytes_per_second": self.link_bytes / self.seconds if self.seconds > 0 else None,
            "seconds": self.seconds, "link": self.link_stats, "timing_note": self.timing_note,
            "class_names": self.class_names,
            "profile": self.profile.to_json() if self.profile is not None else None,
        }

    def to_json(self) -> dict:
        return {"summary": self.summary(), "windows": [dataclasses.asdict(w) for w in self.windows]}

    def text(self) -> str:
        s = self.summary()
        pct = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"
        lines = [f"validate {Path(self.model).name} on the {self.board}",
                 f"  reference            {self.reference_engine}",
                 f"  windows              {self.n}",
                 f"  bit-exact            {self.bit_exact} / {self.n} ({pct(self.bit_exact / self.n if self.n else None)})",
                 f"  max abs difference   {_num(self.max_abs_diff)} (tolerance {_num(self.tolerance)})",
                 f"  top-1 agreement      {pct(s['top1_agreement'])}"]
        if s["accuracy_device"] is not None:
            lines.append(f"  accuracy (labels)    board {pct(s['accuracy_device'])}, "
                         f"reference {pct(s['accuracy_reference'])}")
        lat = s["latency"]
        if lat:
            cyc = f" ({lat['p50_cycles']:,.0f} cycles at p50)" if "p50_cycles" in lat else ""
            lines.append(f"  device latency       p50 {_ms(lat['p50_us'])}  p95 {_ms(lat['p95_us'])}  "
                         f"max {_ms(lat['max_us'])}{cyc}")
            if self.timing_note:
                lines.append(f"                       ({self.timing_note})")
        else:
            lines.append("  device latency       n/a (the board reports no timing)")
        if s["windows_per_second"] is not None:
            lines.append(f"  throughput           {s['windows_per_second']:.2f} windows/s, link "
                         f"{s['link_bytes_per_second']:,.0f} bytes/s ({self.seconds:.2f} s)")
        link = self.link_stats
        if link.get("retransmits"):
            lines.append(f"  link repairs         {link['retransmits']} frames re-sent "
                         f"({link['naks']} NAKs, {link['bad_frames']} damaged, {link['timeouts']} timeouts, "
                         f"{link['resyncs']} resyncs)")
        if self.profile is not None:
            emulated = self.timing_note is not None and self.profile.unit == "cycles"
            lines.append(self.profile.text(note="emulated: instructions" if emulated else None))
        bad = self.beyond_tolerance
        if bad:
            shown = ", ".join(str(i) for i in bad[:10]) + (" ..." if len(bad) > 10 else "")
            lines.append(f"  result               FAIL: {len(bad)} windows differ beyond the tolerance ({shown})")
        else:
            lines.append("  result               PASS")
        return "\n".join(lines)

    def class_name(self, i: int) -> str:
        """Class i's name (from --class-names), else its index."""
        return self.class_names[i] if self.class_names and 0 <= i < len(self.class_names) else str(i)

    def write_plots(self, directory: str | Path) -> list[Path]:
        """PNG plots into `directory`: latency histogram; confusion matrix when labelled."""
        plt = plots.pyplot()
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        us = [w.us for w in self.windows if w.us is not None]
        fig, ax = plt.subplots(figsize=(6, 4))
        plots.latency_histogram(ax, us, "windows", f"{Path(self.model).name}: latency per window ({len(us)} windows)")
        written = [plots.save(fig, d / "latency_histogram.png")]
        labelled = [w for w in self.windows if w.label is not None and w.top1_device is not None]
        if labelled:
            cm = plots.confusion_counts([w.label for w in labelled], [w.top1_device for w in labelled])
            fig, ax = plt.subplots(figsize=plots.confusion_size(cm.shape[0]))
            plots.confusion_matrix(ax, cm, self.class_name, "label",
                                   f"confusion matrix: accuracy {100 * self.accuracy('device'):.1f}%")
            written.append(plots.save(fig, d / "confusion_matrix.png"))
        if self.profile is not None and self.profile.nodes:
            written.append(self.profile.write_plot(d, f"{Path(self.model).name}: time per node "
                                                      f"(window {self.profile.window})"))
        return written


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.6g}"


def _ms(us: float) -> str:
    return f"{us / 1000:.3f} ms"


# --- validate -----------------------------------------------------------------------------


def compare(model: bytes, windows: np.ndarray, device_outputs: Sequence, reference_outputs: Sequence[bytes],
            labels: np.ndarray | None = None) -> list[WindowReport]:
    """Per-window comparison of raw output bytes (device results from the link, reference bytes)."""
    from .tflite_model import read_model

    outs = read_model(model).outputs
    reports = []
    for i, (dev, ref) in enumerate(zip(device_outputs, reference_outputs)):
        dv, rv = _split_outputs(dev.output, outs), _split_outputs(ref, outs)
        diff = 0.0
        for a, b in zip(dv, rv):
            if a.size:
                diff = max(diff, float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))))
        first_d, first_r = dv[0].reshape(-1), rv[0].reshape(-1)
        top = first_d.size > 1
        reports.append(WindowReport(
            index=dev.index, device=first_d.tolist(), reference=first_r.tolist(),
            max_abs_diff=_int_if_whole(diff), bit_exact=dev.output == ref,
            top1_device=int(np.argmax(first_d)) if top else None,
            top1_reference=int(np.argmax(first_r)) if top else None,
            label=int(labels[i]) if labels is not None else None, us=dev.us, cycles=dev.cycles))
    return reports


def _int_if_whole(v: float):
    return int(v) if float(v).is_integer() else v


def _split_outputs(raw: bytes, outs) -> list[np.ndarray]:
    arrays, off = [], 0
    for t in outs:
        dt = NP_DTYPES.get(t.dtype)
        if dt is None:
            raise TinymlError(f"output {t.name} is {t.dtype}; validate compares int8/uint8/int16/int32/float32")
        n = t.elements * np.dtype(dt).itemsize
        arrays.append(np.frombuffer(raw[off:off + n], dtype=dt))
        off += n
    if off != len(raw):
        raise DeviceError(f"the board returned {len(raw)} output bytes, the model's outputs have {off}")
    return arrays


def validate(model: bytes, windows: np.ndarray, *, labels: np.ndarray | None = None,
             port: str | None = None, board=None, model_name: str = "model.tflite",
             tolerance: float = 0, progress: bool = False, timeout: float = 10.0,
             log: Callable[[str], None] | None = None,
             class_names: list[str] | None = None, board_file: str | None = None,
             firmware: str | None = None, profile: bool = False) -> ValidationReport:
    """Run `windows` ((N, input bytes) uint8, from load_windows) on the board and in the
    reference; return the report. `board`: an open tinyml_host.board.ConnectedBoard (else `port` is
    resolved: None = the emulated board). board_file: run the model the board loads from that
    file of its own (put there by `deploy`, e.g. /rom/m.tflite) instead of streaming `model`,
    which stays the reference's copy. firmware: what an emulated board boots (board.resolve_port).
    profile: also time each node of the last window on the board (report.profile)."""
    from . import board as board_mod

    log = log or (lambda msg: None)
    windows = np.ascontiguousarray(windows, dtype=np.uint8)
    n = windows.shape[0]
    ref = Reference(model)  # first: a model the host cannot read fails before the board is busy
    log(f"reference: {ref.engine}")

    own = board is None
    if own:
        board = board_mod.connect(port, timeout=timeout, firmware=firmware)
    try:
        link = board.link
        if board_file:
            link.load_file(board_file)
        else:
            _upload(board, model, progress)
        info = link.model_info
        log(f"model on the board: arena {info.get('arena_bytes')} B, timer {info.get('timer')}")
        if profile:
            log(f"per-node profile in {link.set_profile(True)}")
        bar = _bar(progress, n, "windows", "win")
        before = link.stats.snapshot()
        t0 = time.monotonic()
        try:
            results = link.run_batch([windows[i].tobytes() for i in range(n)],
                                     progress=(lambda k: bar.update(k)) if bar else None)
        finally:
            if bar:
                bar.close()
        seconds = time.monotonic() - t0
        used = link.stats.since(before)
        node_times = None
        if profile:
            node_times = Profile.from_link(link.profile(), window=n - 1 if n else None)
            link.set_profile(False)
    finally:
        if own:
            board.close()
    bar = _bar(progress, n, "reference", "win")
    reference_outputs = []
    for i in range(n):
        reference_outputs.append(ref.run(windows[i].tobytes()))
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    reports = compare(model, windows, results, reference_outputs, labels)
    return ValidationReport(model=model_name, board=board.description, reference_engine=ref.engine,
                            tolerance=tolerance, windows=reports, seconds=seconds,
                            link_bytes=used.bytes_sent + used.bytes_received,
                            link_stats=dataclasses.asdict(used),
                            output_names=[t.name for t in ref.outputs],
                            timing_note=getattr(board, "timing_note", None), class_names=class_names,
                            profile=node_times)


def _upload(board, model: bytes, progress: bool) -> None:
    bar = _bar(progress, len(model), "upload", "B")
    try:
        board.link.load_model(model, progress=(lambda done, total: _bar_to(bar, done)) if bar else None,
                              address=board.model_address(len(model)))
    finally:
        if bar:
            bar.close()


def _bar(enabled: bool, total: int, desc: str, unit: str):
    from .progress import progress_bar

    return progress_bar(total, desc, unit, enabled=enabled)


def _bar_to(bar, done: int) -> None:
    bar.update(done - bar.n)


# --- the command --------------------------------------------------------------------------


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="the .tflite model")
    p.add_argument("--data", required=True, metavar="WINDOWS",
                   help=".npy (N x input shape; float = real values, quantized like the device does; "
                        "int8 = already quantized) or .csv (one flattened window per row, real values); "
                        "or audio: a .wav (16 kHz 16-bit mono) or a folder of them, framed for an int16 audio input or --frontend")
    p.add_argument("--dtype", choices=("auto", "float", "int8", "int16"), default="auto",
                   help="what the window values are: float = real values (quantized here as the device "
                        "does), int8 / int16 = already quantized for the model's input (default: by "
                        "the .npy dtype; CSV = float)")
    p.add_argument("--labels", metavar="LABELS", help="true class per window (.npy, or text/CSV of integers)")
    p.add_argument("--class-names", metavar="NAMES",
                   help="names of the model's classes, comma-separated or a text file with one per line "
                        "(shown in the confusion matrix)")
    p.add_argument("--port", help="serial port of a board running our firmware, or 'auto' "
                                  "(default: the emulated board, booted or reused)")
    add_firmware_argument(p)
    add_json_argument(p, "the summary and per-window results")
    p.add_argument("--report", metavar="DIR", help="write PNG plots (latency histogram; confusion matrix with --labels; "
                                                   "time per node with --profile; audio: per recording the board's "
                                                   "and TFLM's feature rows, their difference and the class scores "
                                                   "over time, and a summary of latency and expected vs predicted)")
    p.add_argument("--profile", action="store_true",
                   help="also time every node of the last window on the board (cycles where the core counts "
                        "them, else us or ns): a table, the slowest nodes, and a plot with --report")
    p.add_argument("--tolerance", type=nonneg_float, default=0, metavar="N",
                   help="largest output difference accepted, in output units (LSB for int8; default 0: bit-exact)")
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="S",
                   help="seconds without progress before the board counts as gone (default 10)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--board-file", metavar="PATH",
                   help="run the model the board loads from its own file PATH (deployed before, e.g. "
                        "/rom/kws.tflite with `deploy --rom`) instead of sending MODEL, the reference's copy")
    validate_audio.add_arguments(p)


def run(args) -> int:
    from . import native
    from .tflite_model import read_model

    path = Path(args.model)
    model = read_model_file(path)
    outputs = read_model(model).outputs
    plan = native.plan(model)  # the device's own loader, on the host: a bad model fails before the board is busy
    if not plan.ok:
        raise TinymlError(f"the device runtime cannot load {path}: {plan.error}",
                          f"`tinyml-host inspect {path}` shows why")
    if args.json not in (None, "-"):
        check_output_file(args.json, "--json file")
    if validate_audio.wanted(args):  # .wav audio, or --frontend: recordings, frame by frame
        return validate_audio.run(args, model)
    if args.report:
        plots.prepare(args.report)
    windows = load_windows(args.data, model, args.dtype)
    classes = outputs[0].elements if outputs else None
    labels = load_labels(args.labels, windows.shape[0], classes) if args.labels else None
    class_names = load_class_names(args.class_names, classes) if args.class_names else None
    progress = not args.no_progress and sys.stderr.isatty()
    report = validate(model, windows, labels=labels, port=args.port, model_name=str(path),
                      tolerance=args.tolerance, progress=progress, timeout=args.timeout,
                      log=lambda m: print(m, file=sys.stderr) if progress else None, class_names=class_names,
                      board_file=args.board_file, firmware=args.firmware, profile=args.profile)
    # With the JSON on stdout, the human summary goes to stderr.
    print(report.text(), file=sys.stderr if args.json == "-" else sys.stdout)
    if args.json:
        emit_json(args.json, report.to_json())
    if args.report:
        plots.write(report, args.report)
    return 0 if report.passed else EXIT_MISMATCH
