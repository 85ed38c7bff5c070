"""Which board a command talks to, and a link to its agent.

    from tinyml_host import board
    with board.connect() as b:                     # no port: the emulated board (booted or reused)
        b.link.load_model(data, address=b.model_address(len(data)))
    with board.connect("/dev/ttyACM0") as b: ...   # a real board running our firmware
    with board.connect("auto") as b: ...           # the one USB board that looks like ours
    with board.connect("pico") as b: ...           # the emulated Raspberry Pi Pico (tinyml_host.pico)

The rule of every command that takes `--port`: none -> tinyml_host.emulator.start() (boot the
emulated board, or reuse one already running); `auto` -> the single ESP32/RP2040 USB serial port
found; `pico` -> the pty of tinyml_host.pico.start() (the emulated Raspberry Pi Pico running the
RP2040 firmware, booted or reused), then treated as a real board (filesystem, heap); anything
else is a serial port name.
"""

from __future__ import annotations

import argparse
import dataclasses
import os

from typing import TYPE_CHECKING

from .errors import DeviceError, TinymlError

if TYPE_CHECKING:  # the link (pyserial) is imported when a board is connected, not for the CLI's parser
    from .link import Link


def resolve_port(port: str | None, firmware: str | os.PathLike | None = None):
    """(serial port, Emulator or None) for a --port value. `firmware`: the one an emulated board
    boots (no port: an ELF for the QEMU board; `pico`: a UF2); None: the running emulator's, else
    the default (tinyml_host.emulator.start, tinyml_host.pico.start)."""
    if port is None:
        from . import emulator

        emu = emulator.start(firmware=firmware)
        return emu.pty, emu
    if port == "pico":
        from . import pico

        return pico.start(firmware).pty, None  # used as a real board: its pty is its USB serial port
    if firmware is not None:
        raise TinymlError(f"--firmware is for an emulated board (no --port, or --port pico), not {port}",
                          "to put a firmware on a real board use `tinyml-host flash --board B --port P --firmware F`")
    if port == "auto":
        from .boards import BOARDS, find_ports

        ports = sorted({p for spec in BOARDS.values() if not spec.emulated for p in find_ports(spec)})
        if not ports:
            raise DeviceError("no ESP32 or RP2040 board found on USB (--port auto)",
                              "plug one in, or name its port: --port /dev/ttyUSB0; "
                              "without --port the emulated board is used")
        if len(ports) > 1:
            raise DeviceError(f"several boards found ({', '.join(ports)})", "pick one with --port")
        return ports[0], None
    return port, None


@dataclasses.dataclass
class ConnectedBoard:
    """A board this process is connected to: the link to its agent, its port, and the emulator
    behind it (None for a real board). Kinds of boards: tinyml_host.boards."""

    link: Link
    port: str
    emulator: object | None  # tinyml_host.emulator.Emulator when it is the emulated board

    @property
    def description(self) -> str:
        if self.emulator is not None:
            return f"emulated board (qemu mps2-an385, Cortex-M3) on {self.port}"
        return f"board on {self.port}"

    @property
    def timing_note(self) -> str | None:
        """What the board's latency figures are, where they are not a real chip's time."""
        if self.emulator is not None:
            return "emulated: QEMU's instruction count as cycles of a 25 MHz Cortex-M3, not a measured time"
        return None

    def model_address(self, size: int) -> int | None:
        """Where to stream a model of `size` bytes: the emulated board's spare RAM (outside
        the MicroPython heap, which then stays free for the arena), else None (the heap)."""
        if self.emulator is None:
            return None
        start, end = self.emulator.spare_ram
        return start if size <= end - start else None

    def close(self, exit_agent: bool = True) -> None:
        self.link.close(exit_agent=exit_agent)

    def __enter__(self) -> "ConnectedBoard":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(port: str | None = None, *, timeout: float = 10.0, firmware: str | os.PathLike | None = None,
            **link_kwargs) -> ConnectedBoard:
    """Resolve `port` (see the module doc; `firmware`: see resolve_port), start the agent there
    and return the ConnectedBoard."""
    from .link import Link

    name, emu = resolve_port(port, firmware)
    link = Link.connect(name, timeout=timeout, **link_kwargs)
    return ConnectedBoard(link, name, emu)


def add_firmware_argument(p: argparse.ArgumentParser) -> None:
    """`--firmware FILE` of the commands that talk to a board: what an emulated board boots."""
    p.add_argument("--firmware", metavar="FILE",
                   help="firmware for the emulated board (no --port: a QEMU ELF; --port pico: a UF2); default: "
                        "the emulated board already running, else build/qemu/firmware.elf, else the bundled one")
