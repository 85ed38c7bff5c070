"""Flashing ESP32-family boards (ESP32, ESP32-S2, ESP32-S3, ESP32-C3) through esptool's Python API.

    from tinyml_host import flash_esp32
    result = flash_esp32.flash("esp32", "/dev/ttyUSB0", Path("firmware.bin"))

The firmware is MicroPython's `firmware.bin` for the chip (bootloader + partition table + app, as
`make esp32` builds it). Order of work, so that nothing is written unless everything matches:

1. the file: an ESP image (magic 0xE9) whose header names the chip `--board` says (the chip id in
   the extended header), with a partition table where the chip's bootloader offset puts it;
2. the board: esptool connects to its ROM loader and detects the chip; a different chip than the
   firmware's is refused;
3. esptool's flasher stub is loaded, the flash attached, optionally erased (`erase=True`), and the
   firmware written at the chip's bootloader offset (0x1000 on ESP32 and ESP32-S2, 0x0 on S3/C3),
   compressed; esptool checks the flash's MD5 against the file's, and so do we, explicitly;
4. the board is reset (RTS) and we wait for MicroPython's banner on the same port, then read
   tinyml's version and op list from the board over the raw REPL.

esptool's own messages go to a per-thread log (shown on errors and with `verbose`), its progress
to our progress bar, so several boards can be flashed in parallel, one thread each.
"""

from __future__ import annotations

import contextlib
import hashlib
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import flash_common, serial_ports
from .board_query import check_flashed_board
from .boards import BOARDS, BoardSpec, board_named, find_ports
from .errors import DeviceError, TinymlError
from .flash_common import FlashOptions, FlashResult


def _chip(board: str):
    """esptool's target class for the board's chip: its CHIP_NAME, IMAGE_CHIP_ID (the chip id in
    an ESP image's extended header) and BOOTLOADER_FLASH_OFFSET (where MicroPython's firmware.bin
    goes)."""
    return board_named(board).esptool_target()


def _chip_name(image_chip_id: int) -> str:
    """The chip an ESP image's chip id names, from every target esptool knows."""
    from esptool.targets import CHIP_DEFS

    for target in CHIP_DEFS.values():
        if getattr(target, "IMAGE_CHIP_ID", None) == image_chip_id:
            return target.CHIP_NAME
    return f"an unknown chip (id {image_chip_id})"


def _board_for_chip(chip_name: str) -> str | None:
    """Our --board name for an esptool CHIP_NAME, None when we have no firmware for it."""
    return next((b.name for b in BOARDS.values() if b.family == "esp32" and b.chip == chip_name), None)


ESP_IMAGE_MAGIC = 0xE9
PARTITION_TABLE = 0x8000  # MicroPython's (and ESP-IDF's default) partition table address
PARTITION_MAGIC = b"\xaa\x50"
APP_OFFSET = 0x10000  # MicroPython's app partition

DEFAULT_BAUD = 460800


@dataclass(frozen=True)
class ImageInfo:
    chip_id: int
    chip_name: str
    offset: int  # flash address the file must be written at
    has_app: bool


def inspect_image(data: bytes, board: str, name: str = "firmware") -> ImageInfo:
    """Check that `data` is a full MicroPython firmware for `board`'s chip; raise TinymlError
    (an input error) naming what is wrong otherwise."""
    chip = _chip(board)
    offset = chip.BOOTLOADER_FLASH_OFFSET
    if len(data) < 24 or data[0] != ESP_IMAGE_MAGIC:
        raise TinymlError(f"{name} is not an ESP32 firmware image (it does not start with the ESP image magic 0xE9)",
                          f"use the firmware.bin of MicroPython's ESP32 build (`{BOARDS[board].build}`)")
    (chip_id,) = struct.unpack_from("<H", data, 12)
    built_for = _chip_name(chip_id)
    if chip_id != chip.IMAGE_CHIP_ID:
        other = _board_for_chip(built_for)
        raise TinymlError(f"wrong chip: {name} is built for {built_for}, not {chip.CHIP_NAME}",
                          f"flash it with --board {other}" if other else
                          f"use a firmware built for {chip.CHIP_NAME} (`{BOARDS[board].build}`)")
    pt = PARTITION_TABLE - offset
    if len(data) < pt + 32 or data[pt:pt + 2] != PARTITION_MAGIC:
        raise TinymlError(f"{name} has no partition table at flash address {PARTITION_TABLE:#x}: it is not a full "
                          f"firmware image for {chip.CHIP_NAME} (written at {offset:#x})",
                          "use build-BOARD/firmware.bin (bootloader + partition table + app), not micropython.bin")
    app = APP_OFFSET - offset
    has_app = len(data) > app and data[app] == ESP_IMAGE_MAGIC
    return ImageInfo(chip_id, built_for, offset, has_app)


