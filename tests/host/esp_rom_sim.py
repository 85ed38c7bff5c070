"""A simulated ESP32 / ESP32-S3 ROM serial bootloader on a pty, for testing `tinyml-host flash`
with the real esptool (a test utility; no hardware).

It speaks Espressif's serial protocol as esptool v5 uses it: SLIP framing; requests
(0x00, op, len, checksum, data) answered by (0x01, op, len, value, data + status). The ROM's
status is 4 bytes (ESP32 and later), the flasher stub's 2. Implemented:

  SYNC (8 answers, as the ROM does), READ_REG / WRITE_REG over a register file that answers chip
  detection (the magic value at 0x40001000 on ESP32; GET_SECURITY_INFO with the chip id on S3),
  eFuses (all zero: revision 0, no secure boot or flash encryption) and the SPI flash controller
  (a user command completes at once; W0 returns the JEDEC id of a 4 MB flash: RDID), SPI_ATTACH,
  SPI_SET_PARAMS, MEM_BEGIN/DATA/END (the stub upload; MEM_END with an entry point answers
  "OHAI" and switches to the stub), CHANGE_BAUDRATE, FLASH_BEGIN/DATA/END (ROM, uncompressed),
  FLASH_DEFL_BEGIN/DATA/END (stub, zlib), SPI_FLASH_MD5 (32 hex digits from the ROM, 16 bytes
  from the stub), ERASE_FLASH, ERASE_REGION, RUN_USER_CODE; anything else gets the ROM's
  "invalid command" status.

After a complete, verified write (or RUN_USER_CODE) and a quiet moment the chip "resets" and runs
MicroPython: a MicroPythonRepl (fake_board.py) answers on the same pty. Faults: `hang_at=(op
name, n)` stops answering from the n-th such command on (a board that died mid-write).
The simulated flash is `sim.flash` (a bytearray, 0xFF when erased); `sim.log` lists the commands.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import time
import zlib
from pathlib import Path

from fake_board import MicroPythonRepl, PtyDevice

OPS = {
    0x02: "FLASH_BEGIN", 0x03: "FLASH_DATA", 0x04: "FLASH_END", 0x05: "MEM_BEGIN", 0x06: "MEM_END",
    0x07: "MEM_DATA", 0x08: "SYNC", 0x09: "WRITE_REG", 0x0A: "READ_REG", 0x0B: "SPI_SET_PARAMS",
    0x0D: "SPI_ATTACH", 0x0E: "READ_FLASH_SLOW", 0x0F: "CHANGE_BAUDRATE", 0x10: "FLASH_DEFL_BEGIN",
    0x11: "FLASH_DEFL_DATA", 0x12: "FLASH_DEFL_END", 0x13: "SPI_FLASH_MD5", 0x14: "GET_SECURITY_INFO",
    0xD0: "ERASE_FLASH", 0xD1: "ERASE_REGION", 0xD3: "RUN_USER_CODE",
}

CHIPS = {
    # magic value at 0x40001000, image chip id (None: no GET_SECURITY_INFO), SPI0 base, W0 offset
    "esp32": {"name": "ESP32", "magic": 0x00F01D83, "chip_id": None, "spi": 0x3FF42000, "w0": 0x80,
              "machine": "Generic ESP32 module with ESP32"},
    "esp32s3": {"name": "ESP32-S3", "magic": 0x00000009, "chip_id": 9, "spi": 0x60002000, "w0": 0x58,
                "machine": "Generic ESP32S3 module with ESP32S3"},
}
FLASH_ID = 0x1640EF  # Winbond, 4 MB (0x16)
ESP_CHECKSUM_MAGIC = 0xEF


def slip_encode(data: bytes) -> bytes:
    return b"\xc0" + data.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


class EspRomSim:
    def __init__(self, link_dir: Path, chip: str = "esp32", micropython: Path | None = None,
                 flash_size: int = 4 * 1024 * 1024, hang_at: tuple[str, int] | None = None,
                 boot_delay: float = 0.3, name: str = "ttyUSB0") -> None:
        self.chip = CHIPS[chip]
        self.flash = bytearray(b"\xff" * flash_size)
        self.regs: dict[int, int] = {}
        self.log: list[str] = []
        self.mode = "rom"  # rom -> stub -> micropython; "dead" after a hang
        self.hang_at = hang_at
        self.boot_delay = boot_delay
        self.counts: dict[str, int] = {}
        self._frame: bytearray | None = None
        self._escape = False
        self._write: dict | None = None
        self._verified_at: float | None = None
        self._lock = threading.Lock()
        self.dev = PtyDevice(link_dir, name)
        self.port = self.dev.port
        self.repl = MicroPythonRepl(self.dev, micropython, self.chip["machine"]) if micropython else None
        self.dev.handler = self._on_data
        self._timer = threading.Thread(target=self._watch_boot, daemon=True)
        self._stop = threading.Event()

    def start(self) -> "EspRomSim":
        self.dev.start()
        self._timer.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self.dev.close()

    def __enter__(self) -> "EspRomSim":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def writes(self) -> list[str]:
        return [c for c in self.log if c in ("FLASH_BEGIN", "FLASH_DATA", "FLASH_DEFL_BEGIN", "FLASH_DEFL_DATA",
                                             "ERASE_FLASH", "ERASE_REGION")]

    # --- the chip resetting into the firmware after a verified write ---------------------
    def _watch_boot(self) -> None:
        while not self._stop.wait(0.05):
            with self._lock:
                if (self.mode in ("rom", "stub") and self._verified_at is not None
                        and time.monotonic() - self._verified_at > self.boot_delay):
                    self._boot()

    def _boot(self) -> None:
        self.mode = "micropython"
        self.log.append("BOOT")
        if self.repl is not None:
            self.repl.boot()

    # --- SLIP ----------------------------------------------------------------------------
    def _on_data(self, data: bytes) -> None:
        with self._lock:
            if self.mode == "micropython":
                if self.repl is not None:
                    self.repl.feed(data)
                return
            if self.mode == "dead":
                return
            for b in data:
                if self._frame is None:
                    if b == 0xC0:
                        self._frame = bytearray()
                    continue
                if self._escape:
                    self._frame.append({0xDC: 0xC0, 0xDD: 0xDB}.get(b, b))
                    self._escape = False
                elif b == 0xDB:
                    self._escape = True
                elif b == 0xC0:
                    frame, self._frame = bytes(self._frame), None
                    if not frame:  # two delimiters in a row: the second starts a frame
                        self._frame = bytearray()
                        continue
                    self._command(frame)
                    if self.mode != "rom" and self.mode != "stub":
                        return
                else:
                    self._frame.append(b)

    def _reply(self, op: int, value: int = 0, data: bytes = b"", status: int = 0, error: int = 0) -> None:
        status_bytes = bytes([status, error]) + (b"\0\0" if self.mode == "rom" else b"")
        body = data + status_bytes
        self.dev.send(slip_encode(struct.pack("<BBHI", 1, op, len(body), value) + body))

    # --- commands ------------------------------------------------------------------------
    def _command(self, frame: bytes) -> None:
        if len(frame) < 8 or frame[0] != 0:
            return
        _d, op, size, chk = struct.unpack_from("<BBHI", frame)
        data = frame[8:8 + size]
        name = OPS.get(op, f"0x{op:02x}")
        self.log.append(name)
        self.counts[name] = self.counts.get(name, 0) + 1
        if self.hang_at and name == self.hang_at[0] and self.counts[name] >= self.hang_at[1]:
            self.mode = "dead"
            return
        handler = getattr(self, "_op_" + name, None)
        if handler is None:
            self._reply(op, status=1, error=0x05)  # the ROM's "invalid command"
            return
        handler(op, data, chk)

    def _op_SYNC(self, op, data, chk):
        for _ in range(8):
            self._reply(op, value=0x20120707 if self.mode == "rom" else 0)

    def _read_reg(self, addr: int) -> int:
        c = self.chip
        if addr == 0x40001000:
            return c["magic"]
        if addr == c["spi"]:  # SPI_CMD_REG: the user command has completed
            return 0
        if addr == c["spi"] + c["w0"]:
            return FLASH_ID
        return self.regs.get(addr, 0)

    def _op_READ_REG(self, op, data, chk):
        (addr,) = struct.unpack_from("<I", data)
        self._reply(op, value=self._read_reg(addr))

    def _op_WRITE_REG(self, op, data, chk):
        addr, value, mask, _delay = struct.unpack_from("<IIII", data)
        self.regs[addr] = (self.regs.get(addr, 0) & ~mask) | (value & mask)
        self._reply(op)

    def _op_GET_SECURITY_INFO(self, op, data, chk):
        if self.chip["chip_id"] is None:  # ESP32: not in its ROM
            self._reply(op, status=1, error=0x05)
            return
        # flags u32, flash_crypt_cnt u8, key_purposes 7 x u8, chip_id u32, api_version u32
        self._reply(op, data=struct.pack("<IB7BII", 0, 0, *([0] * 7), self.chip["chip_id"], 0))

    def _op_SPI_ATTACH(self, op, data, chk):
        self._reply(op)

    def _op_SPI_SET_PARAMS(self, op, data, chk):
        self._reply(op)

    def _op_CHANGE_BAUDRATE(self, op, data, chk):
        self._reply(op)

    def _op_MEM_BEGIN(self, op, data, chk):
        self._reply(op)

    def _op_MEM_DATA(self, op, data, chk):
        size, _seq, _z1, _z2 = struct.unpack_from("<IIII", data)
        if self._checksum(data[16:16 + size]) != chk:
            self._reply(op, status=1, error=0x07)
            return
        self._reply(op)

    def _op_MEM_END(self, op, data, chk):
        no_entry, entry = struct.unpack_from("<II", data)
        self._reply(op)
        if not no_entry and entry:
            self.mode = "stub"
            self.dev.send(slip_encode(b"OHAI"))

    @staticmethod
    def _checksum(payload: bytes) -> int:
        state = ESP_CHECKSUM_MAGIC
        for b in payload:
            state ^= b
        return state

    def _erase(self, offset: int, size: int) -> None:
        self.flash[offset:offset + size] = b"\xff" * size

    def _op_FLASH_BEGIN(self, op, data, chk):
        erase_size, _num_blocks, block_size, offset = struct.unpack_from("<IIII", data)
        self._erase(offset, erase_size)
        self._write = {"offset": offset, "block": block_size, "pos": 0}
        self._reply(op)

    def _op_FLASH_DATA(self, op, data, chk):
        size, seq, _z1, _z2 = struct.unpack_from("<IIII", data)
        payload = data[16:16 + size]
        if self._checksum(payload) != chk or self._write is None:
            self._reply(op, status=1, error=0x07)
            return
        at = self._write["offset"] + seq * self._write["block"]
        self.flash[at:at + len(payload)] = payload
        self._reply(op)

    def _op_FLASH_END(self, op, data, chk):
        self._write = None
        self._reply(op)

    def _op_FLASH_DEFL_BEGIN(self, op, data, chk):
        write_size, _num_blocks, _block_size, offset = struct.unpack_from("<IIII", data)
        self._erase(offset, write_size)
        self._write = {"offset": offset, "pos": 0, "z": zlib.decompressobj()}
        self._reply(op)

    def _op_FLASH_DEFL_DATA(self, op, data, chk):
        size, _seq, _z1, _z2 = struct.unpack_from("<IIII", data)
        payload = data[16:16 + size]
        if self._write is None or "z" not in self._write:
            self._reply(op, status=1, error=0x07)
            return
        out = self._write["z"].decompress(payload)
        at = self._write["offset"] + self._write["pos"]
        self.flash[at:at + len(out)] = out
        self._write["pos"] += len(out)
        self._reply(op)

    def _op_FLASH_DEFL_END(self, op, data, chk):
        self._write = None
        self._reply(op)

    def _op_SPI_FLASH_MD5(self, op, data, chk):
        addr, size, _z1, _z2 = struct.unpack_from("<IIII", data)
        digest = hashlib.md5(bytes(self.flash[addr:addr + size]))
        self._reply(op, data=digest.hexdigest().encode() if self.mode == "rom" else digest.digest())
        if size:  # a verified write: the host resets the chip next
            self._verified_at = time.monotonic()

    def _op_ERASE_FLASH(self, op, data, chk):
        if self.mode != "stub":
            self._reply(op, status=1, error=0x05)
            return
        self._erase(0, len(self.flash))
        self._reply(op)

    def _op_ERASE_REGION(self, op, data, chk):
        if self.mode != "stub":
            self._reply(op, status=1, error=0x05)
            return
        offset, size = struct.unpack_from("<II", data)
        self._erase(offset, size)
        self._reply(op)

    def _op_RUN_USER_CODE(self, op, data, chk):
        self._boot()
