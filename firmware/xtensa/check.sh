#!/usr/bin/env bash
# Portability check of tinyml's plain-C engine (device/runtime, device/kernels, device/ops) on a
# 32-bit Xtensa core, with Debian's gcc-xtensa-lx106 (ESP8266's core; no Xtensa ESP32 toolchain is
# packaged). Freestanding: the compiler has no C library, only its own headers (stdint.h, stddef.h,
# float.h, stdarg.h); the string.h and math.h the engine includes are declaration-only stand-ins in
# firmware/xtensa/include listing the libc subset the engine may use. Steps:
#   1. compile every engine file with -ffreestanding -std=c99 and the host build's warnings, -Werror;
#   2. link them into one relocatable object (duplicate definitions fail here);
#   3. list the symbols the engine needs from outside: each must be in that libc subset or a
#      libgcc helper (__*); anything else (printf, malloc...) fails the check.
# Prints the engine's code size for Xtensa. Objects go to build/xtensa/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/build/xtensa"
CC=xtensa-lx106-elf-gcc
log() { echo "xtensa-check: $*" >&2; }

if ! command -v "$CC" >/dev/null; then
    [ "$(id -u)" = 0 ] || { log "error: $CC not found: apt-get install gcc-xtensa-lx106"; exit 1; }
    log "installing gcc-xtensa-lx106"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends gcc-xtensa-lx106 >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc-xtensa-lx106 >/dev/null; }
fi

CFLAGS=(-std=c99 -ffreestanding -Os -mlongcalls -ffunction-sections -fdata-sections
        -Wall -Wextra -Werror -Wpointer-arith -Wdouble-promotion -Wfloat-conversion
        -isystem "$ROOT/firmware/xtensa/include"
        -I"$ROOT/device/runtime" -I"$ROOT/device/kernels" -I"$ROOT/device/ops")
rm -rf "$OUT" && mkdir -p "$OUT/obj"
n=0
for src in "$ROOT"/device/runtime/*.c "$ROOT"/device/kernels/*.c "$ROOT"/device/ops/*.c; do
    obj="$OUT/obj/$(basename "$(dirname "$src")")_$(basename "${src%.c}").o"
    "$CC" "${CFLAGS[@]}" -c "$src" -o "$obj"
    n=$((n + 1))
done
xtensa-lx106-elf-ld -r "$OUT"/obj/*.o -o "$OUT/tinyml_engine.o"

ALLOWED='^(memcpy|memmove|memset|memcmp|strlen|strcmp|strncmp|round|roundf|floor|floorf|ceil|fabs|fabsf|frexp|ldexp|exp|expf|expm1f|log|logf|sqrt|tanh|__[A-Za-z0-9_]+)$'
needed="$(xtensa-lx106-elf-nm -u "$OUT/tinyml_engine.o" | awk '{print $2}' | sort -u)"
bad="$(grep -Ev "$ALLOWED" <<< "$needed" || true)"
if [ -n "$bad" ]; then
    log "error: the engine needs symbols outside its allowed libc subset: $(tr '\n' ' ' <<< "$bad")"
    exit 1
fi
size="$(xtensa-lx106-elf-size -A "$OUT/tinyml_engine.o" | awk '$1 ~ /^\.(text|literal|rodata)/ {t += $2} END {print t + 0}')"
log "ok: $n files compiled for Xtensa ($("$CC" -dumpversion), freestanding); code + read-only data $size bytes"
log "symbols taken from libc/libgcc: $(tr '\n' ' ' <<< "$needed")"
