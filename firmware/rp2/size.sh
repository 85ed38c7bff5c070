#!/usr/bin/env bash
# What tinyml adds to the RP2040 firmware: builds it with (build/rp2) and without (build/rp2-base)
# the module, same MicroPython, SDK, flags and frozen modules, and prints both sizes and the
# difference. The figures are also written to build/rp2/size-delta.txt (quoted in README.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$ROOT/firmware/rp2/build.sh"
TINYML=0 "$ROOT/firmware/rp2/build.sh"
python3 - "$ROOT/build/rp2/size.json" "$ROOT/build/rp2-base/size.json" <<'PY' | tee "$ROOT/build/rp2/size-delta.txt"
import json, sys
w, b = (json.load(open(p)) for p in sys.argv[1:3])
print(f"{'RP2040 (RPI_PICO)':<22}{'flash':>10}{'static RAM':>12}")
print(f"{'without tinyml':<22}{b['flash_bytes']:>10}{b['static_ram_bytes']:>12}")
print(f"{'with tinyml':<22}{w['flash_bytes']:>10}{w['static_ram_bytes']:>12}")
print(f"{'tinyml adds':<22}{w['flash_bytes'] - b['flash_bytes']:>10}{w['static_ram_bytes'] - b['static_ram_bytes']:>12}")
if "tinyml_flash_bytes" in w:
    print(f"{'  of which its objects':<22}{w['tinyml_flash_bytes']:>10}{w['tinyml_static_ram_bytes']:>12}")
PY
