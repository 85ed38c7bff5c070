#!/usr/bin/env bash
# Build the emulated board: MicroPython's ports/qemu for BOARD=MPS2_AN385 (an Arm MPS2 FPGA board
# with a Cortex-M3 at 25 MHz and 4 MB of RAM, emulated by qemu-system-arm -machine mps2-an385),
# with the tinyml user C module compiled in and device/python/*.py frozen in.
#
#   firmware/qemu/build.sh                    -> build/qemu/firmware.elf
#   QEMU_HEAP=300000 firmware/qemu/build.sh   MicroPython heap in bytes (default 204800 = 200 KB,
#                                             like an RP2040 or ESP32; the port's own is 140 KB)
#   QEMU_OUT=DIR firmware/qemu/build.sh      write DIR/firmware.elf instead (tinyml_host.emulator
#                                             builds heap variants into build/qemu-heap-N this way)
#   extra arguments are passed to make (e.g. V=1, DEBUG=1)
#
# Needs gcc-arm-none-eabi + libnewlib-arm-none-eabi (scripts/bootstrap.sh installs them). The build
# is out of tree (objects in build/qemu-obj, mpy-cross in build/mpy-cross): the fetched MicroPython
# source is never written to. Boot it with tinyml_host.emulator (host/tinyml_host/emulator.py),
# which runs qemu-system-arm -machine mps2-an385 -nographic -monitor null -semihosting
# -icount shift=0 -serial pty -kernel build/qemu/firmware.elf.
#
# What the firmware has, for code that runs on it (checked on v1.25.0; tests/device runs on it):
# - Console: the board's UART0 (CMSDK APB UART) on qemu's -serial, i.e. the pty. Input is
#   interrupt-driven (firmware/qemu/uart_rx_irq/, replacing the port's polled input): UART0's RX
#   interrupt fills a 4 KB ring buffer, so bytes keep arriving while Python code or an inference
#   runs, and a reader with nothing to read sleeps in WFI (an idle board costs the host no CPU).
#   qemu's UART holds one byte at a time and holds back the rest until it is read, so nothing is
#   lost however fast the host writes (when the ring is full the byte is left in the UART).
#   qemu moves input at roughly 50-60 KB/s with its threads on one host CPU (tinyml_host.emulator
#   pins them), 20-25 KB/s across two idle CPUs of a VM: one byte per round of its main loop;
#   output is faster. The instructions of the interrupt handler for bytes arriving during an
#   inference are part of that inference's measured duration (about 0.1 % for a KWS window).
#   * Ctrl-C interrupts a running script (KeyboardInterrupt), as on real ports; at the REPL
#     prompt it is an ordinary input byte for the line editor.
#   * select/poll are not compiled in (MICROPY_PY_SELECT=0), so device code cannot wait on stdin
#     with a timeout: reads block. For the same reason `mpremote mount` does not work.
# - Enabled here (firmware/qemu/mpconfig_tinyml.h): sys.stdin.buffer and sys.stdout.buffer, binary
#   and transparent: every byte 0x00-0xff passes unchanged both ways (no CR/LF translation, no
#   Ctrl-C handling). sys.stdin.buffer.readinto(buf) blocks until len(buf) bytes have arrived;
#   sys.stdout.buffer.write(b) writes them all.
# - `time` (firmware/qemu/board/board_time.c): ticks_ms/us/cpu, ticks_diff/add, sleep/_ms/_us on
#   the clock tinyml's Model.last_us uses (a 25 MHz core, one instruction per cycle, counted by
#   qemu's deterministic -icount virtual time; CMSDK timer 1 and the dual timer, timer 0 being
#   tinyml's). A sleep waits in WFI, during which qemu runs the clock 40x faster than the wall clock.
# - Files (firmware/qemu/board/board_flash.c): 16 MB of flash at 0x21000000 (the MPS2's PSRAM;
#   tinyml_host.emulator maps it from an image file, so it survives a reboot): 4 MB ROMFS mounted
#   at /rom by MicroPython through vfs.rom_ioctl (mpremote romfs and `tinyml-host deploy --rom`
#   write it; its files are memory-mapped, tinyml.Model('/rom/m.tflite') runs in place), 12 MB
#   littlefs at / (formatted at the first boot, the current directory). vfs.VfsRom also mounts a
#   ROMFS image in any buffer; RAM past the firmware's .bss is unused (tests/device/run.py
#   --board qemu puts a ROMFS of the test files there, see tinyml_host.emulator.spare_ram).
# - Also available: gc, micropython, struct, array, binascii (incl. crc32), hashlib, json, re,
#   errno, uctypes, machine (mem8/16/32), deflate, random, heapq, collections, math, io, os, vfs,
#   time.
#   Floats are single precision (print(1/3) -> 0.3333333). No threads, no asyncio.
# - machine.reset() does NOT reboot: the port ends qemu (semihosting exit), the pty closes (reads
#   fail with EIO) and the board is gone. A soft reset (Ctrl-D at the REPL, machine.soft_reset(),
#   SystemExit in the raw REPL) restarts MicroPython: "MPY: soft reboot", then the REPL prompt.
# - A HardFault prints "HardFault exception caught:" and registers, then the board hangs.
set -euo pipefail

