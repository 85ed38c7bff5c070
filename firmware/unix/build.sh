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

LOG_NAME=unix/build
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"  # ROOT, JOBS, log, the shared steps
MPY_DIR="$("$ROOT/firmware/fetch_micropython.sh")"

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

empty_micropython_lib

export_git_tag "$MPY_DIR"

build_mpy_cross "$MPY_DIR"

# STRIP= keeps symbols: sanitizer reports and callgrind (bench) need function names.
# -z now binds libm & co. at load, as on a (static) device: otherwise the first invoke pays the
# dynamic linker's lazy lookup of each libm function (~1,300 instructions for ELU's expm1f), which
# op_bench would count as the op's cost.
make -s -C "$MPY_DIR/ports/unix" -j"$JOBS" \
    VARIANT=standard BUILD="$OBJ" STRIP= \
    USER_C_MODULES="$ROOT" \
    FROZEN_MANIFEST="$ROOT/firmware/unix/manifest.py" MPY_LIB_DIR="$MPY_LIB_DIR" \
    MICROPY_MPYCROSS="$MICROPY_MPYCROSS" \
    MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0 MICROPY_PY_SSL=0 MICROPY_SSL_MBEDTLS=0 \
    CFLAGS_EXTRA="$SAN" LDFLAGS_EXTRA="$SAN -Wl,-z,now" \
    "$@"

# Copy only when changed, so an up-to-date build leaves the binary's timestamp alone.
mkdir -p "$ROOT/build/$NAME"
cmp -s "$OBJ/micropython" "$ROOT/build/$NAME/micropython" || cp -f "$OBJ/micropython" "$ROOT/build/$NAME/micropython"
log "built build/$NAME/micropython"
