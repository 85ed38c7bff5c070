"""`tinyml-host deploy MODEL [--port P]`: put a model (and, if needed, the agent) on a board.

    from tinyml_host.deploy import deploy
    info = deploy("kws.tflite", port="/dev/ttyACM0")   # the model's info as the board reports it

A board with a filesystem gets files, written with mpremote's transport API: the agent
(`tinyml_agent.py`, when the board has none, or another version) and the model (`/<name>`,
unless an identical file is there). The agent then loads the model from the file, which checks
that the board can run it (the emulated board has a filesystem too: scripts run there load the
model by name). A board without a filesystem (an older emulated-board firmware) gets the model
streamed over the serial link into RAM, where the agent keeps it for later sessions (validate
finds it there and does not send it again).

`deploy --rom` writes a ROMFS image holding the model into the board's ROMFS partition instead
(tinyml_host.romfs), mounted at /rom: tinyml.Model('/rom/<name>') then runs it in place in flash,
with no copy in RAM; the output says how much of the partition is left.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
import zlib
from pathlib import Path
from typing import Callable

from .board import add_firmware_argument
from .errors import DeviceError, TinymlError
from .inputs import read_model_file, seconds


def deploy(model_path: str | Path, port: str | None = None, *, remote_name: str | None = None,
           progress: Callable[[str, int, int], None] | None = None, timeout: float = 10.0,
           rom: bool = False, firmware: str | None = None) -> dict:
    """Deploy the model; returns {"where": "file"|"ram"|"rom", "path": ..., "info": model info}.
    progress(what, done, total) is called while files or the model are sent. rom: write a ROMFS
    image holding the model to the board's ROMFS partition (mounted at /rom; the model then runs
    in place in flash, see tinyml_host.romfs); the result's "rom" is a romfs.RomInfo. firmware:
    what an emulated board boots (board.resolve_port)."""
    from . import board as board_mod
    from .link import Link

    model_path = Path(model_path)
    model = read_model_file(model_path)
    preflight(model, model_path)
    if remote_name is not None:
        remote_name = board_file_name(remote_name)
    name, emu = board_mod.resolve_port(port, firmware)
    if rom:
        remote = "/rom/" + (remote_name or model_path.name)
        rom_info = _write_rom(name, model, remote[len("/rom/"):], progress, timeout)
        link = Link.connect(name, timeout=timeout)
        try:
            info = link.load_file(remote)
        finally:
            link.close()
        return {"where": "rom", "path": remote, "info": info, "size": len(model),
                "crc32": zlib.crc32(model), "rom": rom_info}
    fs = _has_filesystem(name, timeout)  # the emulated board too, unless its firmware predates its flash
    if fs:
        remote = "/" + (remote_name or model_path.name)
        _copy_files(name, model, remote, progress, timeout)
        link = Link.connect(name, timeout=timeout)
        try:
            info = link.load_file(remote)
        finally:
            link.close()
        return {"where": "file", "path": remote, "info": info, "size": len(model), "crc32": zlib.crc32(model)}
    board = board_mod.ConnectedBoard(Link.connect(name, timeout=timeout), name, emu)
    try:
        info = board.link.load_model(
            model, address=board.model_address(len(model)),
            progress=(lambda done, total: progress("model", done, total)) if progress else None)
    finally:
        board.close()
    note = None
    if emu is not None and getattr(emu, "owned", False):
        note = ("the emulated board was booted for this command and stops with it; keep one running "
                "with `tinyml-host flash --board qemu` to deploy to it for later commands")
    return {"where": "ram", "path": None, "info": info, "note": note, "size": len(model),
            "crc32": zlib.crc32(model)}


def preflight(model: bytes, path: Path) -> None:
    """The device's own loader, run on the host (native.plan): a model the board would refuse
    (corrupt, an op it lacks, an arena past 32 bits) is the user's input error, found before
    any board is touched."""
    from . import native
    from .tflite_model import read_model

    read_model(model)  # a corrupt file: the clearest message
    plan = native.plan(model)
    if not plan.ok:
        raise TinymlError(f"the device runtime cannot load {path}: {plan.error}",
                          f"`tinyml-host inspect {path}` shows why")


def board_file_name(name: str) -> str:
    """--name: one plain file name for the board's filesystem root."""
    bad = not name or name in (".", "..") or any(c in name for c in "/\\\0") or not name.isprintable()
    if bad or len(name.encode()) > 255:
        raise TinymlError(f"--name {name!r} is not a plain file name",
                          "give a name like model.tflite: no folders, at most 255 bytes")
    return name


def _transport(port: str):
    from .transport import open_transport, stop_agent

    t = open_transport(port)  # its reads wait 50 ms; each step below bounds them (board_step)
    stop_agent(t.serial)
    return t


def _has_filesystem(port: str, timeout: float) -> bool:
    from mpremote.transport import TransportExecError

    from .transport import board_error, board_step

    what = "checking the board's filesystem"
    t = _transport(port)
    try:
        with board_step(t, what, timeout):
            t.enter_raw_repl(soft_reset=False)
            out = t.exec("import os\ntry:\n os.statvfs('/')\n print('FS', 1)\nexcept Exception:\n print('FS', 0)\n")
            t.exit_raw_repl()
        return b"FS 1" in out
    except TransportExecError as e:  # e.g. a MemoryError
        raise DeviceError(f"{what} failed: {board_error(e)}",
                          "press the board's reset button and try again") from None
    finally:
        t.close()