# --- esptool's output -----------------------------------------------------------------------

class _Sink:
    """Where one thread's esptool output goes."""

    def __init__(self, progress: Callable[[int, int], None] | None, verbose: bool, prefix: str) -> None:
        self.progress = progress
        self.verbose = verbose
        self.prefix = prefix
        self.lines: list[str] = []


_local = threading.local()
_logger_lock = threading.Lock()
_logger_installed = False


def _install_logger() -> None:
    """Route esptool's logger (a process-wide singleton) to the calling thread's _Sink."""
    global _logger_installed
    with _logger_lock:
        if _logger_installed:
            return
        import sys

        from esptool.logger import TemplateLogger, log

        class ThreadLogger(TemplateLogger):
            def _emit(self, text: str) -> None:
                sink = getattr(_local, "sink", None)
                text = text.rstrip("\n")
                if not text.strip():
                    return
                if sink is None:
                    print(text, file=sys.stderr)
                    return
                sink.lines.append(text)
                if sink.verbose:
                    print(f"{sink.prefix}{text}", file=sys.stderr)

            def print(self, *args, **kwargs):
                self._emit(kwargs.get("sep", " ").join(str(a) for a in args))

            def note(self, message):
                self._emit(f"Note: {message}")

            def warning(self, message):
                self._emit(f"Warning: {message}")

            def error(self, message):
                self._emit(f"Error: {message}")

            def stage(self, finish=False):
                pass

            def progress_bar(self, cur_iter, total_iters, prefix="", suffix="", bar_length=30):
                sink = getattr(_local, "sink", None)
                if sink is not None and sink.progress is not None:
                    sink.progress(cur_iter, total_iters)

            def set_verbosity(self, verbosity):
                pass

        log.set_logger(ThreadLogger())
        _logger_installed = True


@contextlib.contextmanager
def _esptool_output(sink: _Sink):
    _install_logger()
    _local.sink = sink
    try:
        yield
    finally:
        _local.sink = None


def _fatal(e: Exception, port: str, stage: str, sink: _Sink) -> DeviceError:
    """An esptool FatalError (or a serial error) as a DeviceError with a hint."""
    text = str(e).strip().split("\nFor troubleshooting")[0].strip()
    low = text.lower()
    if stage == "connecting" and ("failed to connect" in low or "no serial data received" in low):
        return DeviceError(f"no ESP32 bootloader answered on {port}",
                           "is the board connected and powered? if it does not enter the bootloader by itself, "
                           "hold BOOT, press and release EN/RESET, release BOOT, and retry")
    if any(k in low for k in ("timed out", "no response", "transfer stopped", "data stream stopped",
                              "failed to connect", "no serial data received")):
        return DeviceError(f"the board on {port} stopped answering while {stage} ({text.splitlines()[0]})",
                           "check the USB cable and power, try a lower --baud, and flash again")
    if "could not open" in low or "busy" in low:
        return serial_ports.port_error(port, e)
    return DeviceError(f"esptool failed while {stage} on {port}: {text.splitlines()[0]}",
                       "run again with --verbose to see esptool's log")


def _check_port(port: str) -> None:
    ser = serial_ports.open_serial(port)
    ser.close()


# --- flashing -----------------------------------------------------------------------------

