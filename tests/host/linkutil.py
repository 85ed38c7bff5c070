"""Boards for the serial-link tests.

unix_board(): the Unix port (build/unix/micropython) running the agent from device/python with a
pty as its console - a fast stand-in board: the same agent code, no emulator, no UART speed limit.
The agent holds the pty's master side (as qemu does); the host opens the slave by name.

emulated_board(): the emulated board (tinyml_host.emulator), a private one for the test module.
"""

import contextlib
import os
import subprocess
import tty
from pathlib import Path

import mputil

AGENT_DIR = mputil.REPO_ROOT / "device" / "python"
FIRMWARE = Path(os.environ.get("TINYML_QEMU_FIRMWARE", mputil.REPO_ROOT / "build" / "qemu" / "firmware.elf"))


@contextlib.contextmanager
def unix_board(heapsize="16M", agent_dir=AGENT_DIR):
    """Yield (pty path, process) of the Unix port running tinyml_agent.main() (from agent_dir)
    on a pty."""
    binary = mputil.check_binary(mputil.MICROPYTHON)
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    code = (f"import sys; sys.path.insert(0, {str(agent_dir)!r}); "
            "import tinyml_agent; tinyml_agent.main()")
    proc = subprocess.Popen([str(binary), "-X", f"heapsize={heapsize}", "-c", code],
                            stdin=master, stdout=master, stderr=subprocess.PIPE,
                            env=mputil.mp_env())
    os.close(master)
    try:
        yield path, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        os.close(slave)


@contextlib.contextmanager
def emulated_board():
    """A private emulated board (not recorded for reuse), stopped at the end."""
    from tinyml_host import emulator

    if not FIRMWARE.is_file():
        raise FileNotFoundError(f"{FIRMWARE} not found: run `make qemu` first")
    emu = emulator.start(firmware=FIRMWARE, reuse=False)
    try:
        yield emu
    finally:
        emu.stop()


def qemu_pids():
    """pids of the qemu-system-arm processes running now."""
    pids = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    if f.read().split(b"\0")[0].endswith(b"qemu-system-arm"):
                        pids.add(int(d))
            except OSError:
                pass
    return pids


def is_zombie_or_gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True
