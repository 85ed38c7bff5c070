"""`tinyml-host emulator start|status|stop [--board qemu|pico]`: keep one emulated board running,
list it, stop it. Two emulated boards: `qemu` (default; the Cortex-M3 board every command uses
when given no --port) and `pico` (the RP2040 firmware in rp2040js, used with --port pico).

    tinyml-host emulator start [--flash IMG] [--heap N] [--firmware ELF]
    tinyml-host emulator status      # exit 0 and its pty/pid/flash if one runs, else exit 1
    tinyml-host emulator stop
    tinyml-host emulator start --board pico [--firmware UF2] [--flash IMG]

The board `start` boots is kept (tinyml_host.emulator.start(keep=True)): it runs until `stop`,
and every command given no --port uses it, so files deployed to it stay there for later `run`,
`validate` and `repl` commands. Its flash lives in an image file (default build/qemu/flash.img),
so they also survive `stop` and the next `start`.
"""

from __future__ import annotations

import argparse
import time

from .boards import BOARDS
from .errors import TinymlError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("start", "status", "stop"),
                   help="start: boot the emulated board and keep it running (replacing a kept one); "
                        "status: show the running one; stop: end it")
    p.add_argument("--board", choices=[b.name for b in BOARDS.values() if b.emulated], default="qemu",
                   help="qemu: the emulated Cortex-M3 board (default); pico: the emulated Raspberry Pi Pico "
                        "(build/rp2/firmware.uf2 in rp2040js; commands reach it with --port pico)")
    p.add_argument("--firmware", help="firmware to boot (pico: a UF2, default build/rp2/firmware.uf2); qemu: ELF (default: build/qemu/firmware.elf, `make qemu`; "
                   "installed from the wheel: the bundled one)")
    p.add_argument("--heap", type=int, metavar="BYTES", help="a firmware with this MicroPython heap (built if needed)")
    p.add_argument("--flash", metavar="IMG",
                   help="the board's flash image file (made blank if missing; default: flash.img beside the firmware, "
                        "the bundled one's in ~/.cache/tinyml-host)")


def _describe(emu) -> str:
    up = time.time() - emu.started
    return (f"{BOARDS['qemu'].description} on {emu.pty}: pid {emu.pid}, up {up:.0f} s\n"
            f"  firmware {emu.firmware}\n  flash {emu.flash or '(none: old firmware record)'}")


def run_pico(args) -> int:
    from . import pico

    if args.heap is not None:
        raise TinymlError("--heap is for --board qemu (the Pico's heap is fixed by its firmware)")
    if args.action == "start":
        board = pico.start(args.firmware, flash_image=args.flash, keep=True)
        print(f"{BOARDS['pico'].description} on {board.pty}: pid {board.pid}; use --port pico")
        if board.banner:
            print(f"  {board.banner}")
        return 0
    if args.action == "status":
        board = pico.status()
        if board is None:
            print("no emulated Pico running (start one with `tinyml-host emulator start --board pico`)")
            return 1
        print(f"{BOARDS['pico'].description} on {board.pty}: pid {board.pid}\n  firmware {board.uf2}"
              f"\n  flash {board.flash_image or '(in memory)'}")
        return 0
    print("stopped the emulated Pico" if pico.stop() else "no emulated Pico was running")
    return 0


def run(args) -> int:
    from . import emulator

    if args.board == "pico":
        return run_pico(args)

    if args.action == "start":
        emu = emulator.start(firmware=args.firmware, heap=args.heap, flash=args.flash, reuse=False, keep=True)
        print(_describe(emu))
        if emu.banner:
            print(f"  {emu.banner}")
        return 0
    if args.action == "status":
        emu = emulator.status()
        if emu is None:
            print("no emulated board running (start one with `tinyml-host emulator start`)")
            return 1
        print(_describe(emu))
        return 0
    print("stopped the emulated board" if emulator.stop() else "no emulated board was running")
    return 0
