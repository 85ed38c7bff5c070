"""The board registry (tinyml_host.boards) as the commands use it: one list of names for flash and
inspect, ESP chip data that is esptool's, memory read from the firmware built here, and
`--json [FILE]` that writes what stdout would show."""

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from flashutil import run_flash, run_flash_json
from tinyml_host import boards, cli, flash_esp32
from tinyml_host.boards import BOARDS
from tinyml_host.errors import TinymlError

ROOT = Path(__file__).resolve().parents[2]
GESTURE = ROOT / "models" / "gesture" / "gesture.tflite"
QEMU_ELF = ROOT / "build" / "qemu" / "firmware.elf"


def tinyml_host(*args, cwd=None, timeout=120):
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", *map(str, args)], capture_output=True,
                       text=True, timeout=timeout, env=dict(os.environ), cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def _choices(command: str, option: str) -> list[str]:
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    action = next(a for a in sub.choices[command]._actions if option in a.option_strings)
    return list(action.choices)


def test_flash_and_inspect_take_the_same_board_names():
    assert _choices("flash", "--board") == _choices("inspect", "--board") == list(BOARDS)
    assert {"esp32", "esp32s2", "esp32s3", "esp32c3", "rp2040", "pico", "qemu"} <= set(BOARDS)


def test_esp_chip_data_is_esptools():
    from esptool.loader import ESPLoader
    from esptool.targets import CHIP_DEFS

    assert boards.ESPRESSIF_VID == ESPLoader.ESPRESSIF_VID
    for spec in BOARDS.values():
        if spec.family != "esp32":
            continue
        target = CHIP_DEFS[spec.esptool_name]
        assert spec.chip == target.CHIP_NAME
        # an image for this chip passes our check at esptool's offset, one for the next chip does not
        offset = target.BOOTLOADER_FLASH_OFFSET
        image = bytearray(0x10000 - offset + 64)
        image[0] = 0xE9
        struct.pack_into("<H", image, 12, target.IMAGE_CHIP_ID)
        image[0x8000 - offset:0x8000 - offset + 2] = b"\xaa\x50"
        info = flash_esp32.inspect_image(bytes(image), spec.name)
        assert (info.offset, info.chip_name) == (offset, target.CHIP_NAME)
    c3 = bytearray(64)
    c3[0] = 0xE9
    struct.pack_into("<H", c3, 12, CHIP_DEFS["esp32c3"].IMAGE_CHIP_ID)
    with pytest.raises(TinymlError) as e:
        flash_esp32.inspect_image(bytes(c3), "esp32s3")
    assert "built for ESP32-C3, not ESP32-S3" in e.value.what and "--board esp32c3" in e.value.hint


def test_usb_ids_and_machine_names_pick_the_board():
    assert [b.name for b in boards.boards_for_usb(0x2E8A, 0x0005)] == ["rp2040"]
    assert boards.boards_for_usb(0x2E8A, 0x0003) == []  # the Pico's boot ROM, not MicroPython
    bridge = [b.name for b in boards.boards_for_usb(0x10C4, 0xEA60)]
    assert bridge == ["esp32", "esp32s2", "esp32s3", "esp32c3"]
    assert [b.name for b in boards.boards_for_machine("Generic ESP32S3 module with ESP32S3")] == ["esp32s3"]
    assert [b.name for b in boards.boards_for_machine("Generic ESP32 module with ESP32")] == ["esp32"]
    assert [b.name for b in boards.boards_for_machine("Raspberry Pi Pico with RP2040")] == ["rp2040"]


def test_inspect_esp32c3_gives_that_chips_figures(tmp_path):
    code, out, err = tinyml_host("inspect", GESTURE, "--board", "esp32c3", "--json")
    assert code == 0, err
    (fit,) = json.loads(out)["boards"]
    mem = BOARDS["esp32c3"].memory
    assert (fit["board"], fit["chip"], fit["family"]) == ("esp32c3", "ESP32-C3", "esp32")
    assert fit["heap_bytes"] == mem.heap_bytes and fit["storage_bytes"] == mem.storage_bytes
    assert fit["ram_bytes"] == 400 * 1024
    assert fit["ram_margin"] == mem.heap_bytes - mem.reserve_bytes - fit["ram_needed"]
    # --json FILE: the same report in the file, the text report on stdout
    dest = tmp_path / "r.json"
    code, text, err = tinyml_host("inspect", GESTURE, "--board", "esp32c3", "--json", dest)
    assert code == 0, err
    assert json.loads(dest.read_text()) == json.loads(out)
    assert "board esp32c3: ESP32-C3" in text
    code, _, err = tinyml_host("inspect", GESTURE, "--json", tmp_path / "missing" / "r.json")
    assert code == 2 and "folder" in err and "does not exist" in err


