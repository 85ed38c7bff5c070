"""The boards tinyml-host knows: one registry that flash, inspect, devices and the emulators use.

    from tinyml_host.boards import BOARDS, board_named
    spec = board_named("esp32c3")       # BoardSpec; TinymlError naming the choices for an unknown name
    spec.family, spec.chip, spec.flasher, spec.usb_ids
    spec.esptool_target()               # esptool's target class (ESP32 family; esptool installed)
    memory = board_memory(spec)         # heap/flash figures, read from the firmware built here where it can be
    boards_for_usb(vid, pid)            # the boards a USB serial port may be

A BoardSpec describes a kind of board (connection to one is tinyml_host.board.connect). The ESP32
chips' image ids and bootloader offsets are esptool's own (its targets carry them), not a copy;
the memory figures are typical ones for MicroPython v1.25 with tinyml, replaced by what the
firmware built here says where we can read it (the RP2040's GC heap from build/rp2/firmware.elf,
the emulated board's gc_heap from its firmware ELF).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .errors import TinymlError

FAMILIES = ("esp32", "rp2040", "qemu", "pico-emulated")

# USB ids of the serial ports each family shows: the USB-UART bridges of ESP32 boards (Silicon Labs
# CP210x, WCH CH340/CH9102, FTDI) and Espressif's own USB (esptool's ESPRESSIF_VID), any product;
# Raspberry Pi's vendor id with MicroPython's rp2 product 0x0005.
ESP_USB_BRIDGES = ((0x10C4, None), (0x1A86, None), (0x0403, None))
ESPRESSIF_VID = 0x303A  # esptool.loader.ESPLoader.ESPRESSIF_VID (checked by the tests)
RP2_USB = ((0x2E8A, 0x0005),)


@dataclass(frozen=True)
class Memory:
    """What a board offers a model: MicroPython heap, flash for files, and where the figures come from."""

    heap_bytes: int  # MicroPython GC heap free after boot
    reserve_bytes: int  # heap kept free for the user's program (buffers, sensor code, REPL)
    storage_bytes: int | None  # flash filesystem for the .tflite file (None: the model is sent over the link)
    romfs_bytes: int | None = None  # the ROMFS partition (`deploy --rom`: the model runs in place there)
    model_in_heap: bool = True  # False: the link streams the model into RAM outside the heap
    note: str = ""


@dataclass(frozen=True)
class BoardSpec:
    """One kind of board: what it is, how it is flashed and found, and its memory."""

    name: str  # the --board value
    family: str  # one of FAMILIES
    chip: str  # the chip's name as its tools say it (esptool's CHIP_NAME for the ESP32 family)
    description: str
    flasher: str  # the tinyml_host module that flashes it (its flash_spec())
    firmware: str  # this repository's build of its firmware, relative to the checkout
    build: str  # the command that builds it
    ram_bytes: int  # the chip's (or emulated machine's) RAM
    flash_bytes: int  # the board's flash
    memory: Memory
    usb_ids: tuple[tuple[int, int | None], ...] = ()  # (vendor, product or None: any) of its serial port
    machine_marker: str = ""  # what sys.implementation._machine ends with on our firmware for it
    esptool_name: str | None = None  # its key in esptool.targets.CHIP_DEFS
    firmware_heap_symbols: tuple[str, ...] = ()  # ELF symbols giving the heap in its firmware
    emulated: bool = False

    def esptool_target(self):
        """esptool's target class for the chip (IMAGE_CHIP_ID, BOOTLOADER_FLASH_OFFSET, CHIP_NAME)."""
        if self.esptool_name is None:
            raise TinymlError(f"{self.name} is not an ESP32-family board")
        try:
            from esptool.targets import CHIP_DEFS
        except ImportError:
            raise TinymlError("esptool is not installed", "pip install 'tinyml-host[esp32]'") from None
        return CHIP_DEFS[self.esptool_name]


