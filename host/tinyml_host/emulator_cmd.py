"""`tinyml-host emulator start|status|stop`: keep one emulated board running, list it, stop it.

    tinyml-host emulator start [--flash IMG] [--heap N] [--firmware ELF]
    tinyml-host emulator status      # exit 0 and its pty/pid/flash if one runs, else exit 1
    tinyml-host emulator stop

The board `start` boots is kept (tinyml_host.emulator.start(keep=True)): it runs until `stop`,
and every command given no --port uses it, so files deployed to it stay there for later `run`,
`validate` and `repl` commands. Its flash lives in an image file (default build/qemu/flash.img),
so they also survive `stop` and the next `start`.
"""

from __future__ import annotations

import argparse
import time


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("start", "status", "stop"),
                   help="start: boot the emulated board and keep it running (replacing a kept one); "
                        "status: show the running one; stop: end it")
    p.add_argument("--firmware", help="firmware ELF to boot (default: build/qemu/firmware.elf, `make qemu`; "
                   "installed from the wheel: the bundled one)")
    p.add_argument("--heap", type=int, metavar="BYTES", help="a firmware with this MicroPython heap (built if needed)")
    p.add_argument("--flash", metavar="IMG",
                   help="the board's flash image file (made blank if missing; default: flash.img beside the firmware, "
                        "the bundled one's in ~/.cache/tinyml-host)")


def _describe(emu) -> str:
    up = time.time() - emu.started
    return (f"emulated board (qemu mps2-an385, Cortex-M3) on {emu.pty}: pid {emu.pid}, up {up:.0f} s\n"
            f"  firmware {emu.firmware}\n  flash {emu.flash or '(none: old firmware record)'}")


def run(args) -> int:
    from . import emulator

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
