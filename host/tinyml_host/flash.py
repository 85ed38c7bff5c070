"""`tinyml-host flash`: put our MicroPython firmware (with tinyml) on a board and show it runs.

    tinyml-host flash --board rp2040                      # build/rp2/firmware.uf2 onto a Pico
    tinyml-host flash --board esp32 --port /dev/ttyUSB0   # build/esp32/ESP32_GENERIC/firmware.bin
    tinyml-host flash --board esp32s3 --port all --json   # every ESP32-S3 board found, in parallel

Library API (what the command runs):

    from tinyml_host.flash import flash_board, flash_boards
    result = flash_board("esp32", port="/dev/ttyUSB0")          # FlashResult; raises on failure
    results = flash_boards("esp32", ["/dev/ttyUSB0", "/dev/ttyUSB1"])  # one FlashResult each

The board's entry in tinyml_host.boards names the module that does the work (its flash_spec()):
flash_esp32 (esptool), flash_rp2040 (UF2 drive or picotool; also the emulated Pico), flash_qemu
(the emulated board); uf2 checks UF2 files. Every flash ends by reading
MicroPython's banner, tinyml's version and its op list from the board.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import sys
from pathlib import Path

from . import flash_common
from .board_query import describe
from .boards import BOARDS, board_named, find_ports
from .errors import EXIT_DEVICE, DeviceError, TinymlError
from .flash_common import FlashOptions, FlashResult
from .inputs import add_json_argument, check_output_file, emit_json, int_at_least, seconds


def flash_board(board: str, port: str | None = None, firmware: str | Path | None = None, *,
                erase: bool = False, drive: str | None = None, picotool: bool = False,
                baud: int | None = None, timeout: float | None = None, wait_boot: bool = True,
                progress: bool = True, position: int = 0, verbose: bool = False) -> FlashResult:
    """Flash one board; raises TinymlError (bad input) or DeviceError (board, connection)."""
    spec = board_named(board)
    fw = Path(firmware) if firmware is not None else flash_common.default_firmware(spec)
    options = FlashOptions(erase=erase, drive=drive, picotool=picotool, baud=baud, timeout=timeout,
                           wait_boot=wait_boot, progress=progress, position=position, verbose=verbose)
    flasher = importlib.import_module(f".{spec.flasher}", __package__)
    return flasher.flash_spec(spec, port, fw, options)


def flash_boards(board: str, ports: list[str], firmware: str | Path | None = None, **options) -> list[FlashResult]:
    """Flash several boards of one kind in parallel (RP2040 boards take turns in BOOTSEL).
    Never raises for one board's failure: each FlashResult says ok, error and hint."""
    def one(i: int, port: str) -> FlashResult:
        try:
            return flash_board(board, port, firmware, position=i, **options)
        except TinymlError as e:
            return FlashResult(board=board, port=port, firmware=str(firmware) if firmware else None, ok=False,
                               error=e.what, hint=e.hint or None, exit_code=e.exit_code)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(ports))) as pool:
        return list(pool.map(one, range(len(ports)), ports))


def resolve_ports(board: str, ports: list[str] | None) -> list[str | None]:
    """The --port values: none (one board, found by the flasher), names, or 'all'."""
    if not ports:
        return [None]
    if "all" in ports:
        spec = board_named(board)
        if spec.emulated:
            raise TinymlError("--port all does not apply to an emulated board")
        found = find_ports(spec)
        if not found:
            raise DeviceError(f"--port all: no {spec.chip} board found on a USB serial port",
                              "is it plugged in? RP2040 boards in BOOTSEL mode have no serial port: name their "
                              "drive with --drive")
        return list(found)
    seen: list[str] = []
    for p in ports:
        if p not in seen:
            seen.append(p)
    return seen


