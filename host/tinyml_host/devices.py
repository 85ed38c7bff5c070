"""`tinyml-host devices [--json [FILE]]`: the boards this computer can reach.

    tinyml-host devices               # USB serial boards and running emulated boards, what runs on them
    tinyml-host devices --no-query    # only what the USB ids say (nothing is sent to any board)

Library API:

    from tinyml_host.devices import list_devices
    found = list_devices(query=True, timeout=2.0)    # {"serial": [...], "emulators": [...]}

USB serial ports are matched against tinyml_host.boards by their USB ids (several ESP32 chips share
the same USB-UART bridges, so a port may look like several boards). A port that looks like a board
is asked, over its raw REPL, what it runs (MicroPython's banner, tinyml's version and ops), with a
short deadline: a board that does not answer is listed as such, never waited for. The machine
name MicroPython reports ("... with ESP32S3") then says which board it is. Emulated boards are the
ones recorded as running (tinyml_host.emulator for the QEMU board, tinyml_host.pico for the Pico);
one that another tinyml-host process is using is not disturbed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os

from .board_query import BoardInfo, query_board
from .boards import BOARDS, boards_for_machine, boards_for_usb
from .errors import TinymlError
from .inputs import add_json_argument, check_output_file, emit_json, seconds


def _query(port: str, timeout: float) -> tuple[BoardInfo | None, str | None]:
    try:
        return query_board(port, timeout=timeout, quiet=min(0.3, timeout / 4)), None
    except TinymlError as e:
        return None, e.what


def _running(info: BoardInfo | None) -> dict | None:
    if info is None:
        return None
    return {"banner": info.banner, "micropython": info.micropython, "machine": info.machine,
            "tinyml": info.tinyml, "ops": len(info.ops)}


def serial_boards(query: bool = True, timeout: float = 2.0) -> list[dict]:
    """Every USB serial port, with the boards its USB ids fit and (query) what it runs."""
    from .serial_ports import list_ports

    rows = []
    for p in sorted(list_ports(), key=lambda p: p.device):
        if p.vid is None:  # not USB (a PC's own UART): no board to recognise
            continue
        fits = [b.name for b in boards_for_usb(p.vid, p.pid)]
        rows.append({"port": p.device, "usb_id": f"{p.vid:04x}:{p.pid or 0:04x}", "vid": p.vid, "pid": p.pid,
                     "description": p.description or "", "serial_number": p.serial_number,
                     "boards": fits, "board": fits[0] if len(fits) == 1 else None,
                     "running": None, "error": None})
    asked = [r for r in rows if query and r["boards"]]  # other USB serial devices are left alone
    if asked:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(asked)) as pool:
            answers = list(pool.map(lambda r: _query(r["port"], timeout), asked))
        for row, (info, error) in zip(asked, answers):
            row["running"], row["error"] = _running(info), error
            if info is not None:
                named = [b.name for text in (info.machine, info.banner)  # the banner ends with the machine too
                         for b in boards_for_machine(text) if b.name in row["boards"]]
                if len(set(named)) == 1:
                    row["board"] = named[0]
    return rows


def _in_use(owner: int | None) -> bool:
    """Whether another live process owns the emulated board (it stops it when it exits)."""
    from .emulator import _pid_alive

    return owner not in (None, os.getpid()) and _pid_alive(owner)


def emulators(query: bool = True, timeout: float = 2.0) -> list[dict]:
    """The emulated boards recorded as running (QEMU board, emulated Pico), with what they run."""
    from . import emulator, pico

    rows = []
    emu = emulator.status()
    if emu is not None:
        rows.append({"board": "qemu", "port": emu.pty, "pid": emu.pid, "firmware": emu.firmware,
                     "flash": emu.flash, "kept": emu.owner is None, "owner": emu.owner})
    board = pico.status()
    if board is not None:
        rows.append({"board": "pico", "port": board.pty, "pid": board.pid, "firmware": board.uf2 or None,
                     "flash": board.flash_image, "kept": board.owner is None, "owner": board.owner})
    for row in rows:
        row["description"] = BOARDS[row["board"]].description
        row["running"], row["error"] = None, None
        if not query:
            continue
        if _in_use(row["owner"]):
            row["error"] = f"in use by process {row['owner']} (not asked)"
            continue
        info, row["error"] = _query(row["port"], timeout)
        row["running"] = _running(info)
    return rows


def list_devices(query: bool = True, timeout: float = 2.0) -> dict:
    """{"serial": serial_boards(...), "emulators": emulators(...)}."""
    return {"serial": serial_boards(query, timeout), "emulators": emulators(query, timeout)}


def _running_text(row: dict) -> str:
    r = row["running"]
    if r is not None:
        tinyml = f"tinyml {r['tinyml']} ({r['ops']} ops)" if r["tinyml"] else "no tinyml in this firmware"
        return f"      running: {r['banner']}; {tinyml}"
    if row["error"]:
        return f"      not asked or no answer: {row['error']}"
    return ""


def format_devices(found: dict) -> str:
    lines = []
    if found["serial"]:
        lines.append("USB serial ports:")
        for row in found["serial"]:
            if row["board"]:
                looks = f"-> {row['board']}"
            elif row["boards"]:
                looks = f"-> one of {', '.join(row['boards'])}"
            else:
                looks = "(not a board tinyml-host knows)"
            lines.append(f"  {row['port']}  {row['usb_id']}  {row['description']}  {looks}")
            lines += [t for t in [_running_text(row)] if t]
    else:
        lines.append("no USB serial boards found (plug one in; on Linux check that your user may open it: "
                     "group dialout)")
    if found["emulators"]:
        lines.append("emulated boards running:")
        for row in found["emulators"]:
            how = "kept" if row["kept"] else f"used by process {row['owner']}"
            lines.append(f"  {row['board']}  {row['port']}  pid {row['pid']}, {how}: {row['description']}")
            lines.append(f"      firmware {row['firmware']}")
            lines += [t for t in [_running_text(row)] if t]
    else:
        lines.append("no emulated board running (`tinyml-host emulator start [--board pico]` keeps one)")
    return "\n".join(lines)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_json_argument(p, "the ports and emulated boards found")
    p.add_argument("--no-query", action="store_true",
                   help="send nothing to the boards: list them by USB id only")
    p.add_argument("--timeout", type=seconds, default=2.0, metavar="S",
                   help="how long a board has to answer what it runs (default 2; boards are asked in parallel)")


def run(args) -> int:
    if args.json not in (None, "-"):
        check_output_file(args.json, "--json file")
    found = list_devices(query=not args.no_query, timeout=args.timeout)
    if args.json != "-":
        print(format_devices(found))
    if args.json:
        emit_json(args.json, found)
    return 0
