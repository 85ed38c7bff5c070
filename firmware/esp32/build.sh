#!/usr/bin/env bash
# Build MicroPython's esp32 port with the tinyml user C module (device/micropython.cmake) and
# device/python/*.py frozen in, with Espressif's ESP-IDF.
#
#   make esp32 BOARD=ESP32_GENERIC       -> build/esp32/ESP32_GENERIC/firmware.bin   (at 0x1000)
#   make esp32 BOARD=ESP32_GENERIC_S3    -> build/esp32/ESP32_GENERIC_S3/firmware.bin (at 0x0)
#   (also ESP32_GENERIC_S2, ESP32_GENERIC_C3, or any board folder of the port)
#   TINYML=0 ...                         -> build/esp32-base/BOARD/: the same without tinyml
#
# Needs ESP-IDF (v5.2 to v5.4 for MicroPython v1.25.0) installed and exported (IDF_PATH set, idf.py
# on PATH); without it this stops and says how to install it. Flash the result with
# `tinyml-host flash --board esp32 --port PORT` (esp32s2, esp32s3, esp32c3 likewise).
#
# Builds from build/mpy-ports/ (firmware/port_tree.sh: a copy of the pinned MicroPython source
# with lib/tinyusb linked in, needed by the S2/S3), because ESP-IDF writes into the port folder.
# The esp32 port also compiles lib/berkeley-db-1.xx (the btree module, always on there), which
# Debian's MicroPython source leaves out: with that source this stops and says to use a git clone
# of MicroPython v1.25.0 with its submodules, given as MICROPYTHON_DIR.
set -euo pipefail

LOG_NAME=esp32/build
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"  # ROOT, JOBS, log, the shared steps
BOARD="${BOARD:-ESP32_GENERIC}"
TINYML="${TINYML:-1}"
t0=$(date +%s)

if [ -z "${IDF_PATH:-}" ] || [ ! -f "$IDF_PATH/tools/idf.py" ] || ! command -v idf.py >/dev/null; then
    cat >&2 <<'MSG'
esp32/build: error: ESP-IDF not found (IDF_PATH is not set, or idf.py is not on PATH).
The ESP32 firmware is built with Espressif's ESP-IDF, v5.2 to v5.4 for MicroPython v1.25.0:

    git clone -b v5.2.2 --recursive https://github.com/espressif/esp-idf.git ~/esp-idf
    ~/esp-idf/install.sh esp32,esp32s2,esp32s3,esp32c3
    . ~/esp-idf/export.sh          # in every new shell: sets IDF_PATH and PATH

then run `make esp32 BOARD=ESP32_GENERIC` (or ESP32_GENERIC_S3, _S2, _C3) again.
MSG
    exit 2
fi

TREE="$("$ROOT/firmware/port_tree.sh")"
PORT="$TREE/ports/esp32"
[ -d "$PORT/boards/$BOARD" ] || { log "error: no board $BOARD in $PORT/boards"; exit 2; }
if [ -z "$(ls -A "$TREE/lib/berkeley-db-1.xx" 2>/dev/null)" ]; then
    cat >&2 <<MSG
esp32/build: error: $TREE/lib/berkeley-db-1.xx is empty: the esp32 port needs it (module btree)
and Debian's MicroPython source, fetched here, leaves it out. Use a git clone with submodules:

    git clone -b v1.25.0 https://github.com/micropython/micropython.git ~/micropython
    make -C ~/micropython/ports/esp32 submodules BOARD=$BOARD
    export MICROPYTHON_DIR=~/micropython

then run \`make esp32 BOARD=$BOARD\` again (the clone is copied, never written to).
MSG
    exit 2
fi

if [ "$TINYML" = 1 ]; then NAME=esp32; else NAME=esp32-base; fi
OBJ="$ROOT/build/$NAME-obj/$BOARD"
OUT="$ROOT/build/$NAME/$BOARD"
empty_micropython_lib
export_git_tag "$TREE"

# ESP32_GENERIC gets a ROMFS partition (firmware/esp32/partitions-4MiB-romfs.csv) and the port's
# ROMFS support (MICROPY_VFS_ROM): its board folder is the port's, linked file by file into
# build/esp32-board/ESP32_GENERIC, with an mpconfigboard.h and mpconfigboard.cmake that include the
# port's and then add those. Other boards build with the port's folder as it is.
BOARD_DIR="$PORT/boards/$BOARD"
if [ "$BOARD" = ESP32_GENERIC ]; then
    OVERLAY="$ROOT/build/esp32-board/$BOARD"
    mkdir -p "$OVERLAY"
    for f in "$BOARD_DIR"/*; do
        case "$(basename "$f")" in mpconfigboard.h|mpconfigboard.cmake) ;; *) ln -sfn "$f" "$OVERLAY/$(basename "$f")" ;; esac
    done
    printf '#include "%s"\n#define MICROPY_VFS_ROM (1)\n' "$BOARD_DIR/mpconfigboard.h" > "$OVERLAY/mpconfigboard.h"
    printf 'CONFIG_PARTITION_TABLE_CUSTOM=y\nCONFIG_PARTITION_TABLE_CUSTOM_FILENAME="%s"\n' \
        "$ROOT/firmware/esp32/partitions-4MiB-romfs.csv" > "$OVERLAY/sdkconfig.romfs"
    printf 'include(%s)\nlist(APPEND SDKCONFIG_DEFAULTS %s)\n' \
        "$BOARD_DIR/mpconfigboard.cmake" "$OVERLAY/sdkconfig.romfs" > "$OVERLAY/mpconfigboard.cmake"
    BOARD_DIR="$OVERLAY"
fi
ARGS=(-D MICROPY_BOARD="$BOARD" -D MICROPY_BOARD_DIR="$BOARD_DIR"
      -D MICROPY_FROZEN_MANIFEST="$ROOT/firmware/esp32/manifest.py" -D MICROPY_LIB_DIR="$MPY_LIB_DIR")
[ "$TINYML" = 1 ] && ARGS+=(-D USER_C_MODULES="$ROOT/device/micropython.cmake")

log "building $BOARD (tinyml: $TINYML) with ESP-IDF at $IDF_PATH"
(cd "$PORT" && idf.py "${ARGS[@]}" -B "$OBJ" build)
# As the port's Makefile does: bootloader + partition table + app in one firmware.bin.
(cd "$PORT" && python3 makeimg.py "$OBJ/sdkconfig" "$OBJ/bootloader/bootloader.bin" \
    "$OBJ/partition_table/partition-table.bin" "$OBJ/micropython.bin" "$OBJ/firmware.bin" "$OBJ/micropython.uf2")
mkdir -p "$OUT"
cp -f "$OBJ/firmware.bin" "$OBJ/micropython.bin" "$OBJ/micropython.elf" "$OUT/"
size="$(stat -c %s "$OUT/micropython.bin")"
echo "firmware: $OUT/firmware.bin; app (micropython.bin) $size bytes" | tee "$OUT/size.txt" >&2
log "built build/$NAME/$BOARD/firmware.bin in $(( $(date +%s) - t0 )) s"
