"""Issue 16 parts 2-4: keyword spotting from raw audio, streamed.

- tinyml_stream.KeywordSpotter (device/python) in the Unix port: tests/device/kws_stream.py
  prints classes, scores and feature checksums; here TFLM computes the same and must equal its
  .exp.
- `tinyml-host validate --frontend` (tinyml_host.validate_audio) on the emulated Cortex-M3
  board: the four recordings streamed over the link, every frame's features and every class
  equal to TFLM's; an audio model alone, each recording a fresh stream.
- models/keyword_spotting/spot_keywords.py, the on-board example, on the emulated board (and the
  emulated Pico when its firmware has the helper frozen in): the recordings recognised as TFLM
  recognises them, with latency figures.
- tinyml_host.audio: WAV reading, framing and errors.
"""

from __future__ import annotations

import contextlib
import io
import wave
from pathlib import Path

import numpy as np
import pytest

import mputil
from tinyml_host import audio
from tinyml_host.errors import TinymlError

ROOT = mputil.REPO_ROOT
TFLM = mputil.MODELS_DIR / "tflm"
FRONTEND = TFLM / "micro_speech" / "audio_preprocessor_int8.tflite"
CLASSIFIER = TFLM / "micro_speech_quantized.tflite"
RECORDINGS = ["yes_1000ms.wav", "no_1000ms.wav", "silence_1000ms.wav", "noise_1000ms.wav"]
CLASSES = ["silence", "unknown", "yes", "no"]
EXAMPLE = ROOT / "models" / "keyword_spotting" / "spot_keywords.py"


def need_models():
    if not (FRONTEND.is_file() and CLASSIFIER.is_file()):
        pytest.skip(mputil.models_missing_reason())


def recording(name):
    return audio.read_wav(FRONTEND.parent / name)


def tflm_stream(samples, every=1):
    """TFLM's front-end (one interpreter: a fresh stream) on every window, then its classifier on
    the last 49 rows every `every` frames once 49 are in: [(frame, scores, rows)]."""
    from tflite_micro.python.tflite_micro import runtime
    fe = runtime.Interpreter.from_file(str(FRONTEND))
    cl = runtime.Interpreter.from_file(str(CLASSIFIER))
    rows, out = [], []
    for k, x in enumerate(audio.frames(samples, 480, 320)):
        fe.set_input(x.reshape(1, 480), 0)
        fe.invoke()
        rows.append(np.array(fe.get_output(0)).reshape(-1).astype(np.int8))
        if len(rows) >= 49 and (k - 48) % every == 0:
            window = np.concatenate(rows[-49:])
            cl.set_input(window.reshape(1, 1960), 0)
            cl.invoke()
            out.append((k, np.array(cl.get_output(0)).reshape(-1).astype(np.int8), window))
    return out


def checksum(b):  # tests/device/data/frames.py's
    s = 0
    for v in np.asarray(b).view(np.uint8).reshape(-1):
        s = (s * 31 + int(v)) & 0xFFFFFF
    return s


def test_device_stream_exp_is_tflms():
    """tests/device/kws_stream.py's classifications: TFLM's classes, scores and rows."""
    need_models()
    expected = ["49 40 4"]
    for name in RECORDINGS:
        for k, scores, rows in tflm_stream(recording(name)):
            expected.append(f"{name} {k} {int(np.argmax(scores))} {int(scores.max())} {checksum(rows)}")
    expected.append("yes hops " + expected[1].split(" ", 1)[1])  # the same, the window moved in place
    both = np.concatenate([recording("yes_1000ms.wav"), recording("no_1000ms.wav")])
    for k, scores, rows in tflm_stream(both, every=10):
        expected.append(f"yes+no {k} {int(np.argmax(scores))} {int(scores.max())} {checksum(rows)}")
    lines = (ROOT / "tests" / "device" / "kws_stream.py.exp").read_text().splitlines()
    assert lines[:len(expected)] == expected
    # The recordings' words, as the shared README gives TFLM's.
    assert [l.split()[2] for l in expected[1:5]] == ["2", "3", "0", "0"]


