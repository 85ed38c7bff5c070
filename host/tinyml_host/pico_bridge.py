"""Put the emulated Pico's USB serial port behind a pty (run by tinyml_host.pico, one per board).

    python -m tinyml_host.pico_bridge NODE_COMMAND...

Runs the emulator (firmware/rp2/emulator/pico.mjs, whose stdin/stdout are the board's USB CDC
port), opens a pty, prints `pty: /dev/pts/N` on stderr and copies bytes both ways until the
emulator exits or this process gets SIGTERM (which it passes on).

- host -> board: read from the pty only as fast as the emulator takes it (a blocking write to its
  stdin, which it pauses while its queue is full), so a writer on the pty waits instead of losing
  bytes, as with a real USB CDC port.
- board -> host: the pty's far side is held open here, so output waits in the pty until a program
  opens it (as the QEMU board does), and reads never fail for want of a reader. Output that does
  not fit in the pty's buffer is dropped, like a board writing to a port nobody reads.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import tty


def _host_to_board(master: int, sink) -> None:
    while True:
        select.select([master], [], [])
        try:
            data = os.read(master, 4096)
        except BlockingIOError:
            continue
        except OSError:
            return
        if not data:
            return
        try:
            sink.write(data)
            sink.flush()
        except (BrokenPipeError, ValueError, OSError):
            return


def _board_to_host(source, master: int) -> None:
    while True:
        data = os.read(source.fileno(), 65536)
        if not data:
            return
        try:
            os.write(master, data)
        except BlockingIOError:
            pass  # the pty is full: nobody reads it
        except OSError:
            return


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tinyml_host.pico_bridge NODE_COMMAND...", file=sys.stderr)
        return 2
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)  # writes never block; reads wait in select()
    name = os.ttyname(slave)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    signal.signal(signal.SIGINT, lambda *_: proc.terminate())
    print(f"pty: {name}", file=sys.stderr, flush=True)
    threading.Thread(target=_host_to_board, args=(master, proc.stdin), daemon=True).start()
    writer = threading.Thread(target=_board_to_host, args=(proc.stdout, master), daemon=True)
    writer.start()
    status = proc.wait()
    writer.join(1.0)
    os.close(slave)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
