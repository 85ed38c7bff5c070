"""What every board family's flasher shares: the result record, the default firmware, reading a
firmware file, progress bars. The boards themselves: tinyml_host.boards; checking a freshly
flashed board: tinyml_host.board_query; serial ports: tinyml_host.serial_ports.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

from .board_query import BoardInfo
from .boards import BoardSpec
from .bundled import checkout_root
from .errors import TinymlError

ROOT = checkout_root()  # None when installed outside a checkout


@dataclasses.dataclass(frozen=True)
class FlashOptions:
    """`tinyml-host flash`'s options; each board family's flasher takes those that apply to it."""

    erase: bool = False
    drive: str | None = None  # RP2040: its BOOTSEL drive
    picotool: bool = False  # RP2040: load with picotool
    baud: int | None = None  # ESP32: baud rate for writing
    timeout: float | None = None  # for the board to boot, re-enumerate or appear (None: the flasher's own)
    wait_boot: bool = True
    progress: bool = True
    position: int = 0  # of the progress bar, among parallel flashes
    verbose: bool = False


@dataclasses.dataclass
class FlashResult:
    """One board's flash, as the --json summary reports it."""

    board: str
    port: str | None = None
    drive: str | None = None
    firmware: str | None = None
    firmware_bytes: int = 0
    chip: str | None = None  # the chip the flasher found (ESP32: detected over the ROM loader)
    method: str = ""  # "esptool", "uf2 drive", "picotool", "emulator"
    offset: int | None = None  # flash address written (ESP32)
    written_bytes: int = 0
    erased: bool = False
    verified: str | None = None  # how the write was checked, e.g. "md5 <hex>"
    board_info: BoardInfo | None = None
    seconds: float = 0.0
    ok: bool = False
    error: str | None = None
    hint: str | None = None
    exit_code: int = 0
    warnings: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d["board_info"] = dataclasses.asdict(self.board_info) if self.board_info else None
        d["seconds"] = round(self.seconds, 2)
        return d


def default_firmware(board: BoardSpec) -> Path:
    """This checkout's build of the board's firmware (the emulated board's: the bundled one when
    there is none), or an error saying how to get it."""
    if board.family == "qemu":
        from .emulator import default_firmware as emulator_firmware

        bundled = emulator_firmware()
        if bundled is not None and bundled.is_file():
            return bundled
    if ROOT is None:
        raise TinymlError(f"no firmware given for {board.name}, and this installation is not a tinyml checkout",
                          f"pass --firmware FILE (built in a checkout with `{board.build}`)")
    path = ROOT / board.firmware
    if not path.is_file():
        raise TinymlError(f"no firmware given and none built for {board.name} ({board.firmware} does not exist)",
                          f"build it with `{board.build}`, or pass --firmware FILE")
    return path


def read_firmware(path: str | os.PathLike) -> bytes:
    from .inputs import MAX_FIRMWARE_BYTES, read_file

    return read_file(path, "firmware", MAX_FIRMWARE_BYTES, "give the firmware file built for the board")


# --- progress -----------------------------------------------------------------------------

class Progress:
    """A byte-count progress bar on stderr (tqdm), drawn only when stderr is a terminal and
    progress is wanted; otherwise every call does nothing. Bars of parallel flashes stack
    (`position`)."""

    _lock = threading.Lock()

    def __init__(self, total: int, desc: str, enabled: bool = True, position: int = 0) -> None:
        from .progress import progress_bar

        with self._lock:
            self._bar = progress_bar(total, desc, enabled=enabled, position=position, leave=True)

    def update_to(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(max(0, done - self._bar.n))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