def test_device_stream_in_the_unix_port(micropython):
    """The device test itself in the Unix port (make devtest runs it too)."""
    need_models()
    import subprocess
    import sys
    p = subprocess.run([sys.executable, str(ROOT / "tests" / "device" / "run.py"), "--micropython", str(micropython),
                        "kws_stream.py"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "1 passed" in p.stdout, p.stdout[-3000:] + p.stderr[-2000:]


# ---------------------------------------------------------------------------------------------
# tinyml_host.audio


def write_wav(path, samples, rate=16000, channels=1, width=2):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples).astype("<i2" if width == 2 else np.uint8).tobytes())


def test_frames_as_tflm_strides_them(tmp_path):
    x = np.arange(16000, dtype=np.int16)
    f = audio.frames(x, 480, 320)
    assert f.shape == (49, 480) and f[1, 0] == 320 and f[48, -1] == 48 * 320 + 479
    assert audio.frames(x[:479], 480, 320).shape == (0, 480)
    assert audio.frames(x[:480], 480, 320).shape == (1, 480)
    write_wav(tmp_path / "a.wav", x)
    assert np.array_equal(audio.read_wav(tmp_path / "a.wav"), x)


def test_wav_errors(tmp_path):
    write_wav(tmp_path / "stereo.wav", np.zeros(200), channels=2)
    write_wav(tmp_path / "rate.wav", np.zeros(100), rate=8000)
    write_wav(tmp_path / "bytes.wav", np.zeros(100), width=1)
    (tmp_path / "junk.wav").write_bytes(b"RIFF....not a wave")
    for name, words in [("stereo.wav", r"2 channel\(s\)"), ("rate.wav", "8000 Hz"), ("bytes.wav", "8-bit"),
                        ("junk.wav", "not a readable PCM")]:
        with pytest.raises(TinymlError, match=words):
            audio.read_wav(tmp_path / name)
    (tmp_path / "empty").mkdir()
    with pytest.raises(TinymlError, match="no .wav files"):
        audio.wav_files(tmp_path / "empty")
    with pytest.raises(TinymlError, match="no such file"):
        audio.wav_files(tmp_path / "missing.wav")


def test_expected_class_from_the_file_name():
    assert audio.expected_class("rec/yes_1000ms.wav", CLASSES) == 2
    assert audio.expected_class("No-2.wav", CLASSES) == 3
    assert audio.expected_class("noise_1000ms.wav", CLASSES) is None
    assert audio.expected_class("yes.wav", None) is None


def test_cli_refuses_a_front_end_that_does_not_take_audio(tmp_path):
    from tinyml_host.cli import main
    need_models()
    write_wav(tmp_path / "yes.wav", np.zeros(1000))
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["validate", str(CLASSIFIER), "--frontend", str(CLASSIFIER), "--data", str(tmp_path / "yes.wav")])
    assert code == 2 and "audio is fed as one int16 input" in err.getvalue(), err.getvalue()


def synthetic_report():
    """An AudioReport as validate_audio makes one, without a board: "yes_a.wav" bit-exact with
    three classifications, "no_b.wav" whose frame 5 differs by 3 in feature 7 (and recognised
    as yes), "noise.wav" shorter than one window."""
    from tinyml_host.validate_audio import AudioReport, Classification, RecordingReport
    rng = np.random.default_rng(1)

    def rec(name, frames, expected, bad=None):
        dev = rng.integers(-128, 100, (frames, 40)).astype(np.int8)
        ref = dev.copy()
        if bad is not None:
            ref[bad, 7] += 3
        cls = [Classification(end_frame=e, device=[k - 60, 10, 100 - k, k], reference=[k - 60, 10, 100 - k, k],
                              bit_exact=True, top1_device=2, top1_reference=2, us=900 + e, cycles=9000 + e)
               for k, e in enumerate(range(8, frames, 4))]
        return RecordingReport(name=name, frames=frames, frames_bit_exact=frames - (bad is not None),
                               first_mismatch=bad, expected=expected, frame_us=[300 + i for i in range(frames)],
                               frame_cycles=[], classifications=cls, rows_device=dev, rows_reference=ref)

    return AudioReport(model="micro_speech_quantized.tflite", frontend="audio_preprocessor_int8.tflite",
                       board="test board", reference_engine="TFLM (tflite-micro)", window=480, stride=320,
                       every=4, recordings=[rec("d/yes_a.wav", 20, 2), rec("d/no_b.wav", 16, 3, bad=5),
                                            rec("d/noise.wav", 0, None)],
                       seconds=1.0, class_names=CLASSES, timing_note="emulated")