def flash(board: str, port: str, firmware: str | Path, *, erase: bool = False, baud: int = DEFAULT_BAUD,
          progress: bool = True, position: int = 0, verbose: bool = False, boot_timeout: float = 20.0,
          connect_attempts: int = 4, no_stub: bool = False, wait_boot: bool = True) -> FlashResult:
    """Flash `firmware` to the ESP32-family board on `port`. Raises TinymlError/DeviceError."""
    t0 = time.monotonic()
    path = Path(firmware)
    data = flash_common.read_firmware(path)
    try:  # heavy: imported only when flashing; said before touching the port
        from esptool import cmds
        from esptool.util import FatalError
    except ImportError:
        raise TinymlError("esptool is not installed", "pip install 'tinyml-host[esp32]'") from None
    chip = _chip(board)
    image = inspect_image(data, board, path.name)  # before touching the board
    result = FlashResult(board=board, port=port, firmware=str(path), firmware_bytes=len(data),
                         method="esptool", offset=image.offset)
    _check_port(port)  # a clear error for a missing or busy port

    bar = flash_common.Progress(len(data), f"{board} {port}", enabled=progress, position=position)
    # esptool counts what it sends (compressed); the bar shows the firmware's bytes.
    sink = _Sink(lambda done, total: bar.update_to(done * len(data) // max(total, 1)), verbose, f"[{port}] ")

    stage = "connecting"
    esp = None
    try:
        with _esptool_output(sink), bar:
            try:
                esp = cmds.detect_chip(port, 115200, "default-reset", connect_attempts=connect_attempts)
                result.chip = esp.CHIP_NAME
                if esp.CHIP_NAME != chip.CHIP_NAME:
                    other = _board_for_chip(esp.CHIP_NAME)
                    raise TinymlError(f"wrong chip: the board on {port} is an {esp.CHIP_NAME}, but --board {board} "
                                      f"and the firmware are for {chip.CHIP_NAME}; nothing was written",
                                      f"use --board {other} with a firmware built for {esp.CHIP_NAME}" if other
                                      else f"this board ({esp.CHIP_NAME}) is not supported")
                stage = "starting the flasher stub"
                if not no_stub:
                    esp = cmds.run_stub(esp)
                if baud != 115200:
                    stage = "changing the baud rate"
                    esp.change_baud(baud)
                stage = "attaching the flash"
                cmds.attach_flash(esp)
                if erase:
                    stage = "erasing the flash"
                    cmds.erase_flash(esp)
                    result.erased = True
                stage = "writing the flash"
                cmds.write_flash(esp, [(image.offset, data)], flash_size="keep", flash_mode="keep",
                                 flash_freq="keep", compress=not no_stub, no_compress=no_stub)
                result.written_bytes = len(data)
                stage = "verifying the flash"
                md5 = esp.flash_md5sum(image.offset, len(data))
                want = hashlib.md5(data).hexdigest()
                if md5 != want:
                    raise DeviceError(f"verification failed on {port}: the flash's MD5 is {md5}, the file's {want}",
                                      "flash again; if it keeps failing, try --erase and a lower --baud")
                result.verified = f"md5 {md5}"
                stage = "resetting the board"
                cmds.reset_chip(esp, "hard-reset")
            except FatalError as e:
                raise _fatal(e, port, stage, sink) from None
            except OSError as e:  # the port went away mid-way (unplugged, a reset dropping USB)
                raise DeviceError(f"lost the serial port {port} while {stage}: {e}",
                                  "check the USB cable and flash again") from None
            finally:
                if esp is not None:
                    with contextlib.suppress(Exception):
                        esp._port.close()
    except DeviceError as e:
        if verbose or not sink.lines:
            raise
        e.hint = (e.hint + "; " if e.hint else "") + f"esptool's last words: {sink.lines[-1]}"
        raise

    if wait_boot:
        # Boards on the chip's own USB (S2/S3/C3) drop their port across the reset: wait for it.
        result.board_info = check_flashed_board(port, boot_timeout)
        if result.board_info.tinyml is None:
            result.warnings.append("the board runs MicroPython, but its firmware has no tinyml module")
    result.seconds = time.monotonic() - t0
    result.ok = True
    return result


def flash_spec(spec: BoardSpec, port: str | None, firmware: Path, o: FlashOptions) -> FlashResult:
    """tinyml_host.flash's entry: the options that apply to ESP32 boards, the one board found."""
    if o.drive is not None or o.picotool:
        raise TinymlError("--drive and --picotool are for RP2040 boards")
    if port is None:
        port = _single_port(spec)
    kw = {"baud": o.baud} if o.baud is not None else {}
    return flash(spec.name, port, firmware, erase=o.erase, progress=o.progress, position=o.position,
                 verbose=o.verbose, boot_timeout=o.timeout or 20.0, wait_boot=o.wait_boot, **kw)


def _single_port(spec: BoardSpec) -> str:
    ports = find_ports(spec)
    if not ports:
        raise DeviceError(f"no {spec.chip} board found on a USB serial port",
                          "plug it in, or name its port with --port (e.g. /dev/ttyUSB0, COM3); "
                          "`tinyml-host devices` lists the boards found")
    if len(ports) > 1:
        raise DeviceError(f"several boards found ({', '.join(ports)})", "name one with --port, or use --port all")
    return ports[0]
