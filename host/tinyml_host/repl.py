"""`tinyml-host repl [--port P]`: the board's MicroPython REPL in this terminal (mpremote's).

With no --port this is the emulated board: REPL experiments with `import tinyml` and no
hardware. Ctrl-] or Ctrl-X leaves it.
"""

from __future__ import annotations

import argparse
import sys
import types

from .board import add_firmware_argument
from .errors import DeviceError, TinymlError


def repl(port: str | None = None, firmware: str | None = None) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise TinymlError("repl needs a terminal (stdin and stdout are not one)",
                         "to run code from a file or a pipe use `tinyml-host run SCRIPT`")
    from mpremote.main import State
    from mpremote.repl import do_repl
    from mpremote.transport import TransportError

    from . import board as board_mod
    from .transport import open_transport, stop_agent

    name, _emu = board_mod.resolve_port(port, firmware)
    state = State()
    state.transport = open_transport(name)
    state.transport.serial.timeout = None
    state._auto_soft_reset = False
    try:
        stop_agent(state.transport.serial)
        state.transport.serial.write(b"\r\x02")  # to the friendly REPL (from a raw one)
        do_repl(state, types.SimpleNamespace(escape_non_printable=False, capture=None,
                                             inject_code=None, inject_file=None))
    except TransportError as e:
        raise DeviceError(f"REPL on {name} failed: {e}") from None
    finally:
        state.transport.close()
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", help="serial port of a board running our firmware, or 'auto' "
                                  "(default: the emulated board, booted or reused)")
    add_firmware_argument(p)


def run(args) -> int:
    return repl(args.port, args.firmware)
