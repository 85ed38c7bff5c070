"""The UF2 validator (tinyml_host.uf2) on good files and on corrupted ones, and the RP2040
firmware this repository builds (`make rp2`: build/rp2/firmware.uf2 and its ELF)."""

import random
import struct
from pathlib import Path

import pytest

from tinyml_host import uf2
from tinyml_host.errors import TinymlError

ROOT = Path(__file__).resolve().parents[2]
RP2_UF2 = ROOT / "build" / "rp2" / "firmware.uf2"
RP2_ELF = ROOT / "build" / "rp2" / "firmware.elf"
RP2_BIN = ROOT / "build" / "rp2" / "firmware.bin"


def image(n=10_000, seed=0):
    return random.Random(seed).randbytes(n)


def good(n=10_000):
    return uf2.make_uf2(image(n))


def patch_block(data, index, field, value):
    """Set one header field (0..7: magic0, magic1, flags, address, size, block_no, num_blocks, family)."""
    out = bytearray(data)
    struct.pack_into("<I", out, index * 512 + 4 * field, value)
    return bytes(out)


def test_good_file():
    data = good(10_000)
    info = uf2.validate_rp2040(data)
    assert info.num_blocks == 40  # ceil(10000 / 256)
    assert info.family == uf2.RP2040_FAMILY and info.family_name == "RP2040"
    assert (info.start, info.end) == (0x10000000, 0x10000000 + 40 * 256)
    flash = uf2.to_flash(data)
    assert b"".join(flash[a] for a in sorted(flash))[:10_000] == image(10_000)


def test_blocks_in_any_order_are_fine_if_numbered():
    # The boot ROM does not care about address order, only about block numbers.
    data = bytearray(good(2048))
    a, b = data[0:512], data[512:1024]
    # swap the payload addresses of blocks 0 and 1, keep their numbers
    a_addr, b_addr = struct.unpack_from("<I", a, 12)[0], struct.unpack_from("<I", b, 12)[0]
    struct.pack_into("<I", data, 12, b_addr)
    struct.pack_into("<I", data, 512 + 12, a_addr)
    info = uf2.validate_rp2040(bytes(data))
    assert info.start == 0x10000000


