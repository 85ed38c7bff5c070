"""`tinyml-host devices`, and the emulated board that `flash --board qemu --firmware F` leaves
running used by every command given no --port (issue 14). Needs qemu-system-arm and
build/qemu/firmware.elf (`make qemu`)."""

import json
import re
import shutil
import time

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


def test_serial_boards_are_named_by_usb_id_and_by_what_they_run(tmp_path, monkeypatch):
    """Three USB serial ports (simulated on ptys): an ESP32-S3 on Espressif's USB running our
    firmware (the machine name picks esp32s3 among the chips of that USB id), a CP210x bridge whose
    board does not answer, and a USB device that is not a board (never written to)."""
    from types import SimpleNamespace

    from fake_board import MicroPythonRepl, PtyDevice
    from flashutil import UNIX_MICROPYTHON
    from tinyml_host import devices, serial_ports

    s3 = PtyDevice(tmp_path, "ttyACM0")
    repl = MicroPythonRepl(s3, UNIX_MICROPYTHON, "Generic ESP32S3 module with ESP32S3")
    s3.handler = repl.feed
    silent = PtyDevice(tmp_path, "ttyUSB0")
    other = PtyDevice(tmp_path, "ttyUSB1")
    written = []
    other.handler = written.append
    for dev in (s3, silent, other):
        dev.start()
    ports = [SimpleNamespace(device=s3.port, vid=0x303A, pid=0x1001, description="USB JTAG/serial debug unit",
                             serial_number="S3"),
             SimpleNamespace(device=silent.port, vid=0x10C4, pid=0xEA60, description="CP2102 USB to UART",
                             serial_number="CP"),
             SimpleNamespace(device=other.port, vid=0x046D, pid=0xC52B, description="a USB receiver",
                             serial_number=None),
             SimpleNamespace(device="/dev/ttyS0", vid=None, pid=None, description="n/a", serial_number=None)]
    monkeypatch.setattr(serial_ports, "list_ports", lambda: ports)
    try:
        t0 = time.monotonic()
        rows = {r["port"]: r for r in devices.serial_boards(query=True, timeout=2.0)}
        secs = time.monotonic() - t0
    finally:
        for dev in (s3, silent, other):
            dev.close()
    assert set(rows) == {s3.port, silent.port, other.port}  # the PC's own UART is no USB board
    version, ops = unix_tinyml_info()
    board = rows[s3.port]
    assert board["usb_id"] == "303a:1001" and board["board"] == "esp32s3"
    assert board["boards"] == ["esp32", "esp32s2", "esp32s3", "esp32c3"]
    assert board["running"]["tinyml"] == version and board["running"]["ops"] == len(ops)
    assert board["running"]["banner"].endswith("with ESP32S3")
    quiet = rows[silent.port]
    assert quiet["board"] is None and quiet["running"] is None and "did not answer within 2 s" in quiet["error"]
    assert rows[other.port]["boards"] == [] and rows[other.port]["error"] is None and not written
    assert secs < 4  # asked in parallel, each within its deadline
    text = devices.format_devices({"serial": list(rows.values()), "emulators": []})
    assert f"{s3.port}  303a:1001  USB JTAG/serial debug unit  -> esp32s3" in text
    assert "-> one of esp32, esp32s2, esp32s3, esp32c3" in text and "(not a board tinyml-host knows)" in text
