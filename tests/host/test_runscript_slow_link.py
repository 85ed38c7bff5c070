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

import pytest

from ptyrelay import relay

DELAY = 0.2  # seconds each chunk of the board's output is held back


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
    with relay(emu.pty, delay=DELAY) as port:
        status = run_script(script, port=port, timeout=timeout, out=out)
    assert status == 0, out.getvalue()
    assert out.getvalue() == _host_result(), repr(out.getvalue())
