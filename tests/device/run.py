#!/usr/bin/env python3
"""Run the device tests: every tests/device/*.py in MicroPython, output compared with its .py.exp.

The same scripts run on the Unix port and on a board, so they only print: a test passes when its
output (stdout and stderr together, as MicroPython's own run-tests does, so an uncaught exception
shows up as a difference) equals the .py.exp file. A test that prints "SKIP" as its only output is
skipped (a feature compiled out, a model file missing). Files whose name starts with "_" are
helpers for the tests to import, not tests.
Scripts run with the tests/device folder as current directory, so they open models by the
relative path ../../../shared/models/...

    tests/device/run.py [--micropython PATH] [--timeout S] [test.py ...]     the Unix port
    tests/device/run.py --board qemu [--firmware ELF] [--timeout S] [test.py ...]
    tests/device/run.py --board pico [--firmware UF2] [--timeout S] [test.py ...]

--board qemu runs them on the emulated board (tinyml_host.emulator boots a private one from
build/qemu/firmware.elf), over its serial pty through mpremote's transport used as a library, one
connection for the whole run. The board has no filesystem, so the files the tests open are put
there first: every file under tests/device/data plus every existing file that a string in a test
names relative to tests/device (e.g. "../../../shared/models/x.tflite"), in a ROMFS image written
once into RAM the firmware does not use (emu.spare_ram). Before each test the board is soft-reset
(a fresh interpreter, as a fresh process on Unix) and that image is mounted at /fs through a small
Python VFS adding what VfsRom lacks (a current directory, ".."), with the current directory set
to tests/device's place in it. A test that hangs or crashes the board fails; the board is then
booted again for the next test.

--board pico runs them the same way on the emulated Raspberry Pi Pico (tinyml_host.pico: the
RP2040 firmware of `make rp2` in rp2040js), except that the files go into the Pico's own littlefs
filesystem (below /t) once, and each test starts in tests/device's place there.

Ends with "device: N passed, N failed, N skipped"; exit status 1 if any test failed.
"""
import argparse
import ast
import difflib
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def compare(name, out, returncode=0):
    """Return (status, detail) for a test's output: status is "pass", "fail" or "skip"."""
    exp_path = os.path.join(HERE, name + ".exp")
    out = out.replace("\r\n", "\n")
    if out == "SKIP\n":
        return "skip", ""
    if returncode < 0:
        # Killed by a signal: a crash, whatever it printed before.
        return "fail", out + "CRASH (signal %d)\n" % -returncode
    if not os.path.exists(exp_path):
        return "fail", out + "(no %s to compare with)\n" % os.path.basename(exp_path)
    with open(exp_path, encoding="utf-8") as f:
        exp = f.read().replace("\r\n", "\n")
    if out == exp:
        return "pass", ""
    diff = difflib.unified_diff(exp.splitlines(True), out.splitlines(True),
                                name + ".exp", name + " (actual)")
    return "fail", "".join(diff)