_RP2040_MEMORY = Memory(
    heap_bytes=251_824, reserve_bytes=24 * 1024, storage_bytes=896 * 1024, romfs_bytes=512 * 1024,
    note="heap: measured on our RPI_PICO firmware (`make rp2` to read it from the one built here); flash: its "
         "896 KB filesystem and 512 KB ROMFS (firmware/rp2/romfs_layout.h)")
_ESP32_NOTE = "flash: the 1664 KB vfs and 512 KB romfs partitions (firmware/esp32/partitions-4MiB-romfs.csv)"
# firmware/qemu/build.sh's default QEMU_HEAP, used only when no emulator firmware can be read
QEMU_DEFAULT_HEAP = 204_800

def _esp32(name: str, description: str, ram_kb: int, flash_mb: int, memory: Memory) -> BoardSpec:
    """An ESP32-family board running MicroPython's ESP32_GENERIC<_SUFFIX> build: esptool's chip
    `name`, found by the USB-UART bridges and Espressif's own USB."""
    build_board = "ESP32_GENERIC" + (f"_{name[5:].upper()}" if name != "esp32" else "")
    chip = "ESP32" + (f"-{name[5:].upper()}" if name != "esp32" else "")
    return BoardSpec(name, "esp32", chip, description, "flash_esp32", f"build/esp32/{build_board}/firmware.bin",
                     f"make esp32 BOARD={build_board}", ram_bytes=ram_kb * 1024, flash_bytes=flash_mb << 20,
                     memory=memory, usb_ids=ESP_USB_BRIDGES + ((ESPRESSIF_VID, None),),
                     machine_marker="with " + chip.replace("-", ""), esptool_name=name)


def _estimate(sram_kb: int, heap_kb: int) -> Memory:
    """A chip we have no measured heap for: a stock 4 MiB layout (2 MiB vfs, no ROMFS)."""
    return Memory(heap_kb * 1024, 24 * 1024, 2 << 20,
                  note=f"heap: an estimate from the chip's {sram_kb} KB SRAM, not measured (gc.mem_free() on your "
                       "board says); flash: the stock 4 MiB layout's 2 MiB vfs, no ROMFS")


_ALL = (
    _esp32("esp32", "ESP32 without PSRAM (ESP32_GENERIC, 4 MB flash)", 520, 4,
           Memory(110 * 1024, 24 * 1024, 1664 * 1024, 512 * 1024,
                  note="heap: what gc.mem_free() reaches with the split heap grown from IDF RAM; " + _ESP32_NOTE)),
    _esp32("esp32s2", "ESP32-S2 without PSRAM (ESP32_GENERIC_S2, 4 MB flash)", 320, 4, _estimate(320, 100)),
    _esp32("esp32s3", "ESP32-S3 with 2 MB octal PSRAM (ESP32_GENERIC_S3 SPIRAM_OCT, 8 MB flash)", 512, 8,
           Memory(1856 * 1024, 64 * 1024, 6 << 20,
                  note="heap: PSRAM (slower than internal SRAM for the arena); flash: the 6 MiB vfs partition")),
    _esp32("esp32c3", "ESP32-C3 (ESP32_GENERIC_C3, 4 MB flash)", 400, 4, _estimate(400, 160)),
    BoardSpec("rp2040", "rp2040", "RP2040", "Raspberry Pi Pico (RP2040, 264 KB SRAM, 2 MB flash)", "flash_rp2040",
              "build/rp2/firmware.uf2", "make rp2", ram_bytes=264 * 1024, flash_bytes=2 << 20,
              memory=_RP2040_MEMORY, usb_ids=RP2_USB, machine_marker="with RP2040",
              firmware_heap_symbols=("__GcHeapStart", "__GcHeapEnd")),
    BoardSpec("pico", "pico-emulated", "RP2040", "emulated Raspberry Pi Pico (the RP2040 firmware in rp2040js, "
              "--port pico)", "flash_rp2040", "build/rp2/firmware.uf2", "make rp2",
              ram_bytes=264 * 1024, flash_bytes=2 << 20, memory=_RP2040_MEMORY, machine_marker="with RP2040",
              firmware_heap_symbols=("__GcHeapStart", "__GcHeapEnd"), emulated=True),
    BoardSpec("qemu", "qemu", "Cortex-M3 (MPS2-AN385, emulated)", "emulated Cortex-M3 (QEMU mps2-an385, `make qemu`)",
              "flash_qemu", "build/qemu/firmware.elf", "make qemu", ram_bytes=4 << 20, flash_bytes=16 << 20,
              memory=Memory(QEMU_DEFAULT_HEAP, 16 * 1024, None, 4 << 20, model_in_heap=False,
                            note="heap: firmware/qemu/build.sh's default (QEMU_HEAP); the model is sent over the "
                                 "serial link into RAM outside the heap"),
              firmware_heap_symbols=("gc_heap",), emulated=True),
)
BOARDS: dict[str, BoardSpec] = {b.name: b for b in _ALL}


