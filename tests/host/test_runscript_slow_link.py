"""`tinyml-host run` on a board whose replies come late (an emulator on a loaded machine, a slow
USB hub): mpremote's raw-paste handshake reads its header and the flow-control byte after every
128-byte window with plain serial reads, which a 50 ms port timeout cut short (`unexpected read
during raw paste: b''` on the emulated Pico, whose windows take 20-50 ms). The emulated board is
put behind a pty that delays everything it says by 0.2 s; the script must still run, its output
that of the same code on the host (UTF-8 and lines decoded across the single bytes mpremote hands
over)."""

from __future__ import annotations

import contextlib
import io
import os
import select
import threading
import time
import tty

import pytest

DELAY = 0.2  # seconds each chunk of the board's output is held back


def _pump(src: int, dst: int, delay: float, stop: threading.Event) -> None:
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
        time.sleep(delay)
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(dst, view):]
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:
                return


@contextlib.contextmanager
def slow_link(board_pty: str, delay: float):
    """A pty path whose far side is `board_pty`, the board's output arriving `delay` s late."""
    board = os.open(board_pty, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(board)
    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()
    pumps = [threading.Thread(target=_pump, args=(master, board, 0.0, stop), daemon=True),
             threading.Thread(target=_pump, args=(board, master, delay, stop), daemon=True)]
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


# Longer than two raw-paste windows (2 x 128 bytes), so the host waits for the board's
# flow-control bytes several times.
SCRIPT = "".join(f"def f{k}(x):\n    return [x * i + {k} for i in range(5)]\n" for k in range(30)) + \
    "print('sum', sum(sum(f(3)) for f in [" + ", ".join(f"f{k}" for k in range(30)) + "]))\n" + \
    "print('took 3 µs \u2013 done')\n"  # what arrives a byte at a time is decoded whole


def _host_result() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(SCRIPT, "script", "exec"), {})
    return out.getvalue()


@pytest.mark.parametrize("timeout", [30.0, None], ids=["with-timeout", "no-timeout"])
def test_run_script_waits_for_a_board_that_answers_late(emu, tmp_path, timeout):
    from tinyml_host.runscript import run_script

    assert len(SCRIPT) > 3 * 256
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    out = io.StringIO()
    with slow_link(emu.pty, DELAY) as port:
        status = run_script(script, port=port, timeout=timeout, out=out)
    assert status == 0, out.getvalue()
    assert out.getvalue() == _host_result(), repr(out.getvalue())
