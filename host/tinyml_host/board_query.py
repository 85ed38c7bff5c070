"""What a board running our firmware runs: MicroPython's banner, tinyml's version and op list,
read over the raw REPL with mpremote's serial transport.

    from tinyml_host.board_query import query_board, check_flashed_board, describe
    info = query_board("/dev/ttyACM0")            # BoardInfo(banner, micropython, machine, tinyml, ops)
    info = query_board(port, timeout=2, quiet=0.3)  # a quick look (tinyml-host devices)

Every wait has a deadline: a board that does not answer is a DeviceError saying what it printed
last and what to do, never a hang.
"""

from __future__ import annotations

import ast
import dataclasses
import time

from .errors import DeviceError

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


@dataclasses.dataclass
class BoardInfo:
    """What a board running our firmware says about itself."""

    banner: str  # the MicroPython banner line, e.g. "MicroPython v1.25.0 on 2025-04-15; ..."
    micropython: str  # sys.version
    machine: str  # sys.implementation._machine
    tinyml: str | None  # tinyml.__version__, None when the firmware has no tinyml
    ops: list[str]  # names of the ops tinyml.ops() lists


class Console:
    """mpremote's SerialTransport on a port, with deadlines and a memory of what the board said
    (for its banner and for error messages)."""

    def __init__(self, port: str) -> None:
        from .transport import open_transport

        self.t = open_transport(port)
        self.port = port
        self.seen = b""  # the last 4 KB read

    def close(self) -> None:
        try:
            self.t.close()
        except OSError:
            pass

    def write(self, data: bytes) -> None:
        try:
            self.t.serial.write(data)
        except OSError as e:
            raise DeviceError(f"lost the serial port {self.port}: {e}") from None

    def read_until(self, marker: bytes, timeout: float, quiet: float | None = None) -> bytes:
        """Input up to and including `marker`; with `quiet`, return early (without it) after that
        many seconds of silence. DeviceError after `timeout` seconds."""
        try:
            data = self.t.read_until(1, marker, timeout=quiet, timeout_overall=timeout)
        except OSError as e:  # the port vanished (the board reset or was unplugged)
            raise DeviceError(f"lost the serial port {self.port}: {e}") from None
        self.seen = (self.seen + data)[-4096:]
        if not data.endswith(marker) and quiet is None:
            raise self.no_answer(timeout)
        return data

    def no_answer(self, timeout: float) -> DeviceError:
        tail = self.seen[-120:].decode("utf-8", "replace")
        return DeviceError(f"the board on {self.port} did not answer within {timeout:g} s"
                           + (f" (last output: {tail!r})" if self.seen else " (no output at all)"),
                           "is our MicroPython firmware running on it? press its reset button and retry")

    def wait_prompt(self, timeout: float, quiet: float = 1.5) -> str:
        """Get to the friendly REPL's `>>> ` prompt without disturbing a board that is still
        booting: listen first; after `quiet` seconds of silence ask for the banner (Ctrl-B);
        if that is not answered either, interrupt whatever runs (Ctrl-C, e.g. a main.py).
        Returns the last banner line seen ("" if none)."""
        deadline = time.monotonic() + timeout
        pokes = [b"\r\x02", b"\r\x03\x03\x02"]  # Ctrl-B: banner and prompt; Ctrl-C twice: stop a program
        wait = quiet
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self.no_answer(timeout)
            if self.read_until(b">>> ", left, quiet=wait).endswith(b">>> "):
                break
            if pokes:
                self.write(pokes.pop(0))
                wait = quiet + 1.0
        if not banner_line(self.seen):  # at a prompt, but its banner went by before we listened
            self.write(b"\r\x02")
            self.read_until(b">>> ", min(timeout, 5.0))
        return banner_line(self.seen)

    def _enter_raw_repl(self, timeout: float) -> None:
        """From the `>>> ` prompt wait_prompt() reached, into the raw REPL. (mpremote's
        enter_raw_repl also interrupts and flushes first, and prints what it got on stdout when it
        fails, where --json may be going.)"""
        self.write(b"\r\x01")  # Ctrl-A
        self.read_until(RAW_PROMPT[:-1], timeout)
        self.t.in_raw_repl = True

    def start(self, code: str, timeout: float) -> None:
        """Start `code` in the raw REPL and do not wait for it (e.g. a reboot: the board going away
        meanwhile is no error)."""
        from mpremote.transport import TransportError

        self._enter_raw_repl(timeout)
        self.t.serial.timeout = 1.0
        self.t.use_raw_paste = False  # its handshake would wait for a board that is rebooting
        try:
            self.t.exec_raw_no_follow(code)
        except (TransportError, OSError):
            pass

    def exec(self, code: str, timeout: float) -> tuple[str, str]:
        """Run `code` in the raw REPL with mpremote's exec_raw; return (stdout, stderr). Left at `>>> `."""
        from mpremote.transport import TransportError

        self._enter_raw_repl(timeout)
        self.t.serial.timeout = 1.0  # mpremote's read(2)s of the raw-paste handshake need a board's reply time
        try:
            out, err = self.t.exec_raw(code, timeout=timeout)
            self.t.exit_raw_repl()
        except TransportError:
            raise self.no_answer(timeout) from None
        except OSError as e:
            raise DeviceError(f"lost the serial port {self.port}: {e}") from None
        finally:
            self.t.serial.timeout = 0.05
        return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def banner_line(data: bytes) -> str:
    """The last complete MicroPython banner line in data. A line still being received (no
    newline yet, e.g. a second banner asked for with Ctrl-B) is not taken: it may be cut short."""
    complete = data.rsplit(b"\n", 1)[0] if b"\n" in data else b""
    lines = [ln.strip() for ln in complete.decode("utf-8", "replace").splitlines() if "MicroPython v" in ln]
    return lines[-1] if lines else ""


def query_board(port: str, timeout: float = 20.0, quiet: float = 1.5) -> BoardInfo:
    """Wait for MicroPython on `port` (e.g. a board just flashed and reset) and read what it runs."""
    console = Console(port)
    try:
        banner = console.wait_prompt(timeout, quiet)
        out, err = console.exec(QUERY, min(timeout, 10.0))
    finally:
        console.close()
    if err.strip():
        raise DeviceError(f"the board on {port} failed to report its firmware: {err.strip().splitlines()[-1]}")
    try:
        r = ast.literal_eval(out.strip().splitlines()[-1])
    except (ValueError, SyntaxError, IndexError):
        raise DeviceError(f"unexpected answer from the board on {port}: {out.strip()[:200]!r}") from None
    return BoardInfo(banner=banner or f"MicroPython {r.get('micropython', '?')}",
                     micropython=str(r.get("micropython", "")), machine=str(r.get("machine", "")),
                     tinyml=r.get("tinyml"), ops=list(r.get("ops", [])))


def check_flashed_board(port: str, timeout: float) -> BoardInfo:
    """query_board() for a board just written: an error says the write itself succeeded."""
    from .serial_ports import wait_for_port

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