LOG_NAME=qemu/build
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"  # ROOT, JOBS, log, the shared steps
MPY_DIR="$("$ROOT/firmware/fetch_micropython.sh")"
HEAP="${QEMU_HEAP:-204800}"
OBJ="$ROOT/build/qemu-obj"
OUT="${QEMU_OUT:-$ROOT/build/qemu}"

case "$HEAP" in
    ''|*[!0-9]*) log "error: QEMU_HEAP must be a number of bytes, got '$HEAP'"; exit 2 ;;
esac
for tool in arm-none-eabi-gcc; do
    command -v "$tool" >/dev/null || { log "error: $tool not found (run scripts/bootstrap.sh, or apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"; exit 1; }
done

# The manifest freezes device/python (the serial agent, written there by its own owner).
[ -d "$ROOT/device/python" ] || { log "error: no device/python folder to freeze"; exit 1; }

empty_micropython_lib

export_git_tag "$MPY_DIR"

# The heap size is a -D on the command line, which the port's make does not track: recompile
# main.c (the only user of MICROPY_HEAP_SIZE) when it changes.
mkdir -p "$OBJ"
if [ "$(cat "$OBJ/.heap" 2>/dev/null)" != "$HEAP" ]; then
    rm -f "$OBJ/main.o" "$OBJ/firmware.elf"
    echo "$HEAP" > "$OBJ/.heap"
fi

# tinyml's kernels on this board: their inner-loop functions aligned to QEMU's 1 KB page of guest
# code (device/kernels/tm_hot.h), so that QEMU chains its translated blocks within each loop. Also
# a -D the port's make does not track: the module's objects are rebuilt when the flags change.
TINYML_FLAGS="-DTM_HOT_ALIGN=1024"
if [ "$(cat "$OBJ/.tinyml-flags" 2>/dev/null)" != "$TINYML_FLAGS" ]; then
    rm -rf "$OBJ/tinyml" "$OBJ/firmware.elf"
    echo "$TINYML_FLAGS" > "$OBJ/.tinyml-flags"
fi

build_mpy_cross "$MPY_DIR"

# The port links with -nostdlib and MicroPython's own float-only libm (roundf, floorf...), but
# tinyml's prepare code computes multipliers in double (round, frexp, floor), as TFLM does: add
# newlib's libm for the same multilib after libgcc (LIBS replaces the port's, which is only libgcc).
ARCH_FLAGS=(-mthumb -mcpu=cortex-m3 -mfloat-abi=soft)
LIBS="$(arm-none-eabi-gcc "${ARCH_FLAGS[@]}" -print-file-name=libm.a) $(arm-none-eabi-gcc "${ARCH_FLAGS[@]}" -print-libgcc-file-name)"

# The user C modules of this board: tinyml (device/), the interrupt-driven console input
# (firmware/qemu/uart_rx_irq/) and newlib's errno for that libm (firmware/qemu/newlib_errno/), as
# the folders MicroPython's USER_C_MODULES expects under one parent: links in build/qemu-modules,
# so each is compiled from where it lives.
MODULES="$ROOT/build/qemu-modules"
mkdir -p "$MODULES"
ln -sfn "$ROOT/device" "$MODULES/tinyml"
ln -sfn "$ROOT/firmware/qemu/uart_rx_irq" "$MODULES/uart_rx_irq"
ln -sfn "$ROOT/firmware/qemu/newlib_errno" "$MODULES/newlib_errno"
ln -sfn "$ROOT/firmware/qemu/board" "$MODULES/board"

make -s -C "$MPY_DIR/ports/qemu" -j"$JOBS" \
    BOARD=MPS2_AN385 BUILD="$OBJ" \
    USER_C_MODULES="$MODULES" MICROPY_VFS_LFS2=1 \
    FROZEN_MANIFEST="$ROOT/firmware/qemu/manifest.py" MPY_LIB_DIR="$MPY_LIB_DIR" \
    MICROPY_MPYCROSS="$MICROPY_MPYCROSS" \
    MICROPY_HEAP_SIZE="$HEAP" LIBS="$LIBS" LDSCRIPT="$ROOT/firmware/qemu/mps2.ld" \
    CFLAGS_EXTRA="-I$ROOT/firmware/qemu -I$ROOT/firmware/qemu/board -DMP_CONFIGFILE='<mpconfig_tinyml.h>' $TINYML_FLAGS" \
    "$@"

# Copy only when changed, so an up-to-date build leaves the file's timestamp alone.
mkdir -p "$OUT"
cmp -s "$OBJ/firmware.elf" "$OUT/firmware.elf" || cp -f "$OBJ/firmware.elf" "$OUT/firmware.elf"
log "built ${OUT#$ROOT/}/firmware.elf (heap $HEAP bytes)"
