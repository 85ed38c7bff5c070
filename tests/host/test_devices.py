"""`tinyml-host devices`, and the emulated board that `flash --board qemu --firmware F` leaves
running used by every command given no --port (issue 14). Needs qemu-system-arm and
build/qemu/firmware.elf (`make qemu`)."""

import json
import re
import shutil

import numpy as np
import pytest

from flashutil import unix_tinyml_info
from test_boards import GESTURE, QEMU_ELF, ROOT, patch_symbol_size, tinyml_host


def test_nothing_running_nothing_plugged_in(tmp_path, private_emulator_state):
    code, out, err = tinyml_host("devices")
    assert code == 0, err
    assert "no emulated board running" in out
    dest = tmp_path / "d.json"
    code, out, err = tinyml_host("devices", "--json", dest)
    assert code == 0, err
    found = json.loads(dest.read_text())
    assert found["emulators"] == []
    assert all(row["vid"] is not None for row in found["serial"])  # only USB ports are listed
    code, out, _ = tinyml_host("devices", "--json")
    assert json.loads(out)["emulators"] == []


def test_the_flashed_firmware_is_what_every_command_uses(tmp_path, private_emulator_state):
    if shutil.which("qemu-system-arm") is None or not QEMU_ELF.is_file():
        pytest.fail("needs qemu-system-arm and build/qemu/firmware.elf: run `make qemu`", pytrace=False)
    # the firmware with its recorded heap size changed (the code is the same: it boots as usual)
    firmware = tmp_path / "fw" / "custom.elf"
    firmware.parent.mkdir()
    firmware.write_bytes(patch_symbol_size(QEMU_ELF.read_bytes(), "gc_heap", 123_456))
    code, out, err = tinyml_host("flash", "--board", "qemu", "--firmware", firmware, "--json", cwd=tmp_path)
    assert code == 0, err
    (flashed,) = json.loads(out)["results"]
    pty = flashed["port"]

    def running():
        code, out, err = tinyml_host("emulator", "status")
        assert code == 0, err
        return re.sub(r"up \d+ s", "", out)  # pid, pty, firmware, flash image

    status = running()
    assert pty in status and str(firmware) in status

    code, out, err = tinyml_host("inspect", GESTURE, "--board", "qemu", "--json")
    assert code == 0, err
    assert json.loads(out)["boards"][0]["heap_bytes"] == 123_456  # the running board's firmware, read

    script = tmp_path / "where.py"
    script.write_text("import os, sys\nprint(sys.implementation._machine, sorted(os.listdir('/')))\n")
    code, out, err = tinyml_host("deploy", GESTURE)
    assert code == 0, err
    code, out, err = tinyml_host("run", script)
    assert code == 0, err
    assert "Cortex-M3" in out and "gesture.tflite" in out

    x = np.load(ROOT / "models" / "gesture" / "test_x.npy")[:20]
    np.save(tmp_path / "x.npy", x)
    dest = tmp_path / "v.json"
    code, out, err = tinyml_host("validate", GESTURE, "--data", tmp_path / "x.npy", "--json", dest, "--no-progress")
    assert code == 0, err
    report = json.loads(dest.read_text())
    assert report["summary"]["windows"] == 20 and report["summary"]["bit_exact"] == 20
    assert running() == status  # the same board throughout: same pid, pty, firmware

    code, out, err = tinyml_host("devices", "--json")
    assert code == 0, err
    (emu,) = json.loads(out)["emulators"]
    assert (emu["board"], emu["port"], emu["firmware"], emu["kept"]) == ("qemu", pty, str(firmware), True)
    version, ops = unix_tinyml_info()
    assert emu["running"]["tinyml"] == version and emu["running"]["ops"] == len(ops)
    assert "Cortex-M3" in emu["running"]["machine"]
    code, text, err = tinyml_host("devices")
    assert code == 0 and f"qemu  {pty}" in text and f"tinyml {version}" in text
