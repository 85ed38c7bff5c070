"""Install anywhere (issue 14): the wheel `make wheel` builds, or `pip install ./host` from the
checkout, installed into a fresh venv outside the repository, gives a working `tinyml-host`.

The wheel is built by scripts/build_wheel.sh from this checkout's build/qemu/firmware.elf (`make
hosttest` builds it first); its dependencies come from PyPI (no extras). Every command then runs
from a directory outside the repository with only the venv's `tinyml-host`: --help, inspect,
validate and run on the emulated board the wheel carries, and deploy. The emulator's state and the
host library's cache go to the temporary directory, so nothing is shared with the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_flash_esp32 import make_firmware

ROOT = Path(__file__).resolve().parents[2]
GESTURE = ROOT / "models" / "gesture"
FIRMWARE = ROOT / "build" / "qemu" / "firmware.elf"
WINDOWS = 20  # enough to show bit-exactness on the emulated board, quick to run


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)
    print(f"$ {' '.join(map(str, cmd))}  (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
    return proc


@pytest.fixture(scope="module", params=["wheel", "pip install ./host"])
def installed(request, tmp_path_factory):
    """(tinyml-host path, work dir outside the repository, environment, {step: seconds}), installed
    from the wheel `make wheel` builds, or by `pip install ./host` from the checkout (host/setup.py
    bundles the same files into both)."""
    if not FIRMWARE.is_file():
        pytest.fail(f"{FIRMWARE} does not exist: run `make qemu` (make hosttest does)", pytrace=False)
    tmp = tmp_path_factory.mktemp("install")
    assert ROOT not in tmp.resolve().parents, "the install test must run outside the repository"
    times = {}
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "TINYML_DEVICE_DIR")}
    env.update(XDG_RUNTIME_DIR=str(tmp / "run"), TINYML_CACHE_DIR=str(tmp / "cache"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    (tmp / "run").mkdir()

    if request.param == "wheel":
        t = time.monotonic()
        proc = _run(["scripts/build_wheel.sh"], cwd=ROOT, env=dict(env, PYTHON=sys.executable))
        assert proc.returncode == 0, proc.stderr
        wheels = sorted((ROOT / "build" / "wheel").glob("tinyml_host-*.whl"))
        assert len(wheels) == 1, wheels
        times["build wheel"] = time.monotonic() - t
        source = str(wheels[0])
    else:
        source = str(ROOT / "host")

    t = time.monotonic()
    venv = tmp / "venv"
    assert _run(["python3", "-m", "venv", str(venv)], cwd=tmp, env=env).returncode == 0
    times["create venv"] = time.monotonic() - t
    t = time.monotonic()
    proc = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", source], cwd=tmp, env=env)
    shutil.rmtree(ROOT / "host" / "build", ignore_errors=True)  # setuptools' in-tree build directory
    assert proc.returncode == 0, proc.stderr
    times["pip install"] = time.monotonic() - t

    work = tmp / "work"
    work.mkdir()
    shutil.copy(GESTURE / "gesture.tflite", work)
    np.save(work / "windows.npy", np.load(GESTURE / "test_x.npy")[:WINDOWS])
    (work / "answer.py").write_text("print('answer', 6 * 7)\n")
    return venv / "bin" / "tinyml-host", work, env, times


def test_install_time(installed, summary):
    times = installed[3]
    line = ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
    print(line)
    how = "wheel" if "build wheel" in times else "pip install ./host"
    summary(f"install anywhere ({how}): {line}")


def test_wheel_carries_the_bundle(installed):
    exe = installed[0]
    site = next((exe.parent.parent / "lib").glob("python3*/site-packages"))
    bundle = site / "tinyml_host" / "_bundled"
    assert (bundle / "firmware" / "qemu-firmware.elf").read_bytes() == FIRMWARE.read_bytes()
    assert (bundle / "device_src" / "python" / "tinyml_agent.py").is_file()
    for d in ("runtime", "kernels", "ops"):
        assert sorted(p.name for p in (bundle / "device_src" / d).glob("*.c")) == \
            sorted(p.name for p in (ROOT / "device" / d).glob("*.c"))


def test_help(installed):
    exe, work, env, _ = installed
    proc = _run([str(exe), "--help"], cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr
    for command in ("inspect", "validate", "run", "deploy"):
        assert command in proc.stdout


def test_inspect(installed):
    exe, work, env, _ = installed
    proc = _run([str(exe), "inspect", "gesture.tflite", "--json"], cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    # The host library compiled from the bundled sources into the temporary cache.
    assert list((Path(env["TINYML_CACHE_DIR"])).glob("libtinyml_host-*.so")), "no host library was built"
    assert info["inputs"][0]["shape"][1:] == list(np.load(work / "windows.npy").shape[1:])


def test_validate_on_the_bundled_emulated_board(installed):
    exe, work, env, _ = installed
    proc = _run([str(exe), "validate", "gesture.tflite", "--data", "windows.npy", "--json", "report.json"],
                cwd=work, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    s = json.loads((work / "report.json").read_text())["summary"]
    assert s["windows"] == WINDOWS
    assert s["bit_exact"] == WINDOWS, s  # the bundled firmware against the installed TFLM reference
    assert s["reference"] == "TFLM (tflite-micro)"
    assert s["passed"] is True


def test_run_script(installed):
    exe, work, env, _ = installed
    proc = _run([str(exe), "run", "answer.py"], cwd=work, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "answer 42" in proc.stdout


@pytest.mark.parametrize("command, extra", [
    (["convert", "gesture.keras", "--calibration", "windows.npy", "-o", "g.tflite"], "convert"),
    (["validate", "gesture.tflite", "--data", "windows.npy", "--report", "plots"], "plots"),
    (["flash", "--board", "esp32", "--port", "/dev/null", "--firmware", "esp32.bin"], "esp32"),
])
def test_missing_extra_is_named(installed, command, extra):
    """No extras installed: a command that needs one says which (and writes nothing)."""
    exe, work, env, _ = installed
    shutil.copy(GESTURE / "gesture.keras", work)
    (work / "esp32.bin").write_bytes(make_firmware("esp32"))
    proc = _run([str(exe), *command], cwd=work, env=env, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"pip install 'tinyml-host[{extra}]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (work / "g.tflite").exists() and not (work / "plots").exists()


def test_deploy(installed):
    exe, work, env, _ = installed
    proc = _run([str(exe), "deploy", "gesture.tflite", "--no-progress"], cwd=work, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "deployed gesture.tflite" in proc.stdout
