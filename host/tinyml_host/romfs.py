"""ROMFS images for `tinyml-host deploy --rom`: build one holding models, write it to a board.

    from tinyml_host import romfs
    image = romfs.build_image({"kws.tflite": data})       # bytes, each file's data 16-byte aligned
    info = romfs.write_image(transport, image)            # an mpremote transport in the raw REPL
    info.partition_bytes, info.image_bytes

MicroPython (v1.25+) mounts a ROMFS image at /rom, and its files are memory-mapped:
tinyml.Model('/rom/kws.tflite') runs the model in place, in flash, with no copy in RAM. The image
is built with mpremote's ROMFS writer and written with the board's `vfs.rom_ioctl` protocol
(the one `mpremote romfs deploy` speaks), both variants: a partition that is a buffer (rp2, the
emulated board) or a block device object (esp32). A new image replaces the whole partition.
"""

from __future__ import annotations

import binascii
import dataclasses
import zlib
from typing import Callable

from .errors import DeviceError

ALIGN = 16  # model data offset in the image (and so in flash): tflite buffers want 16
HEADER = b"\xd2\xcd\x31"
CHUNK = 4096


@dataclasses.dataclass
class RomInfo:
    partition_bytes: int
    image_bytes: int

    @property
    def free_bytes(self) -> int:
        return self.partition_bytes - self.image_bytes


def build_image(files: dict[str, bytes]) -> bytes:
    """A ROMFS image with `files` (plain names) at its root, each file's data starting at a
    multiple of ALIGN from the image's start (padding records in between)."""
    from mpremote.romfs import VfsRomWriter

    names = sorted(files)
    pads = [0] * len(names)
    for _ in range(16):  # a pad changes the lengths after it; settles in a few rounds
        writer = VfsRomWriter()
        for name, pad in zip(names, pads):
            if pad:
                writer.mkdata(bytes(pad))  # unreferenced data: skipped by readers, pure padding
            writer.mkfile(name, files[name])
        image = writer.finalise()
        pos, misaligned = 0, False
        for i, name in enumerate(names):
            pos = image.index(files[name], pos) if files[name] else pos
            if pos % ALIGN:
                pads[i] += ALIGN - pos % ALIGN
                misaligned = True
                break
            pos += len(files[name])
        if not misaligned:
            return image
    raise DeviceError("could not align the model data in the ROMFS image")


def _eval(transport, expr: str):
    return transport.eval(expr)


def query(transport, rom_id: int = 0) -> tuple[bool, int, int]:
    """(partition is a block device object, partition bytes, block bytes), or DeviceError."""
    transport.exec("import vfs")
    if not _eval(transport, "hasattr(vfs,'rom_ioctl')"):
        raise DeviceError("this board's firmware has no ROMFS (no vfs.rom_ioctl)",
                          "flash our firmware (MicroPython v1.25+ with a ROMFS partition), or deploy without --rom")
    transport.exec(f"dev=vfs.rom_ioctl(2,{rom_id})")
    if _eval(transport, "isinstance(dev,int)"):
        raise DeviceError(f"the board has no ROMFS partition {rom_id}",
                          "this firmware was built without one; deploy without --rom")
    if _eval(transport, "hasattr(dev,'ioctl')"):
        count, block = _eval(transport, "dev.ioctl(4,0)"), _eval(transport, "dev.ioctl(5,0)")
        return True, count * block, block
    size = _eval(transport, "len(dev)")
    block = _eval(transport, f"vfs.rom_ioctl(6,{rom_id})")
    return False, size, block if isinstance(block, int) and block > 0 else size


def write_image(transport, image: bytes, rom_id: int = 0,
                progress: Callable[[int, int], None] | None = None) -> RomInfo:
    """Write `image` into ROMFS partition `rom_id` (unmounting /rom first; a soft reset mounts
    the new one). The transport must be in the raw REPL."""
    if not image.startswith(HEADER):
        raise DeviceError("not a ROMFS image")
    has_object, size, block = query(transport, rom_id)
    if len(image) > size:
        raise DeviceError(f"the ROMFS image is {len(image):,} bytes, the board's ROMFS partition {size:,}",
                          "deploy fewer or smaller models to ROM, or put this one on the filesystem (no --rom)")
    transport.exec("try:\n vfs.umount('/rom')\nexcept OSError:\n pass")
    chunk = CHUNK
    if has_object:
        for off in range(0, len(image), block):
            transport.exec(f"dev.ioctl(6,{off // block})")  # erase
        chunk = min(chunk, block)
    elif block < size:
        off = 0
        while off < len(image):
            n = -(-min(len(image) - off, 32768) // block) * block
            chunk = max(chunk, _eval(transport, f"vfs.rom_ioctl(3,{rom_id},{off},{n})"))
            off += n
    else:
        chunk = max(chunk, _eval(transport, f"vfs.rom_ioctl(3,{rom_id},{len(image)})"))
    transport.exec("from binascii import a2b_base64\nfrom io import BytesIO\nfrom deflate import DeflateIO,RAW")
    for off in range(0, len(image), chunk):
        piece = image[off:off + chunk]
        piece += bytes(-len(piece) % 4)  # whole words: flash writes are word-sized
        z = zlib.compressobj(wbits=-9)
        b64 = binascii.b2a_base64(z.compress(piece) + z.flush(), newline=False).decode()
        transport.exec(f"buf=DeflateIO(BytesIO(a2b_base64('{b64}')),RAW,9).read()")
        if has_object:
            transport.exec(f"dev.writeblocks({off // block},buf,{off % block})")
        else:
            transport.exec(f"vfs.rom_ioctl(4,{rom_id},{off},buf)")
        if progress:
            progress(min(off + chunk, len(image)), len(image))
    if not has_object:
        _eval(transport, f"vfs.rom_ioctl(5,{rom_id})")
    transport.exec("del buf,dev")
    return RomInfo(size, len(image))
