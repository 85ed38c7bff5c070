"""The emulated board as a place to live (issue 13): its flash (littlefs at /, ROMFS at /rom, in an
image file that survives a reboot), its `time` module, and models run in place from ROMFS.

Every command is the real `tinyml-host` CLI against a private emulated board (its own flash image
in tmp_path), outputs checked bit-exact against TFLM by `tinyml-host validate`.
"""

import re
import subprocess
import sys

import numpy as np
import pytest

import heaputil
from linkutil import FIRMWARE
from tinyml_host import emulator
from tinyml_host.validate import Reference

KWS = "mlperf_tiny/kws_ref_model.tflite"
HELLO = "tflm/hello_world_int8.tflite"


def cli(*args, timeout=180):
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"tinyml-host {' '.join(map(str, args))}:\n{p.stdout}\n{p.stderr}"
    return p.stdout


@pytest.fixture(scope="module")
def flash_image(tmp_path_factory):
    if not FIRMWARE.is_file():
        pytest.fail(f"{FIRMWARE} not found: run `make qemu` first", pytrace=False)
    return tmp_path_factory.mktemp("flash") / "flash.img"


def boot(flash_image):
    return emulator.start(firmware=FIRMWARE, flash=flash_image, reuse=False)


def kws_windows(tmp_path, n=6):
    path = tmp_path / "x.npy"
    np.save(path, np.random.default_rng(13).normal(0, 25, (n, 49, 10, 1)).astype(np.float32))
    return path


def heap_extra(tmp_path, port, path):
    """Heap used by loading `path` beyond the model's own working memory (heaputil)."""
    script = tmp_path / "heap.py"
    script.write_text(heaputil.HEAP_SCRIPT.format(path=path))
    return heaputil.parse(cli("run", script, "--port", port))


def test_rom_deploy_validate_and_reboot(tmp_path, flash_image, models_dir):
    model = models_dir / KWS
    size = model.stat().st_size
    data = kws_windows(tmp_path)
    with boot(flash_image) as emu:
        out = cli("deploy", "--rom", model, "--port", emu.pty, "--no-progress")
        assert "ROMFS /rom/kws_ref_model.tflite" in out
        free = int(re.search(r"([\d,]+) bytes of flash left", out).group(1).replace(",", ""))
        assert 4 * 1024 * 1024 - size - 4096 < free < 4 * 1024 * 1024 - size
        out = cli("validate", model, "--data", data, "--port", emu.pty, "--board-file",
                  "/rom/kws_ref_model.tflite")
        assert "result               PASS" in out and "bit-exact            6 / 6" in out, out
        # The same model from the filesystem, for the heap figures: ROMFS maps it, a file is read.
        cli("deploy", model, "--port", emu.pty, "--no-progress")
        rom = heap_extra(tmp_path, emu.pty, "/rom/kws_ref_model.tflite")
        file = heap_extra(tmp_path, emu.pty, "/kws_ref_model.tflite")
        print(f"heap beyond arena+state, KWS ({size:,} B): ROMFS {rom:,} B, file {file:,} B")
        assert rom < 0.02 * size, "the ROMFS model was copied into RAM"
        assert file >= size, "the file load should hold the model's bytes in RAM"
    # A reboot (qemu ends, a new one maps the same flash image): both files are still there.
    with boot(flash_image) as emu:
        out = cli("validate", model, "--data", data, "--port", emu.pty, "--board-file",
                  "/rom/kws_ref_model.tflite")
        assert "result               PASS" in out and "bit-exact            6 / 6" in out, out
        assert heap_extra(tmp_path, emu.pty, "/kws_ref_model.tflite") >= size


RUN_SCRIPT = """\
import time, tinyml
m = tinyml.Model('hello_world_int8.tflite')
t0 = time.ticks_us()
y = m.predict(bytes({x}))
dt = time.ticks_diff(time.ticks_us(), t0)
print('y', list(y), 'dt', dt, 'last_us', m.last_us)
t0 = time.ticks_ms()
time.sleep_ms(50)
print('slept', time.ticks_diff(time.ticks_ms(), t0))
"""


def test_deploy_then_run_by_name_with_time(tmp_path, flash_image, models_dir):
    model = models_dir / HELLO
    x = 37
    with boot(flash_image) as emu:
        out = cli("deploy", model, "--port", emu.pty, "--no-progress")
        assert "file /hello_world_int8.tflite" in out
        script = tmp_path / "s.py"
        script.write_text(RUN_SCRIPT.format(x=[x]))
        out = cli("run", script, "--port", emu.pty)
    m = re.search(r"y \[(-?\d+)\] dt (\d+) last_us (\d+)", out)
    assert m, out
    want = Reference(model.read_bytes()).run(bytes([x]))
    assert bytes([int(m.group(1)) & 0xFF]) == bytes(want)
    dt, last_us = int(m.group(2)), int(m.group(3))
    assert 0 < last_us <= dt < 1_000_000, out
    assert 50 <= int(re.search(r"slept (\d+)", out).group(1)) < 1000, out


def test_emulator_command_start_status_stop(tmp_path, monkeypatch):
    if not FIRMWARE.is_file():
        pytest.fail(f"{FIRMWARE} not found: run `make qemu` first", pytrace=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # a private state file
    img = tmp_path / "flash.img"
    try:
        out = cli("emulator", "start", "--flash", img)
        pty = re.search(r"on (/dev/\S+):", out).group(1)
        assert img.stat().st_size == emulator.FLASH_BYTES
        out = cli("emulator", "status")
        assert pty in out and str(img) in out
    finally:
        out = cli("emulator", "stop")
    assert "stopped" in out
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", "emulator", "status"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "no emulated board running" in p.stdout
