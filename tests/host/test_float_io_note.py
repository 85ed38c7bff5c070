"""A float-I/O model's cost is said where users meet it: `convert`'s summary and `inspect`.

The example gesture model, converted by the real command line with `--io float` (QUANTIZE and
DEQUANTIZE inside the model, software float on boards without an FPU) gets the note with its
own value count and cycle estimate in convert's result and inspect's report; the committed
int8-I/O gesture model gets none.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tinyml_host.float_io import CYCLES_PER_VALUE
from tinyml_host.tflite_model import read_model

GESTURE = Path(__file__).resolve().parents[2] / "models" / "gesture"


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyml_host.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


@pytest.fixture(scope="module")
def float_io_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("float_io") / "gesture_float_io.tflite"
    p = cli("convert", GESTURE / "gesture.keras", "--calibration", GESTURE / "calibration.npy", "-o", out,
            "--io", "float", "--json")
    assert p.returncode == 0, p.stderr[-3000:]
    return out, json.loads(p.stdout)


def test_convert_says_float_io_cost(float_io_model):
    path, result = float_io_model
    info = read_model(path.read_bytes())
    assert info.inputs[0].dtype == "float32" and info.outputs[0].dtype == "float32"
    values = info.inputs[0].elements + info.outputs[0].elements
    notes = [n for n in result["notes"] if n.startswith("float32 input/output")]
    assert len(notes) == 1, result["notes"]
    assert f"its {values:,} float values" in notes[0] and f"{values * CYCLES_PER_VALUE:,} cycles" in notes[0]
    assert "without --io float" in notes[0]


def test_inspect_notes_float_io_only(float_io_model, summary):
    path, _ = float_io_model
    p = cli("inspect", path)
    assert p.returncode == 0, p.stderr
    note = [line for line in p.stdout.splitlines() if line.startswith("note: float32 input/output")]
    assert len(note) == 1, p.stdout
    report = json.loads(cli("inspect", path, "--json").stdout)
    assert report["float_io"]["values"] > 0 and report["float_io"]["note"] in note[0]

    p8 = cli("inspect", GESTURE / "gesture.tflite")
    assert p8.returncode == 0, p8.stderr
    assert read_model((GESTURE / "gesture.tflite").read_bytes()).inputs[0].dtype == "int8"
    assert "float32 input/output" not in p8.stdout
    report8 = json.loads(cli("inspect", GESTURE / "gesture.tflite", "--json").stdout)
    assert report8["float_io"] == {"values": 0, "note": None}
    summary(f"float-I/O note: {note[0][:100]}...")