def board_named(name: str) -> BoardSpec:
    """The board called `name` (a --board value); TinymlError listing the names otherwise."""
    try:
        return BOARDS[name]
    except KeyError:
        raise TinymlError(f"unknown board {name!r}", f"one of {', '.join(BOARDS)}") from None


def built_firmware_elf(spec: BoardSpec):
    """The firmware ELF of the board built here (for the emulated board, the one commands given
    no --port use: the running one's, else the checkout's build, else the bundled one), or None."""
    from .bundled import repo_file

    if spec.family == "qemu":
        from pathlib import Path

        from .emulator import default_firmware, running_firmware

        running = running_firmware()  # the board commands with no --port use
        path = Path(running) if running else default_firmware()
    elif spec.family in ("rp2040", "pico-emulated"):
        path = repo_file("build", "rp2", "firmware.elf")
    else:
        return None
    return path if path is not None and path.is_file() else None


def firmware_heap(spec: BoardSpec, elf=None) -> int | None:
    """The MicroPython heap compiled into `elf` (default: built_firmware_elf), or None."""
    from .elf_symbols import file_symbols

    elf = elf or built_firmware_elf(spec)
    if elf is None or not spec.firmware_heap_symbols:
        return None
    found = file_symbols(elf, spec.firmware_heap_symbols)
    if len(found) != len(spec.firmware_heap_symbols):
        return None
    if len(found) == 1:  # one object, the heap itself: its size
        (_, size), = found.values()
        return size or None
    start, end = (found[s][0] for s in spec.firmware_heap_symbols)
    return end - start if end > start else None


def board_memory(spec: BoardSpec) -> Memory:
    """spec.memory, with the heap of the firmware built here where it can be read."""
    elf = built_firmware_elf(spec)
    heap = firmware_heap(spec, elf) if elf is not None else None
    if heap is None:
        return spec.memory
    from .bundled import checkout_root

    root = checkout_root()
    where = elf.relative_to(root) if root is not None and elf.is_relative_to(root) else elf
    note = spec.memory.note.split("; ", 1)
    rest = f"; {note[1]}" if len(note) > 1 else ""
    return dataclasses.replace(spec.memory, heap_bytes=heap, note=f"heap: the GC heap of {where}{rest}")


def boards_for_usb(vid: int | None, pid: int | None) -> list[BoardSpec]:
    """The real boards whose serial port has these USB ids (several ESP32 chips share bridges)."""
    if vid is None:
        return []
    return [b for b in _ALL if any(v == vid and (p is None or p == pid) for v, p in b.usb_ids)]


def boards_for_machine(machine: str) -> list[BoardSpec]:
    """The real boards our firmware names so in sys.implementation._machine ("... with ESP32S3")."""
    return [b for b in _ALL if b.machine_marker and not b.emulated and machine.rstrip().endswith(b.machine_marker)]


def find_ports(spec: BoardSpec) -> list[str]:
    """Serial ports that look like boards of spec's kind (by USB id), sorted."""
    from .serial_ports import list_ports

    return sorted(p.device for p in list_ports() if spec in boards_for_usb(p.vid, p.pid))
