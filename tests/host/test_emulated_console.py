"""The emulated board's console input (firmware/qemu/uart_rx_irq/): interrupt-driven, buffered,
flow-controlled. Through mpremote's transport on the board's pty, as a user's tools would:

- bytes the host sends while a script computes are kept (ring buffer) and, past the ring's 4 KB,
  held back in qemu (flow control): a script that reads them afterwards gets every byte;
- Ctrl-C interrupts a running script, and the board answers afterwards;
- an idle board sleeps (WFI): qemu uses almost no host CPU while the REPL waits.
"""

import binascii
import os
import time

import pytest
from mpremote.transport_serial import SerialTransport

from linkutil import emulated_board


@pytest.fixture
def board():
    """A board of the test's own: a failure leaves no state for the next test."""
    try:
        with emulated_board() as emu:
            t = SerialTransport(emu.pty, baudrate=115200)
            t.serial.timeout = 1  # mpremote reads the pty with blocking read(1)s
            t.serial.write_timeout = 30  # and a board that stops reading must not hang a write
            try:
                yield emu, t
            finally:
                t.close()
    except FileNotFoundError as e:
        pytest.fail(str(e), pytrace=False)


def follow(t, timeout):
    out = t.read_until(1, b"\x04", timeout=None, timeout_overall=timeout)
    err = t.read_until(1, b"\x04", timeout=None, timeout_overall=5)
    return out.rstrip(b"\x04"), err.rstrip(b"\x04")


def test_bytes_sent_during_a_computation_all_arrive(board):
    emu, t = board
    data = os.urandom(20_000) + bytes(range(256)) * 4   # 5x the ring, every byte value incl. Ctrl-C
    t.enter_raw_repl(soft_reset=False)
    t.exec_raw_no_follow(
        "import sys, binascii, micropython\n"
        "micropython.kbd_intr(-1)\n"       # 0x03 in the data is data
        "print('ready')\n"
        "s = 0\n"
        "for i in range(60000):\n"        # busy for a while before reading anything
        "    s += i\n"
        f"b = bytearray({len(data)})\n"
        "sys.stdin.buffer.readinto(b)\n"
        "print(binascii.crc32(b), s)\n")
    assert t.read_until(1, b"ready\r\n", timeout=None, timeout_overall=20).endswith(b"ready\r\n")
    t.serial.write(data)   # while the loop runs
    out, err = follow(t, 60)
    assert err == b"", err
    assert out.split()[-2:] == [str(binascii.crc32(data)).encode(), str(sum(range(60000))).encode()]


def test_ctrl_c_interrupts_a_running_script(board):
    emu, t = board
    t.enter_raw_repl(soft_reset=False)
    t.exec_raw_no_follow("while True:\n    pass\n")
    time.sleep(0.3)
    t0 = time.monotonic()
    t.serial.write(b"\x03")
    out, err = follow(t, 10)
    assert b"KeyboardInterrupt" in err, (out, err)
    assert time.monotonic() - t0 < 5
    assert t.exec("print(6 * 7)").strip() == b"42"   # the board is usable again


def test_an_idle_board_costs_no_host_cpu(board):
    emu, t = board
    t.exit_raw_repl()   # the friendly REPL, waiting for a key
    time.sleep(0.2)

    def cpu_seconds():
        with open(f"/proc/{emu.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime + stime

    c0, t0 = cpu_seconds(), time.monotonic()
    time.sleep(2.0)
    used = (cpu_seconds() - c0) / (time.monotonic() - t0)
    assert used < 0.25, f"qemu used {used:.0%} of a core while the board sat at the REPL prompt"
