"""Every bad input to the CLI is one line on stderr and exit 2, never a traceback (issue 11).

A table of cases, each run through the real command line (`python -m tinyml_host.cli`, a
subprocess: some inputs made the old code read forever or hang on a FIFO). For each: the exit
status, exactly one line on stderr starting with `tinyml-host: error:`, no "Traceback", no file
left behind in the folder of the inputs, and case-specific text that must (not) appear (e.g.
`validate --tolerance nan` must not print PASS). Commands that would talk to a board get a
serial port that does not exist, so a case that got past the input checks fails with exit 3.

The inputs are generated here: malformed models with the builders of single_op_models, .npy
files with lying headers, a FIFO, a 2 GB sparse file. The convert cases use the example
gesture model and fail before TensorFlow is imported (they were slow on the old code only).
"""

from __future__ import annotations

import dataclasses
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import mputil
from single_op_models import Op, Tensor, build_model, build_unary_model

NO_PORT = "/nonexistent/ttyACM9"   # past the input checks, a command fails here with exit 3
GESTURE = mputil.REPO_ROOT / "models" / "gesture"
MEMORY_LIMIT = 3 << 30             # the old code read /dev/zero without end: keep the test safe


@dataclasses.dataclass
class Case:
    id: str
    args: str                       # the command line; {d} is the inputs folder, {g} the gesture model's
    exit: int = 2
    present: tuple[str, ...] = ()   # text the error line must hold
    absent: tuple[str, ...] = ()    # text that must not appear on stdout or stderr
    tensorflow: bool = False        # a convert case: no memory limit (TensorFlow maps a lot)


VAL = f"validate {{d}}/good.tflite --data {{d}}/x.npy --port {NO_PORT}"
CONV = "convert {g}/gesture.keras --calibration {g}/calibration.npy"

