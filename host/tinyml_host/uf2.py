"""UF2 files: read, check and make them, for the RP2040's USB mass-storage bootloader.

A UF2 file is a sequence of 512-byte blocks, each carrying up to 476 bytes of payload and the
flash address it goes to (https://github.com/microsoft/uf2). The RP2040's boot ROM writes a block
only if it has both start magics and the end magic, the family-ID flag with the RP2040 family id
0xe48bff56, a 256-byte payload at a 256-aligned address inside its flash window
(0x10000000-0x11000000), and it reboots into the new firmware when it has seen `num_blocks`
blocks. Anything else is silently ignored by the board, so it is refused here, before a board is
touched, with a message that names the block and what is wrong:

    from tinyml_host import uf2
    info = uf2.validate_rp2040(Path("build/rp2/firmware.uf2").read_bytes())
    info.start, info.end, info.num_blocks

`make_uf2(data, base, family)` writes a binary as UF2 (256-byte payloads, as the boot ROM wants),
e.g. for tests, or to erase the flash (`tinyml-host flash --board rp2040 --erase`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .errors import TinymlError

BLOCK_SIZE = 512
MAGIC_START0 = 0x0A324655  # "UF2\n"
MAGIC_START1 = 0x9E5D5157
MAGIC_END = 0x0AB16F30
HEADER = struct.Struct("<8I")  # magic0, magic1, flags, address, payload_size, block_no, num_blocks, family
MAX_PAYLOAD = 476

FLAG_NOT_MAIN_FLASH = 0x00000001
FLAG_FILE_CONTAINER = 0x00001000
FLAG_FAMILY_ID = 0x00002000
FLAG_MD5 = 0x00004000
FLAG_EXTENSION_TAGS = 0x00008000

RP2040_FAMILY = 0xE48BFF56
RP2040_FLASH_START = 0x10000000
RP2040_FLASH_WINDOW = 16 * 1024 * 1024  # the XIP address window; a Pico has 2 MiB of it
RP2040_PAYLOAD = 256

# Family ids (from the UF2 specification's uf2families.json), to name a wrong one.
FAMILIES = {
    0xE48BFF56: "RP2040",
    0xE48BFF57: "RP2XXX_ABSOLUTE",
    0xE48BFF58: "RP2XXX_DATA",
    0xE48BFF59: "RP2350_ARM_S",
    0xE48BFF5A: "RP2350_RISCV",
    0xE48BFF5B: "RP2350_ARM_NS",
    0x1C5F21B0: "ESP32",
    0xBFDD4EEE: "ESP32-S2",
    0xC47E5767: "ESP32-S3",
    0xD42BA06C: "ESP32-C3",
    0x68ED2B88: "SAMD21",
    0x55114460: "SAMD51",
    0xADA52840: "NRF52840",
    0x1B57745F: "NRF52",
    0x57755A57: "STM32F4",
    0x6DB66082: "STM32H7",
}


class Uf2Error(TinymlError):
    """A file that is not a valid UF2 for the board (an input error, exit code 2)."""


@dataclass(frozen=True)
class Uf2Info:
    """What a valid UF2 file holds."""

    num_blocks: int
    family: int
    start: int  # lowest address written
    end: int  # one past the highest address written
    payload_bytes: int  # bytes of payload in all

    @property
    def family_name(self) -> str:
        return family_name(self.family)


def family_name(family: int) -> str:
    return FAMILIES.get(family, "unknown family")


def _fail(what: str, name: str) -> Uf2Error:
    return Uf2Error(f"{name}: {what}", "use the firmware.uf2 that `make rp2` builds (build/rp2/firmware.uf2) "
                    "or another RP2040 UF2 file")


def blocks(data: bytes, name: str = "UF2 file"):
    """Yield (index, header tuple, payload) of every block, checking the framing only."""
    if len(data) == 0:
        raise _fail("empty file", name)
    if len(data) >= 8 and struct.unpack_from("<II", data) != (MAGIC_START0, MAGIC_START1):
        raise _fail("not a UF2 file: it does not start with the UF2 magic numbers", name)
    if len(data) % BLOCK_SIZE:
        raise _fail(f"truncated: {len(data)} bytes is not a whole number of {BLOCK_SIZE}-byte blocks "
                    f"(the last block has {len(data) % BLOCK_SIZE} bytes)", name)
    for i in range(len(data) // BLOCK_SIZE):
        off = i * BLOCK_SIZE
        hdr = HEADER.unpack_from(data, off)
        (magic0, magic1, flags, address, size, block_no, num_blocks, family) = hdr
        (end_magic,) = struct.unpack_from("<I", data, off + BLOCK_SIZE - 4)
        if magic0 != MAGIC_START0 or magic1 != MAGIC_START1 or end_magic != MAGIC_END:
            bad = [n for n, v, want in (("first start magic", magic0, MAGIC_START0),
                                        ("second start magic", magic1, MAGIC_START1),
                                        ("end magic", end_magic, MAGIC_END)) if v != want]
            raise _fail(f"not a UF2 file: block {i} (at byte {off}) has a bad {' and '.join(bad)}", name)
        if size > MAX_PAYLOAD:
            raise _fail(f"block {i} (at byte {off}) claims a payload of {size} bytes (at most {MAX_PAYLOAD})", name)
        yield i, hdr, data[off + 32:off + 32 + size]


def validate_rp2040(data: bytes, name: str = "UF2 file", flash_size: int = RP2040_FLASH_WINDOW) -> Uf2Info:
    """Check that `data` is a complete UF2 image the RP2040 boot ROM will write in full: magics,
    the RP2040 family id on every block, 256-byte payloads at 256-aligned addresses inside the
    first `flash_size` bytes of flash, blocks numbered 0..n-1 with one n, no address twice.
    Raises Uf2Error naming the first problem; returns a Uf2Info."""
    seen_addresses: set[int] = set()
    total = None
    count = 0
    start, end = None, None
    flash_end = RP2040_FLASH_START + flash_size
    for i, hdr, _payload in blocks(data, name):
        _m0, _m1, flags, address, size, block_no, num_blocks, family = hdr
        where = f"block {i} (at byte {i * BLOCK_SIZE})"
        if flags & FLAG_NOT_MAIN_FLASH:
            raise _fail(f"{where} is marked 'not main flash': the RP2040 boot ROM would skip it", name)
        if flags & FLAG_FILE_CONTAINER:
            raise _fail(f"{where} is a file-container block, not a flash image", name)
        if not flags & FLAG_FAMILY_ID:
            raise _fail(f"{where} has no family id: the RP2040 boot ROM only takes blocks for family "
                        f"RP2040 ({RP2040_FAMILY:#010x})", name)
        if family != RP2040_FAMILY:
            raise _fail(f"wrong family: {where} is for {family_name(family)} ({family:#010x}), "
                        f"not RP2040 ({RP2040_FAMILY:#010x})", name)
        if size != RP2040_PAYLOAD:
            raise _fail(f"{where} has a {size}-byte payload; the RP2040 boot ROM takes only {RP2040_PAYLOAD}", name)
        if address % RP2040_PAYLOAD:
            raise _fail(f"{where} targets {address:#010x}, which is not {RP2040_PAYLOAD}-byte aligned", name)
        if not (RP2040_FLASH_START <= address and address + size <= flash_end):
            raise _fail(f"address out of range: {where} targets {address:#010x}, outside the RP2040's flash "
                        f"({RP2040_FLASH_START:#010x}-{flash_end:#010x})", name)
        if total is None:
            total = num_blocks
        elif num_blocks != total:
            raise _fail(f"{where} says the file has {num_blocks} blocks, block 0 said {total}", name)
        if block_no != i:
            raise _fail(f"{where} is numbered {block_no}: blocks must be numbered 0 to {total - 1} in order", name)
        if address in seen_addresses:
            raise _fail(f"{where} writes {address:#010x} again", name)
        seen_addresses.add(address)
        start = address if start is None else min(start, address)
        end = address + size if end is None else max(end, address + size)
        count += 1
    assert total is not None and start is not None and end is not None
    if count != total:
        raise _fail(f"truncated: has {count} of the {total} blocks it announces", name)
    return Uf2Info(num_blocks=total, family=RP2040_FAMILY, start=start, end=end,
                   payload_bytes=count * RP2040_PAYLOAD)


def to_flash(data: bytes) -> dict[int, bytes]:
    """address -> payload of every block (no validation beyond the framing)."""
    return {hdr[3]: payload for _i, hdr, payload in blocks(data)}


def make_uf2(data: bytes, base: int = RP2040_FLASH_START, family: int = RP2040_FAMILY,
             payload: int = RP2040_PAYLOAD) -> bytes:
    """`data` (written from `base` on) as UF2 blocks of `payload` bytes, the last one padded with 0."""
    if payload > MAX_PAYLOAD or payload <= 0:
        raise ValueError(f"payload must be 1..{MAX_PAYLOAD} bytes")
    n = (len(data) + payload - 1) // payload
    out = bytearray()
    for i in range(n):
        chunk = data[i * payload:(i + 1) * payload].ljust(payload, b"\0")
        block = HEADER.pack(MAGIC_START0, MAGIC_START1, FLAG_FAMILY_ID, base + i * payload, payload, i, n, family)
        block += chunk.ljust(BLOCK_SIZE - 32 - 4, b"\0") + struct.pack("<I", MAGIC_END)
        out += block
    return bytes(out)
