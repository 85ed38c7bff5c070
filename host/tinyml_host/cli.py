"""`tinyml-host`: the command line, a thin layer over the library.

Subcommands are rows of COMMANDS: (name, module). Each module has
`add_arguments(parser)` and `run(args) -> int`. Adding a command = its module + one row.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from typing import Sequence

from . import __version__
from .errors import TinymlError, TinymlWarning

# (name, module under tinyml_host, one-line help). Command modules import heavy dependencies
# (TensorFlow, the TFLM reference, matplotlib) inside run(), never at module level, so building
# the parser stays fast and `tinyml-host inspect` works without TensorFlow installed.
COMMANDS: list[tuple[str, str, str]] = [
    ("inspect", "inspect", "show a .tflite model's tensors, ops, MACs, arena and whether it fits a board"),
    ("convert", "convert", "convert a Keras/SavedModel model to a full-integer int8 .tflite for the device"),
    ("flash", "flash", "write our MicroPython firmware (with tinyml) to an ESP32 or RP2040 board, or boot the emulated one"),
    ("deploy", "deploy", "put a model (and the serial agent, if needed) on a board; into RAM on the emulated one"),
    ("validate", "validate", "run windows on the board and in the TFLM reference: bit-exactness, accuracy, latency"),
    ("run", "runscript", "run a MicroPython script on the board (default: the emulated one), output here"),
    ("repl", "repl", "open the board's MicroPython REPL (default: the emulated board)"),
    ("devices", "devices", "list the boards found on USB serial ports and the emulated boards running, with what they run"),
    ("emulator", "emulator_cmd", "start, list or stop the kept emulated board (its files persist in a flash image)"),
]


class UsageError(TinymlError):
    """A bad command line: argparse's message, as one line like every other error."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is a UsageError (one line, exit 2) rather than usage + message."""

    def error(self, message: str):
        command = self.prog.partition(" ")[2]  # "tinyml-host validate" -> "validate"
        raise UsageError(f"{command}: {message}" if command else message, f"see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tinyml-host", description="tinyml host SDK: models and boards.")
    parser.add_argument("--version", action="version", version=f"tinyml-host {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name, help_text in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(f".{module_name}", __package__)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Our warnings as one line each; anyone else's (TensorFlow's, numpy's) as Python shows them."""
    if issubclass(category, TinymlWarning):
        print(f"tinyml-host: warning: {message}", file=sys.stderr)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


_python_showwarning = warnings.showwarning


def main(argv: Sequence[str] | None = None) -> int:
    warnings.showwarning = _show_warning
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args._module.run(args) or 0)
    except TinymlError as e:
        print(f"tinyml-host: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("tinyml-host: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`tinyml-host inspect m.tflite | head`): end quietly, as `cat` does.
        # stdout is pointed at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
