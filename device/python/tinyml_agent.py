# tinyml serial agent: the device side of the host link (host/tinyml_host/link.py).
#
# Frozen into our firmware, or copied to a board's filesystem (`tinyml-host deploy`), or pasted
# into the raw REPL by the host when a board has neither. Started from the raw REPL with
#     import tinyml_agent; tinyml_agent.main()
# it then owns the serial port until the host sends EXIT or a line of Ctrl-C (b"\x03\x03\n").
# While it serves, Ctrl-C is data, not KeyboardInterrupt (micropython.kbd_intr(-1)): a byte
# damaged on the wire into 0x03 must cost one re-sent frame, not the session.
#
# Wire format. A frame is binary:
#     type u8 | flags u8 | seq u16 | len u16 | payload[len] | crc32 u32     (little endian)
# the CRC-32 (zlib's) covering everything before it. On the wire each frame is one line, so
# that both sides resynchronise after any dropped or corrupted byte (the next newline ends the
# damaged frame, the CRC rejects it):
#     '!' + escaped(frame) + '\n'   binary: 1B -> 1B 31, LF -> 1B 32, CR -> 1B 33, ^C -> 1B 34
#                                   (1.6 % larger on random data; used where stdio has .buffer)
#     '#' + base64(frame) + '\n'    33 % larger; for ports whose stdio is text only (CR/LF
#                                   translated, no sys.stdin.buffer), and for the host's HELLO
# Both sides read both forms. readline(), bytes.replace, base64 and CRC-32 all run in C, so the
# per-byte cost is C's, not Python's. Ctrl-C never appears inside a frame, so a line of it is
# never a frame.
#
# Reliability: the host is the only side with a clock, so it drives all retransmission. The
# agent processes frames strictly in sequence order (go-back-N receiver):
#   - the expected seq: processed; its response (same seq, type | 0x80) is sent and kept in a
#     small cache, so a retransmitted request is answered again without running it twice;
#   - an older seq (the host lost our answer): the cached response is sent again;
#   - a newer seq (a frame before it was lost) or a damaged line: NAK carrying the seq
#     expected, so the host re-sends from there at once instead of waiting for a timeout;
#   - HELLO starts a session and SYNC a new sequence space within one (a resync after the host
#     shrank its frames); any frame but HELLO (and EXIT) to an agent without a session gets a
#     NAK flagged FRESH: an agent that restarted under a running host is detected, never
#     silently re-synchronised.
# Inference requests (RUN, BATCH) are acknowledged (ACK) before they run, so the host can tell a
# lost request from a slow inference. A model is made (LOAD_END, LOAD_FILE) after the answer has
# gone, with the heap cleared of everything else; the INFO that follows reports a failure.
#
# Answers are bound to what they answer: BATCH and RUN echo the CRC-32 of the inputs they ran,
# LOAD_CHUNK and PUT_INPUT the CRC-32 of the bytes they wrote, so the host rejects (and asks
# again for) an answer that belongs to other data. INFO texts are JSON.
#
# Robustness (what the agent does with hostile or broken input; the host is not trusted):
#   - Lines are read at most LINE_MAX bytes at a time (the longest line a frame can make): a
#     longer one is read to its end in pieces of that size, dropped, and answered with a NAK.
#   - Every request runs inside one error boundary: any exception, MemoryError included, becomes
#     an ERR answer; the model stays loaded (a MemoryError collects the garbage first). Whatever
#     fails outside a request (reading a line, decoding it) costs a NAK, never the agent.
#   - Deflated data may claim at most MAX_INFLATE bytes (what the host ever sends in one frame).
#   - LOAD_BEGIN streams a model into the heap (address 0), or on a board that has RAM outside the
#     heap (the emulated board: the firmware's tinyml_spare_ram record) only inside that region;
#     any other address is refused before a byte is written.
#   - A model is accepted only when the heap left after making it holds what serving it needs
#     (agent_bytes(): the RUN outputs kept for re-sent requests and the link's buffers); else it
#     is unloaded at once and the INFO that follows says how many bytes were missing. The host's
#     `tinyml-host inspect` adds the same figure (host/tinyml_host/agent_ram.py).
import sys
import gc
import struct
import binascii

import tinyml