CASES = [
    # malformed models
    Case("inspect-op-input-out-of-range", "inspect {d}/oob_in.tflite", present=("refers to tensor 99",)),
    Case("inspect-op-output-out-of-range", "inspect {d}/oob_out.tflite", present=("refers to tensor 7",)),
    Case("validate-op-input-out-of-range", f"validate {{d}}/oob_in.tflite --data {{d}}/x.npy --port {NO_PORT}"),
    Case("validate-nan-input-scale", f"validate {{d}}/nan_scale.tflite --data {{d}}/x.npy --port {NO_PORT}",
         present=("scale",)),
    Case("deploy-op-input-out-of-range", f"deploy {{d}}/oob_in.tflite --port {NO_PORT}"),
    Case("deploy-nan-input-scale", f"deploy {{d}}/nan_scale.tflite --port {NO_PORT}"),
    # paths that are not small regular files
    Case("inspect-dev-zero", "inspect /dev/zero", present=("not a regular file",)),
    Case("inspect-fifo", "inspect {d}/fifo.tflite", present=("not a regular file",)),
    Case("inspect-2gb-sparse", "inspect {d}/sparse.tflite", present=("larger than",)),
    Case("deploy-dev-zero", f"deploy /dev/zero --port {NO_PORT}"),
    Case("run-dev-zero", f"run /dev/zero --port {NO_PORT}"),
    Case("flash-firmware-dev-zero", "flash --board qemu --firmware /dev/zero"),
    Case("validate-json-is-a-folder", VAL + " --json {d}/folder", present=("folder",)),
    Case("validate-report-is-a-file", VAL + " --report {d}/good.tflite", present=("not a folder",)),
    # numbers
    Case("validate-tolerance-nan", VAL + " --tolerance nan", absent=("PASS",)),
    Case("validate-tolerance-negative", VAL + " --tolerance -1", absent=("PASS", "usage:")),
    Case("validate-timeout-nan", VAL + " --timeout nan"),
    Case("validate-timeout-inf", VAL + " --timeout inf"),
    Case("deploy-timeout-nan", f"deploy {{d}}/good.tflite --timeout nan --port {NO_PORT}"),
    Case("run-timeout-negative", f"run {{d}}/script.py --timeout -5 --port {NO_PORT}"),
    Case("deploy-name-with-folder", f"deploy {{d}}/good.tflite --name a/b.tflite --port {NO_PORT}"),
    # data files
    Case("validate-empty-npy", f"validate {{d}}/good.tflite --data {{d}}/empty.npy --port {NO_PORT}"),
    Case("validate-npy-header-claims-4tb", f"validate {{d}}/good.tflite --data {{d}}/huge.npy --port {NO_PORT}",
         present=("truncated",)),
    Case("validate-labels-1e400", VAL + " --labels {d}/labels_1e400.txt", present=("NaN or infinite",)),
    Case("validate-labels-nan", VAL + " --labels {d}/labels_nan.npy", present=("NaN or infinite",)),
    Case("validate-labels-1e30", VAL + " --labels {d}/labels_1e30.npy", present=("class indices",)),
    Case("validate-labels-negative", VAL + " --labels {d}/labels_neg.npy", present=("class indices",)),
    Case("validate-labels-past-last-class", VAL + " --labels {d}/labels_8.npy", present=("class indices",)),
    # convert: checked before TensorFlow is imported
    Case("convert-output-is-a-folder", CONV + " -o {d}/folder", present=("folder",), tensorflow=True),
    Case("convert-truncated-keras", "convert {d}/truncated.keras --calibration {g}/calibration.npy",
         present=("truncated",), absent=("File not found",), tensorflow=True),
    Case("convert-empty-calibration", "convert {g}/gesture.keras --calibration {d}/empty.npy", tensorflow=True),
    Case("convert-nan-eval-labels", CONV + " -o {d}/out.tflite --eval-data {g}/test_x.npy "
         "--eval-labels {d}/eval_labels_nan.npy", present=("NaN or infinite",), tensorflow=True),
    Case("validate-class-names-count", f"validate {{g}}/gesture.tflite --data {{g}}/test_x.npy --class-names a,b "
         f"--port {NO_PORT}", present=("2 names", "5 classes")),
    Case("repl-without-terminal", "repl", present=("needs a terminal", "tinyml-host run")),
    Case("convert-channels-first-calibration", "convert {g}/gesture.keras --calibration {d}/calib_cf.npy",
         present=("transposed", "(100, 3)"), tensorflow=True),
    Case("convert-max-calibration-zero", CONV + " --max-calibration 0", tensorflow=True),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cli_inputs")
    t = lambda: Tensor([1, 8], "int8", scale=0.1, zero_point=0)
    (d / "good.tflite").write_bytes(build_unary_model("RELU", [1, 8], (0.1, 0), (0.1, 0)))
    (d / "oob_in.tflite").write_bytes(build_model([t(), t()], [Op("RELU", [99], [1])], [0], [1]))
    (d / "oob_out.tflite").write_bytes(build_model([t(), t()], [Op("RELU", [0], [7])], [0], [1]))
    (d / "nan_scale.tflite").write_bytes(build_unary_model("RELU", [1, 8], (float("nan"), 0), (0.1, 0)))
    np.save(d / "x.npy", np.zeros((4, 8), np.float32))
    (d / "empty.npy").write_bytes(b"")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }"
    header += " " * (117 - len(header)) + "\n"
    (d / "huge.npy").write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little")
                                 + header.encode() + bytes(64))
    (d / "labels_1e400.txt").write_text("1e400 0 0 0\n")
    for name, values in {"nan": [np.nan, 0, 1, 2], "1e30": [1e30, 0, 1, 2], "neg": [-1, 0, 1, 2],
                         "8": [8, 0, 1, 2]}.items():
        np.save(d / f"labels_{name}.npy", np.array(values))
    y = np.load(GESTURE / "test_y.npy").astype(np.float64)
    y[3] = np.nan
    np.save(d / "eval_labels_nan.npy", y)
    (d / "script.py").write_text("print('hello')\n")
    np.save(d / "calib_cf.npy", np.transpose(np.load(GESTURE / "calibration.npy"), (0, 2, 1)))
    (d / "folder").mkdir()
    os.mkfifo(d / "fifo.tflite")
    with open(d / "sparse.tflite", "wb") as f:
        f.truncate(2 << 30)
    keras = (GESTURE / "gesture.keras").read_bytes()
    (d / "truncated.keras").write_bytes(keras[:len(keras) // 2])
    return d


def _files(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*")}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli_error(case: Case, inputs: Path):
    before = _files(inputs)
    args = case.args.format(d=inputs, g=GESTURE).split()
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", *args], capture_output=True, text=True,
                       timeout=300, cwd=inputs, preexec_fn=None if case.tensorflow else _limit_memory)
    seconds = time.monotonic() - t0
    # convert reports its steps on stderr ("convert: loading ..."): those are progress, not errors.
    lines = [line for line in p.stderr.splitlines() if not line.startswith("convert: ")]
    shown = f"exit {p.returncode} after {seconds:.1f} s\nstdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-3000:]}"
    assert "Traceback" not in p.stderr, shown
    assert p.returncode == case.exit, shown
    assert len(lines) == 1 and lines[0].startswith("tinyml-host: error: "), shown
    for text in case.present:
        assert text in lines[0], shown
    for text in case.absent:
        assert text not in p.stdout + p.stderr, shown
    assert _files(inputs) == before, f"files left behind: {_files(inputs) - before}\n{shown}"
    assert seconds < 60, shown



def test_broken_pipe_ends_quietly():
    """`tinyml-host inspect MODEL | head -1`: the reader leaves early (here: `true`, which reads
    nothing and exits, so every write fails); no traceback, nothing on stderr, exit 0."""
    model = mputil.REPO_ROOT / "models" / "gesture" / "gesture.tflite"
    p = subprocess.run(f"{sys.executable} -m tinyml_host.cli inspect {model} | true; echo ${{PIPESTATUS[0]}}",
                       shell=True, capture_output=True, text=True, timeout=120, executable="/bin/bash")
    assert p.stdout.strip() == "0" and p.stderr == "", p.stdout + p.stderr