BAD = {
    "bad first magic": (lambda d: patch_block(d, 0, 0, 0x12345678), "not a UF2 file"),
    "bad second magic": (lambda d: patch_block(d, 0, 1, 0), "not a UF2 file"),
    "bad magic in a later block": (lambda d: patch_block(d, 3, 1, 0), "block 3 (at byte 1536) has a bad second start magic"),
    "bad end magic": (lambda d: d[:1020] + b"\0\0\0\0" + d[1024:], "block 1 (at byte 512) has a bad end magic"),
    "wrong family": (lambda d: patch_block(d, 2, 7, 0xC47E5767), "wrong family: block 2 (at byte 1024) is for ESP32-S3 (0xc47e5767), not RP2040"),
    "RP2350 family": (lambda d: patch_block(d, 0, 7, 0xE48BFF59), "is for RP2350_ARM_S"),
    "no family flag": (lambda d: patch_block(d, 0, 2, 0), "has no family id"),
    "not main flash": (lambda d: patch_block(d, 0, 2, uf2.FLAG_FAMILY_ID | uf2.FLAG_NOT_MAIN_FLASH), "not main flash"),
    "address in RAM": (lambda d: patch_block(d, 1, 3, 0x20000000), "address out of range: block 1 (at byte 512) targets 0x20000000"),
    "address past the flash": (lambda d: patch_block(d, 1, 3, 0x11000000), "address out of range"),
    "address below the flash": (lambda d: patch_block(d, 0, 3, 0x0FFFFF00), "address out of range"),
    "unaligned address": (lambda d: patch_block(d, 1, 3, 0x10000080), "not 256-byte aligned"),
    "payload not 256": (lambda d: patch_block(d, 0, 4, 128), "128-byte payload"),
    "payload too big": (lambda d: patch_block(d, 0, 4, 477), "claims a payload of 477 bytes"),
    "misnumbered block": (lambda d: patch_block(d, 4, 5, 7), "block 4 (at byte 2048) is numbered 7"),
    "inconsistent count": (lambda d: patch_block(d, 4, 6, 99), "says the file has 99 blocks, block 0 said 40"),
    "same address twice": (lambda d: patch_block(d, 1, 3, 0x10000000), "writes 0x10000000 again"),
    "truncated mid-block": (lambda d: d[:-100], "truncated: 20380 bytes is not a whole number of 512-byte blocks"),
    "truncated at a block boundary": (lambda d: d[:-512], "truncated: has 39 of the 40 blocks it announces"),
    "empty": (lambda d: b"", "empty file"),
    "a binary, not a UF2": (lambda d: image(4096), "not a UF2 file"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_corrupted_files_are_refused(case):
    corrupt, message = BAD[case]
    data = corrupt(good(10_000))
    with pytest.raises(uf2.Uf2Error) as e:
        uf2.validate_rp2040(data, "x.uf2")
    assert message in str(e.value), str(e.value)
    assert str(e.value).startswith("x.uf2: ")
    assert isinstance(e.value, TinymlError) and e.value.exit_code == 2


def test_flash_size_limit():
    data = uf2.make_uf2(image(3 * 1024 * 1024))
    uf2.validate_rp2040(data)  # inside the 16 MB window
    with pytest.raises(uf2.Uf2Error, match="outside the RP2040's flash"):
        uf2.validate_rp2040(data, flash_size=2 * 1024 * 1024)


# --- the firmware built by `make rp2` (CI builds it before the host tests) -------------------

def _elf_symbols(path: Path) -> dict[str, tuple[int, int]]:
    """name -> (value, size) from the symbol table of a 32-bit little-endian ARM ELF."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 1 and data[5] == 1, "not an ELF32 LE file"
    e_machine = struct.unpack_from("<H", data, 0x12)[0]
    assert e_machine == 40, f"ELF machine {e_machine}, not ARM"
    e_shoff = struct.unpack_from("<I", data, 0x20)[0]
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x2E)
    sections = [struct.unpack_from("<IIIIIIIIII", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    symbols = {}
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 16):
            name_off, value, size = struct.unpack_from("<III", data, off)
            start = strtab[4] + name_off
            symbols[data[start:data.index(b"\0", start)].decode()] = (value, size)
    return symbols


def _built(path):
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: build it with `make rp2` (CI does, before these tests)",
                    pytrace=False)
    return path


def test_built_rp2040_firmware_is_a_valid_uf2_of_its_binary():
    data = _built(RP2_UF2).read_bytes()
    info = uf2.validate_rp2040(data, "firmware.uf2", flash_size=2 * 1024 * 1024)  # a Pico's flash
    assert info.start == 0x10000000
    flash = uf2.to_flash(data)
    image = b"".join(flash[a] for a in sorted(flash))
    binary = _built(RP2_BIN).read_bytes()
    assert image[:len(binary)] == binary and set(image[len(binary):]) <= {0}
    # The RP2040 boots through a 256-byte second-stage bootloader whose last word is a CRC32.
    assert len(binary) > 256 and binary[252:256] != b"\0\0\0\0"


def test_built_rp2040_firmware_contains_tinyml():
    symbols = _elf_symbols(_built(RP2_ELF))
    # The binding (module object and Model type) and the engine are linked in.
    for name in ("tinyml_user_cmodule", "tinyml_type_Model", "tm_model_invoke", "tm_model_prepare",
                 "tm_op_conv_2d", "tm_op_fully_connected"):
        assert name in symbols, f"{name} missing from the firmware"
    # ...and the module is registered for `import tinyml`: MicroPython's table of built-in modules
    # (QSTR, object pointer pairs, in flash) points at tinyml's module object.
    table_addr, table_size = symbols["mp_builtin_module_table"]
    binary = _built(RP2_BIN).read_bytes()
    off = table_addr - 0x10000000
    words = struct.unpack_from(f"<{table_size // 4}I", binary, off)
    assert symbols["tinyml_user_cmodule"][0] in words[1::2]
