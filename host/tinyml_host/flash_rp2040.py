"""Flashing RP2040 boards (Raspberry Pi Pico and others) through the boot ROM's USB drive.

    from tinyml_host import flash_rp2040
    result = flash_rp2040.flash(Path("build/rp2/firmware.uf2"), port="/dev/ttyACM0")

1. The UF2 file is validated first (uf2.validate_rp2040: magics, family RP2040, addresses in
   flash, complete); anything else is refused before a board is touched.
2. The RPI-RP2 drive: `drive` if given, else a mounted drive holding an INFO_UF2.TXT that says
   `Board-ID: RPI-RP2`. If there is none and a board runs MicroPython (on `port`, or the one
   found by USB id), it is rebooted into the boot ROM (BOOTSEL) with `machine.bootloader()`
   over the raw REPL, and the drive is waited for. A folder whose INFO_UF2.TXT names another
   board (an RP2350, a UF2 bootloader of another chip) is refused.
3. The file is copied onto the drive (progress bar); the board writes it and reboots.
4. The board's serial port comes back (`port`, or a new MicroPython USB port): we wait for it and
   read MicroPython's banner, tinyml's version and op list over the raw REPL.

`picotool=True` loads the file with picotool (when installed) instead of copying it.
`erase=True` also erases the rest of the Pico's 2 MB flash (MicroPython's filesystem): the UF2
copied is the firmware followed by 0xFF pages up to the end of the flash.
"""

from __future__ import annotations

import os
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import flash_common, uf2
from .board_query import Console, check_flashed_board
from .boards import BOARDS, BoardSpec, find_ports
from .errors import DeviceError, TinymlError
from .flash_common import FlashOptions, FlashResult

INFO_FILE = "INFO_UF2.TXT"
BOARD_ID = "RPI-RP2"  # the RP2040 boot ROM's Board-ID (an RP2350 says RP2350)
PICO_FLASH_SIZE = 2 * 1024 * 1024
COPY_CHUNK = 64 * 1024  # a multiple of the 512-byte UF2 block

# Boards in BOOTSEL mode all look alike: one board at a time goes from "rebooted" to "copied".
_drive_lock = threading.Lock()

BOOTSEL_HINT = ("hold the BOOTSEL button while plugging the board in; the RPI-RP2 drive must be mounted "
                "(most desktops do it; else e.g. `udisksctl mount -b /dev/sdX1`), or pass --drive DIR")


def read_info(drive: Path) -> dict[str, str] | None:
    """INFO_UF2.TXT of a drive as a dict (None if the folder has none)."""
    try:
        text = (drive / INFO_FILE).read_text(errors="replace")
    except OSError:
        return None
    info = {}
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            info[k.strip()] = v.strip()
    return info


def check_drive(drive: Path) -> dict[str, str]:
    """The drive's INFO_UF2.TXT, or an error if it is not an RP2040 boot ROM drive."""
    info = read_info(drive)
    if info is None:
        raise DeviceError(f"{drive} is not an RP2040 bootloader drive: it has no {INFO_FILE}", BOOTSEL_HINT)
    board_id = info.get("Board-ID", "")
    if not board_id.startswith(BOARD_ID):
        model = info.get("Model", "unknown model")
        raise DeviceError(f"{drive} is not an RP2040 bootloader drive: its {INFO_FILE} says Board-ID "
                          f"{board_id or '(none)'} ({model})",
                          "this command flashes RP2040 boards; use the right --board for that one")
    return info


def _mount_points() -> list[Path]:
    """Folders where a removable drive may be mounted, for this OS."""
    points: list[Path] = []
    if sys.platform.startswith("linux"):
        try:
            for line in Path("/proc/mounts").read_text().splitlines():
                parts = line.split()
                if len(parts) >= 3 and parts[2] in ("vfat", "msdos", "fuseblk", "exfat"):
                    points.append(Path(parts[1].replace("\\040", " ")))
        except OSError:
            pass
        for base in (Path("/media"), Path("/run/media")):
            points += [p for p in base.glob("*/*") if p.is_dir()]
    elif sys.platform == "darwin":
        points += [p for p in Path("/Volumes").glob("*") if p.is_dir()]
    elif os.name == "nt":
        points += [Path(f"{c}:\\") for c in string.ascii_uppercase if os.path.exists(f"{c}:\\")]
    seen, out = set(), []
    for p in points:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def find_drives() -> list[Path]:
    """Mounted RP2040 boot ROM drives."""
    found = []
    for p in _mount_points():
        info = read_info(p)
        if info is not None and info.get("Board-ID", "").startswith(BOARD_ID):
            found.append(p)
    return found


def reboot_to_bootsel(port: str, timeout: float = 10.0) -> None:
    """Reboot the MicroPython board on `port` into the boot ROM (machine.bootloader())."""
    console = Console(port)
    try:
        console.wait_prompt(timeout, quiet=0.3)
        console.start("import machine\nmachine.bootloader()\n", timeout)  # the board resets at once
    finally:
        console.close()


