"""What every board family's flasher shares: the boards table, the result record, serial ports,
progress bars, and checking a freshly flashed board (its MicroPython banner, tinyml's version and
op list, read over the raw REPL).

    from tinyml_host.flash_common import query_board
    info = query_board("/dev/ttyACM0")   # BoardInfo(banner, micropython, machine, tinyml, ops)
"""

from __future__ import annotations

import ast
import dataclasses
import os
import threading
import time
from pathlib import Path
from typing import Callable

from .bundled import checkout_root
from .errors import DeviceError, TinymlError

ROOT = checkout_root()  # None when installed outside a checkout


@dataclasses.dataclass(frozen=True)
class Board:
    name: str  # the --board value
    family: str  # "esp32", "rp2040" or "qemu": the module that flashes it
    chip: str  # the chip's name as its tools say it
    firmware: str  # this repository's build of its firmware, relative to the root
    build: str  # the command that builds it


BOARDS: dict[str, Board] = {b.name: b for b in (
    Board("esp32", "esp32", "ESP32", "build/esp32/ESP32_GENERIC/firmware.bin", "make esp32 BOARD=ESP32_GENERIC"),
    Board("esp32s2", "esp32", "ESP32-S2", "build/esp32/ESP32_GENERIC_S2/firmware.bin", "make esp32 BOARD=ESP32_GENERIC_S2"),
    Board("esp32s3", "esp32", "ESP32-S3", "build/esp32/ESP32_GENERIC_S3/firmware.bin", "make esp32 BOARD=ESP32_GENERIC_S3"),
    Board("esp32c3", "esp32", "ESP32-C3", "build/esp32/ESP32_GENERIC_C3/firmware.bin", "make esp32 BOARD=ESP32_GENERIC_C3"),
    Board("rp2040", "rp2040", "RP2040", "build/rp2/firmware.uf2", "make rp2"),
    Board("qemu", "qemu", "Cortex-M3 (MPS2-AN385, emulated)", "build/qemu/firmware.elf", "make qemu"),
)}

# USB vendor ids of the serial ports `--port all` takes for each family: the USB-UART bridges on
# ESP32 boards (Silicon Labs CP210x, WCH CH340/CH9102, FTDI) and Espressif's own USB; the
# Raspberry Pi vendor id, which MicroPython's rp2 port uses (product 0x0005).
USB_VIDS = {
    "esp32": {0x10C4, 0x1A86, 0x0403, 0x303A},
    "rp2040": {0x2E8A},
}
RP2_MICROPYTHON_PID = 0x0005


@dataclasses.dataclass
class BoardInfo:
    """What a board running our firmware says about itself."""

    banner: str  # the MicroPython banner line, e.g. "MicroPython v1.25.0 on 2025-04-15; ..."
    micropython: str  # sys.version
    machine: str  # sys.implementation._machine
    tinyml: str | None  # tinyml.__version__, None when the firmware has no tinyml
    ops: list[str]  # names of the ops tinyml.ops() lists


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


def default_firmware(board: Board) -> Path:
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


# --- serial ports ---------------------------------------------------------------------------

def _serial():
    try:
        import serial
        import serial.tools.list_ports  # noqa: F401
    except ImportError:
        raise TinymlError("pyserial is not installed", "pip install pyserial (a dependency of tinyml-host: reinstall it)") from None
    return serial


def open_serial(port: str, baudrate: int = 115200, timeout: float = 0.05):
    """Open a serial port exclusively, with clear errors for a missing or busy port."""
    serial = _serial()

    try:
        return serial.Serial(port, baudrate=baudrate, timeout=timeout, exclusive=True)
    except serial.SerialException as e:
        raise port_error(port, e) from None


