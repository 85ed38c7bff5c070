"""The wire protocol between the host and the tinyml agent (device/python/tinyml_agent.py),
defined once: frame types and flags, the frame codec, and the INFO texts' schema. The agent
keeps its own copy of the constants (it runs on the board, where this package is not);
tests/host/test_link_protocol.py checks that the two are the same.

Frames. type u8 | flags u8 | seq u16 | len u16 | payload | crc32 u32 (little endian, zlib's
CRC-32 over everything before it), one frame per line on the wire: '!' + escaped binary + '\\n'
(1B, LF, CR and Ctrl-C escaped as 1B 31..34), or '#' + base64 + '\\n' for boards whose stdio is
text only (the agent's header comment says why). The host's HELLO goes as base64, which every
agent reads; after it, the host uses binary if the agent says it can. Every line is followed by
an extra LF, so that a lost LF does not leave the line open until the next frame. Model chunks,
staged inputs and batches are deflated (raw deflate, 512-byte window) when that saves a tenth.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import math
import struct
import zlib

from .errors import LinkError

PROTOCOL = 2  # 2: answers carry the CRC-32 of their inputs; INFO is JSON

T_HELLO = 0x01
T_SYNC = 0x02
T_EXIT = 0x03
T_INFO = 0x04
T_RESET = 0x05
T_PROFILE = 0x06  # per-node times on (1) or off (0); the profile itself is INFO kind 2
T_LOAD_BEGIN = 0x10
T_LOAD_CHUNK = 0x11
T_LOAD_END = 0x12
T_LOAD_FILE = 0x13
T_PUT_INPUT = 0x20
T_RUN = 0x21
T_BATCH = 0x22
T_GET_OUTPUT = 0x23
T_READY = 0x7B
T_ACK = 0x7C
T_NAK = 0x7E
T_ERR = 0x7F
RESPONSE = 0x80

F_FRESH = 0x01
F_LOADED = 0x02
F_DEFLATE = 0x04  # request: deflated data (see the agent)
NONE32 = 0xFFFFFFFF

TYPE_NAMES = {
    T_HELLO: "HELLO", T_SYNC: "SYNC", T_EXIT: "EXIT", T_INFO: "INFO", T_RESET: "RESET", T_PROFILE: "PROFILE",
    T_LOAD_BEGIN: "LOAD_BEGIN",
    T_LOAD_CHUNK: "LOAD_CHUNK", T_LOAD_END: "LOAD_END", T_LOAD_FILE: "LOAD_FILE",
    T_PUT_INPUT: "PUT_INPUT", T_RUN: "RUN", T_BATCH: "BATCH", T_GET_OUTPUT: "GET_OUTPUT",
    T_READY: "READY", T_ACK: "ACK", T_NAK: "NAK", T_ERR: "ERR",
}

HEADER = struct.Struct("<BBHH")
MAX_TEXT = 64 * 1024  # the longest INFO text the host accepts (the agent's are a few kB)
ACKED = (T_RUN, T_BATCH)  # ACKed before they run (a slow inference is not a lost frame)


# --- frames -------------------------------------------------------------------------------


@dataclasses.dataclass
class Frame:
    type: int
    flags: int
    seq: int
    payload: bytes

    def __repr__(self) -> str:
        name = TYPE_NAMES.get(self.type & 0x7F, hex(self.type))
        if self.type & RESPONSE and self.type not in (T_READY, T_ACK, T_NAK, T_ERR):
            name += "-RESP"
        return f"Frame({name}, seq={self.seq}, flags={self.flags:#x}, {len(self.payload)} B)"


def escape(raw: bytes) -> bytes:
    return (raw.replace(b"\x1b", b"\x1b1").replace(b"\n", b"\x1b2").replace(b"\r", b"\x1b3")
            .replace(b"\x03", b"\x1b4"))


def unescape(data: bytes) -> bytes:
    # Every 1B in escaped data starts a pair whose second byte is never 1B, so replacing the
    # pairs one kind at a time (1B 31 last) restores the original exactly.
    return (data.replace(b"\x1b2", b"\n").replace(b"\x1b3", b"\r").replace(b"\x1b4", b"\x03")
            .replace(b"\x1b1", b"\x1b"))


def encode_frame(ftype: int, seq: int, payload: bytes = b"", flags: int = 0, binary: bool = False) -> bytes:
    """One wire line: '!' + escaped(header + payload + crc32) + '\\n', or '#' + base64(...) + '\\n'."""
    body = HEADER.pack(ftype, flags, seq & 0xFFFF, len(payload)) + payload
    raw = body + struct.pack("<I", zlib.crc32(body))
    if binary:
        return b"!" + escape(raw) + b"\n"
    return b"#" + base64.b64encode(raw) + b"\n"


def decode_line(line: bytes) -> Frame | None:
    """The frame in one received line (without its LF), or None when it is not a whole, intact frame."""
    if line.endswith(b"\r"):  # boards whose stdout turns LF into CRLF
        line = line[:-1]
    if line.startswith(b"!"):
        raw = unescape(line[1:])
    elif line.startswith(b"#"):
        try:
            raw = base64.b64decode(line[1:].strip(), validate=True)
        except (binascii.Error, ValueError):
            return None
    else:
        return None
    if len(raw) < 10:
        return None
    ftype, flags, seq, n = HEADER.unpack_from(raw)
    if len(raw) != n + 10 or struct.unpack_from("<I", raw, len(raw) - 4)[0] != zlib.crc32(raw[:-4]):
        return None
    return Frame(ftype, flags, seq, raw[6:-4])


# --- INFO texts -----------------------------------------------------------------------------
# JSON from the agent (Agent.board(), Agent.info()), parsed strictly and then checked field by
# field: a value of the wrong type or out of range is a LinkError, as is a text that is not JSON.
# Fields the host does not know are kept as they are (a newer agent may add some).

U32 = 0xFFFFFFFF


def _is_int(v, lo: int = 0, hi: int = U32) -> bool:
    return type(v) is int and lo <= v <= hi


def _is_num(v) -> bool:
    return v is None or (type(v) in (int, float) and math.isfinite(v))


def _is_str(v) -> bool:
    return type(v) is str and len(v) <= 1024


def _list_of(check, max_len: int = 100_000):
    return lambda v: type(v) is list and len(v) <= max_len and all(check(x) for x in v)


def _or_none(check):
    return lambda v: v is None or check(v)


def _is_tensor(v) -> bool:
    """[index, name, shape, dtype, scale, zero point], as the agent's info() sends each."""
    return (type(v) is list and len(v) == 6 and _is_int(v[0], 0, 1 << 31) and _or_none(_is_str)(v[1])
            and _list_of(lambda d: _is_int(d, -(1 << 31), 1 << 31), 8)(v[2]) and _is_str(v[3])
            and _is_num(v[4]) and _is_int(v[5], -(1 << 31), 1 << 31))


