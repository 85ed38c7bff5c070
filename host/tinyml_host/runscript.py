"""`tinyml-host run SCRIPT [--port P]`: run a MicroPython script on the board, its output here.

    from tinyml_host.runscript import run_script
    status = run_script("experiment.py", port=None)      # the emulated board when no port

Like `mpremote run`: the script is sent to the raw REPL (after a soft reset, so it starts from
a clean interpreter, unless reset=False) and its output streams to stdout as it runs. Returns 0,
or 1 when the script raised (its traceback is printed on stderr).
"""

from __future__ import annotations

import argparse
import codecs
import sys
from pathlib import Path

from .board import add_firmware_argument
from .errors import DeviceError
from .inputs import read_model_file, seconds


def run_script(script: str | Path, port: str | None = None, *, reset: bool = True,
               timeout: float | None = None, out=None, firmware: str | None = None) -> int:
    from mpremote.transport import TransportError

    from . import board as board_mod
    from .transport import board_step, open_transport, stop_agent

    path = Path(script)
    code = read_model_file(path, "script", allow_empty=True)  # it runs in the board's RAM: same bound
    out = out or sys.stdout
    name, _emu = board_mod.resolve_port(port, firmware)
    t = open_transport(name)
    try:
        stop_agent(t.serial)
        with board_step(t, f"starting {path.name} on the board"):  # each reply: up to 10 s
            t.enter_raw_repl(soft_reset=reset)
            t.exec_raw_no_follow(code)
        # follow() reads a pty byte by byte with the port's own timeout: with none (blocking reads)
        # its silence timeout is never checked, so reads return every 50 ms when one is asked for.
        t.serial.timeout = None if timeout is None else 0.05
        text = _Text(out)
        try:
            ret, err = t.follow(timeout, data_consumer=text.write)
        finally:
            text.close()  # what came before a --timeout too
        t.exit_raw_repl()
    except TransportError as e:
        if timeout is not None and "timeout" in str(e):
            _interrupt(t)
            raise DeviceError(f"{path.name} printed nothing for {timeout:g} s (--timeout): stopped it with Ctrl-C",
                              "raise --timeout for a script that computes quietly") from None
        raise DeviceError(f"running {path.name} on the board failed: {e}",
                          "is the board running MicroPython? pass --timeout to bound the wait") from None
    finally:
        t.close()
    if err:
        sys.stderr.write(err.replace(b"\r\n", b"\n").decode("utf-8", "replace"))
        return 1
    return 0


class _Text:
    """The script's output to `out` as it comes: mpremote hands it over a byte at a time, so
    UTF-8 is decoded across those bytes and a \\r\\n split between two of them is still one \\n."""

    def __init__(self, out) -> None:
        self.out = out
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.held = ""  # a final \r, until the next byte says whether a \n follows

    def write(self, b: bytes) -> None:
        text = self.held + self.decoder.decode(b.replace(b"\x04", b""))  # \x04 ends the output
        self.held = "\r" if text.endswith("\r") else ""
        text = text[:len(text) - len(self.held)].replace("\r\n", "\n")
        if text:
            self.out.write(text)
            self.out.flush()

    def close(self) -> None:
        text = self.held + self.decoder.decode(b"", final=True)
        self.held = ""
        if text:
            self.out.write(text)
            self.out.flush()


def _interrupt(t) -> None:
    """Stop a script still running on the board (Ctrl-C), back to the friendly REPL, so the
    board is usable by the next command."""
    try:
        t.serial.write(b"\x03\x03")
        t.serial.flush()
        t.exit_raw_repl()
    except Exception:  # the board may be gone too: nothing more to do for it
        pass


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("script", help="a MicroPython .py file")
    p.add_argument("--port", help="serial port of a board running our firmware, or 'auto' "
                                  "(default: the emulated board, booted or reused)")
    add_firmware_argument(p)
    p.add_argument("--no-reset", action="store_true",
                   help="keep the interpreter's state (no soft reset before the script)")
    p.add_argument("--timeout", type=seconds, default=None, metavar="S",
                   help="give up when the script prints nothing for S seconds (default: wait)")


def run(args) -> int:
    return run_script(args.script, args.port, reset=not args.no_reset, timeout=args.timeout,
                      firmware=args.firmware)
