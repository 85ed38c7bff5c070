"""The serial port to a MicroPython board and the tinyml agent on it: opening the port
(mpremote's transport), draining it into lines, and starting or stopping the agent.

    from tinyml_host.transport import board_error, board_step, open_transport, stop_agent
"""

from __future__ import annotations

import contextlib
import io
import queue
import re
import struct
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import serial

from .bundled import bundled_file, repo_file
from .errors import DeviceError

if TYPE_CHECKING:
    from .link import LinkStats

STOP_AGENT = b"\r\x03\x03\n"  # a line of Ctrl-C: a running agent exits, a running script stops


def stop_agent(port) -> None:
    """Stop the tinyml agent (or a running script) on the board behind `port` (pyserial-like),
    so that the REPL answers: what every command does before it talks to the REPL."""
    port.write(STOP_AGENT)


# Seconds each reply of mpremote's raw-REPL handshake may take (its own bound for each step). Its
# plain read(2)s and read(1)s (the raw-paste header and the flow-control byte after every 128-byte
# window, sent once the board has compiled that window) take whatever the port returns when its
# timeout runs out, and fail on a short answer: `unexpected read during raw paste: b''` after a
# 0.05 s read on the emulated Pico, which takes 20-50 ms per window.
HANDSHAKE_TIMEOUT = 10.0


@contextlib.contextmanager
def _port_timeouts(port, seconds: float):
    """Reads and writes on `port` (pyserial-like) wait up to `seconds` inside the block: a slow
    board is waited for, a silent one (or one that stops reading and fills the port's buffer) still
    fails. The port's own timeouts are restored after (unless it was closed meanwhile)."""
    old = port.timeout, port.write_timeout
    port.timeout, port.write_timeout = seconds, seconds
    try:
        yield port
    finally:
        with contextlib.suppress(Exception):  # the port may be closed by now
            port.timeout, port.write_timeout = old


# What to do about a board that stopped answering in the middle of a raw-REPL step.
NO_ANSWER_HINT = ("press the board's reset button (the emulated board: `tinyml-host emulator stop`), "
                  "check the port and its cable, then run the command again; a slow board: raise --timeout")


@contextlib.contextmanager
def board_step(t, what: str, seconds: float = HANDSHAKE_TIMEOUT, error: type[DeviceError] = DeviceError):
    """Steps of mpremote's transport `t` in the raw REPL (entering it, exec, fs_writefile...),
    bounded: each read of the port, each of mpremote's waits for a reply and each write last at
    most `seconds` without progress (_port_timeouts, _reply_timeout),
    and a board that stops answering, or answers nonsense, raises `error` naming `what` and saying
    what to do. Errors the board reported (TransportExecError: its traceback) pass through, for
    the caller to explain. What mpremote prints on stdout when a handshake fails goes into the
    error instead."""
    from mpremote.transport import TransportError, TransportExecError

    said = io.StringIO()
    try:
        with _port_timeouts(t.serial, seconds), _reply_timeout(t, seconds), contextlib.redirect_stdout(said):
            yield t
    except TransportExecError:
        raise
    except (TransportError, struct.error) as e:  # struct.error: a short raw-paste header (read(2))
        got = said.getvalue().strip()[-80:]  # the bytes' repr
        detail = f"{e}; it last sent {got}" if got not in ("", "b''") else str(e)
        raise error(f"{what} failed: the board on {_port_name(t)} did not answer within {seconds:g} s "
                    f"({detail})", NO_ANSWER_HINT) from None
    except serial.SerialTimeoutException:
        raise error(f"{what} failed: the board on {_port_name(t)} did not read what we sent for {seconds:g} s",
                    NO_ANSWER_HINT) from None
    except serial.SerialException as e:  # the port went away (not an OSError the board reported)
        raise error(f"{what} failed: lost the serial port {_port_name(t)}: {e}", NO_ANSWER_HINT) from None


def board_error(e) -> str:
    """The last line of what the board reported for mpremote's TransportExecError `e` (the
    exception's line of its traceback), else the error's own text."""
    return ((e.error_output or "").strip().splitlines() or [str(e)])[-1]


