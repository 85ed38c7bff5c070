"""`tinyml-host validate MODEL --data audio.wav|folder [--frontend FRONTEND]`: recordings through
an audio model on the board and in TFLM on the host, frame by frame and class by class.

    tinyml-host validate micro_speech_quantized.tflite --frontend audio_preprocessor_int8.tflite \\
        --data recordings/ --class-names silence,unknown,yes,no [--report DIR]

Without --frontend, MODEL takes the audio itself (one int16 input of N samples): each recording
is cut into windows of N samples every --stride (default 320, 20 ms at 16 kHz) and every window's
outputs are compared. With --frontend, FRONTEND is that audio model (TFLM's
audio_preprocessor_int8: 480 samples -> 40 int8 features) and MODEL the classifier whose input
is a stack of its rows (49 x 40 for micro_speech): on the board the rows the board computed are
stacked and classified, on the host TFLM's; a classification ends at every --every'th frame once
enough rows are in. Each recording starts a fresh stream on both sides: the front-end's state
(TFLM's noise estimate) starts from zero, as in a new interpreter.

--report DIR writes PNGs (audio_plots): per recording the rows the board computed beside the
reference's and their difference, and the class scores over time; a summary of the latency and
of expected vs predicted class. --labels, --dtype, --board-file and --profile are for windows.

Library API: validate_audio(model, recordings, frontend=..., ...) -> AudioReport;
report.write_plots(DIR) -> the PNG files.
"""

from __future__ import annotations

import dataclasses
import time
import zlib
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import audio
from .errors import TinymlError

DEFAULT_STRIDE = 320  # TFLM's micro_speech: a 30 ms window every 20 ms at 16 kHz
NOT_JSON = {"json": False}  # a field's metadata: left out of to_json()


@dataclasses.dataclass
class Classification:
    end_frame: int              # the last frame whose row is in the classifier's input
    device: list[int]
    reference: list[int]
    bit_exact: bool
    top1_device: int
    top1_reference: int
    us: int | None
    cycles: int | None


@dataclasses.dataclass
class RecordingReport:
    name: str
    frames: int
    frames_bit_exact: int
    first_mismatch: int | None  # the first frame whose outputs differ
    expected: int | None        # the class the file name names
    frame_us: list[int]
    frame_cycles: list[int]
    classifications: list[Classification]
    # Each frame's outputs of the audio model (frames x values; with --frontend the feature rows),
    # as the board computed them and as the reference did: what the --report plots draw. Not in
    # the JSON (--json stays the size of the table).
    rows_device: np.ndarray | None = dataclasses.field(default=None, repr=False, metadata=NOT_JSON)
    rows_reference: np.ndarray | None = dataclasses.field(default=None, repr=False, metadata=NOT_JSON)

    def row_difference(self) -> np.ndarray:
        """Board minus reference, frame by frame (all zeros when every frame is bit-exact)."""
        if self.rows_device is None or self.rows_reference is None:
            raise TinymlError(f"{self.name}: the report keeps no rows", "run validate_audio again for the plots")
        return self.rows_device.astype(np.int64) - self.rows_reference.astype(np.int64)

    def to_json(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.metadata.get("json", True)}
        out["classifications"] = [dataclasses.asdict(c) for c in self.classifications]
        return out

    def predicted(self, side: str) -> tuple[int, int] | None:
        """(class, score) of the most confident classification, on "device" or "reference"."""
        best = None
        for c in self.classifications:
            scores = getattr(c, side)
            top = getattr(c, f"top1_{side}")
            if best is None or scores[top] > best[1]:
                best = (top, scores[top])
        return best


