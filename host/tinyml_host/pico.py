"""The emulated Raspberry Pi Pico: our real RP2040 firmware (build/rp2/firmware.uf2, `make rp2`)
in rp2040js, reached through a pty like a Pico's USB serial port (`--port pico`).

rp2040js (npm, pinned to 1.4.1 in firmware/rp2/emulator/package.json, installed by `make setup`)
is a Cortex-M0+ RP2040 emulator in JavaScript; firmware/rp2/emulator/pico.mjs runs it with what a
board needs beyond it (flash program/erase so littlefs keeps files, USB CDC flow control, idle time
paced to the wall clock, a BOOTSEL drive) and pico_bridge.py puts its USB serial port behind a pty,
so tinyml-host commands, mpremote and pyserial talk to it as to a real Pico. It runs about 15 M
emulated cycles per second (a real Pico: 125 M) and boots to the REPL in about 1 s.

    from tinyml_host import pico
    board = pico.start()            # boot it (or reuse the recorded one); board.pty, board.drive
    board.stop()
    pico.start(uf2=PATH, flash_image=FILE, keep=True, reuse=False, timeout=30)
    pico.stop(); pico.status()

    python -m tinyml_host.pico start|stop|status     # keep one running for later commands

`flash_image`: the 2 MB flash is kept in that file (firmware and filesystem survive restarts);
without it the flash lives in memory and a fresh start has an empty filesystem. `drive` is the
folder where the board shows its RPI-RP2 drive after machine.bootloader(): a UF2 copied there is
written to flash and booted (`tinyml-host flash --board rp2040 --port pico` does exactly that).

The boot ROM. rp2040js needs the RP2040 B1 boot ROM (16,384 bytes, Raspberry Pi's, BSD-3-Clause),
which its npm package does not ship and this repository does not copy: it is read from
$TINYML_PICO_BOOTROM, else ../shared/rp2040/bootrom_b1.bin beside the checkout. To get it
elsewhere: build raspberrypi/pico-bootrom at commit 00a4a19114195e20fb817bdfbca1165e157eef37, or
take the words of rp2040js's demo/bootrom.ts (GitHub) as little-endian bytes; its sha256 is
BOOTROM_SHA256.

Reuse and cleanup work as for the QEMU board (tinyml_host.emulator): a state file (pico.json in
the same place) records the last one booted; an emulator started without keep=True belongs to
this process and is stopped when it exits.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import emulator
from .errors import DeviceError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_UF2 = ROOT / "build" / "rp2" / "firmware.uf2"
EMULATOR_DIR = ROOT / "firmware" / "rp2" / "emulator"
SCRIPT = EMULATOR_DIR / "pico.mjs"
SHARED_BOOTROM = ROOT.parent / "shared" / "rp2040" / "bootrom_b1.bin"
BOOTROM_SHA256 = "90b31e108faedfa6bbcfcc33ba05dac61e645108cfbbdc385f8dafc71fde44ae"
BRIDGE_MODULE = "tinyml_host.pico_bridge"
PORT_NAME = "pico"  # the --port value that means this board

_lock = threading.RLock()
_owned: dict[int, "Pico"] = {}
_children: dict[int, subprocess.Popen] = {}


class Pico:
    """A running emulated Pico. Use start() to get one."""

    def __init__(self, pid: int, pty: str, uf2: str, drive: str, log: str, flash_image: str | None,
                 owned: bool, banner: str = "") -> None:
        self.pid, self.pty, self.uf2, self.drive, self.log = pid, pty, uf2, drive, log
        self.flash_image = flash_image
        self.owned = owned
        self.banner = banner
        self.owner: int | None = None  # the process that stops it at its exit (None: kept), from the record

    def alive(self) -> bool:
        return _is_ours(self.pid)

    def stop(self) -> None:
        """End it (SIGTERM, then SIGKILL after 3 s) and forget it. Safe to call twice."""
        with _lock:
            _terminate(self.pid)
            _owned.pop(self.pid, None)
            record = _read_state()
            if record and record.get("pid") == self.pid:
                _remove_state()
            shutil.rmtree(self.drive, ignore_errors=True)
            Path(self.log).unlink(missing_ok=True)

    def log_text(self) -> str:
        try:
            return Path(self.log).read_text(errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> "Pico":
        return self

    def __exit__(self, *exc) -> None:
        if self.owned:
            self.stop()

    def __repr__(self) -> str:
        return f"<Pico pid={self.pid} pty={self.pty} uf2={self.uf2}>"


def bootrom() -> Path:
    """The RP2040 B1 boot ROM file, checked; DeviceError saying how to get it if missing."""
    env = os.environ.get("TINYML_PICO_BOOTROM")
    path = Path(env) if env else SHARED_BOOTROM
    how = ("set TINYML_PICO_BOOTROM to the RP2040 B1 boot ROM (16,384 bytes, sha256 "
           f"{BOOTROM_SHA256[:16]}...): build raspberrypi/pico-bootrom at commit 00a4a19, or write the "
           "words of rp2040js's demo/bootrom.ts (github.com/wokwi/rp2040js) as little-endian bytes")
    if not path.is_file():
        raise DeviceError(f"no RP2040 boot ROM at {path} (rp2040js does not ship it)", how)
    if hashlib.sha256(path.read_bytes()).hexdigest() != BOOTROM_SHA256:
        raise DeviceError(f"{path} is not the RP2040 B1 boot ROM (wrong sha256)", how)
    return path


def command(uf2: str | None, drive: str, flash_image: str | None = None,
            profile: int | None = None, profile_out: str | None = None,
            profile_symbols: str | None = None) -> list[str]:
    """The command that runs the emulator with its serial port on stdin/stdout."""
    node = shutil.which("node")
    if node is None:
        raise DeviceError("Node.js (node) not found: the emulated Pico runs in it", "run `make setup`")
    if not (EMULATOR_DIR / "node_modules" / "rp2040js").is_dir():
        raise DeviceError("rp2040js is not installed", "run `make setup` (scripts/setup_pico_emulator.sh)")
    cmd = [node, str(SCRIPT), "--bootrom", str(bootrom()), "--drive", drive]
    if uf2:
        cmd += ["--uf2", uf2]
    if flash_image:
        cmd += ["--flash-image", flash_image]
    if profile is not None:
        cmd += ["--profile", f"{profile:x}", "--profile-out", str(profile_out)]
        if profile_symbols:
            cmd += ["--profile-symbols", str(profile_symbols)]
    return cmd


def start(uf2: str | os.PathLike | None = None, *, flash_image: str | os.PathLike | None = None,
          reuse: bool = True, keep: bool = False, timeout: float = 30.0,
          profile: int | None = None, profile_out: str | None = None,
          profile_symbols: str | None = None) -> Pico:
    """Boot the emulated Pico (or reuse the recorded one) and return it once its REPL answers.
    With no uf2, a running one is reused whatever it runs; a new one boots build/rp2/firmware.uf2
    (or only the flash image, if that file exists). profile: the address of a function whose
    calls are timed into profile_out (one JSON line each; pico.mjs), split by the functions of
    profile_symbols; a profiled board is private (never reused or recorded)."""
    with _lock:
        if reuse and profile is None:
            found = _reusable(uf2, flash_image)
            if found is not None:
                return found
        image = str(Path(flash_image).resolve()) if flash_image else None
        if uf2 is None and not (image and os.path.isfile(image)):
            uf2 = DEFAULT_UF2
        uf2_path = str(Path(uf2).resolve()) if uf2 is not None else None
        if uf2_path is not None and not os.path.isfile(uf2_path):
            raise DeviceError(f"no RP2040 firmware at {uf2_path}", "run `make rp2`")
        return _boot(uf2_path, image, keep, reuse and profile is None, timeout,
                     (profile, profile_out, profile_symbols))


def stop() -> bool:
    """Stop the recorded emulated Pico, if it is still running. True if one was."""
    with _lock:
        record = _read_state()
        if not record:
            return False
        running = _is_ours(record["pid"], record.get("proc_start"))
        if running:
            _terminate(record["pid"])
        _owned.pop(record["pid"], None)
        _remove_state()
        shutil.rmtree(record.get("drive", ""), ignore_errors=True)
        if record.get("log"):
            Path(record["log"]).unlink(missing_ok=True)
        return running


def status() -> Pico | None:
    """The recorded emulated Pico if it still runs, else None (does not talk to it)."""
    with _lock:
        record = _read_state()
        if not record or not _is_ours(record["pid"], record.get("proc_start")):
            return None
        return _from_record(record)


def _from_record(record: dict) -> Pico:
    board = Pico(record["pid"], record["pty"], record.get("uf2") or "", record["drive"], record["log"],
                 record.get("flash_image"), owned=record["pid"] in _owned)
    board.owner = record.get("owner")
    return board


def _reusable(uf2, flash_image) -> Pico | None:
    record = _read_state()
    if not record or not _is_ours(record["pid"], record.get("proc_start")):
        return None
    if uf2 is not None and (record.get("uf2") != str(Path(uf2).resolve())
                            or record.get("uf2_mtime") != os.stat(uf2).st_mtime_ns):
        return None
    if flash_image is not None and record.get("flash_image") != str(Path(flash_image).resolve()):
        return None
    owner = record.get("owner")
    if owner not in (None, os.getpid()) and emulator._pid_alive(owner):
        return None
    found = _from_record(record)
    found.banner = emulator._wait_repl(found.pty, found.pid, found.log, 5.0, fail=False)
    if found.banner is None:
        stop()
        return None
    return found


def _boot(uf2: str | None, image: str | None, keep: bool, record_it: bool, timeout: float,
          profiling: tuple) -> Pico:
    state_dir = emulator._state_dir()
    tag = f"{os.getpid()}-{time.monotonic_ns()}"
    log = state_dir / f"pico-{tag}.log"
    drive = state_dir / f"pico-drive-{tag}"
    drive.mkdir()
    cmd = [sys.executable, "-m", BRIDGE_MODULE] + command(uf2, str(drive), image, *profiling)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "host"), os.environ.get("PYTHONPATH")])))
    main_thread = threading.current_thread() is threading.main_thread()
    preexec = emulator._die_with_parent if (not keep and main_thread and sys.platform.startswith("linux")) else None
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=preexec, env=env)
    _children[proc.pid] = proc
    board = Pico(proc.pid, "", uf2 or "", str(drive), str(log), image, owned=not keep)
    if not keep:
        _owned[proc.pid] = board
    try:
        board.pty = _wait_pty(proc, log, timeout)
        board.banner = emulator._wait_repl(board.pty, proc.pid, str(log), timeout, fail=False)
        if board.banner is None:
            raise DeviceError(f"the emulated Pico did not answer on {board.pty} within {timeout:g} s; "
                              f"its log: {board.log_text().strip()[-500:]}",
                              "rebuild the firmware with `make rp2`")
    except BaseException:
        board.stop()
        raise
    if record_it:
        record = _read_state()
        if record and _is_ours(record["pid"], record.get("proc_start")) and keep and record.get("owner") is None:
            stop()
        _write_state({"pid": proc.pid, "pty": board.pty, "uf2": uf2,
                      "uf2_mtime": os.stat(uf2).st_mtime_ns if uf2 else None, "flash_image": image,
                      "drive": str(drive), "log": str(log), "proc_start": emulator._proc_start(proc.pid),
                      "owner": None if keep else os.getpid()})
    return board


def _wait_pty(proc: subprocess.Popen, log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        m = re.search(r"^pty: (\S+)", text, re.M)
        if m:
            return m.group(1)
        if proc.poll() is not None:
            raise DeviceError(f"the emulated Pico exited at start: {text.strip()[-800:]}",
                              "run `make setup` and `make rp2`")
        time.sleep(0.02)
    raise DeviceError(f"the emulated Pico opened no pty within {timeout:g} s", f"see {log}")


@atexit.register
def _stop_owned() -> None:
    for board in list(_owned.values()):
        try:
            board.stop()
        except Exception:
            pass


def _is_ours(pid, proc_start: str | None = None) -> bool:
    if not emulator._pid_alive(pid):
        return False
    argv = emulator._cmdline(pid) or []
    if BRIDGE_MODULE not in argv or str(SCRIPT) not in argv:
        return False
    return proc_start is None or emulator._proc_start(pid) == proc_start


def _terminate(pid: int) -> None:
    proc = _children.pop(pid, None)
    if proc is None and not _is_ours(pid):
        return
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return
        if proc is None and not emulator._pid_alive(pid):
            return
        time.sleep(0.02)
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    if proc is not None:
        proc.wait()


def state_file() -> Path:
    return emulator.state_file("pico.json")


def _read_state() -> dict | None:
    return emulator._read_state(state_file())


def _write_state(record: dict) -> None:
    emulator._write_state(record, state_file())


def _remove_state() -> None:
    emulator._remove_state(state_file())


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m tinyml_host.pico", description="the emulated Raspberry Pi Pico")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--uf2", help="firmware to boot (default: build/rp2/firmware.uf2)")
    p.add_argument("--flash-image", help="keep the 2 MB flash in this file")
    args = p.parse_args(argv)
    try:
        if args.action == "start":
            board = start(args.uf2, flash_image=args.flash_image, keep=True)
            print(f"emulated Pico on {board.pty} (pid {board.pid}): {board.banner}; use --port pico")
        elif args.action == "stop":
            print("stopped" if stop() else "no emulated Pico was running")
        else:
            board = status()
            print(f"emulated Pico on {board.pty} (pid {board.pid})" if board else "no emulated Pico is running")
    except DeviceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