# --- the command --------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--board", required=True, choices=list(BOARDS),
                   help="the board (tinyml-host devices shows which one is plugged in): "
                        + ", ".join(f"{b.name} ({b.description})" for b in BOARDS.values()))
    p.add_argument("--port", action="append", metavar="PORT",
                   help="its serial port (repeat for several boards, flashed in parallel; 'all': every board of "
                        "that kind found by USB id). ESP32: found by USB id when there is one board. RP2040: "
                        "optional, the board running MicroPython to reboot into BOOTSEL and check afterwards; "
                        "'pico': the emulated Pico (tinyml_host.pico)")
    p.add_argument("--firmware", metavar="FILE", type=Path,
                   help="firmware to write (default: this repository's build for the board, e.g. build/rp2/firmware.uf2)")
    p.add_argument("--erase", action="store_true",
                   help="erase the whole flash first (MicroPython's filesystem and the files on it too)")
    p.add_argument("--drive", metavar="DIR",
                   help="RP2040: the RPI-RP2 drive (the folder holding INFO_UF2.TXT) when it is not found by itself")
    p.add_argument("--picotool", action="store_true", help="RP2040: load with picotool instead of the drive")
    p.add_argument("--baud", type=int_at_least(300, 10_000_000), metavar="BAUD",
                   help="ESP32: baud rate for writing (default 460800; try 115200 on a flaky cable)")
    p.add_argument("--timeout", type=seconds, metavar="SECONDS",
                   help="how long to wait for the board to boot, re-enumerate or appear "
                        "(default 20 for ESP32, 15 for RP2040, 30 for the emulated board)")
    p.add_argument("--no-wait", action="store_true",
                   help="do not wait for the board to boot and report its firmware")
    add_json_argument(p, "a summary, one entry per board,")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--verbose", "-v", action="store_true", help="show esptool's log")


def _text(r: FlashResult) -> list[str]:
    where = r.port or r.drive or ""
    if not r.ok:
        return [f"{r.board} {where}: FAILED: {r.error}" + (f" ({r.hint})" if r.hint else "")]
    what = f"flashed {r.board}"
    if r.method == "emulator":
        what = "booted the emulated board"
    head = f"{what}{' on ' + r.port if r.port else ''}: {r.firmware} ({r.firmware_bytes} bytes"
    if r.offset is not None and r.method == "esptool":
        head += f" at {r.offset:#x}"
    if r.drive:
        head += f" via {r.drive}"
    head += f", {r.seconds:.1f} s)"
    lines = [head]
    if r.chip and r.method == "esptool":
        lines.append(f"  chip: {r.chip}" + (", flash erased first" if r.erased else ""))
    if r.verified and r.method != "emulator":
        lines.append(f"  verified: {r.verified}")
    if r.board_info is not None:
        lines += ["  " + line for line in describe(r.board_info)]
    lines += [f"  note: {n}" for n in r.notes]
    return lines


def run(args: argparse.Namespace) -> int:
    if args.json not in (None, "-"):
        check_output_file(args.json, "--json file")
    try:
        ports = resolve_ports(args.board, args.port)
    except TinymlError as e:
        if not args.json:
            raise
        return _report(args, [], e)  # no board found: still a JSON answer, with no result in it
    options = dict(erase=args.erase, drive=args.drive, picotool=args.picotool, baud=args.baud,
                   timeout=args.timeout, wait_boot=not args.no_wait, progress=not args.no_progress,
                   verbose=args.verbose)
    if len(ports) > 1 and args.drive:
        raise TinymlError("--drive names one board's drive: flash several RP2040 boards by --port")
    if len(ports) == 1 and not args.json:
        result = flash_board(args.board, ports[0], args.firmware, **options)  # errors: main() prints them
        results = [result]
    elif len(ports) == 1:
        try:
            results = [flash_board(args.board, ports[0], args.firmware, **options)]
        except TinymlError as e:
            results = [_failed(args, e, port=ports[0])]
    else:
        results = flash_boards(args.board, ports, args.firmware, **options)
    return _report(args, results)


def _failed(args: argparse.Namespace, e: TinymlError, port: str | None) -> FlashResult:
    return FlashResult(board=args.board, port=port, firmware=str(args.firmware) if args.firmware else None,
                       ok=False, error=e.what, hint=e.hint or None, exit_code=e.exit_code)


def _report(args: argparse.Namespace, results: list[FlashResult], error: TinymlError | None = None) -> int:
    """Print the results (text, or the --json summary); the exit status. `error`: why there are
    no results at all (no board found)."""
    if args.json:
        summary = {"ok": error is None and all(r.ok for r in results), "board": args.board,
                   "results": [r.to_json() for r in results]}
        if error is not None:
            summary.update(error=error.what, hint=error.hint or None)
        emit_json(args.json, summary)
        if error is not None:
            print(f"tinyml-host: error: {error}", file=sys.stderr)
            return error.exit_code
    if args.json != "-":
        for r in results:
            print("\n".join(_text(r)))
        if len(results) > 1:
            bad = [r for r in results if not r.ok]
            print(f"{len(results) - len(bad)} of {len(results)} boards flashed"
                  + (f"; failed: {', '.join(r.port or '?' for r in bad)}" if bad else ""))
    for r in results:
        for w in r.warnings:
            print(f"tinyml-host: warning: {r.port or r.board}: {w}", file=sys.stderr)
    codes = [r.exit_code or EXIT_DEVICE for r in results if not r.ok]
    return max(codes) if codes else 0
