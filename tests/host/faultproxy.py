"""A faulty serial line for tests: a new pty between the host and a board's serial port that
drops and corrupts bytes in both directions.

    with FaultProxy(emu.pty, drop=0.01, corrupt=0.01, seed=1) as proxy:
        link = Link.connect(proxy.path)      # talks to the board through the faults
        ...
    proxy.stats  # bytes forwarded, dropped, corrupted per direction

One thread per direction, each with blocking reads and writes: a direction whose reader is
slow (the emulated board takes one byte at a time) only ever blocks itself, never the other
one (two directions in one thread can deadlock when both sides are writing). Faults are
independent per byte: a dropped byte vanishes, a corrupted one is XORed with a random non-zero
value (so it may become a newline, splitting a line). When the board's side closes (the
emulator was killed), the host's side is closed too, as a real unplugged adapter would be.
"""

import os
import random
import select
import threading
import tty


class FaultProxy:
    def __init__(self, target: str, drop: float = 0.0, corrupt: float = 0.0, seed: int = 0,
                 faults_to_board: bool = True, faults_to_host: bool = True) -> None:
        self.target_fd = os.open(target, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.target_fd)
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # held open, so the pty exists until close(); pyserial opens it by name
        self.path = os.ttyname(self.slave)
        self.drop = drop
        self.corrupt = corrupt
        self.stats = {"to_board": [0, 0, 0], "to_host": [0, 0, 0]}  # forwarded, dropped, corrupted
        self._closed = threading.Event()
        self._threads = [
            threading.Thread(target=self._pump, daemon=True, name="faultproxy-to-board",
                             args=(self.master, self.target_fd, "to_board", random.Random(seed),
                                   faults_to_board)),
            threading.Thread(target=self._pump, daemon=True, name="faultproxy-to-host",
                             args=(self.target_fd, self.master, "to_host", random.Random(seed + 1),
                                   faults_to_host)),
        ]
        for t in self._threads:
            t.start()

    def _damage(self, data: bytes, rng: random.Random, st: list) -> bytes:
        out = bytearray()
        for b in data:
            x = rng.random()
            if x < self.drop:
                st[1] += 1
                continue
            if x < self.drop + self.corrupt:
                st[2] += 1
                b ^= rng.randrange(1, 256)
            out.append(b)
        return bytes(out)

    def _pump(self, src: int, dst: int, name: str, rng: random.Random, faulty: bool) -> None:
        st = self.stats[name]
        while not self._closed.is_set():
            try:
                # Poll rather than block in read(): a closed fd does not wake a blocked reader,
                # and the kernel keeps the pty alive until the read returns.
                if not select.select([src], [], [], 0.05)[0]:
                    continue
                data = os.read(src, 4096)
            except (OSError, ValueError):
                data = b""
            if not data:  # EOF / EIO: that side hung up
                break
            st[0] += len(data)
            if faulty:
                data = self._damage(data, rng, st)
            try:
                while data:
                    data = data[os.write(dst, data):]
            except OSError:
                break
        if name == "to_host" and not self._closed.is_set():
            # The board went away: hang up the host's side too.
            self._close_fds()

    def _close_fds(self) -> None:
        self._closed.set()
        for fd in (self.master, self.slave, self.target_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def close(self) -> None:
        if not self._closed.is_set():
            self._close_fds()

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RewriteProxy(FaultProxy):
    """A clean line that hands each whole line from the board to `rewrite(line) -> line` (the
    line without its LF) before the host gets it: an attacker or a broken board on the wire."""

    def __init__(self, target: str, rewrite) -> None:
        self.rewrite = rewrite
        self._pending = b""
        super().__init__(target, faults_to_board=False, faults_to_host=True)

    def _damage(self, data: bytes, rng: random.Random, st: list) -> bytes:
        *lines, self._pending = (self._pending + data).split(b"\n")
        return b"".join(self.rewrite(line) + b"\n" for line in lines)
