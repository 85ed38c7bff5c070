"""`tinyml-host flash --board rp2040` against a simulated RP2040: the boot ROM's USB drive is a
folder with INFO_UF2.TXT (fake_board.Rp2040Drive), the board running MicroPython a pty
(fake_board.MicroPythonRepl, executing code in the Unix port with tinyml)."""

import os
import random
import sys

import pytest

from fake_board import MicroPythonRepl, PtyDevice, Rp2040Drive
from flashutil import UNIX_MICROPYTHON, run_flash, run_flash_json, unix_tinyml_info
from tinyml_host import uf2
from tinyml_host.flash_rp2040 import PICO_FLASH_SIZE


@pytest.fixture
def firmware(tmp_path):
    data = uf2.make_uf2(random.Random(5).randbytes(150_000))
    path = tmp_path / "firmware.uf2"
    path.write_bytes(data)
    return path


@pytest.fixture
def drive(tmp_path):
    d = Rp2040Drive(tmp_path / "RPI-RP2")
    d.mount()
    d.start()
    yield d
    d.close()


def test_copies_exactly_the_firmware_to_the_bootsel_drive(tmp_path, firmware, drive):
    code, summary, err, secs = run_flash_json(["--board", "rp2040", "--drive", drive.folder,
                                               "--firmware", firmware, "--timeout", "1"], tmp_path)
    assert code == 0, err
    r = summary["results"][0]
    assert summary["ok"] and r["ok"] and r["method"] == "uf2 drive" and r["drive"] == str(drive.folder)
    assert (drive.folder / "firmware.uf2").read_bytes() == firmware.read_bytes()
    assert drive.received == firmware.read_bytes()  # the simulated ROM took it and rebooted
    assert r["written_bytes"] == firmware.stat().st_size
    # No serial port to check the board with: a warning, not a failure.
    assert "no new MicroPython serial port appeared" in err
    assert secs < 10


def test_refuses_a_uf2_for_another_family_before_touching_the_drive(tmp_path, drive):
    other = tmp_path / "esp32s3.uf2"
    other.write_bytes(uf2.make_uf2(b"\x55" * 4096, family=0xC47E5767))
    code, out, err, _ = run_flash(["--board", "rp2040", "--drive", drive.folder, "--firmware", other], tmp_path)
    assert code == 2
    assert "wrong family: block 0 (at byte 0) is for ESP32-S3 (0xc47e5767), not RP2040" in err
    assert list(drive.folder.glob("*.uf2")) == []


def test_refuses_a_truncated_uf2(tmp_path, firmware, drive):
    cut = tmp_path / "cut.uf2"
    cut.write_bytes(firmware.read_bytes()[:-512])
    code, out, err, _ = run_flash(["--board", "rp2040", "--drive", drive.folder, "--firmware", cut], tmp_path)
    assert code == 2 and "truncated: has 585 of the 586 blocks it announces" in err
    assert list(drive.folder.glob("*.uf2")) == []


def test_refuses_a_drive_that_is_not_an_rp2040_bootloader(tmp_path, firmware):
    rp2350 = Rp2040Drive(tmp_path / "RP2350", board_id="RP2350")
    rp2350.mount()
    code, out, err, _ = run_flash(["--board", "rp2040", "--drive", rp2350.folder, "--firmware", firmware], tmp_path)
    assert code == 3 and "is not an RP2040 bootloader drive: its INFO_UF2.TXT says Board-ID RP2350" in err
    assert list(rp2350.folder.glob("*.uf2")) == []

    plain = tmp_path / "USBSTICK"
    plain.mkdir()
    code, out, err, _ = run_flash(["--board", "rp2040", "--drive", plain, "--firmware", firmware], tmp_path)
    assert code == 3 and f"no RP2040 board found: {plain} has no INFO_UF2.TXT" in err
    assert list(plain.iterdir()) == []


def test_erase_covers_the_whole_flash(tmp_path, firmware, drive):
    code, summary, err, _ = run_flash_json(["--board", "rp2040", "--drive", drive.folder, "--firmware", firmware,
                                            "--erase", "--no-wait"], tmp_path)
    assert code == 0, err
    written = (drive.folder / "firmware.uf2").read_bytes()
    r = summary["results"][0]
    assert r["erased"] and r["firmware_bytes"] == firmware.stat().st_size and r["written_bytes"] == len(written)
    info = uf2.validate_rp2040(written, flash_size=PICO_FLASH_SIZE)
    assert (info.start, info.end) == (0x10000000, 0x10000000 + PICO_FLASH_SIZE)
    pages = uf2.to_flash(written)
    original = uf2.to_flash(firmware.read_bytes())
    assert all(pages[a] == p for a, p in original.items())
    assert all(p == b"\xff" * 256 for a, p in pages.items() if a not in original)


def test_running_board_is_rebooted_into_bootsel_flashed_and_checked(tmp_path, firmware):
    """The whole path: a Pico running MicroPython on a serial port, no drive mounted yet."""
    dev = PtyDevice(tmp_path, "ttyACM0")
    drive = Rp2040Drive(tmp_path / "RPI-RP2")
    (tmp_path / "RPI-RP2").mkdir()
    repl = MicroPythonRepl(dev, UNIX_MICROPYTHON, "Raspberry Pi Pico with RP2040")

    def on_exec(code):
        if "machine.bootloader()" in code:  # the board resets into the boot ROM
            dev.unplug()
            drive.mount()
            return None, b""
        return None

    def on_reboot():  # the boot ROM took the UF2 and started the new firmware
        dev.replug()
        repl.boot()

    repl.on_exec = on_exec
    drive.on_reboot = on_reboot
    dev.handler = repl.feed
    dev.start()
    drive.start()
    try:
        code, summary, err, secs = run_flash_json(["--board", "rp2040", "--port", dev.port, "--drive", drive.folder,
                                                   "--firmware", firmware], tmp_path)
    finally:
        drive.close()
        dev.close()
    assert code == 0, err
    assert any("machine.bootloader()" in c for c in repl.executed)
    assert drive.received == firmware.read_bytes()
    r = summary["results"][0]
    version, ops = unix_tinyml_info()
    assert r["port"] == dev.port
    assert r["board_info"]["tinyml"] == version and r["board_info"]["ops"] == ops
    assert r["board_info"]["banner"].endswith("Raspberry Pi Pico with RP2040")
    assert secs < 20


def test_picotool_when_asked(tmp_path, firmware, monkeypatch):
    """--picotool runs `picotool load -v -x FILE` (a stand-in picotool on PATH records the call)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "picotool-calls.txt"
    fake = bin_dir / "picotool"
    fake.write_text(f"#!{sys.executable}\nimport sys\nopen({str(record)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    code, summary, err, _ = run_flash_json(["--board", "rp2040", "--picotool", "--firmware", firmware, "--no-wait"],
                                           tmp_path)
    assert code == 0, err
    assert record.read_text().split() == ["load", "-v", "-x", str(firmware)]
    assert summary["results"][0]["method"] == "picotool"

    monkeypatch.setenv("PATH", "/nonexistent")
    code, _, err, _ = run_flash(["--board", "rp2040", "--picotool", "--firmware", firmware, "--no-wait"], tmp_path)
    assert code == 2 and "picotool is not installed" in err
