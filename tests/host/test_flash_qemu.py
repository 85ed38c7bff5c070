"""`tinyml-host flash --board qemu`: boots the emulated board with the firmware and reports what
it runs, like a flashed board. Needs qemu-system-arm and build/qemu/firmware.elf (`make qemu`,
which `make test` runs before these tests)."""

import shutil
from pathlib import Path

import pytest

from flashutil import run_flash, run_flash_json, unix_tinyml_info

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "build" / "qemu" / "firmware.elf"


def test_flash_boots_the_emulated_board_and_reports_tinyml(tmp_path, private_emulator_state):
    if shutil.which("qemu-system-arm") is None or not FIRMWARE.is_file():
        pytest.fail("needs qemu-system-arm and build/qemu/firmware.elf: run `make qemu`", pytrace=False)
    code, summary, err, secs = run_flash_json(["--board", "qemu"], tmp_path)
    assert code == 0, err
    r = summary["results"][0]
    assert r["ok"] and r["method"] == "emulator" and r["firmware"] == str(FIRMWARE)
    assert r["port"].startswith("/dev/pts/")
    version, ops = unix_tinyml_info()  # the same tinyml sources as the Unix port
    assert r["board_info"]["tinyml"] == version and r["board_info"]["ops"] == ops
    assert "Cortex-M3" in r["board_info"]["banner"]
    assert secs < 40


def test_flash_qemu_refuses_what_does_not_apply(tmp_path, private_emulator_state):
    code, _, err, _ = run_flash(["--board", "qemu", "--port", "/dev/ttyUSB0"], tmp_path)
    assert code == 2 and "takes no --port" in err
    not_elf = tmp_path / "firmware.bin"
    not_elf.write_bytes(b"\0" * 64)
    code, _, err, _ = run_flash(["--board", "qemu", "--firmware", not_elf], tmp_path)
    assert code == 2 and "is not an ELF file" in err
