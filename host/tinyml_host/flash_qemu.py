"""`flash` for the emulated board: boot it with the given firmware (tinyml_host.emulator).

There is no flash to write: the emulated board runs the firmware ELF directly. "Flashing" boots a
fresh emulated board with it, replacing the one kept from before, and leaves it running like a
flashed board, so that later commands given no --port use it (`emulator.stop()` ends it). The
report is the same as for a real board: banner, tinyml's version and op list, read over the pty.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import emulator, flash_common
from .board_query import query_board
from .boards import BOARDS, BoardSpec
from .errors import TinymlError
from .flash_common import FlashOptions, FlashResult


def flash(firmware: str | Path, *, timeout: float = 30.0, keep: bool = True) -> FlashResult:
    t0 = time.monotonic()
    path = Path(firmware)
    data = flash_common.read_firmware(path)
    if data[:4] != b"\x7fELF":
        raise TinymlError(f"{path.name} is not an ELF file: the emulated board boots a firmware.elf",
                          "use build/qemu/firmware.elf (`make qemu`)")
    emu = emulator.start(firmware=path, reuse=False, keep=keep, timeout=timeout)
    result = FlashResult(board="qemu", port=emu.pty, firmware=str(path), firmware_bytes=len(data),
                         chip=BOARDS["qemu"].chip, method="emulator", written_bytes=0)
    result.board_info = query_board(emu.pty, timeout=timeout)
    if result.board_info.tinyml is None:
        result.warnings.append("the firmware runs MicroPython, but has no tinyml module")
    if keep:
        result.notes.append(f"the emulated board keeps running (qemu pid {emu.pid}, {emu.pty}); "
                               "commands given no --port use it")
    result.verified = "booted"
    result.ok = True
    result.seconds = time.monotonic() - t0
    return result


def flash_spec(spec: BoardSpec, port: str | None, firmware: Path, o: FlashOptions) -> FlashResult:
    """tinyml_host.flash's entry: the emulated board takes no port, drive or erase."""
    if port is not None or o.drive is not None:
        raise TinymlError("the emulated board takes no --port or --drive: flashing it boots it")
    if o.erase:
        raise TinymlError("the emulated board has no flash to erase")
    return flash(firmware, timeout=o.timeout or 30.0)