def png_shapes(paths):
    """Each file read back by matplotlib (which fails on a file that is not a PNG): its shape."""
    import matplotlib.image
    return {p.name: matplotlib.image.imread(p).shape for p in paths}


def test_audio_report_plots_without_a_board(tmp_path):
    """write_plots on a synthetic AudioReport: one PNG per recording and a summary, all readable;
    the difference panel says what the rows say; the rows stay out of the JSON."""
    import json
    from tinyml_host import audio_plots
    r = synthetic_report()
    written = r.write_plots(tmp_path / "plots")
    shapes = png_shapes(written)
    assert list(shapes) == ["recording_yes_a.png", "recording_no_b.png", "recording_noise.png", "summary.png"]
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(shapes)
    assert all(len(s) == 3 and s[0] > 200 and s[1] > 400 for s in shapes.values()), shapes
    yes, no, _ = r.recordings
    assert not yes.row_difference().any() and audio_plots.difference_title(yes).endswith("all zero (bit-exact)")
    diff = no.row_difference()
    assert np.argwhere(diff).tolist() == [[no.first_mismatch, 7]] and diff[no.first_mismatch, 7] == -3
    assert audio_plots.difference_title(no) == (f"board - reference: {no.frames - no.frames_bit_exact} of "
                                                f"{no.frames} frames differ, max |difference| 3, first at frame 5")
    # the plots of a recording with scores are taller than the one without
    assert shapes["recording_yes_a.png"][0] > shapes["recording_noise.png"][0]
    text = json.dumps(r.to_json())
    assert "rows_device" not in text and json.loads(text)["recordings"][0]["classifications"][0]["us"] == 908
    # two recordings with one stem still get two files
    r.recordings[1].name = "e/yes_a.wav"
    assert audio_plots.plot_names(r)[:2] == ["recording_yes_a.png", "recording_yes_a_2.png"]
    # an audio model alone: its outputs, no scores, a summary with the frame latency only
    r.frontend, r.recordings = None, r.recordings[1:2]
    r.recordings[0].classifications = []
    alone = png_shapes(r.write_plots(tmp_path / "alone"))
    assert list(alone) == ["recording_yes_a.png", "summary.png"]
    assert alone["recording_yes_a.png"][0] == shapes["recording_noise.png"][0]  # three panels
    assert alone["summary.png"][1] < shapes["summary.png"][1] / 2  # one panel of three


# ---------------------------------------------------------------------------------------------
# On the emulated Cortex-M3 board


def test_validate_frontend_on_the_emulated_board(emu, summary, tmp_path):
    """The four recordings over the link: front-end then classifier on the board, TFLM on the
    host; every frame's features and every class equal. The report's plots (--report): one per
    recording and a summary, drawn from rows that are TFLM's, their difference zero."""
    from tinyml_host import audio_plots
    from tinyml_host.tflite_model import read_model
    from tinyml_host.validate_audio import validate_audio
    need_models()
    paths = [FRONTEND.parent / n for n in RECORDINGS]
    r = validate_audio(CLASSIFIER.read_bytes(), paths, frontend=FRONTEND.read_bytes(), port=emu.pty,
                       class_names=CLASSES, model_name=CLASSIFIER.name, frontend_name=FRONTEND.name, timeout=60)
    assert r.frames == 4 * 49 and r.frames_bit_exact == r.frames, r.text()
    assert len(r.classifications) == 4 and all(c.bit_exact for c in r.classifications), r.text()
    assert [rec.predicted("device")[0] for rec in r.recordings] == [2, 3, 0, 0], r.text()
    features = read_model(FRONTEND.read_bytes()).outputs[0].elements
    for rec, name in zip(r.recordings, RECORDINGS):
        ref = tflm_stream(recording(name))
        assert rec.classifications[0].reference == ref[0][1].tolist()
        assert rec.rows_device.shape == rec.rows_reference.shape == (rec.frames, features)
        assert rec.rows_reference.reshape(-1).tolist() == ref[0][2].tolist()  # 49 frames: all rows
        differing = int(np.any(rec.row_difference() != 0, axis=1).sum())
        assert differing == rec.frames - rec.frames_bit_exact
        assert audio_plots.difference_title(rec).endswith("all zero (bit-exact)")
    shapes = png_shapes(r.write_plots(tmp_path / "plots"))
    assert list(shapes) == [f"recording_{Path(n).stem}.png" for n in RECORDINGS] + ["summary.png"], shapes
    assert all(len(s) == 3 and s[0] > 200 for s in shapes.values()), shapes
    lat = r.latency()
    summary(f"kws: validate --frontend on the emulated M3: {r.frames_bit_exact}/{r.frames} frames, "
            f"{len(r.classifications)}/4 classes bit-exact; {lat['frame_p50_cycles']:,.0f} cycles per 30 ms frame, "
            f"{lat['classification_p50_cycles']:,.0f} per classification")


