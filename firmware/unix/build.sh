#!/usr/bin/env bash
# Build MicroPython's Unix port (standard variant) with the tinyml user C module compiled in.
#
#   firmware/unix/build.sh              -> build/unix/micropython
#   SANITIZE=1 firmware/unix/build.sh   -> build/unix-asan/micropython (ASan + UBSan, for fuzzing)
#   extra arguments are passed to make (e.g. V=1, DEBUG=1)
#
# The build is out of tree: objects go to build/unix-obj (or build/unix-asan-obj), mpy-cross to
# build/mpy-cross, so the fetched MicroPython source (a cache, or $MICROPYTHON_DIR) is never written to.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MPY_DIR="$("$ROOT/firmware/fetch_micropython.sh")"
JOBS="${JOBS:-2}"
# TINYML_OPS=... (op names or .tflite files) builds a module with only those ops: a Python with the
# `tflite` package reads the model files (device/tools/select_ops.py).
export TINYML_OPS_PYTHON="${TINYML_OPS_PYTHON:-$ROOT/.venv/bin/python}"

if [ "${SANITIZE:-0}" = 1 ]; then
    NAME=unix-asan
    # asan-use-after-return=0: fake stacks would hide live object pointers from MicroPython's
    # conservative GC, which scans the real C stack (its stack reads are already exempted from
    # ASan in py/gc.c). nonnull-attribute is left out: MicroPython's core passes NULL with length 0
    # to memcpy & co., harmless and not ours.
    # Sanitizers recover by default; set UBSAN_OPTIONS=halt_on_error=1 to make UB fatal.
    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer --param asan-use-after-return=0 -fno-sanitize=nonnull-attribute"
else
    NAME=unix
    SAN=""
fi
OBJ="$ROOT/build/$NAME-obj"

# makemanifest.py insists that MPY_LIB_DIR (micropython-lib) has a README.md; our manifest uses none of it.
MPY_LIB_DIR="$ROOT/build/micropython-lib-empty"
mkdir -p "$MPY_LIB_DIR" && touch "$MPY_LIB_DIR/README.md"

# The version string MicroPython reports, from the tree's own mpconfig.h. Without it,
# py/makeversionhdr.py runs `git describe` in the tree, which under build/ finds *this*
# repository's git history and would report our commit as MicroPython's version.
if [ -z "${MICROPY_GIT_TAG:-}" ]; then
    MICROPY_GIT_TAG="v$(awk '/define MICROPY_VERSION_(MAJOR|MINOR|MICRO) / {v = v (v ? "." : "") $3} END {print v}' "$MPY_DIR/py/mpconfig.h")"
    export MICROPY_GIT_TAG
fi

# mpy-cross (compiles the frozen .py files), built here rather than inside the source tree.
make -s -C "$MPY_DIR/mpy-cross" -j"$JOBS" BUILD="$ROOT/build/mpy-cross"

# STRIP= keeps symbols: sanitizer reports and callgrind (bench) need function names.
make -s -C "$MPY_DIR/ports/unix" -j"$JOBS" \
    VARIANT=standard BUILD="$OBJ" STRIP= \
    USER_C_MODULES="$ROOT" \
    FROZEN_MANIFEST="$ROOT/firmware/unix/manifest.py" MPY_LIB_DIR="$MPY_LIB_DIR" \
    MICROPY_MPYCROSS="$ROOT/build/mpy-cross/mpy-cross" \
    MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0 MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 \
    CFLAGS_EXTRA="$SAN" LDFLAGS_EXTRA="$SAN" \
    "$@"

# Copy only when changed, so an up-to-date build leaves the binary's timestamp alone.
mkdir -p "$ROOT/build/$NAME"
cmp -s "$OBJ/micropython" "$ROOT/build/$NAME/micropython" || cp -f "$OBJ/micropython" "$ROOT/build/$NAME/micropython"
echo "build.sh: built build/$NAME/micropython" >&2
