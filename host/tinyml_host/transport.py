"""The serial port to a MicroPython board and the tinyml agent on it: opening the port
(mpremote's transport), draining it into lines, and starting or stopping the agent.

    from tinyml_host.transport import handshake_timeout, open_transport, stop_agent
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import serial

from .bundled import bundled_file, repo_file

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
def handshake_timeout(port, seconds: float = HANDSHAKE_TIMEOUT):
    """Reads on `port` (pyserial-like) wait up to `seconds` inside the block, for mpremote's
    enter_raw_repl and exec_raw_no_follow: a slow board is waited for, a silent one still fails.
    The port's own timeout is restored after."""
    old = port.timeout
    port.timeout = seconds
    try:
        yield port
    finally:
        port.timeout = old


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