VERSION = "2.1"  # 2.1: PROFILE and INFO kind 2 (per-node times), same protocol
PROTOCOL = 2
MAX_PAYLOAD = 1024  # largest payload the agent accepts or sends; the host may ask for less
DEPTH = 8  # responses kept for retransmission = the host's largest window
# The longest line a frame makes: '!' + every byte of header, payload and CRC escaped + LF.
LINE_MAX = 2 * (MAX_PAYLOAD + 10) + 2
MAX_INFLATE = 4 * MAX_PAYLOAD  # the most a deflated frame may unpack to (the host sends <= 4x)
# RUN results kept per window index, for a RUN or GET_OUTPUT the host sends again after a resync:
# a staged window takes at least two requests (PUT_INPUT, RUN), so the host's window of DEPTH
# requests reaches back at most DEPTH // 2 RUNs.
KEPT = DEPTH // 2
# Heap the link itself may hold at once, whatever the model: the DEPTH answers kept for
# retransmission and a few more lines in flight (the line read, its frame, the answer being
# escaped), each at most LINE_MAX, and an inflated frame with its copy.
LINK_BYTES = (DEPTH + 6) * LINE_MAX + 2 * MAX_INFLATE

# Frame types. Requests; a response has the request's type | 0x80.
T_HELLO = 0x01
T_SYNC = 0x02
T_EXIT = 0x03
T_INFO = 0x04
T_RESET = 0x05
T_PROFILE = 0x06
T_LOAD_BEGIN = 0x10
T_LOAD_CHUNK = 0x11
T_LOAD_END = 0x12
T_LOAD_FILE = 0x13
T_PUT_INPUT = 0x20
T_RUN = 0x21
T_BATCH = 0x22
T_GET_OUTPUT = 0x23
# Agent -> host only.
T_READY = 0x7B
T_ACK = 0x7C
T_NAK = 0x7E
T_ERR = 0x7F

F_FRESH = 0x01  # NAK flag: this agent has no session (it restarted)
F_LOADED = 0x02  # LOAD_BEGIN response flag: that exact model is already loaded
# Request flag (LOAD_CHUNK, PUT_INPUT, BATCH): the data after the fixed fields is raw deflate
# (window 2**9), prefixed by its inflated length u32; the agent inflates it in C.
F_DEFLATE = 0x04

NONE32 = 0xFFFFFFFF  # "not measured" for durations and cycle counts
SPARE_MAGIC = 0x52534D54  # "TMSR": the emulated board's tinyml_spare_ram record (firmware/qemu/mps2.ld)


def agent_bytes(input_bytes, output_bytes, input_in_place):
    """Heap the agent needs, beyond the model, its runtime state and its arena, to serve a model
    whose input and (all) outputs take these many bytes: KEPT RUN results plus the one being
    made, the input's staging copy when it cannot be staged in the input tensor itself, and the
    link's buffers. A model is accepted when this much heap is free once it is made.
    host/tinyml_host/agent_ram.py is the same formula for `tinyml-host inspect`."""
    return (KEPT + 1) * output_bytes + (0 if input_in_place else input_bytes) + LINK_BYTES


def _spare_ram():
    """(start, end) of the RAM outside the heap that models may be streamed into, or None."""
    if sys.platform != "qemu":  # elsewhere no such RAM is known (and address 0 may not be readable)
        return None
    try:
        import machine
    except ImportError:
        return None
    mem = machine.mem32
    for a in range(0, 0x400, 4):  # the record follows the vector table
        if mem[a] == SPARE_MAGIC:
            start, end = mem[a + 4], mem[a + 8]
            if 0 < start < end:
                return start, end
    return None


_SPARE = _spare_ram()

_pack = struct.pack
_unpack_from = struct.unpack_from
_b2a = binascii.b2a_base64
_a2b = binascii.a2b_base64

try:
    _crc = binascii.crc32
except AttributeError:  # ports built without it (e.g. esp8266): a table-driven CRC-32
    _table = []
    for _i in range(256):
        _c = _i
        for _k in range(8):
            _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
        _table.append(_c)
    _table = tuple(_table)

    def _crc(data, crc=0):
        t = _table
        crc ^= 0xFFFFFFFF
        for b in data:
            crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF

try:
    import io
    import deflate

    def _inflate(data, n):
        out = bytearray(n)
        d = deflate.DeflateIO(io.BytesIO(data), deflate.RAW, 9)
        mv = memoryview(out)
        got = 0
        while got < n:
            k = d.readinto(mv[got:])
            if not k:
                raise AgentError("deflated data ends after %d of %d bytes" % (got, n))
            got += k
        return out
