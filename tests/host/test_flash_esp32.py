"""`tinyml-host flash --board esp32*` with the real esptool against a simulated ESP32 ROM
bootloader on a pty (esp_rom_sim.EspRomSim): what lands in the simulated flash, the chip checks
made before anything is written, a board that stops answering, busy and missing ports, and
several boards in parallel."""

import random
import struct

import pytest
import serial

from esp_rom_sim import EspRomSim
from flashutil import UNIX_MICROPYTHON, run_flash, run_flash_json, unix_tinyml_info

CHIP_IDS = {"esp32": 0, "esp32s3": 9}
OFFSETS = {"esp32": 0x1000, "esp32s3": 0x0}


def make_firmware(chip, size=160_000, seed=1):
    """A stand-in for MicroPython's firmware.bin: an ESP image header naming the chip (extended
    header's chip id), the partition table where 0x8000 falls, an app image at 0x10000, and
    compressible filler (esptool compresses what it sends to the stub)."""
    rnd = random.Random(seed)
    offset = OFFSETS[chip]
    fw = bytearray(bytes(rnd.choice(b"\x00\x01\x02\x10\x20\x40\x41\xff") for _ in range(size)))
    header = (bytes([0xE9, 1, 2, 0x20]) + struct.pack("<I", 0x40080400) + bytes([0xEE, 0, 0, 0])
              + struct.pack("<HBHH", CHIP_IDS[chip], 0, 0, 0xFFFF) + bytes(5))
    fw[0:len(header)] = header
    pt = 0x8000 - offset
    fw[pt:pt + 32] = b"\xaa\x50" + bytes([0, 0]) + struct.pack("<II", 0x9000, 0x6000) + b"nvs".ljust(16, b"\0") + bytes(4)
    fw[pt + 32:pt + 64] = b"\xff" * 32
    app = 0x10000 - offset
    fw[app:app + len(header)] = header
    return bytes(fw)


@pytest.fixture
def sim_factory(tmp_path):
    sims = []

    def make(chip="esp32", name="ttyUSB0", **kw):
        sim = EspRomSim(tmp_path, chip=chip, micropython=UNIX_MICROPYTHON, name=name, **kw).start()
        sims.append(sim)
        return sim

    yield make
    for s in sims:
        s.close()


def write_fw(tmp_path, chip, **kw):
    path = tmp_path / f"firmware-{chip}.bin"
    path.write_bytes(make_firmware(chip, **kw))
    return path


@pytest.mark.parametrize("chip", ["esp32", "esp32s3"])
def test_flash_lands_at_the_chips_offset_and_the_board_reports_tinyml(tmp_path, sim_factory, chip):
    sim = sim_factory(chip)
    fw = write_fw(tmp_path, chip)
    data = fw.read_bytes()
    code, summary, err, secs = run_flash_json(["--board", chip, "--port", sim.port, "--firmware", fw], tmp_path)
    assert code == 0, err
    off = OFFSETS[chip]
    assert bytes(sim.flash[off:off + len(data)]) == data
    assert set(sim.flash[:off]) <= {0xFF} and set(sim.flash[off + len(data):off + len(data) + 0x1000]) == {0xFF}
    # The real protocol path: ROM sync, stub upload and start, compressed write, MD5 check, boot.
    for cmd in ("SYNC", "MEM_END", "SPI_SET_PARAMS",
                "FLASH_DEFL_BEGIN", "FLASH_DEFL_DATA", "FLASH_DEFL_END", "SPI_FLASH_MD5", "BOOT"):
        assert cmd in sim.log, f"{cmd} not sent: {sorted(set(sim.log))}"
    r = summary["results"][0]
    assert summary["ok"] and r["ok"] and r["chip"] == {"esp32": "ESP32", "esp32s3": "ESP32-S3"}[chip]
    assert r["offset"] == off and r["written_bytes"] == len(data)
    assert r["verified"].startswith("md5 ")
    version, ops = unix_tinyml_info()
    assert r["board_info"]["tinyml"] == version and r["board_info"]["ops"] == ops
    assert "MicroPython v1.25.0" in r["board_info"]["banner"]
    assert secs < 15


def test_text_output(tmp_path, sim_factory):
    sim = sim_factory("esp32")
    fw = write_fw(tmp_path, "esp32", size=70_000)
    code, out, err, _ = run_flash(["--board", "esp32", "--port", sim.port, "--firmware", fw, "--erase"], tmp_path)
    assert code == 0, err
    assert "ERASE_FLASH" in sim.log
    lines = out.splitlines()
    assert lines[0].startswith(f"flashed esp32 on {sim.port}: {fw} (70000 bytes at 0x1000")
    assert "  chip: ESP32, flash erased first" in lines
    assert any(line.startswith("  tinyml ") and " ops: " in line for line in lines)


def test_firmware_for_another_chip_is_refused_before_connecting(tmp_path, sim_factory):
    sim = sim_factory("esp32")
    fw = write_fw(tmp_path, "esp32s3")
    code, out, err, _ = run_flash(["--board", "esp32", "--port", sim.port, "--firmware", fw], tmp_path)
    assert code == 2
    assert "wrong chip: firmware-esp32s3.bin is built for ESP32-S3, not ESP32 (flash it with --board esp32s3)" in err
    assert sim.log == [] and set(sim.flash) == {0xFF}


