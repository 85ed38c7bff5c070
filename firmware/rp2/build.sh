#!/usr/bin/env bash
# Build MicroPython's rp2 port for a Raspberry Pi Pico (RP2040) with the tinyml user C module,
# compiled in through device/micropython.cmake, and device/python/*.py frozen in.
#
#   firmware/rp2/build.sh              -> build/rp2/firmware.uf2 (+ .elf, .bin, .map, size.txt)
#   TINYML=0 firmware/rp2/build.sh     -> build/rp2-base/: the same firmware without tinyml, to
#                                         measure what tinyml adds (firmware/rp2/size.sh does both)
#   BOARD=RPI_PICO_W ...               another rp2 board of MicroPython's tree (untested here)
#
# Inputs, fetched once and cached under build/:
#   MicroPython v1.25.0 (firmware/fetch_micropython.sh), the Pico SDK, TinyUSB and mbedtls
#   (firmware/fetch_port_deps.sh: Debian trixie's source packages, unpacked, not installed), and
#   Debian's gcc-arm-none-eabi (apt, installed here if missing).
#
# The MicroPython source is a cache shared with the other builds and is never written to: the rp2
# port finds its libraries at fixed places inside the tree, so this builds from build/mpy-ports/, a
# copy of it with those libraries linked in (firmware/port_tree.sh). Objects go to build/rp2-obj/
# (build/rp2-base-obj/ for TINYML=0).
#
# picotool is not built: CMake is told it is absent (-Dpicotool_FOUND=0), so the SDK writes
# firmware.elf and firmware.bin only, and the UF2 is made from the .bin by MicroPython's
# tools/uf2conv.py (family RP2040 0xe48bff56, base address 0x10000000: the RP2040's XIP flash).
set -euo pipefail

LOG_NAME=rp2/build
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"  # ROOT, JOBS, log, the shared steps
BOARD="${BOARD:-RPI_PICO}"
TINYML="${TINYML:-1}"
t0=$(date +%s)

if [ "$TINYML" = 1 ]; then NAME=rp2; else NAME=rp2-base; fi
OBJ="$ROOT/build/$NAME-obj"
OUT="$ROOT/build/$NAME"

# Tools: the Arm cross compiler with newlib, CMake. Installed with apt when missing (as root).
APT_PACKAGES=(gcc-arm-none-eabi libnewlib-arm-none-eabi cmake python3)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { log "error: missing ${missing[*]}: run as root, or apt-get install ${missing[*]}"; exit 1; }
    log "installing apt packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The MicroPython tree with lib/pico-sdk, lib/tinyusb and lib/mbedtls filled in (see port_tree.sh).
OVL="$("$ROOT/firmware/port_tree.sh")"
MPY_DIR="$("$ROOT/firmware/fetch_micropython.sh")"

empty_micropython_lib

export_git_tag "$OVL"

build_mpy_cross "$MPY_DIR"