@contextlib.contextmanager
def _raw_repl(port: str, what: str, timeout: float):
    """The board's raw REPL (after a soft reset) through mpremote's transport, each read waiting
    at most `timeout` s (transport.board_step); its errors become DeviceError("<what> failed: ...")."""
    from mpremote.transport import TransportExecError

    from .transport import board_error, board_step

    t = _transport(port)
    try:
        with board_step(t, what, timeout):
            t.enter_raw_repl(soft_reset=True)
            yield t
            t.exit_raw_repl()
    except TransportExecError as e:
        raise DeviceError(f"{what} failed: {board_error(e)}") from None
    finally:
        t.close()


def _agent_missing(t) -> bytes | None:
    """Our agent's source when the board has none or another version, else None."""
    from .transport import AGENT_SOURCE, agent_version, board_agents

    installed, _ = board_agents(t)
    if AGENT_SOURCE is not None and installed != agent_version():
        return AGENT_SOURCE.read_bytes()
    return None


def _copy_files(port: str, model: bytes, remote: str, progress, timeout: float) -> None:
    """Copy the agent (if missing or another version) and the model (if not already there)."""
    from .transport import board_step

    with _raw_repl(port, "copying to the board", timeout) as t:
        src = _agent_missing(t)
        if src is not None:
            with board_step(t, "copying the agent to /tinyml_agent.py", timeout):
                t.fs_writefile("/tinyml_agent.py", src, chunk_size=512,
                               progress_callback=(lambda d, n: progress("agent", d, n)) if progress else None)
        want = hashlib.sha256(model).hexdigest()
        try:
            have = t.fs_hashfile(remote, "sha256").hex()
        except OSError:  # no such file (a board that stopped answering raises TransportError)
            have = None
        if have != want:
            with board_step(t, f"copying the model to {remote}", timeout):
                t.fs_writefile(remote, model, chunk_size=1024,
                               progress_callback=(lambda d, n: progress("model", d, n)) if progress else None)
        elif progress:
            progress("model", len(model), len(model))


def _write_rom(port: str, model: bytes, name: str, progress, timeout: float):
    """Write a ROMFS image holding the model (and the agent, if the board lacks it) and soft-reset
    the board, which mounts it at /rom."""
    from . import romfs

    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        raise TinymlError(f"--name {name!r}: ROMFS file names are ASCII", "pick an ASCII name") from None
    with _raw_repl(port, "writing the ROMFS image", timeout) as t:
        files = {name: model}
        src = _agent_missing(t)
        if src is not None:
            files["tinyml_agent.py"] = src  # /rom is on sys.path
        info = romfs.write_image(t, romfs.build_image(files),
                                 progress=(lambda d, n: progress("rom", d, n)) if progress else None)
        t.exit_raw_repl()
        t.enter_raw_repl(soft_reset=True)  # mounts the new image at /rom
    return info


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="the .tflite model")
    p.add_argument("--port", help="serial port of a board running our firmware, or 'auto' "
                                  "(default: the emulated board, booted or reused)")
    add_firmware_argument(p)
    p.add_argument("--name", help="file name on the board (default: the model's file name)")
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="S",
                   help="seconds without progress before the board counts as gone (default 10)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--rom", action="store_true",
                   help="write the model into the board's ROMFS partition (/rom), replacing what is "
                        "there: the model then runs in place in flash, with no copy in RAM")


def run(args) -> int:
    bars: dict = {}
    show = not args.no_progress and sys.stderr.isatty()

    def progress(what: str, done: int, total: int) -> None:
        from .progress import progress_bar

        if what not in bars:
            bars[what] = progress_bar(total, what)
        if bars[what] is not None:
            bars[what].update(done - bars[what].n)

    try:
        result = deploy(args.model, args.port, remote_name=args.name,
                        progress=progress if show else None, timeout=args.timeout, rom=args.rom,
                        firmware=args.firmware)
    finally:
        for bar in bars.values():
            if bar is not None:
                bar.close()
    info = result["info"]
    where = {"file": f"file {result['path']}", "rom": f"ROMFS {result['path']}"}.get(
        result["where"], "RAM (streamed over the link)")
    ins = ", ".join(f"{t[1]} {t[3]}{t[2]}" for t in info["inputs"])
    outs = ", ".join(f"{t[1]} {t[3]}{t[2]}" for t in info["outputs"])
    print(f"deployed {Path(args.model).name} to the board's {where}")
    print(f"  {len(info['ops'])} ops, arena {info['arena_bytes']:,} bytes, model {info['model_size'] or result['size']:,} bytes"
          f", crc32 {result['crc32']:08x}")
    print(f"  inputs: {ins}")
    print(f"  outputs: {outs}")
    if result.get("rom"):
        r = result["rom"]
        print(f"  ROMFS: image {r.image_bytes:,} of {r.partition_bytes:,} bytes, {r.free_bytes:,} bytes of flash left")
    if result.get("note"):
        print(f"tinyml-host: note: {result['note']}", file=sys.stderr)
    return 0