def test_board_with_another_chip_is_refused_before_writing(tmp_path, sim_factory):
    sim = sim_factory("esp32")  # an ESP32 on the port, but an ESP32-S3 firmware and --board
    fw = write_fw(tmp_path, "esp32s3")
    code, out, err, _ = run_flash(["--board", "esp32s3", "--port", sim.port, "--firmware", fw], tmp_path)
    assert code == 2
    assert "wrong chip: the board on" in err and "is an ESP32, but --board esp32s3" in err
    assert "SYNC" in sim.log and sim.writes == [] and set(sim.flash) == {0xFF}


def test_not_a_full_firmware_image(tmp_path, sim_factory):
    sim = sim_factory("esp32")
    app_only = tmp_path / "micropython.bin"
    app_only.write_bytes(make_firmware("esp32")[:0x1000] + b"\xff" * 0x8000)
    code, _, err, _ = run_flash(["--board", "esp32", "--port", sim.port, "--firmware", app_only], tmp_path)
    assert code == 2 and "has no partition table at flash address 0x8000" in err
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    code, _, err, _ = run_flash(["--board", "esp32", "--port", sim.port, "--firmware", bad], tmp_path)
    assert code == 2 and "is not an ESP32 firmware image" in err
    assert sim.log == []


def test_board_that_stops_answering_mid_write(tmp_path, sim_factory):
    sim = sim_factory("esp32", hang_at=("FLASH_DEFL_DATA", 3))
    fw = write_fw(tmp_path, "esp32")
    code, out, err, secs = run_flash(["--board", "esp32", "--port", sim.port, "--firmware", fw], tmp_path)
    assert code == 3
    assert f"the board on {sim.port} stopped answering while writing the flash" in err
    assert secs < 20


def test_no_bootloader_answering(tmp_path, sim_factory):
    sim = sim_factory("esp32", hang_at=("SYNC", 1))
    fw = write_fw(tmp_path, "esp32")
    code, out, err, secs = run_flash(["--board", "esp32", "--port", sim.port, "--firmware", fw], tmp_path)
    assert code == 3 and f"no ESP32 bootloader answered on {sim.port}" in err and "hold BOOT" in err
    assert secs < 20


def test_busy_and_missing_ports(tmp_path, sim_factory):
    sim = sim_factory("esp32")
    fw = write_fw(tmp_path, "esp32")
    holder = serial.Serial(sim.port, exclusive=True)  # e.g. a serial monitor left open
    try:
        code, _, err, _ = run_flash(["--board", "esp32", "--port", sim.port, "--firmware", fw], tmp_path)
    finally:
        holder.close()
    assert code == 3 and f"port busy: {sim.port} is in use by another program" in err
    assert sim.log == []
    code, _, err, _ = run_flash(["--board", "esp32", "--port", tmp_path / "ttyUSB9", "--firmware", fw], tmp_path)
    assert code == 3 and "no such serial port" in err


def test_several_boards_in_parallel(tmp_path, sim_factory):
    sims = [sim_factory("esp32", name=f"ttyUSB{i}") for i in range(3)]
    sims[2].hang_at = ("SYNC", 1)  # the third board is dead
    fw = write_fw(tmp_path, "esp32")
    data = fw.read_bytes()
    args = ["--board", "esp32", "--firmware", fw]
    for s in sims:
        args += ["--port", s.port]
    code, summary, err, secs = run_flash_json(args, tmp_path)
    assert code == 3 and not summary["ok"]
    by_port = {r["port"]: r for r in summary["results"]}
    for s in sims[:2]:
        assert by_port[s.port]["ok"] and bytes(s.flash[0x1000:0x1000 + len(data)]) == data
        assert by_port[s.port]["board_info"]["tinyml"]
    dead = by_port[sims[2].port]
    assert not dead["ok"] and "no ESP32 bootloader answered" in dead["error"] and dead["exit_code"] == 3
    assert secs < 25


def test_firmware_written_but_board_never_starts_it(tmp_path):
    """The write succeeds, but after the reset nothing answers (no MicroPython REPL): a clear
    error within --timeout saying that the write itself went through."""
    sim = EspRomSim(tmp_path, chip="esp32", micropython=None).start()  # boots into silence
    try:
        fw = write_fw(tmp_path, "esp32")
        code, out, err, secs = run_flash(["--board", "esp32", "--port", sim.port, "--firmware", fw,
                                          "--timeout", "3"], tmp_path)
    finally:
        sim.close()
    assert code == 3
    assert "the firmware was written, but the board did not start it as expected" in err
    assert "did not answer within 3 s (no output at all)" in err
    assert bytes(sim.flash[0x1000:0x1000 + fw.stat().st_size]) == fw.read_bytes()
    assert secs < 15


def test_no_board_plugged_in(tmp_path, monkeypatch):
    """No --port and no USB serial port of an ESP32 board (none on a CI machine): a clear error."""
    from tinyml_host.boards import BOARDS, find_ports

    if find_ports(BOARDS["esp32"]):
        pytest.skip("a USB serial board is plugged into this machine")
    fw = write_fw(tmp_path, "esp32")
    code, _, err, _ = run_flash(["--board", "esp32", "--firmware", fw], tmp_path)
    assert code == 3 and "no ESP32 board found on a USB serial port" in err
    code, _, err, _ = run_flash(["--board", "esp32", "--firmware", fw, "--port", "all"], tmp_path)
    assert code == 3 and "--port all: no ESP32 board found" in err