@contextlib.contextmanager
def _reply_timeout(t, seconds: float):
    """mpremote's waits for a reply (read_until: entering the raw REPL, exec's output) give up
    after `seconds` without a byte instead of their own 10 s, so that --timeout means what it
    says for a slow board and for a silent one alike."""
    own = t.__dict__.get("read_until")
    cls_read_until = type(t).read_until

    def read_until(min_num_bytes, ending, timeout=10, data_consumer=None, timeout_overall=None):
        return cls_read_until(t, min_num_bytes, ending, None if timeout is None else seconds,
                              data_consumer, timeout_overall)

    t.read_until = read_until
    try:
        yield
    finally:
        if own is None:
            del t.read_until
        else:
            t.read_until = own


def _port_name(t) -> str:
    return str(getattr(t.serial, "port", None) or "the port")


# The agent's source, to paste onto boards that lack it: this checkout's, else the copy the wheel
# carries (None when neither exists).
_CHECKOUT_AGENT = repo_file("device", "python", "tinyml_agent.py")
AGENT_SOURCE: Path | None = (_CHECKOUT_AGENT if _CHECKOUT_AGENT is not None and _CHECKOUT_AGENT.is_file()
                             else bundled_file("device_src", "python", "tinyml_agent.py"))

# Run in the raw REPL before starting the agent: the versions of the board's own agent and of
# one pasted earlier in this REPL session.
_AGENT_CHECK = """try:
 import tinyml_agent
 _v = tinyml_agent.VERSION
except ImportError:
 _v = None
try:
 _pv = VERSION
except NameError:
 _pv = None
print('AGENT', repr(_v), repr(_pv))
"""
# What it prints: each version a quoted plain string or None (nothing else is read from it).
_AGENT_ANSWER = re.compile(r"AGENT (None|'([\w.+-]{1,32})') (None|'([\w.+-]{1,32})')")


def board_agents(t) -> tuple[str | None, str | None]:
    """(version of the board's own agent, version of one pasted earlier in this REPL session),
    each None when there is none. `t`: an mpremote transport in the raw REPL."""
    m = _AGENT_ANSWER.search(t.exec(_AGENT_CHECK).decode("utf-8", "replace"))
    return (m.group(2), m.group(4)) if m else (None, None)


def agent_version() -> str | None:
    """The version of this host's copy of the agent (None when it has none)."""
    if AGENT_SOURCE is None:
        return None
    m = re.search(r'^VERSION = "([^"]+)"', AGENT_SOURCE.read_text(), re.M)
    return m.group(1) if m else None

# Text from the board that means it (or the agent) restarted under us.
RESET_MARKERS = (b"MicroPython v", b"soft reboot", b"raw REPL; CTRL-B", b"Type \"help()\"")
CRASH_MARKER = b"Traceback (most recent call last)"


# --- the port -----------------------------------------------------------------------------


class _Reader(threading.Thread):
    """Drains the port into a queue of lines, so the board never blocks on its output (which
    would stop it reading ours) however long the host takes between reads."""

    def __init__(self, port, stats: LinkStats) -> None:
        super().__init__(name="tinyml-link-reader", daemon=True)
        self.port = port
        self.stats = stats
        self.lines: queue.Queue = queue.Queue()
        self._halt = threading.Event()

    def run(self) -> None:
        buf = b""
        port = self.port
        while not self._halt.is_set():
            try:
                data = port.read(port.in_waiting or 1)
            except Exception as e:  # serial.SerialException, OSError: the port went away
                self.lines.put(("closed", str(e) or type(e).__name__))
                return
            if not data:
                continue
            self.stats.bytes_received += len(data)
            buf += data
            if b"\n" in buf:
                *lines, buf = buf.split(b"\n")
                now = time.monotonic()
                for line in lines:
                    self.lines.put(("line", line, now))
            elif len(buf) > 1 << 20:  # no newline in a megabyte: not our protocol, drop it
                buf = b""

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2.0)


def open_transport(port: str, baudrate: int = 115200):
    """mpremote's serial transport on `port` (it opens the pyserial port, exclusively, and is
    what enters the raw REPL); the link then reads and writes its `.serial` directly."""
    from mpremote.transport import TransportError
    from mpremote.transport_serial import SerialTransport

    from .serial_ports import port_error

    try:
        t = SerialTransport(port, baudrate=baudrate)
    except (TransportError, serial.SerialException, OSError) as e:
        raise port_error(port, e) from None  # missing, busy or forbidden: says which, and what to do
    t.serial.timeout = 0.05  # mpremote reads a pty with read(1): never block on a silent board
    return t