@dataclasses.dataclass
class AudioReport:
    model: str
    frontend: str | None
    board: str
    reference_engine: str
    window: int
    stride: int
    every: int
    recordings: list[RecordingReport]
    seconds: float
    class_names: list[str] | None = None
    timing_note: str | None = None

    @property
    def frames(self) -> int:
        return sum(r.frames for r in self.recordings)

    @property
    def frames_bit_exact(self) -> int:
        return sum(r.frames_bit_exact for r in self.recordings)

    @property
    def classifications(self) -> list[Classification]:
        return [c for r in self.recordings for c in r.classifications]

    @property
    def passed(self) -> bool:
        return self.frames_bit_exact == self.frames and all(c.bit_exact for c in self.classifications)

    def class_name(self, i: int | None) -> str:
        if i is None:
            return "-"
        return self.class_names[i] if self.class_names and 0 <= i < len(self.class_names) else str(i)

    def latency(self) -> dict:
        """p50 microseconds and cycles per frame (the audio model) and per classification, and
        the real-time factor: board time per second of audio (frames at RATE / stride a second,
        a classification every `every` frames)."""
        out: dict = {}
        us = [u for r in self.recordings for u in r.frame_us]
        cyc = [c for r in self.recordings for c in r.frame_cycles]
        cus = [c.us for c in self.classifications if c.us is not None]
        ccyc = [c.cycles for c in self.classifications if c.cycles is not None]
        if us:
            out["frame_p50_us"] = float(np.percentile(us, 50))
        if cyc:
            out["frame_p50_cycles"] = float(np.percentile(cyc, 50))
        if cus:
            out["classification_p50_us"] = float(np.percentile(cus, 50))
        if ccyc:
            out["classification_p50_cycles"] = float(np.percentile(ccyc, 50))
        if us:
            per_second = audio.RATE / self.stride
            busy = per_second * float(np.mean(us))
            if cus:
                busy += per_second / self.every * float(np.mean(cus))
            out["real_time_factor"] = busy / 1e6
        return out

    def summary(self) -> dict:
        named = [r for r in self.recordings if r.expected is not None and r.predicted("device")]
        return {"model": self.model, "frontend": self.frontend, "board": self.board,
                "reference": self.reference_engine, "window": self.window, "stride": self.stride,
                "every": self.every, "recordings": len(self.recordings), "frames": self.frames,
                "frames_bit_exact": self.frames_bit_exact, "classifications": len(self.classifications),
                "classifications_bit_exact": sum(c.bit_exact for c in self.classifications),
                "named_correct": sum(r.predicted("device")[0] == r.expected for r in named),
                "named": len(named), "passed": self.passed, "latency": self.latency(),
                "seconds": self.seconds, "timing_note": self.timing_note, "class_names": self.class_names}

    def to_json(self) -> dict:
        return {"summary": self.summary(), "recordings": [r.to_json() for r in self.recordings]}

    def write_plots(self, directory: str | Path) -> list[Path]:
        """PNG plots into `directory` (see audio_plots): one per recording and a summary."""
        from .audio_plots import write_plots

        return write_plots(self, directory)

    def text(self) -> str:
        s = self.summary()
        what = f" after the front-end {Path(self.frontend).name}" if self.frontend else ""
        lines = [f"validate {Path(self.model).name}{what} on the {self.board}",
                 f"  reference            {self.reference_engine}",
                 f"  audio                {len(self.recordings)} recording(s), windows of {self.window} samples "
                 f"every {self.stride}",
                 f"  frames bit-exact     {s['frames_bit_exact']} / {s['frames']}"
                 + (" (features)" if self.frontend else "")]
        if self.frontend:
            lines.append(f"  classes bit-exact    {s['classifications_bit_exact']} / {s['classifications']} "
                         f"classifications (every {self.every} frame(s) once the classifier's rows are in)")
            lines.append("  recording                 expected   board (score)       reference (score)   frames")
            for r in self.recordings:
                d, ref = r.predicted("device"), r.predicted("reference")
                show = lambda p: "-" if p is None else f"{self.class_name(p[0])} ({p[1]})"
                mark = "" if r.expected is None or d is None else ("  ok" if d[0] == r.expected else "  WRONG")
                lines.append(f"  {Path(r.name).name[:25]:25} {self.class_name(r.expected):10} {show(d):19} "
                             f"{show(ref):19} {r.frames_bit_exact}/{r.frames}{mark}")
            if s["named"]:
                lines.append(f"  named recordings     {s['named_correct']} / {s['named']} recognised as their name says")
        for r in self.recordings:
            if r.first_mismatch is not None:
                lines.append(f"  {Path(r.name).name}: frame {r.first_mismatch} differs first")
        lat = s["latency"]
        if "frame_p50_us" in lat:
            cyc = f", {lat['frame_p50_cycles']:,.0f} cycles" if "frame_p50_cycles" in lat else ""
            lines.append(f"  latency per frame    p50 {lat['frame_p50_us'] / 1000:.3f} ms{cyc}")
            if "classification_p50_us" in lat:
                cyc = f", {lat['classification_p50_cycles']:,.0f} cycles" if "classification_p50_cycles" in lat else ""
                lines.append(f"  per classification   p50 {lat['classification_p50_us'] / 1000:.3f} ms{cyc}")
            lines.append(f"  real-time factor     {lat['real_time_factor']:.4f} (board time per second of audio)")
            if self.timing_note:
                lines.append(f"                       ({self.timing_note})")
        lines.append("  result               " + ("PASS" if self.passed else "FAIL: outputs differ from the reference"))
        return "\n".join(lines)