def port_error(port: str, e: Exception) -> DeviceError:
    """The DeviceError for a port that cannot be opened: missing, busy, or not allowed."""
    text = str(e)
    if not os.path.exists(port):
        return DeviceError(f"no board on {port}: no such serial port",
                           "is the board plugged in? `--port all` lists and uses every board found")
    if "exclusively lock" in text or "Resource temporarily unavailable" in text or "busy" in text.lower():
        return DeviceError(f"port busy: {port} is in use by another program",
                           "close the serial monitor, mpremote, Thonny or IDE that has it open, then retry")
    if "Permission denied" in text:
        return DeviceError(f"cannot open {port}: permission denied",
                           "add yourself to the port's group (often `dialout`: sudo usermod -aG dialout $USER, "
                           "then log in again)")
    return DeviceError(f"cannot open serial port {port}: {text}")


def find_ports(family: str) -> list[str]:
    """Serial ports that look like boards of the family (by USB vendor id)."""
    list_ports = _serial().tools.list_ports

    vids = USB_VIDS.get(family, set())
    ports = []
    for p in list_ports.comports():
        if p.vid in vids:
            if family == "rp2040" and p.pid not in (None, RP2_MICROPYTHON_PID):
                continue
            ports.append(p.device)
    return sorted(ports)


def wait_for_port(port: str, timeout: float) -> bool:
    """Wait until `port` exists and can be opened (a board re-enumerating after a reset)."""
    serial = _serial()

    deadline = time.monotonic() + timeout
    while True:
        if os.path.exists(port):
            try:
                s = serial.Serial(port, timeout=0, exclusive=True)
                s.close()
                return True
            except (serial.SerialException, OSError):
                pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


# --- the board's REPL -----------------------------------------------------------------------

# Runs on the board in the raw REPL; prints one Python literal. No json or f-strings needed.
QUERY = """\
import sys
r = {'micropython': sys.version, 'machine': getattr(sys.implementation, '_machine', '')}
try:
    import tinyml
    r['tinyml'] = tinyml.__version__
    r['ops'] = [o[0] for o in tinyml.ops()]
except ImportError:
    r['tinyml'] = None
    r['ops'] = []
print(repr(r))
"""

RAW_PROMPT = b"raw REPL; CTRL-B to exit\r\n>"