def patch_symbol_size(elf: bytes, name: str, size: int) -> bytes:
    """The ELF with symbol `name`'s st_size set to `size` (its code and data unchanged)."""
    data = bytearray(elf)
    shoff = struct.unpack_from("<I", data, 32)[0]
    shentsize, shnum = struct.unpack_from("<HH", data, 46)
    for i in range(shnum):
        _, sh_type, _, _, offset, sec_size, link, _, _, _ = struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize)
        if sh_type != 2:
            continue
        strtab = struct.unpack_from("<I", data, shoff + link * shentsize + 16)[0]
        for j in range(sec_size // 16):
            st_name = struct.unpack_from("<I", data, offset + 16 * j)[0]
            if data[strtab + st_name:strtab + st_name + len(name) + 1] == name.encode() + b"\0":
                struct.pack_into("<I", data, offset + 16 * j + 8, size)
                return bytes(data)
    raise AssertionError(f"no symbol {name}")


def test_qemu_heap_is_read_from_the_firmware(tmp_path):
    if not QEMU_ELF.is_file():
        pytest.fail("no build/qemu/firmware.elf: run `make qemu`", pytrace=False)
    elf = tmp_path / "heap.elf"
    elf.write_bytes(patch_symbol_size(QEMU_ELF.read_bytes(), "gc_heap", 123_456))
    assert boards.firmware_heap(BOARDS["qemu"], elf) == 123_456
    assert boards.firmware_heap(BOARDS["rp2040"], tmp_path / "none.elf") is None


def test_flash_port_all_json_with_no_board(tmp_path):
    if boards.find_ports(BOARDS["esp32c3"]):
        pytest.skip("a USB serial board is plugged into this machine")
    code, summary, err, _ = run_flash_json(["--board", "esp32c3", "--port", "all"], tmp_path)
    assert code == 3
    assert summary["ok"] is False and summary["results"] == [] and summary["board"] == "esp32c3"
    assert "no ESP32-C3 board found" in summary["error"] and summary["hint"]
    dest = tmp_path / "flash.json"
    code, out, err, _ = run_flash(["--board", "esp32c3", "--port", "all", "--json", dest], tmp_path)
    assert code == 3 and json.loads(dest.read_text()) == summary
    assert "no ESP32-C3 board found" in err


def test_convert_json_file_is_checked_before_converting(tmp_path):
    code, _, err = tinyml_host("convert", ROOT / "models" / "gesture" / "gesture.keras", "--calibration",
                               ROOT / "models" / "gesture" / "calibration.npy", "-o", tmp_path / "g.tflite",
                               "--json", tmp_path / "no" / "such" / "out.json")
    assert code == 2 and "--json file" in err and "does not exist" in err
    assert not (tmp_path / "g.tflite").exists()


def test_firmware_is_for_emulated_boards_only(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    code, _, err = tinyml_host("run", script, "--port", "/dev/ttyUSB9", "--firmware", QEMU_ELF)
    assert code == 2 and "--firmware is for an emulated board" in err and "tinyml-host flash" in err


def test_qemu_fallback_heap_is_build_shs_default():
    """Without any emulator firmware to read, inspect uses firmware/qemu/build.sh's default heap."""
    import re

    text = (ROOT / "firmware" / "qemu" / "build.sh").read_text()
    assert int(re.search(r'HEAP="\$\{QEMU_HEAP:-(\d+)\}"', text).group(1)) == boards.QEMU_DEFAULT_HEAP
    assert BOARDS["qemu"].memory.heap_bytes == boards.QEMU_DEFAULT_HEAP