def test_validate_cli_with_audio_on_the_emulated_board(emu, tmp_path):
    """`tinyml-host validate CLASSIFIER --frontend FRONTEND --data folder --json`: exit 0, the
    table and the JSON; a wrong expectation (a recording named "no" that says yes) is reported
    as WRONG but still passes (the board agrees with TFLM)."""
    import json
    import shutil
    from tinyml_host.cli import main
    need_models()
    shutil.copy(FRONTEND.parent / "yes_1000ms.wav", tmp_path / "yes_1.wav")
    shutil.copy(FRONTEND.parent / "yes_1000ms.wav", tmp_path / "no_but_says_yes.wav")
    out, err, report, plots = io.StringIO(), io.StringIO(), tmp_path / "r.json", tmp_path / "plots"
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(CLASSIFIER), "--frontend", str(FRONTEND), "--data", str(tmp_path),
                     "--class-names", ",".join(CLASSES), "--port", emu.pty, "--json", str(report), "--every", "5",
                     "--report", str(plots)])
    text = out.getvalue()
    assert code == 0, text + err.getvalue()
    names = ["recording_no_but_says_yes.png", "recording_yes_1.png", "summary.png"]
    assert list(png_shapes(plots / n for n in names)) == names
    assert sorted(p.name for p in plots.iterdir()) == names
    assert [line for line in err.getvalue().splitlines() if line.startswith("wrote ")] == [
        f"wrote {plots / n}" for n in names], err.getvalue()
    assert "frames bit-exact     98 / 98 (features)" in text and "1 / 2 recognised" in text, text
    assert "WRONG" in text.splitlines()[[i for i, l in enumerate(text.splitlines()) if "no_but_says_yes" in l][0]]
    s = json.loads(report.read_text())["summary"]
    assert s["passed"] and s["classifications"] == 2 and s["classifications_bit_exact"] == 2, s


def test_validate_refuses_window_options_with_audio(tmp_path):
    from tinyml_host.cli import main
    need_models()
    write_wav(tmp_path / "yes.wav", np.zeros(1000))
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["validate", str(CLASSIFIER), "--frontend", str(FRONTEND), "--data", str(tmp_path / "yes.wav"),
                     "--labels", str(tmp_path / "labels.npy")])
    assert code == 2 and "not audio" in err.getvalue(), err.getvalue()


def test_validate_audio_report_needs_matplotlib(tmp_path, monkeypatch):
    """--report with audio and no matplotlib: the windows' clear error, before any board is
    busy (no --port: an emulated board would be booted), and no folder made."""
    import importlib.util
    from tinyml_host.cli import main
    need_models()
    write_wav(tmp_path / "yes.wav", np.zeros(1000))
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else
                        find_spec(name, *a))
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["validate", str(CLASSIFIER), "--frontend", str(FRONTEND), "--data", str(tmp_path / "yes.wav"),
                     "--report", str(tmp_path / "plots")])
    assert code == 2 and "matplotlib is not installed; the plots of --report need it" in err.getvalue()
    assert "pip install 'tinyml-host[plots]'" in err.getvalue() and not (tmp_path / "plots").exists()