except ImportError:
    _inflate = None

try:
    import time

    _ticks_us = time.ticks_us
    _ticks_diff = time.ticks_diff
except (ImportError, AttributeError):  # the QEMU port has no time module
    _ticks_us = None


class AgentError(Exception):
    pass


_NO_MESSAGE = {
    "UnicodeError": "text that is not valid UTF-8 (a tensor name in the model?)",
    "MemoryError": "out of heap memory",
}


def _describe(e):
    """'Type: message' of an exception, never with an empty message."""
    name = type(e).__name__
    msg = str(e) or _NO_MESSAGE.get(name, "no message")
    if name == "MemoryError":
        gc.collect()
        msg += " (%d bytes free; the model stays loaded)" % gc.mem_free()
    return name + ": " + msg


try:
    import json

    _dumps = json.dumps
except ImportError:
    _dumps = None


def _num(x):
    """A float for JSON: None when it is not finite (JSON has no NaN or infinity)."""
    if x is None:
        return None
    return x if x - x == 0 else None  # inf - inf and nan - nan are nan


def _reset():
    try:
        import machine

        if sys.platform == "qemu":
            # The qemu port's machine.reset() ends the emulator. A Cortex-M system reset request
            # (AIRCR.SYSRESETREQ) reboots the emulated board like a real one: back to the banner.
            machine.mem32[0xE000ED0C] = 0x05FA0004
            while True:
                pass
        machine.reset()
    except (ImportError, AttributeError):  # the Unix port: end the process, like a power cut
        sys.exit(1)


_BINARY = hasattr(sys.stdin, "buffer") and hasattr(sys.stdout, "buffer")


def _frame(ftype, seq, payload=b"", flags=0):
    head = _pack("<BBHH", ftype, flags, seq, len(payload))
    raw = head + payload + _pack("<I", _crc(payload, _crc(head)))
    if _BINARY:
        raw = raw.replace(b"\x1b", b"\x1b1").replace(b"\n", b"\x1b2").replace(b"\r", b"\x1b3").replace(b"\x03", b"\x1b4")
        return b"!" + raw + b"\n\n"  # the second LF ends the line should the first be lost
    return b"#" + _b2a(raw) + b"\n"


_ITEM = {"int8": 1, "uint8": 1, "bool": 1, "int16": 2, "float16": 2, "int32": 4, "float32": 4, "int64": 8}


def _tensor_bytes(t):
    """Bytes of a tensor from its info (dtype, shape), None for a dtype without a size here."""
    k = _ITEM.get(t.dtype)
    if k is not None:
        for d in t.shape:
            k *= d
    return k


def _nbytes(m, i, t):
    """Bytes of output i (info t) without copying it (get_output makes a copy)."""
    k = _tensor_bytes(t)
    return len(m.get_output(i)) if k is None else k


def _unescape(b):
    return b.replace(b"\x1b2", b"\n").replace(b"\x1b3", b"\r").replace(b"\x1b4", b"\x03").replace(b"\x1b1", b"\x1b")


