"""Serial ports: listing them (with USB ids), opening one exclusively, waiting for one to come back,
and errors that say what to do about a missing, busy or forbidden port.

    from tinyml_host.serial_ports import list_ports, open_serial, wait_for_port
"""

from __future__ import annotations

import os
import time

from .errors import DeviceError, TinymlError


def _serial():
    try:
        import serial
        import serial.tools.list_ports  # noqa: F401
    except ImportError:
        raise TinymlError("pyserial is not installed", "pip install pyserial (a dependency of tinyml-host: reinstall it)") from None
    return serial


def list_ports() -> list:
    """pyserial's ListPortInfo of every serial port (device, vid, pid, description, ...)."""
    return list(_serial().tools.list_ports.comports())


def open_serial(port: str, baudrate: int = 115200, timeout: float = 0.05):
    """Open a serial port exclusively, with clear errors for a missing or busy port."""
    serial = _serial()

    try:
        return serial.Serial(port, baudrate=baudrate, timeout=timeout, exclusive=True)
    except serial.SerialException as e:
        raise port_error(port, e) from None


def port_error(port: str, e: Exception) -> DeviceError:
    """The DeviceError for a port that cannot be opened: missing, busy, or not allowed."""
    text = str(e)
    if not os.path.exists(port):
        return DeviceError(f"no board on {port}: no such serial port",
                           "is the board plugged in? `tinyml-host devices` lists the boards found")
    if "exclusively lock" in text or "Resource temporarily unavailable" in text or "busy" in text.lower():
        return DeviceError(f"port busy: {port} is in use by another program",
                           "close the serial monitor, mpremote, Thonny or IDE that has it open, then retry")
    if "Permission denied" in text:
        return DeviceError(f"cannot open {port}: permission denied",
                           "add yourself to the port's group (often `dialout`: sudo usermod -aG dialout $USER, "
                           "then log in again)")
    return DeviceError(f"cannot open serial port {port}: {text}")


def wait_for_port(port: str, timeout: float) -> bool:
    """Wait until `port` exists and can be opened (a board re-enumerating after a reset)."""
    serial = _serial()

    deadline = time.monotonic() + timeout
    while True:
        if os.path.exists(port):
            try:
                s = serial.Serial(port, timeout=0, exclusive=True)
                s.close()
                return True
            except (serial.SerialException, OSError):
                pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