def _wait_drive(drive: Path | None, timeout: float) -> Path | None:
    deadline = time.monotonic() + timeout
    while True:
        if drive is not None:
            if read_info(drive) is not None:
                return drive
        else:
            drives = find_drives()
            if len(drives) == 1:
                return drives[0]
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def _pick_port(port: str | None) -> str | None:
    if port is not None:
        return port
    ports = _rp2_ports()
    if len(ports) > 1:
        raise DeviceError(f"several RP2040 boards running MicroPython: {', '.join(ports)}",
                          "name one with --port, or flash them all with --port all")
    return ports[0] if ports else None


def _resolve_drive(drive: str | None, port: str | None, timeout: float) -> tuple[Path, str | None]:
    """The RPI-RP2 drive to copy to, rebooting a MicroPython board into BOOTSEL if needed.
    Returns (drive, the port of the board that was rebooted, if any)."""
    given = Path(drive) if drive else None
    if given is not None:
        if not given.is_dir():
            raise DeviceError(f"drive folder {given} does not exist", BOOTSEL_HINT)
        if read_info(given) is not None:
            check_drive(given)
            return given, port
    else:
        drives = find_drives()
        if len(drives) > 1:
            raise DeviceError(f"several RP2040 bootloader drives are mounted: {', '.join(map(str, drives))}",
                              "name one with --drive")
        if drives:
            return drives[0], port
    board_port = _pick_port(port)
    if board_port is None:
        where = f"{given} has no {INFO_FILE}" if given else "no RPI-RP2 drive is mounted"
        raise DeviceError(f"no RP2040 board found: {where}, and no board running MicroPython was found to "
                          "reboot into its bootloader", BOOTSEL_HINT)
    reboot_to_bootsel(board_port)
    found = _wait_drive(given, timeout)
    if found is None:
        raise DeviceError(f"the board on {board_port} was rebooted into its bootloader, but no RPI-RP2 drive "
                          f"{'appeared at ' + str(given) if given else 'was mounted'} within {timeout:g} s",
                          BOOTSEL_HINT)
    check_drive(found)
    return found, board_port


def copy_to_drive(data: bytes, drive: Path, progress: flash_common.Progress, name: str = "firmware.uf2") -> int:
    """Copy the UF2 onto the drive; return the bytes written. The board reboots when its last
    block arrives, so an error once everything was written (the drive vanished) is success."""
    target = drive / name
    written = 0
    try:
        with open(target, "wb") as f:
            for i in range(0, len(data), COPY_CHUNK):
                f.write(data[i:i + COPY_CHUNK])
                written = i + len(data[i:i + COPY_CHUNK])
                progress.update_to(written)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        if written < len(data):
            raise DeviceError(f"copying to {drive} failed after {written} of {len(data)} bytes: {e.strerror or e}",
                              "the board may have been unplugged; put it in BOOTSEL mode and flash again") from None
    return written


def with_erase(data: bytes, flash_size: int = PICO_FLASH_SIZE) -> bytes:
    """The UF2 `data` followed by 0xFF pages over the rest of the flash, renumbered: writing it
    leaves nothing of the old flash contents (e.g. MicroPython's filesystem)."""
    pages = {hdr[3]: payload for _i, hdr, payload in uf2.blocks(data)}
    blank = b"\xff" * uf2.RP2040_PAYLOAD
    for addr in range(uf2.RP2040_FLASH_START, uf2.RP2040_FLASH_START + flash_size, uf2.RP2040_PAYLOAD):
        pages.setdefault(addr, blank)
    out = bytearray()
    n = len(pages)
    for i, addr in enumerate(sorted(pages)):
        out += uf2.HEADER.pack(uf2.MAGIC_START0, uf2.MAGIC_START1, uf2.FLAG_FAMILY_ID, addr, uf2.RP2040_PAYLOAD,
                               i, n, uf2.RP2040_FAMILY)
        out += pages[addr].ljust(uf2.BLOCK_SIZE - 36, b"\0") + uf2.MAGIC_END.to_bytes(4, "little")
    return bytes(out)


def _picotool_load(path: Path, timeout: float) -> None:
    exe = shutil.which("picotool")
    if exe is None:
        raise TinymlError("picotool is not installed", "install it (Debian: apt install picotool) or leave out "
                          "--picotool to flash through the RPI-RP2 drive")
    deadline = time.monotonic() + timeout
    while True:  # the board may still be enumerating after the reboot into BOOTSEL
        p = subprocess.run([exe, "load", "-v", "-x", str(path)], capture_output=True, text=True)
        if p.returncode == 0:
            return
        if time.monotonic() >= deadline:
            msg = (p.stderr or p.stdout).strip().splitlines()
            raise DeviceError(f"picotool could not load {path.name}: {msg[-1] if msg else 'exit ' + str(p.returncode)}",
                              BOOTSEL_HINT)
        time.sleep(0.5)