# RPI_PICO gets a ROMFS partition (firmware/rp2/romfs_layout.h): its board folder is the port's,
# linked file by file into build/rp2-board/RPI_PICO, with an mpconfigboard.h that includes the
# port's and then the layout. Other boards build with the port's folder as it is.
BOARD_DIR="$OVL/ports/rp2/boards/$BOARD"
FIRMWARE_MAX=0
if [ "$BOARD" = RPI_PICO ]; then
    LAYOUT="$ROOT/firmware/rp2/romfs_layout.h"
    OVERLAY="$ROOT/build/rp2-board/$BOARD"
    mkdir -p "$OVERLAY"
    for f in "$BOARD_DIR"/*; do
        [ "$(basename "$f")" = mpconfigboard.h ] || ln -sfn "$f" "$OVERLAY/$(basename "$f")"
    done
    printf '#include "%s"\n#include "%s"\n' "$BOARD_DIR/mpconfigboard.h" "$LAYOUT" > "$OVERLAY/mpconfigboard.h.new"
    cmp -s "$OVERLAY/mpconfigboard.h.new" "$OVERLAY/mpconfigboard.h" && rm "$OVERLAY/mpconfigboard.h.new" \
        || mv "$OVERLAY/mpconfigboard.h.new" "$OVERLAY/mpconfigboard.h"
    BOARD_DIR="$OVERLAY"
    FIRMWARE_MAX=$(( $(awk '/define TINYML_RP2_FIRMWARE_MAX_BYTES/ {gsub(/[()]/, ""); print $3 * $5}' "$LAYOUT") ))
fi
CMAKE_ARGS=(
    -DMICROPY_BOARD="$BOARD" -DMICROPY_BOARD_DIR="$BOARD_DIR"
    -DMICROPY_FROZEN_MANIFEST="$ROOT/firmware/rp2/manifest.py"
    -DMICROPY_LIB_DIR="$MPY_LIB_DIR"
    -DPICO_BUILD_DOCS=0 -Dpicotool_FOUND=0
    # Link with the C compiler driver (see below): g++ would add -lstdc++ -lm; only -lm is wanted.
    "-DCMAKE_CXX_LINK_EXECUTABLE=<CMAKE_C_COMPILER> <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES> -lm"
)
# TINYML_CMAKE: another copy of tinyml's micropython.cmake (e.g. a snapshot of device/).
TINYML_CMAKE="${TINYML_CMAKE:-$ROOT/device/micropython.cmake}"
[ "$TINYML" = 1 ] && CMAKE_ARGS+=(-DUSER_C_MODULES="$TINYML_CMAKE")

# The SDK's only C++ file (pico_cxx_options/new_delete.cpp) includes <cstdlib>, i.e. libstdc++'s
# headers and library, which Debian ships in libstdc++-arm-none-eabi-newlib (1.5 GB installed). The
# firmware has no C++ code, so that file's operator new/delete are not needed: its own switch
# PICO_CXX_DISABLE_ALLOCATION_OVERRIDES compiles it to nothing (given through CXXFLAGS, which CMake
# adds to the toolchain's own C++ flags at the first configure), and the firmware, which CMake links
# as C++ because of that one file, is linked by arm-none-eabi-gcc instead of g++, which would add
# -lstdc++ (CMAKE_CXX_LINK_EXECUTABLE above; the link flags carry nothing C++-specific).
#
# Configure every time (a few seconds): device/micropython.cmake globs the engine's sources, and a
# new kernel or op file is only seen by a fresh configure.
log "configuring $BOARD (tinyml: $TINYML) in $OBJ"
CXXFLAGS="-DPICO_CXX_DISABLE_ALLOCATION_OVERRIDES=1" \
    cmake -S "$OVL/ports/rp2" -B "$OBJ" "${CMAKE_ARGS[@]}" > "$OBJ.configure.log" 2>&1 \
    || { cat "$OBJ.configure.log" >&2; log "error: cmake configure failed"; exit 1; }
log "compiling (log: ${OBJ#$ROOT/}.build.log)"
cmake --build "$OBJ" -j"$JOBS" > "$OBJ.build.log" 2>&1 \
    || { tail -n 60 "$OBJ.build.log" >&2; log "error: the build failed (full log: $OBJ.build.log)"; exit 1; }

# The UF2, from the flat binary (the flash image from 0x10000000).
mkdir -p "$OUT"
if [ ! -f "$OUT/firmware.uf2" ] || ! cmp -s "$OBJ/firmware.bin" "$OUT/firmware.bin"; then
    python3 "$OVL/tools/uf2conv.py" -c -f 0xe48bff56 -b 0x10000000 -o "$OUT/firmware.uf2" "$OBJ/firmware.bin" > /dev/null
    cp -f "$OBJ/firmware.elf" "$OBJ/firmware.bin" "$OUT/"
    [ -f "$OBJ/firmware.elf.map" ] && cp -f "$OBJ/firmware.elf.map" "$OUT/firmware.map"
fi

if [ "$FIRMWARE_MAX" -gt 0 ] && [ "$(stat -c %s "$OUT/firmware.bin")" -gt "$FIRMWARE_MAX" ]; then
    log "error: firmware.bin is $(stat -c %s "$OUT/firmware.bin") bytes, past the $FIRMWARE_MAX bytes before ROMFS (firmware/rp2/romfs_layout.h)"
    exit 1
fi
# Sizes: flash used (the .bin: code + read-only data + initial values of .data), static RAM, and
# the part of both that comes from tinyml's own object files (from the linker map).
SIZE_ARGS=(--elf "$OUT/firmware.elf" --bin "$OUT/firmware.bin" --uf2 "$OUT/firmware.uf2" --out "$OUT/size.txt")
[ "$TINYML" = 1 ] && SIZE_ARGS+=(--map "$OUT/firmware.map" --module-dir "$(dirname "$TINYML_CMAKE")")
python3 "$ROOT/firmware/rp2/size_report.py" "${SIZE_ARGS[@]}"
cat "$OUT/size.txt" >&2
log "built build/$NAME/firmware.uf2 in $(( $(date +%s) - t0 )) s"
