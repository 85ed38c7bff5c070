"""Symbols of a 32-bit little-endian ELF file (our firmware images), without other tools.

    from tinyml_host.elf_symbols import symbols, symbol_values
    symbols(data, {"gc_heap"})                      # {"gc_heap": (value, size)} for those present
    symbol_values("build/rp2/firmware.elf", ("__GcHeapStart", "__GcHeapEnd"))   # {} if unreadable
    file_symbols(path, ("gc_heap",))                # {"gc_heap": (value, size)}
"""

from __future__ import annotations

import os
import struct

SHT_SYMTAB = 2


def symbols(data: bytes, wanted: set[str] | frozenset[str]) -> dict[str, tuple[int, int]]:
    """{name: (st_value, st_size)} of the `wanted` symbols found in the ELF image `data`
    (assumed a 32-bit little-endian ELF; a symbol table cut short ends the search)."""
    keys = {w.encode() + b"\0" for w in wanted}
    longest = max((len(k) for k in keys), default=0)
    shoff = struct.unpack_from("<I", data, 32)[0]
    shentsize, shnum = struct.unpack_from("<HH", data, 46)
    found: dict[str, tuple[int, int]] = {}
    for i in range(shnum):
        _, sh_type, _, _, offset, size, link, _, _, entsize = struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize)
        if sh_type != SHT_SYMTAB or entsize != 16:
            continue
        str_off = struct.unpack_from("<I", data, shoff + link * shentsize + 16)[0]
        for j in range(min(size, len(data) - offset) // 16):
            st_name, st_value, st_size = struct.unpack_from("<III", data, offset + 16 * j)
            name = data[str_off + st_name:str_off + st_name + longest]
            for key in keys:
                if name.startswith(key):
                    found[key[:-1].decode()] = (st_value, st_size)
    return found


def file_symbols(path: str | os.PathLike, names) -> dict[str, tuple[int, int]]:
    """{name: (value, size)} of `names` in the ELF file at `path`; {} when it is missing or not a
    32-bit little-endian ELF."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return {}
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        return {}
    try:
        return symbols(data, frozenset(names))
    except struct.error:
        return {}


def symbol_values(path: str | os.PathLike, names) -> dict[str, int]:
    """{name: value} of `names` in the ELF file at `path` (see file_symbols)."""
    return {k: v for k, (v, _) in file_symbols(path, names).items()}