BOARD_FIELDS = {
    "agent": _is_str, "protocol": _is_int, "tinyml": _is_str, "platform": _is_str,
    "implementation": _is_str, "max_payload": _is_int, "binary": lambda v: type(v) is bool,
    "depth": _is_int, "filesystem": lambda v: type(v) is bool, "mem_free": _is_int,
    "model_crc": _or_none(_is_int), "model_size": _is_int,
    "ops": _list_of(lambda o: type(o) is list and len(o) == 2 and _is_str(o[0]) and _is_int(o[1], 0, 1 << 16), 1000),
}
MODEL_FIELDS = {
    "inputs": _list_of(_is_tensor, 1024), "outputs": _list_of(_is_tensor, 1024),
    "ops": _list_of(_is_str), "arena_bytes": _is_int, "state_bytes": _is_int, "input_bytes": _is_int,
    "output_bytes": _list_of(_is_int, 1024), "model_size": _is_int, "model_crc": _or_none(_is_int),
    "timer": _is_str, "mem_free": _is_int,
}

PROFILE_FIELDS = {
    # Model.profile_unit ("cycles", "us", "ns") and the last run's rows [node, op, time]; nodes is
    # None when no window has run since profiling was turned on.
    "unit": _is_str,
    "nodes": _or_none(_list_of(lambda r: type(r) is list and len(r) == 3 and _is_int(r[0], 0, 1 << 31)
                               and _is_str(r[1]) and _is_int(r[2]))),
}
INFO_KINDS = {0: ("board", BOARD_FIELDS), 1: ("model", MODEL_FIELDS), 2: ("profile", PROFILE_FIELDS)}


def parse_info(text: bytes, kind: int) -> dict:
    """An INFO text (kind 0: the board, 1: the model, 2: the last run's profile) -> its dict;
    LinkError when it is not exactly what an agent of this protocol sends."""
    what, fields = INFO_KINDS[kind]
    if len(text) > MAX_TEXT:
        raise LinkError(f"malformed INFO ({what}) answer from the agent: {len(text):,} bytes")
    try:
        value = json.loads(text.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise LinkError(f"malformed INFO ({what}) answer from the agent: not JSON ({e})") from None
    if type(value) is not dict:
        raise LinkError(f"malformed INFO ({what}) answer from the agent: a {type(value).__name__}, not an object")
    for key, check in fields.items():
        if key not in value:
            raise LinkError(f"malformed INFO ({what}) answer from the agent: no {key!r}")
        if not check(value[key]):
            raise LinkError(f"malformed INFO ({what}) answer from the agent: bad {key!r}: {str(value[key])[:80]}")
    if kind == 1 and len(value["output_bytes"]) != len(value["outputs"]):
        raise LinkError(f"malformed INFO ({what}) answer from the agent: {len(value['output_bytes'])} output "
                        f"sizes for {len(value['outputs'])} outputs")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")
