"""The example models in models/: each runs on the firmware bit-exactly and does its job.

For sine/, gesture/ and vibration_anomaly/: the committed .tflite is int8, every op is supported,
inspect's MACs and arena equal the figures in its metrics.json (quoted by its README), it fits an
RP2040, the Unix-port firmware's outputs on the sample windows equal TFLM's bit for bit, and the
accuracy computed from the firmware's outputs is printed (and must be that of a working model).
On the emulated board (build/qemu/firmware.elf, `make qemu`), `tinyml-host validate MODEL --data
test_x.npy` runs each example and compares it with TFLM: the "convert -> inspect -> validate" path
of the README. It skips while the validate command or the firmware is missing.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

import model_runs
import mputil
from tinyml_host import inspect as tinspect
from tinyml_host.tflite_model import read_model

MODELS = mputil.REPO_ROOT / "models"
EXAMPLES = {"sine": "sine", "gesture": "gesture", "vibration_anomaly": "vibration_ae"}


def load(name):
    d = MODELS / name
    stem = EXAMPLES[name]
    return d, stem, json.loads((d / "metrics.json").read_text())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_files_and_figures(name):
    d, stem, metrics = load(name)
    for f in ("train.py", "README.md", f"{stem}.keras", f"{stem}.tflite", "calibration.npy", "test_x.npy",
              "test_y.npy"):
        assert (d / f).is_file(), f"models/{name}/{f} missing"
    report = tinspect.inspect_model(d / f"{stem}.tflite", board="rp2040")
    assert report["inputs"][0]["dtype"] == "int8" and report["outputs"][0]["dtype"] == "int8"
    assert all(op["supported"] for op in report["ops"])
    assert report["totals"]["macs"] == metrics["macs"]
    assert report["device"]["arena_bytes"] == metrics["arena_bytes"]
    assert report["size_bytes"] == metrics["int8_tflite_bytes"]
    assert report["boards"][0]["fits"]
    readme = (d / "README.md").read_text()
    for figure in (metrics["macs"], metrics["arena_bytes"], metrics["int8_tflite_bytes"]):
        assert f"{figure:,}" in readme, f"models/{name}/README.md does not quote {figure:,}"
    x = np.load(d / "test_x.npy")
    assert x.dtype == np.float32 and x.shape[1:] == tuple(report["inputs"][0]["shape"][1:])
    assert len(np.load(d / "test_y.npy")) == len(x)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_bit_exact_and_accuracy(name, micropython, summary):
    d, stem, metrics = load(name)
    path = d / f"{stem}.tflite"
    data = path.read_bytes()
    info = read_model(data)
    x = np.load(d / "test_x.npy")
    y = np.load(d / "test_y.npy")
    xq = model_runs.quantize(x, info.inputs[0])
    y_dev = model_runs.run_unix_batch(path, xq, binary=micropython)
    y_ref = model_runs.run_tflm_batch(data, xq)
    diff = np.argwhere(y_dev != y_ref)
    assert diff.size == 0, f"{len(diff)} outputs differ, first at {diff[0]}"
    out = model_runs.dequantize(y_dev, info.outputs[0]).reshape(len(x), -1)
    if name == "sine":
        mae = float(np.mean(np.abs(out - y.reshape(len(x), -1))))
        assert mae < 0.08
        text = f"MAE {mae:.4f} against sin(x)"
    elif name == "gesture":
        acc = float(np.mean(out.argmax(axis=1) == y))
        assert acc >= 0.9
        text = f"accuracy {acc:.3f} ({len(x)} test windows, 5 gestures)"
    else:
        score = np.mean((out - x.reshape(len(x), -1)) ** 2, axis=1)
        flagged = score > metrics["anomaly"]["int8"]["threshold"]
        acc = float(np.mean(flagged == (y == 1)))
        assert acc >= 0.7 and flagged[y == 1].mean() > 0.5 and flagged[y == 0].mean() < 0.2
        text = (f"anomaly accuracy {acc:.3f} at the int8 threshold ({int((y == 1).sum())} faulty, "
                f"{int((y == 0).sum())} normal spectra)")
    summary(f"example {name}: firmware == TFLM on {len(x)} windows; {text}")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_on_emulated_board(name, summary):
    firmware = mputil.REPO_ROOT / "build" / "qemu" / "firmware.elf"
    if not (mputil.REPO_ROOT / "host" / "tinyml_host" / "validate.py").is_file():
        pytest.skip("tinyml-host validate is not in this checkout yet")
    if not firmware.is_file():
        pytest.skip(f"{firmware} not built (`make qemu`)")
    d, stem, _ = load(name)
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", "validate", str(d / f"{stem}.tflite"),
                        "--data", str(d / "test_x.npy"), "--no-progress"],
                       capture_output=True, text=True, timeout=900, cwd=mputil.REPO_ROOT)
    assert p.returncode == 0, f"validate failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
    last = [l for l in p.stdout.splitlines() if l.strip()][-1:] or [""]
    summary(f"example {name} on the emulated board: {last[0]}")
