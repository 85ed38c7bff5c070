"""Size report of an RP2040 MicroPython firmware: flash and static RAM, in all and from tinyml.

    python3 size_report.py --elf firmware.elf [--map firmware.map --module-dir DIR]
                           [--bin firmware.bin] [--uf2 firmware.uf2] [--out size.txt] [--json]

Flash is what the image occupies in flash (code, read-only data, initial values of .data: the
.bin); static RAM is .data, .bss and RAM code (on rp2 the MicroPython heap is the RAM left after
them). tinyml's share comes from the linker map: the input sections of the object files compiled
from tinyml's folder (--module-dir), summed per output section. What that share leaves out (the
QSTRs of tinyml's Python names, libm functions only tinyml pulls in) is what size.sh measures by
building the firmware with and without tinyml.

Only the standard library: it runs during the firmware build, before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
from pathlib import Path

# The RP2040's address map: XIP flash and SRAM.
FLASH = (0x10000000, 0x20000000)
RAM = (0x20000000, 0x30000000)


def elf_sections(path: Path) -> list[dict]:
    """Name, type, flags, address (VMA), load address (LMA) and size of every section of a
    32-bit little-endian ELF; the LMA comes from the PT_LOAD segment holding the section."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise ValueError(f"{path}: not a 32-bit little-endian ELF file")
    e_phoff, e_shoff = struct.unpack_from("<II", data, 0x1C)
    e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHHHH", data, 0x2A)
    segments = []
    for i in range(e_phnum):
        p_type, _off, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIIIII", data, e_phoff + i * e_phentsize)
        if p_type == 1:  # PT_LOAD
            segments.append((p_vaddr, p_paddr, p_memsz))
    headers = [struct.unpack_from("<IIIIIIIIII", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    strtab_off = headers[e_shstrndx][4]
    sections = []
    for h in headers:
        end = data.index(b"\0", strtab_off + h[0])
        addr, size = h[3], h[5]
        lma = addr
        for vaddr, paddr, memsz in segments:
            if vaddr <= addr < vaddr + max(memsz, 1):
                lma = paddr + (addr - vaddr)
                break
        sections.append({"name": data[strtab_off + h[0]:end].decode(), "type": h[1], "flags": h[2],
                         "addr": addr, "lma": lma, "size": size})
    return sections


def elf_symbol(path: Path, wanted: set[str]) -> dict[str, int]:
    """Values of the named symbols (from .symtab)."""
    data = path.read_bytes()
    e_shoff = struct.unpack_from("<I", data, 0x20)[0]
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x2E)
    headers = [struct.unpack_from("<IIIIIIIIII", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    found = {}
    for h in headers:
        if h[1] != 2:  # SHT_SYMTAB
            continue
        strtab = headers[h[6]][4]
        for off in range(h[4], h[4] + h[5], 16):
            name_off, value = struct.unpack_from("<II", data, off)
            start = strtab + name_off
            name = data[start:data.index(b"\0", start)].decode(errors="replace")
            if name in wanted:
                found[name] = value
    return found


def elf_usage(path: Path) -> dict[str, int]:
    """Flash: allocated sections with contents whose load address is in flash (code, read-only
    data, and the initial values of .data, copied to RAM at boot). Static RAM: allocated sections
    whose run address is in RAM (.data, .bss, RAM code and vector table)."""
    SHF_ALLOC, SHT_NOBITS = 0x2, 8
    flash = ram = 0
    for s in elf_sections(path):
        if not s["flags"] & SHF_ALLOC or s["size"] == 0:
            continue
        if s["type"] != SHT_NOBITS and FLASH[0] <= s["lma"] < FLASH[1]:
            flash += s["size"]
        if RAM[0] <= s["addr"] < RAM[1]:
            ram += s["size"]
    return {"flash": flash, "ram": ram}


def map_tinyml_share(path: Path, module_dir: str) -> dict[str, int]:
    """Bytes of tinyml's input sections in the linker map, by kind (text, rodata, data, bss).
    CMake names each object after its source's absolute path, so tinyml's objects are those whose
    path contains module_dir (the folder of micropython.cmake)."""
    marker = "/" + module_dir.strip("/") + "/"
    share = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
    lines = path.read_text(errors="replace").splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith("Linker script and memory map"))
    except StopIteration:
        raise ValueError(f"{path}: not a GNU ld map file (no 'Linker script and memory map')")
    pending = None  # an input section name whose address/size/file are on the next line
    for line in lines[start:]:
        if pending is not None:
            m = re.match(r"^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            sec, pending = pending, None
            if m:
                _add(share, sec, int(m.group(1), 16), m.group(2).strip(), marker)
            continue
        m = re.match(r"^ (\.\S+|COMMON)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m:
            _add(share, m.group(1), int(m.group(2), 16), m.group(3).strip(), marker)
            continue
        m = re.match(r"^ (\.\S+|COMMON)$", line)
        if m:
            pending = m.group(1)
    return share


def _add(share: dict[str, int], section: str, size: int, obj: str, marker: str) -> None:
    if marker not in obj:
        return
    s = section.lstrip(".")
    if s.startswith("text") or s.startswith("time_critical"):
        share["text"] += size
    elif s.startswith("rodata"):
        share["rodata"] += size
    elif s.startswith("data") or s.startswith("sdata"):
        share["data"] += size
    elif s.startswith("bss") or s.startswith("sbss") or s == "COMMON":
        share["bss"] += size


def uf2_size(path: Path) -> int:
    return path.stat().st_size


def report(elf: Path, map_file: Path | None, bin_file: Path | None, uf2: Path | None,
           module_dir: str | None = None) -> dict:
    usage = elf_usage(elf)
    result = {"elf": str(elf), "flash_bytes": usage["flash"], "static_ram_bytes": usage["ram"]}
    heap = elf_symbol(elf, {"__GcHeapStart", "__GcHeapEnd"})  # rp2's MicroPython heap: the RAM left
    if len(heap) == 2:
        result["micropython_heap_bytes"] = heap["__GcHeapEnd"] - heap["__GcHeapStart"]
    if bin_file is not None and bin_file.is_file():
        result["bin_bytes"] = bin_file.stat().st_size
    if uf2 is not None and uf2.is_file():
        result["uf2_bytes"] = uf2_size(uf2)
    if map_file is not None and map_file.is_file() and module_dir:
        share = map_tinyml_share(map_file, module_dir)
        result["tinyml_objects"] = share
        result["tinyml_flash_bytes"] = share["text"] + share["rodata"] + share["data"]
        result["tinyml_static_ram_bytes"] = share["data"] + share["bss"]
    return result


def format_text(r: dict) -> str:
    out = [f"firmware: {r['elf']}"]
    out.append(f"  flash used:      {r['flash_bytes']:>8} bytes ({r['flash_bytes'] / 1024:.1f} KiB)"
               + (f"; .bin {r['bin_bytes']} bytes" if "bin_bytes" in r else "")
               + (f"; .uf2 {r['uf2_bytes']} bytes" if "uf2_bytes" in r else ""))
    out.append(f"  static RAM:      {r['static_ram_bytes']:>8} bytes (.data, .bss, RAM code)")
    if "micropython_heap_bytes" in r:
        out.append(f"  MicroPython heap:{r['micropython_heap_bytes']:>8} bytes ({r['micropython_heap_bytes'] / 1024:.1f} KiB)")
    if "tinyml_objects" in r:
        t = r["tinyml_objects"]
        out.append(f"  tinyml objects:  {r['tinyml_flash_bytes']:>8} bytes of flash (text {t['text']}, rodata "
                   f"{t['rodata']}, data {t['data']}), {r['tinyml_static_ram_bytes']} bytes of static RAM")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--elf", type=Path, required=True)
    p.add_argument("--map", type=Path)
    p.add_argument("--bin", type=Path)
    p.add_argument("--uf2", type=Path)
    p.add_argument("--module-dir", help="tinyml's source folder (that of micropython.cmake), to find its objects in the map")
    p.add_argument("--out", type=Path, help="also write the text report here (and .json beside it)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    a = p.parse_args(argv)
    r = report(a.elf, a.map, a.bin, a.uf2, a.module_dir)
    text = format_text(r)
    if a.out:
        a.out.write_text(text)
        a.out.with_suffix(".json").write_text(json.dumps(r, indent=1) + "\n")
    if not a.out or a.json:
        sys.stdout.write(json.dumps(r, indent=1) + "\n" if a.json else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
