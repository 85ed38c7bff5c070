"""The emulated board: MicroPython with tinyml on an emulated Cortex-M3, reached through a pty.

The default board of every command that is given no `--port`. It is MicroPython's qemu port for
the Arm MPS2-AN385 (Cortex-M3, 25 MHz, 4 MB RAM) built by `make qemu` into
build/qemu/firmware.elf (firmware/qemu/build.sh says what that firmware has and lacks), run by

    qemu-system-arm -machine mps2-an385 -nographic -monitor null -semihosting
                    -icount shift=0 -serial pty -kernel build/qemu/firmware.elf

`-icount shift=0` makes the emulated CPU execute one instruction per nanosecond of virtual time,
so timing on the board (tinyml's Model.last_cycles / last_us) is a deterministic instruction count.
The board's console (its UART) is the pty: talk to it with pyserial or mpremote like a USB serial
board, at any baud rate (the pty ignores it); bytes are never dropped (qemu waits until the
firmware reads each one).

API (stable; the commands use it when given no --port):

    from tinyml_host import emulator

    emu = emulator.start()          # boot the board, or reuse one started earlier (see below)
    emu.pty                         # "/dev/pts/5": the board's serial port
    emu.pid, emu.firmware, emu.started (time.time() at boot), emu.heap (MicroPython heap bytes)
    emu.alive()                     # is qemu still running?
    emu.stop()                      # end it (idempotent)

    with emulator.start() as emu:   # stopped at the end of the block (if this call booted it)
        ...

    emulator.start(firmware=PATH)   # another firmware image (default: the running board's, else
                                    # build/qemu/firmware.elf, else the wheel's bundled one)
    emulator.start(heap=300_000)    # a board with that MicroPython heap: the heap is compiled in, so
                                    # this builds build/qemu-heap-300000/firmware.elf if needed
    emulator.start(keep=True)       # leave it running after this process exits, for later reuse
    emulator.start(reuse=False)     # always boot a new, private one
    emulator.start(flash=PATH)      # with that flash image file (made blank if missing); emu.flash
    emulator.stop()                 # stop the recorded (e.g. kept) emulator, if any; True if one was
    emulator.status()               # the recorded emulator as an Emulator, or None
    emulator.qemu_command(elf)      # the qemu command line used (to run it by hand)
    emulator.state_file()           # where the running emulator is recorded

start() returns once the firmware answers on the pty: it has entered the raw REPL (Ctrl-A) and
gone back to the friendly REPL (Ctrl-B), so the board is idle at `>>> `, like a board just plugged
in; `emu.banner` is the line MicroPython printed. Errors are DeviceError with a hint: qemu not
installed, firmware not built ("run `make qemu`"), no answer within `timeout` seconds (with the end
of qemu's log).

Installed outside a checkout (the wheel of `make wheel`), the default firmware is the copy the
package carries (_bundled/firmware/qemu-firmware.elf; its flash image in ~/.cache/tinyml-host).

Reuse and cleanup. A state file (emulator.json in $XDG_RUNTIME_DIR/tinyml/, else in the
repository's build/ or, outside a checkout, ~/.cache/tinyml-host) records the last emulator booted: pid, pty, firmware path and mtime, start
time, the process that owns it (None when kept) and qemu's log file. start() reuses it when qemu
with that pid is really still our qemu (its command line names the same firmware, and its
process start time is the recorded one), the firmware has not been rebuilt since, no other live
process owns it, and it answers on the pty (a board whose console does not answer, e.g. a script
stuck with interrupts off, is stopped and replaced). Otherwise it
boots a new one. An emulator that start() booted without keep=True is owned by this process and
stopped when it exits (atexit; and on Linux, started from the main thread, qemu also gets SIGTERM
when this process dies without running atexit), so no qemu process is left over.

Talking to it: input reaches the board at about 50-60 KB/s (qemu hands the emulated UART one byte
at a time; the firmware takes each in an interrupt, also while code runs; qemu's threads are
pinned to one host CPU, see _pin_to_one_cpu), output is faster.
Ctrl-C interrupts a running script, as on a real board. mpremote's
SerialTransport reads a pty with blocking read(1)s, so set `transport.serial.timeout` (e.g. 1 s)
or its timeouts never fire when the board goes quiet.

On this board machine.reset() ends qemu (the port's reset is a semihosting exit): emu.alive()
turns False and the pty closes. What the firmware has and lacks: firmware/qemu/build.sh.

Flash: the board's 16 MB flash (4 MB ROMFS at /rom, 12 MB littlefs at /; firmware/qemu/board/)
lives in a file that qemu maps (memory-backend-file, share=on), so files survive a reboot. The
recorded board uses default_flash(firmware) (build/qemu/flash.img), a private one a temporary
image removed when it stops, unless start(flash=...) names one.

Spare RAM: emu.spare_ram is (start, end) of the RAM the firmware never touches (between the end
of its image and the C stack at the top of RAM): a place for data the host puts on the board
(tests/device/run.py writes a ROMFS image of the test files there).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from .bundled import bundled_file, cache_dir, checkout_root
from .errors import DeviceError

ROOT = checkout_root()  # None when installed outside a checkout
CHECKOUT_FIRMWARE = ROOT / "build" / "qemu" / "firmware.elf" if ROOT else None
BUNDLED_FIRMWARE = bundled_file("firmware", "qemu-firmware.elf")
BUILD_SCRIPT = ROOT / "firmware" / "qemu" / "build.sh" if ROOT else None
QEMU = "qemu-system-arm"
MACHINE = "mps2-an385"
RAM_END = 0x400000        # the AN385 image's RAM: 4 MB at address 0, stack at the top
STACK_RESERVE = 0x10000   # left to the C stack below RAM_END (MicroPython limits itself to 10 KB)

_lock = threading.RLock()
_owned: dict[int, "Emulator"] = {}          # pid -> Emulator this process stops at exit
_children: dict[int, subprocess.Popen] = {}  # pid -> Popen, to reap our own children


FLASH_BYTES = 16 * 1024 * 1024  # the MPS2's PSRAM at 0x21000000: the board's flash (4 MB ROMFS + 12 MB littlefs)


def qemu_command(firmware: str | os.PathLike, flash: str | os.PathLike | None = None) -> list[str]:
    """The qemu command line that runs `firmware` with its console on a new pty, and its flash
    (firmware/qemu/board/board_flash.c) in the file `flash` (None: in RAM, lost at exit)."""
    cmd = [QEMU, "-machine", MACHINE, "-nographic", "-monitor", "null", "-semihosting",
           "-icount", "shift=0", "-serial", "pty", "-kernel", str(firmware)]
    if flash is not None:
        cmd[2] = f"{MACHINE},memory-backend=flash"
        cmd += ["-object", f"memory-backend-file,id=flash,size={FLASH_BYTES},mem-path={flash},share=on"]
    return cmd


def default_flash(firmware: str | os.PathLike) -> Path:
    """The flash image of the recorded (kept) board: flash.img beside its firmware, kept across
    reboots and reflashing, like a real board's flash. The bundled firmware's is in the user's
    cache (the installed package may be read-only)."""
    path = Path(firmware).resolve()
    if BUNDLED_FIRMWARE is not None and path == BUNDLED_FIRMWARE.resolve():
        return cache_dir() / "qemu-flash.img"
    return path.parent / "flash.img"


def _prepare_flash(path: Path) -> None:
    """Create a blank (zeroed, sparse) flash image if there is none; refuse one of another size."""
    if path.exists():
        size = path.stat().st_size
        if size != FLASH_BYTES:
            raise DeviceError(f"{path} is {size:,} bytes, not a flash image of {FLASH_BYTES:,} bytes",
                              "remove it (the board formats a new one) or pass another --flash")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(FLASH_BYTES)


class Emulator:
    """A running emulated board. Use start() to get one."""

    def __init__(self, pid: int, pty: str, firmware: str, started: float, log: str,
                 owned: bool, banner: str = "", flash: str | None = None,
                 flash_temporary: bool = False) -> None:
        self.pid = pid
        self.flash = flash                      # the flash image file (None: an old record)
        self._flash_temporary = flash_temporary  # a private board's image, removed at stop
        self.pty = pty
        self.firmware = firmware
        self.started = started
        self.log = log
        self.owned = owned          # started by this process, which stops it on exit
        self.banner = banner
        self.owner: int | None = None  # the process that stops it at its exit (None: kept), from the record
        try:
            self._image_end, self.heap, self._spare = _elf_info(firmware)
        except DeviceError:  # the file was removed or replaced since qemu started
            self._image_end, self.heap, self._spare = None, None, None
        self._hold: int | None = None  # an fd on the pty, held open while we own the emulator

    def _hold_pty(self) -> None:
        # qemu drops the board's output while no program has the pty open, and notices a new
        # opener only up to a second later: holding it open (never reading) keeps it connected, so
        # the board's output waits in the pty until a reader comes, and opening is instant.
        if self._hold is None and self.pty:
            try:
                self._hold = os.open(self.pty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            except OSError:
                self._hold = None

    @property
    def spare_ram(self) -> tuple[int, int]:
        """(start, end) addresses of RAM that the firmware never uses: the firmware's own record
        of it (tinyml_spare_ram, firmware/qemu/mps2.ld; the agent reads the same words and streams
        models nowhere else), or for a firmware without one, the same arithmetic on its ELF."""
        if self._image_end is None:
            raise DeviceError(f"cannot read the firmware {self.firmware} to find its spare RAM")
        if self._spare is not None:
            return self._spare
        start = (self._image_end + 0xFFF) & ~0xFFF
        return start, RAM_END - STACK_RESERVE

    def alive(self) -> bool:
        return _is_our_qemu(self.pid, self.firmware)

    def stop(self) -> None:
        """End qemu (SIGTERM, then SIGKILL after 3 s) and forget it. Safe to call twice."""
        with _lock:
            if self._hold is not None:
                os.close(self._hold)
                self._hold = None
            _terminate(self.pid, self.firmware)
            _owned.pop(self.pid, None)
            record = _read_state()
            if record and record.get("pid") == self.pid:
                _remove_state()
            for path in [self.log] + ([self.flash] if self._flash_temporary and self.flash else []):
                try:
                    os.remove(path)
                except OSError:
                    pass

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc) -> None:
        if self.owned:
            self.stop()

    def __repr__(self) -> str:
        return f"<Emulator pid={self.pid} pty={self.pty} firmware={self.firmware}>"


def start(firmware: str | os.PathLike | None = None, heap: int | None = None, *,
          reuse: bool = True, keep: bool = False, timeout: float = 30.0,
          flash: str | os.PathLike | None = None) -> Emulator:
    """Boot the emulated board (or reuse the recorded one) and return it once it answers.
    flash: its flash image file (created blank if missing). Default: default_flash(firmware) for
    the board that is recorded for reuse, a temporary image (removed at stop) for any other, so
    that two running boards never share one."""
    with _lock:
        if firmware is None and heap is None and reuse:
            firmware = running_firmware()  # e.g. booted by `flash --board qemu --firmware F`
        firmware_path = _resolve_firmware(firmware, heap)
        if shutil.which(QEMU) is None:
            raise DeviceError(f"{QEMU} not found",
                              "install it: `make setup`, or on Debian `apt-get install qemu-system-arm`")
        flash_path = str(Path(flash).resolve()) if flash is not None else None
        if reuse:
            emu = _reusable(firmware_path, flash_path)
            if emu is not None:
                return emu
        return _boot(firmware_path, keep, reuse, timeout, flash_path)


def stop() -> bool:
    """Stop the emulator recorded in the state file (if it is still ours). True if one was running."""
    with _lock:
        record = _read_state()
        if not record:
            return False
        running = _is_our_qemu(record["pid"], record["firmware"], record.get("proc_start"))
        if running:
            _terminate(record["pid"], record["firmware"])
        _owned.pop(record["pid"], None)
        _remove_state()
        try:
            os.remove(record.get("log", ""))
        except OSError:
            pass
        return running


def running_firmware() -> str | None:
    """The firmware of the recorded emulator when it is running (None otherwise): what start()
    with no firmware boots, so that every command given no --port uses the board that
    `flash --board qemu --firmware F` or `emulator start --firmware F` left running."""
    with _lock:
        record = _read_state()
        if not record or not os.path.isfile(record.get("firmware", "")):
            return None
        if not _is_our_qemu(record["pid"], record["firmware"], record.get("proc_start")):
            return None
        owner = record.get("owner")
        if owner not in (None, os.getpid()) and _pid_alive(owner):
            return None  # another process's private board: not one left for every command
        return record["firmware"]


def status() -> Emulator | None:
    """The recorded emulator if it is still running, else None (does not talk to it)."""
    with _lock:
        record = _read_state()
        if not record or not _is_our_qemu(record["pid"], record["firmware"], record.get("proc_start")):
            return None
        emu = Emulator(record["pid"], record["pty"], record["firmware"], record["started"],
                       record.get("log", ""), owned=record["pid"] in _owned, flash=record.get("flash"))
        emu.owner = record.get("owner")
        return emu


# ----------------------------------------------------------------------------------------------
# Booting and reusing

def _rebuild_hint() -> str:
    """How to get a good firmware: rebuild it in a checkout, else the one the package carries."""
    return "rebuild it with `make qemu`" if ROOT else "leave out --firmware to use the bundled one"


def default_firmware() -> Path | None:
    """The checkout's build/qemu/firmware.elf when built, else the firmware the wheel carries."""
    if CHECKOUT_FIRMWARE is not None and (CHECKOUT_FIRMWARE.is_file() or BUNDLED_FIRMWARE is None):
        return CHECKOUT_FIRMWARE
    return BUNDLED_FIRMWARE