class Agent:
    def __init__(self, inp=None, out=None):
        self.inp = inp or getattr(sys.stdin, "buffer", sys.stdin)
        out = out or sys.stdout
        self.write = getattr(out, "buffer", out).write
        self.expect = None  # next seq; None until the host's SYNC/HELLO
        self.cache = {}
        self.naked = None
        self.model = None
        self.model_buf = None
        self.model_crc = None
        self.model_size = 0
        self.loading = None  # (bytearray, size, crc) while a model streams in
        self.inbuf = None
        self.in_place = False
        self.in_float = False
        self.results = {}  # window index -> (input crc, us, cycles, output) of the last runs
        self.order = []
        self.text = [None, None, None]  # INFO texts being fetched
        self.reset_after = 0
        self.after = None  # a model to make once the current answer has gone
        self.load_error = None
        self.timed = False
        self.bounded = True  # readline takes a size (cleared on a port where it does not)
        self.in_spare = False  # the model streamed in lives outside the heap
        self.out_sizes = []

    # --- link ---------------------------------------------------------------------------

    def serve(self):
        self.write(_frame(T_READY, 0, _pack("<HH", PROTOCOL, MAX_PAYLOAD) + VERSION.encode()))
        # Models are made out here, between two runs of the frame loop, once its frame is off
        # the stack: MicroPython's GC is conservative, and the loop's stack slots keep the last
        # frames' objects alive, scattered through the heap - enough to leave no room in one
        # piece for a large arena.
        while self.frames():
            self.make_model()

    def frames(self):
        """Serve frames until a model is to be made (True) or the session ends (False)."""
        while True:
            try:
                r = self.frame()
            except OSError:  # the port itself failed (the Unix port's pty closed): the session ends
                raise
            except Exception:  # outside any request (the line, its frame, the answer's write):
                try:  # the host re-sends whatever it was
                    gc.collect()
                    self.nak()
                except Exception:
                    pass
                continue
            if r is not None:
                return r

    def read_line(self):
        """The next line (bytes, or str from text stdio), at most LINE_MAX long with its LF; b""
        at the end of input; None for a line that was longer (read to its end and dropped)."""
        if self.bounded:
            rl = self.inp.readline
            try:
                line = rl(LINE_MAX)
            except TypeError:  # this port's readline takes no size: read byte by byte
                self.bounded = False
                return self.read_line()
            if len(line) < LINE_MAX or line[-1] in (10, "\n"):
                return line
            while True:  # too long: drop the rest of it, a bounded piece at a time
                line = rl(LINE_MAX)
                if not line or line[-1] in (10, "\n"):
                    return None
        read = self.inp.read
        parts = []
        n = 0
        while True:
            c = read(1)
            if not c:
                return c if not parts else c[:0].join(parts)
            n += 1
            if n <= LINE_MAX:
                parts.append(c)
            if c in (b"\n", "\n"):
                return c[:0].join(parts) if n <= LINE_MAX else None

    def frame(self):
        """Read one line and serve the frame in it. -> None (go on), True (make a model), False
        (the session ends)."""
        try:
            line = self.read_line()
        except UnicodeError:  # a damaged byte made the line invalid UTF-8 (text stdin)
            self.nak()
            return None
        if line is None:  # longer than any frame
            self.nak()
            return None
        if not line:
            return False  # end of input (Unix port)
        if len(line) < 3:
            return None  # empty line: the host's frame separator
        try:
            if isinstance(line, str):  # text stdio: base64 frames only
                if line[0] != "#":
                    if "\x03" in line and not line.strip("\r\n\x03"):
                        return False  # a line of Ctrl-C: hand the port back to the REPL
                    self.nak()
                    return None
                raw = _a2b(line[1:])
            else:
                c = line[0]
                if c == 33:  # '!'
                    raw = _unescape(line[1:-1] if line[-1] == 10 else line[1:])
                elif c == 35:  # '#'
                    raw = _a2b(line[1:])
                else:
                    # A line of nothing but Ctrl-C (and CR): hand the port back to the REPL.
                    # Not any line holding one: a damaged frame may.
                    if b"\x03" in line and not line.strip(b"\r\n\x03"):
                        return False
                    self.nak()
                    return None
            line = None
            n = len(raw)
            ftype, flags, seq, plen = _unpack_from("<BBHH", raw)
            ok = n == plen + 10 and _unpack_from("<I", raw, n - 4)[0] == _crc(memoryview(raw)[:-4])
        except Exception:  # bad base64, short frame
            ok = False
        if not ok:
            self.nak()
            return None
        if ftype == T_EXIT:  # whatever its seq: the host is done with us
            self.write(_frame(T_EXIT | 0x80, seq))
            return False
        if ftype == T_HELLO or (ftype == T_SYNC and self.expect is not None):
            self.expect = seq
            self.cache = {}
        elif self.expect is None:
            self.write(_frame(T_NAK, 0, flags=F_FRESH))
            return None
        d = (seq - self.expect) & 0xFFFF
        if d:
            if d >= 0x8000:  # already processed: our answer was lost
                r = self.cache.get(seq)
                if r is not None:
                    self.write(r)
            elif self.naked != self.expect:  # a frame before this one was lost
                self.nak()
            return None
        try:  # the one error boundary of every request
            p = memoryview(raw)[6:n - 4]
            if flags & F_DEFLATE:
                p = self.inflate_payload(ftype, p)
            rtype, rflags, payload = self.handle(ftype, seq, p)
        except Exception as e:  # MemoryError too: answered, and the model stays loaded
            p = raw = None
            rtype, rflags, payload = T_ERR, 0, _describe(e).encode()
        r = _frame(rtype, seq, payload, rflags)
        if self.after is not None:
            self.write(r)
            self.after = self.after + (seq, rtype)
            return True
        cache = self.cache
        cache[seq] = r
        old = (seq - DEPTH) & 0xFFFF
        if old in cache:
            del cache[old]
        self.expect = (seq + 1) & 0xFFFF
        self.naked = None
        self.write(r)
        return None

    def nak(self):
        e = self.expect
        if e is None:
            self.write(_frame(T_NAK, 0, flags=F_FRESH))
        else:
            self.naked = e
            self.write(_frame(T_NAK, e))

    # --- commands -----------------------------------------------------------------------

    def inflate_payload(self, ftype, p):
        # fixed fields (LOAD_CHUNK, PUT_INPUT: offset u32; BATCH: first u32, count u16), then
        # the inflated length u32 and the deflated data -> the plain payload
        k = 6 if ftype == T_BATCH else 4
        if _inflate is None:
            raise AgentError("this board cannot inflate (no deflate module)")
        n = _unpack_from("<I", p, k)[0]
        if n > MAX_INFLATE:  # a deflate bomb, or a broken host: not a 50 MB allocation
            raise AgentError("deflated data claims %d bytes, more than the %d a frame may carry" % (n, MAX_INFLATE))
        return bytes(p[:k]) + _inflate(p[k + 4:], n)

    def handle(self, ftype, seq, p):
        if ftype == T_BATCH:
            self.write(_frame(T_ACK, seq))
            return ftype | 0x80, 0, self.batch(p)
        if ftype == T_PUT_INPUT:
            off = _unpack_from("<I", p)[0]
            data = p[4:]
            buf = self.need_model() and self.inbuf
            if off + len(data) > len(buf):
                raise AgentError("input chunk past the end of the input tensor")
            buf[off:off + len(data)] = data
            return ftype | 0x80, 0, _pack("<III", off, len(data), _crc(data))
        if ftype == T_RUN:
            self.write(_frame(T_ACK, seq))
            return ftype | 0x80, 0, self.run(p)
        if ftype == T_GET_OUTPUT:
            index, off, n = _unpack_from("<III", p)
            r = self.results.get(index)
            if r is None:
                raise AgentError("the output of window %d is no longer kept" % index)
            return ftype | 0x80, 0, _pack("<II", index, off) + r[3][off:off + min(n, MAX_PAYLOAD - 8)]
        if ftype == T_LOAD_CHUNK:
            off = _unpack_from("<I", p)[0]
            data = p[4:]
            if self.loading is None:
                raise AgentError("LOAD_CHUNK without LOAD_BEGIN")
            buf = self.loading[0]
            if off + len(data) > len(buf):
                raise AgentError("model chunk past the end of the model")
            buf[off:off + len(data)] = data
            return ftype | 0x80, 0, _pack("<III", off, len(data), _crc(data))
        if ftype == T_HELLO:
            # The host's protocol u16 -> (the same in every version, so that either side can
            # tell the other speaks another) protocol u16 | max payload u16 |
            # depth u8 | flags u8 (1: binary frames, 2: a model is loaded, 4: takes deflated data) |
            # model size u32 | crc u32
            flags = (1 if _BINARY else 0) | (2 if self.model is not None else 0) | (4 if _inflate else 0)
            if self.model is not None and getattr(self.model, "profile_unit", None):
                self.model.profile(False)  # a new session times nothing it did not ask for
            return ftype | 0x80, 0, _pack("<HHBBII", PROTOCOL, MAX_PAYLOAD, DEPTH, flags,
                                          self.model_size, self.model_crc or 0)
        if ftype == T_SYNC:
            return ftype | 0x80, 0, bytes(p)
        if ftype == T_INFO:
            # kind u8 (0: the board, 1: the model, 2: the last run's profile) | offset u32 |
            # length u16 -> total u32 | offset u32 | that slice of the description (JSON), made at
            # offset 0
            kind, off, n = _unpack_from("<BIH", p)
            if kind > 2:
                raise AgentError("unknown INFO kind %d" % kind)
            if off == 0 or self.text[kind] is None:
                if _dumps is None:
                    raise AgentError("this board has no json module")
                self.text[kind] = None
                self.text[kind] = _dumps((self.board, self.info, self.profile)[kind]()).encode()
            t = self.text[kind]
            return ftype | 0x80, 0, _pack("<II", len(t), off) + t[off:off + min(n, MAX_PAYLOAD - 8)]
        if ftype == T_PROFILE:
            # on u8 -> the clock's unit ("cycles", "us", "ns"; empty when off)
            m = self.need_model()
            if not hasattr(m, "profile"):
                raise AgentError("this firmware's tinyml cannot time each node (no Model.profile)")
            m.profile(bool(p[0]) if len(p) else False)
            return ftype | 0x80, 0, (m.profile_unit or "").encode()
        if ftype == T_RESET:
            # after u32: reset the board now (0), or when that many more windows have run (a
            # way for tests to reset the board in the middle of a batch)
            after = _unpack_from("<I", p)[0]
            if after == 0:
                self.write(_frame(T_RESET | 0x80, seq))
                _reset()
            self.reset_after = after
            return ftype | 0x80, 0, b""
        if ftype == T_LOAD_BEGIN:
            return self.load_begin(p)
        if ftype == T_LOAD_END:
            # The model is made after this answer has gone and everything of this frame is
            # garbage (see serve); a failure is reported by the INFO the host asks for next.
            if self.loading is None:
                if self.model is None:
                    raise AgentError("LOAD_END without LOAD_BEGIN")
            else:
                buf, size, crc = self.loading
                self.loading = None
                if _crc(buf) != crc:
                    raise AgentError("model CRC mismatch after streaming")
                self.after = (buf, crc, size)
            return ftype | 0x80, 0, b""
        if ftype == T_LOAD_FILE:
            try:  # before the model goes: a request that fails keeps it
                path = str(bytes(p), "utf-8")
            except UnicodeError:
                raise AgentError("LOAD_FILE: the file name is not valid UTF-8")
            self.unload()
            self.after = (path, None, 0)
            return ftype | 0x80, 0, b""
        raise AgentError("unknown request type %d" % ftype)

    def board(self):
        try:
            import os

            os.statvfs("/")
            fs = True
        except Exception:
            fs = False
        gc.collect()
        return {
            "agent": VERSION,
            "protocol": PROTOCOL,
            "tinyml": getattr(tinyml, "__version__", "?"),
            "ops": [list(o) for o in tinyml.ops()],
            "platform": sys.platform,
            "implementation": "%s %s" % (sys.implementation.name, ".".join(str(v) for v in sys.implementation.version[:3])),
            "max_payload": MAX_PAYLOAD,
            "binary": _BINARY,
            "depth": DEPTH,
            "filesystem": fs,
            "mem_free": gc.mem_free(),
            "model_crc": self.model_crc,
            "model_size": self.model_size,
            "spare_ram": list(_SPARE) if _SPARE else None,
            "profile": hasattr(tinyml.Model, "profile"),
        }

    def info(self):
        m = self.need_model()
        io = lambda t: [t.index, t.name, list(t.shape), t.dtype, _num(t.scale), t.zero_point]
        gc.collect()
        return {
            "inputs": [io(t) for t in m.inputs],
            "outputs": [io(t) for t in m.outputs],
            "ops": list(m.ops),
            "arena_bytes": m.arena_bytes,
            "state_bytes": m.state_bytes,
            "input_bytes": len(self.inbuf),
            "output_bytes": list(self.out_sizes),
            "model_size": self.model_size,
            "model_crc": self.model_crc,
            "timer": "Model.last_us" if self.timed else ("time.ticks_us" if _ticks_us else "none"),
            "mem_free": gc.mem_free(),
        }

    def profile(self):
        m = self.need_model()
        rows = m.profile()  # RuntimeError (an ERR answer) while profiling is off
        return {"unit": m.profile_unit, "nodes": None if rows is None else [list(r) for r in rows]}

    def make_model(self):
        src, crc, size, seq, rtype = self.after
        self.after = None
        self.results = self.order = self.text = self.cache = None
        self.expect = (seq + 1) & 0xFFFF
        self.naked = None
        gc.collect()
        try:
            self.set_model(tinyml.Model(src), src if crc is not None else None, crc, size)
            self.load_error = None
        except Exception as e:  # MemoryError, ValueError, tinyml.UnsupportedOpError...
            self.unload()
            self.load_error = e.args[0] if isinstance(e, AgentError) else _describe(e)
        src = None
        self.fresh_state()
        self.cache[seq] = _frame(rtype, seq)  # for a repeat of the request: made after the model

    def need_model(self):
        if self.model is None:
            if self.load_error:
                raise AgentError("loading the model failed: " + self.load_error)
            raise AgentError("no model loaded")
        return self.model

    def unload(self):
        # Free everything the old model left in the heap, small objects included: the next
        # model's arena needs one contiguous block, and a few live objects scattered through
        # the heap can split it. (The response cache can go too: the host sends LOAD_BEGIN only
        # once every earlier request has its answer.)
        self.model = self.model_buf = self.inbuf = None
        self.model_crc = None
        self.model_size = 0
        self.in_spare = False
        self.results = self.order = self.text = self.cache = None
        gc.collect()
        # New (empty) ones only now, so that they land at the bottom of the freed heap.
        self.fresh_state()

    def fresh_state(self):
        self.results = {}
        self.order = []
        self.text = [None, None, None]
        self.cache = {}

    def set_model(self, m, buf, crc, size):
        try:
            ins, outs = m.inputs, m.outputs
        except UnicodeError:
            raise AgentError("UnicodeError: a tensor name in the model is not valid UTF-8, so tinyml "
                             "cannot describe its inputs and outputs: give the tensors plain names")
        if len(ins) != 1:
            raise AgentError("the agent runs single-input models (this one has %d inputs)" % len(ins))
        self.model = m
        self.model_buf = buf
        self.model_crc = crc
        self.model_size = size
        self.in_float = ins[0].dtype == "float32"
        self.out_sizes = [_nbytes(m, i, t) for i, t in enumerate(outs)]
        # Inputs sent in chunks are staged in the input tensor itself (no copy of it in the heap,
        # which a 27 kB image would need): a byte view of it, where uctypes can make one.
        mv = m.input_buffer(0)
        # In bytes: len(mv) counts elements, 2 bytes each for an int16 input, 4 for float32.
        nbytes = _tensor_bytes(ins[0])
        if nbytes is None:
            nbytes = len(mv)
        try:
            import uctypes

            self.inbuf = uctypes.bytearray_at(uctypes.addressof(mv), nbytes)
            self.in_place = True
        except (ImportError, AttributeError, TypeError):
            self.inbuf = bytearray(nbytes)
            self.in_place = False
        self.timed = hasattr(m, "last_us")
        self.check_ram(m, ins, outs)

    def check_ram(self, m, ins, outs):
        """Refuse (MemoryError) a model whose serving would run out of heap (agent_bytes())."""
        out_bytes = sum(self.out_sizes)
        need = agent_bytes(len(self.inbuf), out_bytes, self.in_place)
        del ins, outs
        gc.collect()
        free = gc.mem_free()
        if free < need:
            in_heap = self.model_size if self.model_buf is not None and not self.in_spare else 0
            taken = in_heap + m.state_bytes + m.arena_bytes
            raise AgentError(
                "MemoryError: the model needs %d bytes of heap to run over the link: model %d + runtime %d "
                "+ arena %d + agent %d (%d outputs of %d bytes kept, %d of link buffers%s); %d bytes were "
                "free for it" % (taken + need, in_heap, m.state_bytes, m.arena_bytes, need, KEPT + 1, out_bytes,
                                 LINK_BYTES, "" if self.in_place else ", the input's staging copy",
                                 free + taken))

    def load_begin(self, p):
        # size u32 | crc32 u32 | [address u32: RAM outside the heap to stream the model into -
        # only inside the region this board has for it (_SPARE: the emulated board's spare RAM,
        # from the firmware's own record); 0: the heap]
        size, crc = _unpack_from("<II", p)
        addr = _unpack_from("<I", p, 8)[0] if len(p) >= 12 else 0
        if addr and (_SPARE is None or not _SPARE[0] <= addr <= _SPARE[1] - size):
            if _SPARE is None:
                raise AgentError("LOAD_BEGIN at address 0x%x: this board has no RAM outside the heap "
                                 "for models (address 0: the heap)" % addr)
            raise AgentError("LOAD_BEGIN of %d bytes at address 0x%x: outside the RAM for models, "
                             "0x%x..0x%x" % (size, addr, _SPARE[0], _SPARE[1]))
        if self.model is not None and self.model_crc == crc and self.model_size == size:
            self.loading = None
            return T_LOAD_BEGIN | 0x80, F_LOADED, b""
        if self.loading is not None and self.loading[1] == size and self.loading[2] == crc:
            return T_LOAD_BEGIN | 0x80, 0, b""  # the same load again (the host re-sent it)
        if not addr:  # refused while the current model is still there, if it cannot fit even without it
            m = self.model
            freed = 0 if m is None else m.arena_bytes + m.state_bytes + (0 if self.in_spare else self.model_size)
            gc.collect()
            if size > gc.mem_free() + freed:
                raise AgentError("MemoryError: a model of %d bytes does not fit the free heap (%d bytes)"
                                 % (size, gc.mem_free() + freed))
        self.loading = None
        self.unload()
        self.load_error = None
        if addr:
            import uctypes

            buf = uctypes.bytearray_at(addr, size)
        else:
            buf = bytearray(size)
        self.in_spare = bool(addr)
        self.loading = (buf, size, crc)
        return T_LOAD_BEGIN | 0x80, 0, b""

    def invoke(self, x):
        if self.reset_after:
            self.reset_after -= 1
            if not self.reset_after:
                _reset()
        m = self.model
        if x is None:  # staged in the input tensor
            if not self.in_place:
                x = self.inbuf
        if x is not None:
            if self.in_float:
                from array import array

                x = array("f", bytes(x))
            m.set_input(x)
        if self.timed:
            m.invoke()
            us = m.last_us
            cyc = m.last_cycles
            if us is None:
                us = NONE32
            if cyc is None:
                cyc = NONE32
        elif _ticks_us is not None:
            t0 = _ticks_us()
            m.invoke()
            us = _ticks_diff(_ticks_us(), t0)
            cyc = NONE32
        else:
            m.invoke()
            us = cyc = NONE32
        n = len(m.outputs)
        out = m.get_output(0) if n == 1 else b"".join(m.get_output(i) for i in range(n))
        return us & 0xFFFFFFFF, cyc & 0xFFFFFFFF, out

    def run(self, p):
        # index u32 | crc32 of the staged input u32 | bytes of output to return inline u32 ->
        # index u32 | that crc32 u32 | us u32 | cycles u32 | output bytes u32 | output crc32 u32 |
        # the first bytes of the output.
        # A window already run with this input (the host re-sent it after a resync) is answered
        # from the kept result, not run again.
        index, in_crc, limit = _unpack_from("<III", p)
        self.need_model()
        r = self.results.get(index)
        if r is None or r[0] != in_crc:
            if _crc(self.inbuf) != in_crc:
                raise AgentError("staged input CRC mismatch for window %d" % index)
            us, cyc, out = self.invoke(None)
            r = (in_crc, us, cyc, out)
            if index not in self.results:
                self.order.append(index)
                if len(self.order) > KEPT:
                    del self.results[self.order.pop(0)]
            self.results[index] = r
        out = r[3]
        return _pack("<IIIIII", index, in_crc, r[1], r[2], len(out), _crc(out)) + out[:min(limit, MAX_PAYLOAD - 24)]

    def batch(self, p):
        # first index u32 | count u16 | count windows of the input size, back to back ->
        # first u32 | count u16 | crc32 of those inputs u32 | per window: us u32 | cycles u32 | output
        first, count = _unpack_from("<IH", p)
        self.need_model()
        size = len(self.inbuf)
        if len(p) != 6 + count * size:
            raise AgentError("batch of %d windows has %d bytes, expected %d" % (count, len(p) - 6, count * size))
        parts = [_pack("<IHI", first, count, _crc(p[6:]))]
        off = 6
        for _ in range(count):
            us, cyc, out = self.invoke(p[off:off + size])
            parts.append(_pack("<II", us, cyc))
            parts.append(out)
            off += size
        return b"".join(parts)


_agent = None


def main():
    """Serve the host until it sends EXIT or a line of Ctrl-C (Ctrl-C alone is data meanwhile,
    see the top of this file). The agent, and the model it holds, outlive a session: the next main()
    starts a new session with the same model loaded, so the host need not send it again."""
    global _agent
    if _agent is None:
        _agent = Agent()
    else:
        _agent.expect = None
        _agent.cache = {}
        _agent.naked = None
    try:
        import micropython
        micropython.kbd_intr(-1)
    except (ImportError, AttributeError):
        micropython = None  # CPython, or a port without keyboard interrupts
    try:
        _agent.serve()
    finally:
        if micropython:
            micropython.kbd_intr(3)