def test_validate_audio_model_alone_fresh_per_recording(emu, tmp_path):
    """An audio model alone (the front-end): each recording is a fresh stream on the board too,
    so two copies of one recording give the same, TFLM's fresh-interpreter outputs."""
    from tinyml_host.validate_audio import validate_audio
    need_models()
    x = recording("yes_1000ms.wav")[:8000]
    t = np.arange(8000) / 16000
    write_wav(tmp_path / "a.wav", x)
    write_wav(tmp_path / "b.wav", x)
    write_wav(tmp_path / "chirp.wav", (12000 * np.sin(2 * np.pi * (100 + 3000 * t) * t)).astype(np.int16))
    r = validate_audio(FRONTEND.read_bytes(), audio.wav_files(tmp_path), port=emu.pty, timeout=60)
    assert [rec.frames for rec in r.recordings] == [24, 24, 24]
    assert r.passed and r.frames_bit_exact == 72, r.text()


def put_files(port, names):
    from tinyml_host.board import resolve_port
    from tinyml_host.transport import open_transport, stop_agent
    t = open_transport(resolve_port(port)[0])
    t.serial.timeout = None
    stop_agent(t.serial)
    try:
        t.enter_raw_repl(soft_reset=True)
        for path in names:
            t.fs_writefile("/" + path.name, path.read_bytes(), chunk_size=1024)
        t.exit_raw_repl()
    finally:
        t.close()


def run_example(port, timeout=600):
    from tinyml_host.runscript import run_script
    put_files(port, [FRONTEND, CLASSIFIER] + [FRONTEND.parent / n for n in RECORDINGS])
    out = io.StringIO()
    assert run_script(EXAMPLE, port=port, timeout=timeout, out=out) == 0, out.getvalue()[-2000:]
    return out.getvalue()


def check_example(out):
    """Each recording's word and score as TFLM gives them."""
    for name in RECORDINGS:
        k, scores, _ = tflm_stream(recording(name))[0]
        want = f"{name}: {CLASSES[int(np.argmax(scores))]} (score {int(scores.max())})"
        assert want in out, f"{want!r} not in:\n{out}"


def test_example_on_the_emulated_board(emu, summary):
    need_models()
    out = run_example(emu.pty)
    check_example(out)
    summary("kws: spot_keywords.py on the emulated M3: " + " | ".join(
        l.strip() for l in out.splitlines() if l.startswith(("memory", "  feed")))[:600])


def test_example_and_validate_on_the_emulated_pico(tmp_path_factory, summary):
    """The same on the RP2040 firmware in rp2040js (when build/rp2 has the helper frozen in):
    spot_keywords.py, then validate --frontend over the link, a classification every 10 frames."""
    import os

    import test_emulated_pico as tp
    from tinyml_host.validate_audio import validate_audio
    need_models()
    uf2 = ROOT / "build" / "rp2" / "firmware.uf2"
    elf = ROOT / "build" / "rp2" / "firmware.elf"
    if not uf2.is_file() or b"tinyml_stream" not in elf.read_bytes():
        pytest.skip("build/rp2 has no firmware with tinyml_stream frozen in: `make rp2`")
    base = tmp_path_factory.mktemp("pico")
    old = os.environ.get("XDG_RUNTIME_DIR")
    (base / "run").mkdir()
    os.environ["XDG_RUNTIME_DIR"] = str(base / "run")
    try:
        tp._pico("start", "--uf2", uf2, "--flash-image", base / "flash.bin")
        out = run_example("pico", timeout=1200)
        r = validate_audio(CLASSIFIER.read_bytes(), [FRONTEND.parent / n for n in RECORDINGS],
                           frontend=FRONTEND.read_bytes(), port="pico", every=10, class_names=CLASSES, timeout=60)
    finally:
        tp._pico("stop")
        if old is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = old
    check_example(out)
    assert r.passed and r.frames_bit_exact == 196 and len(r.classifications) == 4, r.text()
    assert [rec.predicted("device")[0] for rec in r.recordings] == [2, 3, 0, 0], r.text()
    lat = r.latency()
    summary(f"kws: emulated Pico: validate --frontend 196/196 frames, 4/4 classes bit-exact; front-end "
            f"{lat['frame_p50_us'] / 1000:.3f} ms, classification {lat['classification_p50_us'] / 1000:.3f} ms "
            "at 125 MHz | " + " | ".join(l.strip() for l in out.splitlines() if l.startswith(("memory", "  feed")))[:400])


def test_readme_pointer_and_example_readme():
    text = (ROOT / "models" / "keyword_spotting" / "README.md").read_text()
    assert "tflite-micro" in text and "spot_keywords.py" in text
    assert "models/keyword_spotting" in (ROOT / "README.md").read_text()