def flash(firmware: str | Path, *, port: str | None = None, drive: str | None = None, erase: bool = False,
          picotool: bool = False, progress: bool = True, position: int = 0, wait_boot: bool = True,
          timeout: float = 15.0, board: str = "rp2040") -> FlashResult:
    """Flash `firmware` (a UF2 file) to an RP2040 board. Raises TinymlError/DeviceError."""
    t0 = time.monotonic()
    path = Path(firmware)
    data = flash_common.read_firmware(path)
    info = uf2.validate_rp2040(data, path.name)
    firmware_bytes = len(data)
    if erase:
        data = with_erase(data)
    result = FlashResult(board=board, port=port, firmware=str(path), firmware_bytes=firmware_bytes, chip="RP2040",
                         method="picotool" if picotool else "uf2 drive", offset=info.start, erased=erase)
    ports_before = set(_rp2_ports()) if port is None else set()

    with _drive_lock:
        if picotool:
            board_port = _pick_port(port)
            if board_port is not None:
                reboot_to_bootsel(board_port)
            if erase:
                with tempfile.TemporaryDirectory() as tmp:
                    erase_uf2 = Path(tmp) / (path.stem + "-erase.uf2")
                    erase_uf2.write_bytes(data)
                    _picotool_load(erase_uf2, timeout)
            else:
                _picotool_load(path, timeout)
            result.written_bytes = len(data)
            result.verified = "picotool load -v"
        else:
            found, board_port = _resolve_drive(drive, port, timeout)
            result.drive = str(found)
            with flash_common.Progress(len(data), f"rp2040 {found}", enabled=progress, position=position) as bar:
                result.written_bytes = copy_to_drive(data, found, bar)
            result.verified = f"UF2 checked: {info.num_blocks} blocks for RP2040, {info.start:#x}-{info.end:#x}"
            if wait_boot:
                # The boot ROM reboots once it has every block: the drive goes away.
                deadline = time.monotonic() + timeout
                while read_info(found) is not None and time.monotonic() < deadline:
                    time.sleep(0.1)
                if read_info(found) is not None:
                    result.warnings.append(f"the RPI-RP2 drive {found} is still there {timeout:g} s after the copy: "
                                           "the board did not reboot")
    if board_port is not None:
        result.port = board_port
    if not wait_boot:
        result.ok = True
        result.seconds = time.monotonic() - t0
        return result

    if result.port is not None:
        result.board_info = check_flashed_board(result.port, timeout)
    else:
        # No port known: look for a MicroPython USB port that was not there before.
        deadline = time.monotonic() + timeout
        new: list[str] = []
        while not new and time.monotonic() < deadline:
            new = sorted(set(_rp2_ports()) - ports_before)
            if not new:
                time.sleep(0.25)
        if len(new) == 1:
            result.port = new[0]
            result.board_info = check_flashed_board(new[0], timeout)
        else:
            result.warnings.append("flashed, but no new MicroPython serial port appeared within "
                                   f"{timeout:g} s to check the board (pass --port to name it)" if not new else
                                   f"flashed; several new serial ports appeared ({', '.join(new)}): pass --port "
                                   "to check the board")
    if result.board_info is not None and result.board_info.tinyml is None:
        result.warnings.append("the board runs MicroPython, but its firmware has no tinyml module")
    result.ok = True
    result.seconds = time.monotonic() - t0
    return result


def _rp2_ports() -> list[str]:
    """Serial ports of RP2040 boards running MicroPython (by USB id)."""
    return find_ports(BOARDS["rp2040"])


def flash_spec(spec: BoardSpec, port: str | None, firmware: Path, o: FlashOptions) -> FlashResult:
    """tinyml_host.flash's entry. `--port pico` or --board pico: the emulated Pico, whose BOOTSEL
    drive is a folder; it keeps running afterwards."""
    if port == "pico" or spec.family == "pico-emulated":
        from . import pico

        board = pico.start(keep=True)
        result = flash(firmware, port=board.pty, drive=o.drive or board.drive, erase=o.erase, picotool=o.picotool,
                       progress=o.progress, position=o.position, wait_boot=o.wait_boot, timeout=o.timeout or 60.0,
                       board=spec.name)
        result.warnings.append(f"the emulated Pico keeps running on {board.pty} for later `--port pico` "
                               "commands; `tinyml-host emulator stop --board pico` ends it")
        return result
    return flash(firmware, port=port, drive=o.drive, erase=o.erase, picotool=o.picotool, progress=o.progress,
                 position=o.position, wait_boot=o.wait_boot, timeout=o.timeout or 15.0, board=spec.name)