class Repl:
    """Just enough of MicroPython's REPL protocol, with a deadline on every wait (a board that
    stops answering gives a DeviceError, never a hang)."""

    def __init__(self, ser, port: str) -> None:
        self.ser = ser
        self.port = port
        self.buf = b""  # read but not yet consumed
        self.seen = b""  # the last 4 KB read, for the banner and error messages

    def read_until(self, marker: bytes, timeout: float, poke: Callable[[float], None] | None = None) -> bytes:
        """Consume and return the input up to and including `marker`; `poke(idle_seconds)` is
        called while waiting. DeviceError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while marker not in self.buf:
            if time.monotonic() >= deadline:
                raise DeviceError(f"the board on {self.port} did not answer within {timeout:g} s"
                                  + (f" (last output: {_tail(self.seen)!r})" if self.seen else " (no output at all)"),
                                  "is our MicroPython firmware running on it? press its reset button and retry")
            try:
                chunk = self.ser.read(max(1, self.ser.in_waiting))
            except OSError as e:  # the port vanished (the board reset or was unplugged)
                raise DeviceError(f"lost the serial port {self.port}: {e}") from None
            if chunk:
                self.buf += chunk
                self.seen = (self.seen + chunk)[-4096:]
                last = time.monotonic()
            elif poke is not None:
                poke(time.monotonic() - last)
        end = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:end], self.buf[end:]
        return out

    def write(self, data: bytes) -> None:
        try:
            self.ser.write(data)
        except OSError as e:
            raise DeviceError(f"lost the serial port {self.port}: {e}") from None

    def wait_prompt(self, timeout: float, quiet: float = 1.5) -> str:
        """Get to the friendly REPL's `>>> ` prompt without disturbing a board that is still
        booting: listen first; after `quiet` seconds of silence ask for the banner (Ctrl-B);
        if that is not answered either, interrupt whatever runs (Ctrl-C, e.g. a main.py).
        Returns the last banner line seen ("" if none)."""
        state = {"stage": 0}

        def poke(idle: float) -> None:
            if state["stage"] == 0 and idle >= quiet:
                self.write(b"\r\x02")  # Ctrl-B: the friendly REPL prints its banner and a prompt
                state["stage"] = 1
            elif state["stage"] == 1 and idle >= quiet + 1.0:
                self.write(b"\r\x03\x03\x02")  # Ctrl-C twice: stop a running program
                state["stage"] = 2

        self.read_until(b">>> ", timeout, poke)
        self.buf = b""  # whatever else the board printed meanwhile
        if not banner_line(self.seen):  # at a prompt, but its banner went by before we listened
            self.write(b"\r\x02")
            self.read_until(b">>> ", min(timeout, 5.0))
            self.buf = b""
        return banner_line(self.seen)

    def exec(self, code: str, timeout: float) -> tuple[str, str]:
        """Run `code` in the raw REPL; return (stdout, stderr). The board is left at `>>> `."""
        self.write(b"\x01")  # Ctrl-A: raw REPL
        self.read_until(RAW_PROMPT, timeout)
        self.buf = b""
        data = code.encode()
        for i in range(0, len(data), 256):  # MicroPython's raw REPL reads 256 bytes at a time
            self.write(data[i:i + 256])
            time.sleep(0.01)
        self.write(b"\x04")
        self.read_until(b"OK", timeout)
        out = self.read_until(b"\x04", timeout)[:-1]
        err = self.read_until(b"\x04", timeout)[:-1]
        self.read_until(b">", timeout)
        self.write(b"\x02")  # Ctrl-B: back to the friendly REPL
        return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def banner_line(data: bytes) -> str:
    """The last complete MicroPython banner line in data. A line still being received (no
    newline yet, e.g. a second banner asked for with Ctrl-B) is not taken: it may be cut short."""
    complete = data.rsplit(b"\n", 1)[0] if b"\n" in data else b""
    lines = [ln.strip() for ln in complete.decode("utf-8", "replace").splitlines() if "MicroPython v" in ln]
    return lines[-1] if lines else ""


def _tail(data: bytes, n: int = 120) -> str:
    return data[-n:].decode("utf-8", "replace")


def query_board(port: str, timeout: float = 20.0, ser=None) -> BoardInfo:
    """Wait for MicroPython on `port` (a board just flashed and reset) and read what it runs."""
    own = ser is None
    if own:
        ser = open_serial(port)
    try:
        repl = Repl(ser, port)
        banner = repl.wait_prompt(timeout)
        out, err = repl.exec(QUERY, min(timeout, 10.0))
        if err.strip():
            raise DeviceError(f"the board on {port} failed to report its firmware: {err.strip().splitlines()[-1]}")
        try:
            r = ast.literal_eval(out.strip().splitlines()[-1])
        except (ValueError, SyntaxError, IndexError):
            raise DeviceError(f"unexpected answer from the board on {port}: {out.strip()[:200]!r}") from None
        return BoardInfo(banner=banner or f"MicroPython {r.get('micropython', '?')}",
                         micropython=str(r.get("micropython", "")), machine=str(r.get("machine", "")),
                         tinyml=r.get("tinyml"), ops=list(r.get("ops", [])))
    finally:
        if own:
            ser.close()


def check_flashed_board(port: str, timeout: float) -> BoardInfo:
    """query_board() for a board just written: an error says the write itself succeeded."""
    try:
        if not wait_for_port(port, timeout):
            raise DeviceError(f"its serial port {port} did not come back within {timeout:g} s")
        return query_board(port, timeout=timeout)
    except DeviceError as e:
        raise DeviceError(f"the firmware was written, but the board did not start it as expected: {e.what}",
                          "press the board's reset (EN/RST) button and check with `mpremote connect PORT` or a "
                          "serial terminal; if it still does not start, flash again with --erase") from None


def describe(info: BoardInfo) -> list[str]:
    """Text lines for a BoardInfo."""
    lines = [f"running: {info.banner}"]
    if info.tinyml is None:
        lines.append("tinyml: NOT in this firmware (`import tinyml` fails)")
    else:
        lines.append(f"tinyml {info.tinyml}, {len(info.ops)} ops: {' '.join(info.ops)}")
    return lines