class _Loader:
    """Models into the board so that an audio model starts each recording fresh: the agent keeps
    a model it already holds (same size and CRC) with its state, so a model it holds is sent
    again with 16 bytes of padding after it (ignored by the loader), a copy it does not hold."""

    def __init__(self, board, progress: bool) -> None:
        self.board = board
        self.progress = progress
        self.crc = board.link.device.get("model_crc") if board.link.device else None

    def load(self, model: bytes, fresh: bool) -> None:
        from .validate import _upload

        data = model + bytes(16) if fresh and zlib.crc32(model) == self.crc else model
        _upload(self.board, data, self.progress)
        self.crc = zlib.crc32(data)


def check_models(model: bytes, frontend: bytes | None) -> tuple[int, int]:
    """(window samples, rows per classification; 0 without a front-end); raises on models that do
    not fit together."""
    from .tflite_model import read_model

    audio_model = read_model(frontend if frontend is not None else model)
    ins = audio_model.inputs
    which = "the front-end" if frontend is not None else "the model"
    if len(ins) != 1 or ins[0].dtype != "int16":
        raise TinymlError(f"{which} takes {', '.join(t.dtype for t in ins) or 'nothing'}: audio is fed as one "
                          "int16 input of N samples", "give an audio model (e.g. TFLM's audio_preprocessor_int8)")
    if frontend is None:
        return ins[0].elements, 0
    row = sum(t.elements for t in audio_model.outputs)
    cin = read_model(model).inputs
    if (len(audio_model.outputs) != 1 or audio_model.outputs[0].dtype != "int8" or len(cin) != 1
            or cin[0].dtype != "int8" or cin[0].elements % row):
        raise TinymlError(f"the classifier's input ({', '.join(f'{t.dtype} {list(t.shape)}' for t in cin)}) is not "
                          f"a stack of the front-end's int8 rows of {row} features",
                          "give the classifier made for this front-end (micro_speech: 49 x 40 int8)")
    return ins[0].elements, cin[0].elements // row


def validate_audio(model: bytes, recordings: Sequence[Path], *, frontend: bytes | None = None,
                   stride: int = DEFAULT_STRIDE, every: int = 1, port: str | None = None, board=None,
                   model_name: str = "model.tflite", frontend_name: str | None = None,
                   class_names: list[str] | None = None, timeout: float = 10.0, progress: bool = False,
                   log: Callable[[str], None] | None = None, firmware: str | None = None) -> AudioReport:
    """Every recording (16 kHz 16-bit mono .wav) through the audio model (and the classifier) on
    the board and in the host reference; see the module's doc."""
    from . import board as board_mod
    from .validate import Reference

    log = log or (lambda msg: None)
    if every < 1 or stride < 1:
        raise TinymlError(f"--every {every}, --stride {stride}: both must be at least 1")
    window, rows = check_models(model, frontend)
    sounds = [(Path(p), audio.frames(audio.read_wav(p), window, stride)) for p in recordings]
    audio_model = frontend if frontend is not None else model
    classifier_ref = Reference(model) if frontend is not None else None
    engine = Reference(audio_model).engine
    log(f"reference: {engine}")
    own = board is None
    if own:
        board = board_mod.connect(port, timeout=timeout, firmware=firmware)
    reports = []
    t0 = time.monotonic()
    try:
        loader = _Loader(board, progress)
        for path, x in sounds:
            log(f"{path.name}: {len(x)} frames")
            reports.append(_recording(board, loader, path, x, audio_model, model if frontend is not None else None,
                                      classifier_ref, rows, every, class_names))
    finally:
        if own:
            board.close()
    return AudioReport(model=model_name, frontend=frontend_name, board=board.description, reference_engine=engine,
                       window=window, stride=stride, every=every, recordings=reports,
                       seconds=time.monotonic() - t0, class_names=class_names,
                       timing_note=getattr(board, "timing_note", None))


