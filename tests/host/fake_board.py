"""Simulated boards on pseudo-terminals, for the flash tests (no hardware): a test utility.

PtyDevice      a pty whose far end is a Python handler running in a thread: `.port` is the path
               the host opens (a symlink under a temp folder, so a board can "re-enumerate" on a
               new pty under the same name, as /dev/ttyACM0 does).
MicroPythonRepl  MicroPython's console as the host sees it after a reset: the banner, `>>> `,
               Ctrl-A raw REPL (code + Ctrl-D -> "OK" out \\x04 err \\x04 ">"), Ctrl-B, Ctrl-C.
               Code runs in the real Unix port with tinyml (build/unix/micropython), so the
               version and op list the host reads back are the ones tinyml really reports.
               `on_exec(code)` may intercept code (e.g. machine.bootloader()).
"""

from __future__ import annotations

import os
import select
import subprocess
import termios
import threading
import time
import tty
from pathlib import Path


class PtyDevice:
    """A pty served by `handler(data: bytes) -> None` (called with every chunk the host writes);
    `send(bytes)` writes to the host. `replug()` moves the device to a new pty (same `.port`)."""

    def __init__(self, link_dir: Path, name: str = "ttyACM0") -> None:
        self.link = Path(link_dir) / name
        self.port = str(self.link)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.master = self.slave = -1
        self.handler = lambda data: None
        self._open_pty()

    def _open_pty(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave, termios.TCSANOW)
        tmp = self.link.with_name(self.link.name + ".new")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(os.ttyname(self.slave))
        tmp.replace(self.link)

    def start(self) -> "PtyDevice":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            master = self.master
            if master < 0:
                time.sleep(0.01)
                continue
            try:
                r, _, _ = select.select([master], [], [], 0.05)
            except (OSError, ValueError):
                continue
            if not r:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                time.sleep(0.01)
                continue
            if data:
                self.handler(data)

    def send(self, data: bytes) -> None:
        if self.master >= 0:
            view = memoryview(data)
            while view:
                try:
                    n = os.write(self.master, view)
                except BlockingIOError:
                    time.sleep(0.001)
                    continue
                except OSError:
                    return
                view = view[n:]

    def unplug(self) -> None:
        """The device disappears: its pty is closed and its name removed."""
        master, slave, self.master, self.slave = self.master, self.slave, -1, -1
        if self.link.is_symlink():
            self.link.unlink()
        for fd in (master, slave):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def replug(self) -> None:
        """The device comes back (on a new pty, under the same name)."""
        self._open_pty()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.unplug()


BANNER = "MicroPython v1.25.0 on 2025-04-15; {machine}\r\nType \"help()\" for more information.\r\n"


class MicroPythonRepl:
    """MicroPython's REPL on a PtyDevice. `machine` goes into the banner."""

    def __init__(self, dev: PtyDevice, micropython: Path, machine: str, on_exec=None) -> None:
        self.dev = dev
        self.micropython = Path(micropython)
        self.machine = machine
        self.on_exec = on_exec
        self.raw = False
        self.code = b""
        self.line = b""
        self.executed: list[str] = []

    def boot(self, print_banner: bool = True) -> None:
        self.raw = False
        self.code = b""
        if print_banner:
            self.dev.send(BANNER.format(machine=self.machine).encode() + b">>> ")

    def feed(self, data: bytes) -> None:
        for b in data:
            c = bytes([b])
            if self.raw:
                if c == b"\x04":
                    code, self.code = self.code.decode("utf-8", "replace"), b""
                    self.dev.send(b"OK")
                    out, err = self._run(code)
                    if out is None:  # on_exec took over (e.g. the board rebooted)
                        return
                    self.dev.send(out + b"\x04" + err + b"\x04>")
                elif c == b"\x02":
                    self.raw = False
                    self.dev.send(b"\r\n" + BANNER.format(machine=self.machine).encode() + b">>> ")
                elif c == b"\x03":
                    self.code = b""
                elif c == b"\x01":
                    self.code = b""
                    self.dev.send(b"raw REPL; CTRL-B to exit\r\n>")
                else:
                    self.code += c
            else:
                if c == b"\x01":
                    self.raw = True
                    self.code = b""
                    self.dev.send(b"raw REPL; CTRL-B to exit\r\n>")
                elif c == b"\x02":
                    self.dev.send(b"\r\n" + BANNER.format(machine=self.machine).encode() + b">>> ")
                elif c == b"\x03":
                    self.line = b""
                    self.dev.send(b"\r\n>>> ")
                elif c == b"\r":
                    self.line = b""
                    self.dev.send(b"\r\n>>> ")
                else:
                    self.line += c
                    self.dev.send(c)  # echo

    def _run(self, code: str) -> tuple[bytes | None, bytes]:
        self.executed.append(code)
        if self.on_exec is not None:
            taken = self.on_exec(code)
            if taken is not None:
                return taken
        p = subprocess.run([str(self.micropython), "-c", code], capture_output=True, timeout=30)
        return p.stdout.replace(b"\n", b"\r\n"), p.stderr.replace(b"\n", b"\r\n")


class Rp2040Drive:
    """A folder acting as the RP2040 boot ROM's USB drive (RPI-RP2). `mount()` makes it appear
    (INFO_UF2.TXT, INDEX.HTM); a thread watches for a UF2 file being copied onto it and, once it
    holds every block the file announces, takes it (`received`, `flash`: address -> payload),
    unmounts (the boot ROM reboots into the new firmware) and calls `on_reboot()`. The copied file
    is left in the folder for the test to inspect."""

    INFO = "UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n"

    def __init__(self, folder: Path, on_reboot=None, board_id: str = "RPI-RP2") -> None:
        self.folder = Path(folder)
        self.on_reboot = on_reboot
        self.info = self.INFO.replace("RPI-RP2", board_id)
        self.received: bytes | None = None
        self.flash: dict[int, bytes] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def mount(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "INDEX.HTM").write_text("<html>RP2040</html>\n")
        (self.folder / "INFO_UF2.TXT").write_text(self.info)

    def unmount(self) -> None:
        for name in ("INFO_UF2.TXT", "INDEX.HTM"):
            try:
                (self.folder / name).unlink()
            except FileNotFoundError:
                pass

    def start(self) -> "Rp2040Drive":
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _watch(self) -> None:
        from tinyml_host import uf2

        while not self._stop.wait(0.02):
            if not (self.folder / "INFO_UF2.TXT").exists():
                continue
            for f in self.folder.glob("*.uf2"):
                try:
                    data = f.read_bytes()
                    uf2.validate_rp2040(data)
                except Exception:
                    continue  # still being written (or not for us: the ROM ignores it)
                self.received = data
                self.flash = uf2.to_flash(data)
                self.unmount()
                if self.on_reboot is not None:
                    self.on_reboot()
                break