class UnixPort:
    """Each test in a new process of the Unix port's micropython binary."""

    def __init__(self, micropython, timeout):
        self.micropython = os.path.abspath(micropython)
        self.timeout = timeout
        if not os.access(self.micropython, os.X_OK):
            raise SetupError("no MicroPython binary at %s (run `make unix`)" % self.micropython)

    def run(self, name):
        try:
            proc = subprocess.run([self.micropython, name], cwd=HERE, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return "fail", "timed out after %g s" % self.timeout
        return compare(name, proc.stdout.decode("utf-8", "replace"), proc.returncode)

    def close(self):
        pass


class SetupError(Exception):
    pass


# Runs on the board before each test: mounts the ROMFS image at /fs with a current directory.
# {addr}, {size}: where the image is; {cwd}: tests/device's path inside it.
BOARD_SETUP = """\
def _mount():
    import os, vfs, uctypes

    class PathFS:
        # VfsRom has no current directory and no "..": resolve paths here, then ask it.
        def __init__(self, fs):
            self.fs = fs
            self.cwd = "/"

        def _abs(self, path):
            parts = []
            for p in (path if path[:1] == "/" else self.cwd + "/" + path).split("/"):
                if p == "..":
                    if parts:
                        parts.pop()
                elif p and p != ".":
                    parts.append(p)
            return "/" + "/".join(parts)

        def mount(self, readonly, mkfs):
            pass

        def umount(self):
            pass

        def chdir(self, path):
            path = self._abs(path)
            if not self.fs.stat(path)[0] & 0x4000:
                raise OSError(20)  # ENOTDIR
            self.cwd = path

        def getcwd(self):
            return self.cwd

        def open(self, path, mode):
            return self.fs.open(self._abs(path), mode)

        def stat(self, path):
            return self.fs.stat(self._abs(path))

        def ilistdir(self, path):
            return self.fs.ilistdir(self._abs(path))

        def statvfs(self, path):
            return self.fs.statvfs("/")

    vfs.mount(PathFS(vfs.VfsRom(uctypes.bytearray_at({addr}, {size}))), "/fs")
    os.chdir("/fs{cwd}")


_mount()
del _mount
"""

# Receives the ROMFS image as raw bytes on stdin, straight into the spare RAM.
# The image is binary: Ctrl-C (0x03) in it must be data, not KeyboardInterrupt (the raw REPL
# turns the interrupt character back on after this exec). The host sends it only after "ready",
# i.e. once Ctrl-C is off.
BOARD_RECEIVE = """\
import sys, uctypes, binascii, micropython
micropython.kbd_intr(-1)
print("ready")
_b = uctypes.bytearray_at({addr}, {size})
sys.stdin.buffer.readinto(_b)
print(binascii.crc32(_b))
"""


def test_files(names):
    """The files the tests need on the board: tests/device/data/** and every existing file a
    string literal of a test names relative to tests/device. Returns normalised absolute paths."""
    files = set()
    for dirpath, _, filenames in os.walk(os.path.join(HERE, "data")):
        # Modules the tests import (data/frames.py) go too; the host's generator does not.
        files.update(os.path.join(dirpath, f) for f in filenames if f != "generate.py" and not f.endswith(".pyc"))
    for name in names:
        with open(os.path.join(HERE, name), encoding="utf-8") as f:
            tree = ast.parse(f.read(), name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) < 300:
                path = os.path.normpath(os.path.join(HERE, node.value))
                if os.path.isfile(path):
                    files.add(path)
    return sorted(files)


def romfs_image(files):
    """(ROMFS image holding `files` at their paths below their common folder, tests/device's
    path in it)."""
    from mpremote.romfs import VfsRomWriter

    base = os.path.commonpath(files + [HERE])
    tree = {}
    for path in files:
        node = tree
        parts = os.path.relpath(path, base).split(os.sep)
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        with open(path, "rb") as f:
            node[parts[-1]] = f.read()
    writer = VfsRomWriter()

    def add(node):
        for key in sorted(node):
            if isinstance(node[key], dict):
                writer.opendir(key)
                add(node[key])
                writer.closedir()
            else:
                writer.mkfile(key, node[key])

    add(tree)
    cwd = "/" + os.path.relpath(HERE, base).replace(os.sep, "/")
    return writer.finalise(), ("" if cwd == "/." else cwd)


class EmulatedBoard:
    """The tests on the emulated board, over one raw-REPL connection."""

    def __init__(self, firmware, timeout, names):
        sys.path.insert(0, os.path.join(ROOT, "host"))
        self.firmware = firmware
        self.timeout = timeout
        files = test_files(names)
        self.image, self.cwd = romfs_image(files)
        self.emu = self.transport = None
        self._boot()
        print("board: %s, pid %d on %s; %d files (%d bytes) %s" % (
            self.emu.banner, self.emu.pid, self.emu.pty, len(files), len(self.image), self.where()))
        sys.stdout.flush()

    def _boot(self):
        try:
            self._boot_and_upload()
        except SetupError:
            raise
        except Exception as e:  # DeviceError (no qemu, no firmware), a transport error
            raise SetupError("%s: %s" % (type(e).__name__, e))

    def _boot_and_upload(self):
        from tinyml_host import emulator
        from mpremote.transport_serial import SerialTransport

        self.emu = emulator.start(self.firmware, reuse=False)
        start, end = self.emu.spare_ram
        if len(self.image) > end - start:
            raise SetupError("the test files (%d bytes) do not fit in the board's spare RAM (%d bytes)"
                             % (len(self.image), end - start))
        self.addr = start
        self.transport = SerialTransport(self.emu.pty, baudrate=115200)
        # mpremote reads a pty with blocking read(1)s: with no read timeout, its overall timeouts
        # are never checked and a board that stops answering hangs the run.
        self.transport.serial.timeout = 1
        # Nor does a write to a board that has stopped reading ever return without this.
        self.transport.serial.write_timeout = 30
        self.transport.enter_raw_repl(soft_reset=True)
        self.transport.exec_raw_no_follow(BOARD_RECEIVE.format(addr=self.addr, size=len(self.image)))
        ready = self.transport.read_until(1, b"ready\r\n", timeout=None, timeout_overall=30)
        if not ready.endswith(b"ready\r\n"):
            raise SetupError("the board did not start receiving the test files: %r" % ready)
        self.transport.serial.write(self.image)
        out, err = self._follow(30)
        import binascii
        if err or out.strip() != str(binascii.crc32(self.image)).encode():
            raise SetupError("writing the test files to the board failed: %r %r" % (out, err))

    def where(self):
        return "at 0x%x" % self.addr

    def setup_code(self):
        """Run before each test: the test files mounted, tests/device's place as current directory."""
        return BOARD_SETUP.format(addr=self.addr, size=len(self.image), cwd=self.cwd)

    def _follow(self, timeout):
        """The output and error output of the running exec, within `timeout` seconds overall."""
        t = self.transport
        out = t.read_until(1, b"\x04", timeout=None, timeout_overall=timeout)
        if not out.endswith(b"\x04"):
            raise TimeoutError(out)
        err = t.read_until(1, b"\x04", timeout=None, timeout_overall=5)
        if not err.endswith(b"\x04"):
            raise TimeoutError(out + err)
        return out[:-1], err[:-1]

    def run(self, name):
        with open(os.path.join(HERE, name), "rb") as f:
            source = f.read()
        try:
            self.transport.enter_raw_repl(soft_reset=True)
            self.transport.exec(self.setup_code())
            self.transport.exec_raw_no_follow(source)
            out, err = self._follow(self.timeout)
        except Exception as e:  # a timeout, a crash (qemu exited), a broken link
            crashed = not self.emu.alive()
            got = e.args[0] if isinstance(e, TimeoutError) and e.args else b""
            detail = got.decode("utf-8", "replace").replace("\r\n", "\n")
            if crashed:
                detail += "CRASH (the emulated board stopped: %s)\n" % _log_tail(self.emu)
            elif "exception caught:" in detail:  # the firmware's fault handler printed registers
                detail += "CRASH (the board faulted)\n"
            elif isinstance(e, TimeoutError):
                detail += "timed out after %g s\n" % self.timeout
            else:
                detail += "%s: %s\n" % (type(e).__name__, e)
            self._restart()
            return "fail", detail
        return compare(name, (out + err).decode("utf-8", "replace"))

    def _restart(self):
        self.close()
        self._boot()

    def close(self):
        if self.transport is not None:
            try:
                self.transport.close()
            except Exception:
                pass
            self.transport = None
        if self.emu is not None:
            self.emu.stop()
            self.emu = None


# Receives one file as raw bytes on stdin and writes it to the Pico's filesystem.
PICO_RECEIVE = """\
import sys, os, binascii, micropython
micropython.kbd_intr(-1)
_p = {path!r}
_d = ''
for _c in _p.split('/')[1:-1]:
    _d += '/' + _c
    try:
        os.mkdir(_d)
    except OSError:
        pass
_b = bytearray({size})
print("ready")
sys.stdin.buffer.readinto(_b)
with open(_p, 'wb') as _f:
    _f.write(_b)
print(binascii.crc32(open(_p, 'rb').read()))
"""


class PicoBoard(EmulatedBoard):
    """The tests on the emulated Raspberry Pi Pico, the files in its littlefs below /t."""

    ROOT_DIR = "/t"
    # rp2040js emulates one core (no inter-core FIFO): rp2's _thread runs threads on core 1.
    NEEDS_SECOND_CORE = {"model_threads.py": "rp2040js emulates one core; _thread needs core 1"}

    def __init__(self, firmware, timeout, names):
        self.files = test_files(names)
        super().__init__(firmware, timeout, names)

    def _boot_and_upload(self):
        from tinyml_host import pico
        from mpremote.transport_serial import SerialTransport
        import binascii

        self.emu = pico.start(self.firmware, reuse=False)
        self.addr = 0
        self.transport = SerialTransport(self.emu.pty, baudrate=115200)
        self.transport.serial.timeout = 1
        self.transport.serial.write_timeout = 30
        base = os.path.commonpath(self.files + [HERE])
        self.cwd = self.ROOT_DIR + "/" + os.path.relpath(HERE, base).replace(os.sep, "/")
        for path in self.files:
            with open(path, "rb") as f:
                data = f.read()
            target = self.ROOT_DIR + "/" + os.path.relpath(path, base).replace(os.sep, "/")
            self.transport.enter_raw_repl(soft_reset=False)
            self.transport.exec_raw_no_follow(PICO_RECEIVE.format(path=target, size=len(data)))
            ready = self.transport.read_until(1, b"ready\r\n", timeout=None, timeout_overall=30)
            if not ready.endswith(b"ready\r\n"):
                raise SetupError("the Pico did not start receiving %s: %r" % (target, ready))
            self.transport.serial.write(data)
            out, err = self._follow(60)
            if err or out.strip() != str(binascii.crc32(data)).encode():
                raise SetupError("writing %s to the Pico failed: %r %r" % (target, out, err))

    def run(self, name):
        if name in self.NEEDS_SECOND_CORE:
            return "skip", "(%s)" % self.NEEDS_SECOND_CORE[name]
        return super().run(name)

    def where(self):
        return "in its filesystem below %s" % self.ROOT_DIR

    def setup_code(self):
        return "import os\nos.chdir(%r)\n" % self.cwd


def _log_tail(emu):
    try:
        with open(emu.log, errors="replace") as f:
            return f.read().strip()[-300:] or "qemu exited"
    except OSError:
        return "qemu exited"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", choices=("unix", "qemu", "pico"), default="unix",
                    help="unix: the Unix port (default); qemu: the emulated board over its pty; "
                         "pico: the emulated Raspberry Pi Pico (RP2040 firmware in rp2040js)")
    ap.add_argument("--micropython", default=os.path.join(ROOT, "build", "unix", "micropython"),
                    help="MicroPython binary for --board unix (default: build/unix/micropython)")
    ap.add_argument("--firmware", default=None,
                    help="firmware for --board qemu (default: build/qemu/firmware.elf) or pico "
                         "(default: build/rp2/firmware.uf2)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per test (default: 60)")
    ap.add_argument("tests", nargs="*", help="test files to run (default: every tests/device/*.py)")
    args = ap.parse_args()

    this = os.path.basename(__file__)
    names = [os.path.basename(t) for t in args.tests] or sorted(
        n for n in os.listdir(HERE) if n.endswith(".py") and not n.startswith("_") and n != this)

    started = time.monotonic()
    try:
        if args.board == "qemu":
            board = EmulatedBoard(args.firmware, args.timeout, names)
        elif args.board == "pico":
            board = PicoBoard(args.firmware, args.timeout, names)
        else:
            board = UnixPort(args.micropython, args.timeout)
    except SetupError as e:
        print("device: error: %s" % e, file=sys.stderr)
        return 2

    counts = {"pass": 0, "fail": 0, "skip": 0}
    try:
        for name in names:
            status, detail = board.run(name)
            counts[status] += 1
            print("%-4s %s" % (status, name))
            if detail:
                sys.stdout.write(detail if detail.endswith("\n") else detail + "\n")
            sys.stdout.flush()
    except SetupError as e:
        print("device: error: %s" % e, file=sys.stderr)
        return 2
    finally:
        board.close()
    if args.board in ("qemu", "pico"):
        print("board: %d tests in %.1f s" % (len(names), time.monotonic() - started))
    print("device: %d passed, %d failed, %d skipped" % (counts["pass"], counts["fail"], counts["skip"]))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