def _recording(board, loader: _Loader, path: Path, x: np.ndarray, audio_model: bytes, classifier: bytes | None,
               classifier_ref, rows: int, every: int, class_names) -> RecordingReport:
    from .validate import Reference

    link = board.link
    loader.load(audio_model, fresh=True)
    dev = link.run_batch([f.tobytes() for f in x]) if len(x) else []
    ref_model = Reference(audio_model)  # a new interpreter: a fresh stream
    ref = [ref_model.run(f.tobytes()) for f in x]
    same = [d.output == r for d, r in zip(dev, ref)]
    values = [_rows([d.output for d in dev], ref_model.outputs), _rows(ref, ref_model.outputs)]
    report = RecordingReport(
        name=str(path), frames=len(x), frames_bit_exact=sum(same),
        first_mismatch=same.index(False) if not all(same) else None,
        expected=audio.expected_class(path, class_names),
        frame_us=[d.us for d in dev if d.us is not None], frame_cycles=[d.cycles for d in dev if d.cycles is not None],
        classifications=[], rows_device=values[0], rows_reference=values[1])
    ends = list(range(rows - 1, len(x), every)) if classifier is not None and rows else []
    if not ends:
        return report
    loader.load(classifier, fresh=False)
    dev_rows = [d.output for d in dev]
    windows = [b"".join(dev_rows[e - rows + 1:e + 1]) for e in ends]
    out = link.run_batch(windows)
    for e, d in zip(ends, out):
        r = classifier_ref.run(b"".join(ref[e - rows + 1:e + 1]))
        dv, rv = np.frombuffer(d.output, np.int8), np.frombuffer(r, np.int8)
        report.classifications.append(Classification(
            end_frame=e, device=dv.tolist(), reference=rv.tolist(), bit_exact=d.output == r,
            top1_device=int(np.argmax(dv)), top1_reference=int(np.argmax(rv)), us=d.us, cycles=d.cycles))
    return report


def _rows(outputs: list[bytes], tensors) -> np.ndarray:
    """Each frame's raw outputs as one row of values (frames x values, the outputs side by side)."""
    from .validate import _split_outputs

    width = sum(t.elements for t in tensors)
    if not outputs:
        return np.zeros((0, width), np.int8)
    return np.stack([np.concatenate(_split_outputs(o, tensors)) for o in outputs])


# --- the command's hooks (validate.py) ------------------------------------------------------


def add_arguments(p) -> None:
    p.add_argument("--frontend", metavar="FRONTEND",
                   help="audio model run on every window before MODEL (e.g. TFLM's audio_preprocessor_int8."
                        "tflite); MODEL then classifies stacks of its rows. --data is then .wav audio")
    p.add_argument("--stride", type=int, default=DEFAULT_STRIDE, metavar="SAMPLES",
                   help=f"audio: samples from one window to the next (default {DEFAULT_STRIDE}: 20 ms at 16 kHz)")
    p.add_argument("--every", type=int, default=1, metavar="N",
                   help="with --frontend: classify every N frames once the classifier's rows are in (default 1)")


def wanted(args) -> bool:
    return bool(args.frontend) or audio.is_audio_path(args.data)


def run(args, model: bytes) -> int:
    import sys

    from .inputs import emit_json, read_model_file
    from .validate import EXIT_MISMATCH, load_class_names

    from . import native, plots

    frontend = read_model_file(args.frontend, "front-end model") if args.frontend else None
    plan = native.plan(frontend) if frontend is not None else None
    if plan is not None and not plan.ok:
        raise TinymlError(f"the device runtime cannot load {args.frontend}: {plan.error}",
                          f"`tinyml-host inspect {args.frontend}` shows why")
    if args.labels or args.board_file or args.dtype != "auto" or getattr(args, "profile", False):
        raise TinymlError("--labels, --board-file, --dtype and --profile are for windows, not audio",
                          "audio takes its expected class from each file's name (with --class-names)")
    if args.report:
        plots.prepare(args.report)
    from .tflite_model import read_model

    outs = read_model(model).outputs
    names = load_class_names(args.class_names, outs[0].elements if outs else None) if args.class_names else None
    progress = not args.no_progress and sys.stderr.isatty()
    report = validate_audio(model, audio.wav_files(args.data), frontend=frontend, stride=args.stride,
                            every=args.every, port=args.port, model_name=str(args.model),
                            frontend_name=args.frontend, class_names=names, timeout=args.timeout,
                            progress=progress, log=lambda m: print(m, file=sys.stderr) if progress else None,
                            firmware=getattr(args, "firmware", None))
    print(report.text(), file=sys.stderr if args.json == "-" else sys.stdout)
    if args.json:
        emit_json(args.json, report.to_json())
    if args.report:
        plots.write(report, args.report)
    return 0 if report.passed else EXIT_MISMATCH
