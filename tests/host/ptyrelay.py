"""A pty relay in front of an emulated board's pty, for tests of boards that answer late or
stop answering: the host opens the relay's path as the board's serial port.

    with relay(emu.pty, delay=0.2) as port:              # everything the board says comes 0.2 s late
        run_script(script, port=port)
    with relay(emu.pty, silence_on=b"f=open(") as port:  # the board falls silent once that is sent
        deploy(model, port)

What the host sends always reaches the board. What the board sends is held back `delay` s per
chunk; once the host has sent `silence_on` (b"": from the start) it is read and dropped, as if
the board had hung at that step (it never blocks on its output, as a hung board's USB port
would not either). One thread per direction.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty


class _Silence:
    """Set once the host's bytes (seen in any number of reads) have contained the marker."""

    def __init__(self, marker: bytes | None) -> None:
        self.marker = marker
        self.seen = threading.Event()
        self._tail = b""
        if marker == b"":
            self.seen.set()

    def watch(self, data: bytes) -> None:
        if self.marker is None or self.seen.is_set():
            return
        text = self._tail + data
        if self.marker in text:
            self.seen.set()
        self._tail = text[-len(self.marker):]


def _pump(src: int, dst: int, delay: float, stop: threading.Event, silence: _Silence, to_host: bool) -> None:
    while not stop.is_set():
        ready, _, _ = select.select([src], [], [], 0.05)
        if not ready:
            continue
        try:
            data = os.read(src, 4096)
        except OSError:
            return
        if not data:
            return
        if to_host:
            time.sleep(delay)
            if silence.seen.is_set():
                continue
        else:
            silence.watch(data)
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(dst, view):]
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:
                return


@contextlib.contextmanager
def relay(board_pty: str, delay: float = 0.0, silence_on: bytes | None = None):
    """A pty path whose far side is `board_pty`: the board's output arrives `delay` s late, and
    none of it once the host has sent `silence_on` (None: never silent)."""
    board = os.open(board_pty, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(board)
    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()
    silence = _Silence(silence_on)
    pumps = [threading.Thread(target=_pump, args=(master, board, 0.0, stop, silence, False), daemon=True),
             threading.Thread(target=_pump, args=(board, master, delay, stop, silence, True), daemon=True)]
    for p in pumps:
        p.start()
    try:
        yield os.ttyname(slave)
    finally:
        stop.set()
        for p in pumps:
            p.join(2.0)
        for fd in (master, slave, board):
            os.close(fd)