def _resolve_firmware(firmware, heap) -> str:
    path = Path(firmware) if firmware is not None else default_firmware()
    if path is None:
        raise DeviceError("no emulator firmware: this installation of tinyml-host carries none",
                          "pass --firmware FILE, or install a wheel built with `make wheel` in a tinyml checkout")
    if heap is not None:
        if heap <= 0:
            raise DeviceError(f"heap must be a positive number of bytes, not {heap}")
        if path.is_file() and _elf_info(str(path))[1] == heap:
            return str(path.resolve())
        if firmware is not None:
            raise DeviceError(f"{path} does not have a {heap}-byte heap",
                              f"build one with `make qemu QEMU_HEAP={heap}`")
        path = _build_heap_variant(heap)
    if not path.is_file():
        if firmware is not None:
            hint = "pass an existing firmware.elf" + (" or build one with `make qemu`" if ROOT else "")
        else:
            hint = "run `make qemu`"
        raise DeviceError(f"no emulator firmware at {path}", hint)
    return str(path.resolve())


def _build_heap_variant(heap: int) -> Path:
    if ROOT is None or BUILD_SCRIPT is None or not BUILD_SCRIPT.is_file():
        raise DeviceError(f"no firmware with a {heap}-byte heap, and no tinyml checkout to build one in",
                          "leave out the heap to use the bundled firmware, or pass --firmware FILE")
    out = ROOT / "build" / f"qemu-heap-{heap}"
    if not BUILD_SCRIPT.is_file():
        raise DeviceError(f"no firmware with a {heap}-byte heap and no {BUILD_SCRIPT} to build one")
    print(f"emulator: building the firmware with a {heap}-byte heap into {out}", file=sys.stderr)
    env = dict(os.environ, QEMU_HEAP=str(heap), QEMU_OUT=str(out))
    proc = subprocess.run([str(BUILD_SCRIPT)], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise DeviceError(f"building the firmware with a {heap}-byte heap failed:\n{proc.stdout[-2000:]}",
                          "check that `make qemu` works")
    return out / "firmware.elf"


def _reusable(firmware: str, flash: str | None = None) -> Emulator | None:
    record = _read_state()
    if not record or record.get("firmware") != firmware:
        return None
    if flash is not None and record.get("flash") != flash:
        return None
    pid = record["pid"]
    if not _is_our_qemu(pid, firmware, record.get("proc_start")):
        return None
    try:
        rebuilt = os.stat(firmware).st_mtime_ns != record.get("firmware_mtime")
    except OSError:
        rebuilt = True
    owner = record.get("owner")
    busy = owner not in (None, os.getpid()) and _pid_alive(owner)
    if rebuilt or busy or not os.path.exists(record["pty"]):
        if rebuilt and not busy:
            stop()
        return None
    if pid in _owned:
        return _owned[pid]  # ours: as this process left it (not probed, so not disturbed)
    banner = _wait_repl(record["pty"], pid, record.get("log", ""), timeout=3.0, fail=False)
    if banner is None:
        stop()  # alive but deaf: a script left running; replace it
        return None
    owned = owner is not None  # an orphan of a dead owner is adopted; a kept one stays kept
    emu = Emulator(pid, record["pty"], firmware, record["started"], record.get("log", ""),
                   owned=owned, banner=banner, flash=record.get("flash"))
    if owned:
        emu._hold_pty()
        _own(emu)
        if owner != os.getpid():
            record["owner"] = os.getpid()
            _write_state(record)
    return emu


def _will_record(keep: bool, reuse: bool) -> bool:
    """Whether a board booted now would be recorded (see the end of _boot): only that one uses
    the default flash image."""
    if keep:
        return True
    record = _read_state()
    live = bool(record) and _is_our_qemu(record["pid"], record["firmware"], record.get("proc_start"))
    owner = record.get("owner") if record else None
    other = live and (owner is None or (owner != os.getpid() and _pid_alive(owner)))
    return reuse and not other


def _boot(firmware: str, keep: bool, reuse: bool, timeout: float, flash: str | None = None) -> Emulator:
    state_dir = _state_dir()
    flash_temporary = False
    if flash is None:
        if _will_record(keep, reuse):
            flash = str(default_flash(firmware))
        else:
            flash = str(state_dir / f"flash-{os.getpid()}-{time.monotonic_ns()}.img")
            flash_temporary = True
    _prepare_flash(Path(flash))
    kept_log = (_read_state() or {}).get("log")
    for old in list(state_dir.glob("qemu-*-*.log")) + list(state_dir.glob("flash-*-*.img")):
        # logs and private flash images left by processes that were killed
        owner = old.name.split("-")[1]
        if owner.isdigit() and not _pid_alive(int(owner)) and str(old) != kept_log:
            try:
                old.unlink()
            except OSError:
                pass
    log = state_dir / f"qemu-{os.getpid()}-{time.monotonic_ns()}.log"
    main_thread = threading.current_thread() is threading.main_thread()
    preexec = _die_with_parent if (not keep and main_thread and sys.platform.startswith("linux")) else None
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(qemu_command(firmware, flash), stdin=subprocess.DEVNULL, stdout=log_file,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=preexec)
    _children[proc.pid] = proc
    started = time.time()
    emu = Emulator(proc.pid, "", firmware, started, str(log), owned=not keep, flash=flash,
                   flash_temporary=flash_temporary)
    if not keep:
        _own(emu)
    try:
        emu.pty = _wait_pty(proc, log, timeout)
        _pin_to_one_cpu(proc.pid)
        if not keep:
            emu._hold_pty()
        emu.banner = _wait_repl(emu.pty, proc.pid, str(log), timeout)
    except BaseException:
        emu.stop()
        raise
    # Record it: a kept one replaces the kept one before (one at a time); an owned one is recorded
    # unless that would hide a live emulator that is kept or belongs to another live process;
    # a private one (reuse=False) never is.
    record = _read_state()
    live = bool(record) and _is_our_qemu(record["pid"], record["firmware"], record.get("proc_start"))
    owner = record.get("owner") if record else None
    if keep and live and owner is None:
        stop()
        live = False
    other = live and (owner is None or (owner != os.getpid() and _pid_alive(owner)))
    if keep or (reuse and not other):
        _write_state({
            "pid": proc.pid, "pty": emu.pty, "firmware": firmware,
            "firmware_mtime": os.stat(firmware).st_mtime_ns, "started": started,
            "proc_start": _proc_start(proc.pid), "owner": None if keep else os.getpid(),
            "log": str(log), "flash": flash,
        })
    return emu


def _pin_to_one_cpu(pid: int) -> None:
    """Keep all of qemu's threads on one host CPU (the last one this process may use).

    qemu moves each input byte into the emulated UART in its I/O thread and the firmware takes it
    in the vCPU thread, so every byte is a hand-off between the two. On two CPUs each hand-off is
    a cross-CPU wake-up, which on a virtual machine with idle CPUs costs tens of microseconds; on
    one CPU it is a plain context switch. Measured on a 2-CPU VM, KWS windows streamed over the
    link: 52 windows/s pinned vs 23-24 unpinned (the inference alone is unchanged). Threads qemu
    starts later inherit the CPU from the thread that starts them. Where affinity cannot be set
    (not Linux, no permission) qemu runs unpinned, only slower."""
    try:
        cpu = max(os.sched_getaffinity(0))
        for tid in os.listdir(f"/proc/{pid}/task"):
            os.sched_setaffinity(int(tid), {cpu})
    except (AttributeError, OSError, ValueError):
        pass


def _wait_pty(proc: subprocess.Popen, log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        m = re.search(r"char device redirected to (\S+)", text)
        if m:
            return m.group(1)
        if proc.poll() is not None:
            raise DeviceError(f"{QEMU} exited with status {proc.returncode} at start: {text.strip()[-500:]}",
                              f"check the firmware ({_rebuild_hint()}) and the qemu installation")
        time.sleep(0.02)
    raise DeviceError(f"{QEMU} opened no pty within {timeout:g} s", f"see {log}")


def _wait_repl(pty: str, pid: int, log: str, timeout: float, fail: bool = True) -> str | None:
    """Get the board to the friendly REPL; return its banner line (None if no answer and not fail)."""
    import termios
    import tty

    raw_prompt = b"raw REPL; CTRL-B to exit\r\n>"
    deadline = time.monotonic() + timeout
    fd = os.open(pty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        tty.setraw(fd, termios.TCSANOW)
        data = b""
        next_poke = 0.0
        entered = False
        while time.monotonic() < deadline:
            now = time.monotonic()
            if not entered and now >= next_poke:
                os.write(fd, b"\r\x03\x03\x01")  # Ctrl-C twice, then Ctrl-A: enter the raw REPL
                next_poke = now + 0.1
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    data += os.read(fd, 4096)
                except BlockingIOError:
                    pass
            if not entered and raw_prompt in data:
                entered = True
                data = b""
                os.write(fd, b"\x02")  # Ctrl-B: back to the friendly REPL, which prints the banner
            if entered and data.endswith(b">>> "):
                lines = [ln for ln in data.decode("utf-8", "replace").splitlines() if "MicroPython" in ln]
                return lines[-1].strip() if lines else ""
            if not _pid_alive(pid):
                break
        if not fail:
            return None
        tail = ""
        try:
            tail = Path(log).read_text(errors="replace").strip()[-500:]
        except OSError:
            pass
        what = "exited" if not _pid_alive(pid) else f"did not answer on {pty} within {timeout:g} s"
        raise DeviceError(f"the emulated board {what}" + (f"; qemu said: {tail}" if tail else ""),
                          f"{_rebuild_hint()}; is the pty used by another program?")
    finally:
        os.close(fd)


def _own(emu: Emulator) -> None:
    _owned[emu.pid] = emu


@atexit.register
def _stop_owned() -> None:
    for emu in list(_owned.values()):
        try:
            emu.stop()
        except Exception:
            pass


def _die_with_parent() -> None:
    # Runs in the child before exec: SIGTERM when the parent thread dies (Linux prctl PR_SET_PDEATHSIG).
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)


# ----------------------------------------------------------------------------------------------
# Processes

def _pid_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    proc = _children.get(pid)
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cmdline(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return None
    except OSError:
        return None
    try:  # no /proc (macOS): ask ps
        out = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True)
        return out.stdout.split() or None
    except OSError:
        return None


def _proc_start(pid: int) -> str | None:
    """An identity token for the process: its start time (so a recycled pid does not match)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        pass
    try:
        out = subprocess.run(["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True)
        return out.stdout.strip() or None
    except OSError:
        return None


def _is_our_qemu(pid, firmware: str, proc_start: str | None = None) -> bool:
    if not _pid_alive(pid):
        return False
    argv = _cmdline(pid)
    if not argv or not os.path.basename(argv[0]).startswith(QEMU) or firmware not in argv:
        return False
    return proc_start is None or _proc_start(pid) == proc_start


def _terminate(pid: int, firmware: str) -> None:
    proc = _children.pop(pid, None)
    if proc is not None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return
    if not _is_our_qemu(pid, firmware):
        return
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and _pid_alive(pid):
            time.sleep(0.02)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# ----------------------------------------------------------------------------------------------
# State file

def _state_dir() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / "tinyml" if runtime and os.path.isdir(runtime) else (ROOT / "build" if ROOT else cache_dir())
    base.mkdir(parents=True, exist_ok=True)
    return base


def state_file(name: str = "emulator.json") -> Path:
    """Where the running emulator is recorded (`name`: another emulator's record, e.g. pico.json)."""
    return _state_dir() / name


def _read_state(path: Path | None = None) -> dict | None:
    try:
        record = json.loads((path or state_file()).read_text())
        return record if isinstance(record, dict) and isinstance(record.get("pid"), int) else None
    except (OSError, ValueError):
        return None


def _write_state(record: dict, path: Path | None = None) -> None:
    path = path or state_file()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, path)


def _remove_state(path: Path | None = None) -> None:
    try:
        (path or state_file()).unlink()
    except OSError:
        pass


# ----------------------------------------------------------------------------------------------
# The firmware image

SPARE_MAGIC = 0x52534D54  # "TMSR": the first word of tinyml_spare_ram (firmware/qemu/mps2.ld)


def _elf_info(path: str) -> tuple[int, int | None, tuple[int, int] | None]:
    """(end address of the loaded image including .bss, size of MicroPython's gc_heap or None,
    (start, end) of the spare RAM as the firmware records it in tinyml_spare_ram, or None)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise DeviceError(f"cannot read the firmware {path}: {e.strerror}", _rebuild_hint()) from None
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1 or struct.unpack_from("<H", data, 18)[0] != 40:
        raise DeviceError(f"{path} is not a 32-bit Arm ELF firmware image", _rebuild_hint())
    phoff = struct.unpack_from("<I", data, 28)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    end = 0
    segments = []
    for i in range(phnum):
        p_type, offset, vaddr, _, filesz, memsz = struct.unpack_from("<IIIIII", data, phoff + i * phentsize)
        if p_type == 1:  # PT_LOAD
            end = max(end, vaddr + memsz)
            segments.append((vaddr, filesz, offset))
    from .elf_symbols import symbols

    found = symbols(data, {"gc_heap", "tinyml_spare_ram"})
    heap = found["gc_heap"][1] if "gc_heap" in found else None
    spare = _spare_record(data, segments, found["tinyml_spare_ram"][0]) if "tinyml_spare_ram" in found else None
    return end, heap, spare


def _spare_record(data: bytes, segments: list, addr: int) -> tuple[int, int] | None:
    """The (start, end) words of the tinyml_spare_ram record at `addr`, when it is there, intact."""
    for vaddr, filesz, offset in segments:
        if vaddr <= addr and addr + 12 <= vaddr + filesz:
            magic, start, end = struct.unpack_from("<III", data, offset + addr - vaddr)
            return (start, end) if magic == SPARE_MAGIC and start < end else None
    return None
