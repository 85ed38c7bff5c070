"""Mutation fuzzer for the serial agent's frame parser and request handlers, in the Unix port.

One long-running `build/unix/micropython` process runs device/python/tinyml_agent.py (protocol 2)
with pipes as its console. After a HELLO and a model load (models/sine/sine.tflite by default),
every round sends a case - one to three lines: well-formed requests built by the host's own
request builders (tinyml_host.link: PUT_INPUT / LOAD_CHUNK chunks, plain or deflated, RUN with
the staged input's CRC, BATCH, INFO, GET_OUTPUT), structure-aware requests with fields at boundary
values (deflated payloads with true or lying lengths, random seqs and flags, cut payloads), lines
at the agent's LINE_MAX boundary, the same with bytes flipped after framing, or raw junk - then a
probe (HELLO with a fresh seq) that must be answered. Findings, each saved as the exact bytes of
its case (build/fuzz/agent/<kind>-<n>.bin) with the agent's stderr:
  - crash:    the process ended (MicroPython exception, segfault, exit);
  - hang:     no answer to the probe within --timeout seconds;
  - dropped:  the probe says no model is loaded, and no request of the case that may unload one
              was served (a LOAD_BEGIN answered without an error, a LOAD_END or LOAD_FILE);
  - mismatch: a well-formed request sent intact, in sequence, got an answer that is not its own
              (the host's own answer check, `accept`, refuses it: wrong CRC, span, index, size).
The agent is restarted after a crash or hang, and the model reloaded after any unload.
What the agent does by design and is left out (it ends the session, not a bug): EXIT, RESET, a
line of Ctrl-C. --wild-addresses adds LOAD_BEGINs with RAM addresses (the Unix port must refuse
every one), --long-lines junk lines of 100-200 kB (read in bounded pieces and dropped). The last
line printed is the summary: rounds, lines, seconds, rounds/s and findings; the exit status is 1
when there was any finding.

  .venv/bin/python fuzz/fuzz_agent.py --seconds 60 --wild-addresses --long-lines
  .venv/bin/python fuzz/fuzz_agent.py --replay build/fuzz/agent/crash-0.bin
"""

from __future__ import annotations

import argparse
import queue
import random
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "host"))

from tinyml_host import link, protocol  # noqa: E402  (host/ on sys.path first)

REQUESTS = [protocol.T_HELLO, protocol.T_SYNC, protocol.T_INFO, protocol.T_LOAD_BEGIN, protocol.T_LOAD_CHUNK,
            protocol.T_LOAD_END, protocol.T_LOAD_FILE, protocol.T_PUT_INPUT, protocol.T_RUN, protocol.T_BATCH,
            protocol.T_GET_OUTPUT, protocol.T_PROFILE]
BY_DESIGN = (protocol.T_EXIT, protocol.T_RESET)
# Answers that say the request may have unloaded the model: LOAD_BEGIN (a new model streams in),
# LOAD_END and LOAD_FILE (the model is made after the answer; a failure leaves none).
UNLOADING = (protocol.T_LOAD_BEGIN | protocol.RESPONSE, protocol.T_LOAD_END | protocol.RESPONSE, protocol.T_LOAD_FILE | protocol.RESPONSE)
CHUNK = 512  # payload limit of the fuzzer's own frames (the agent takes up to 1024)
PROBE_GAP = 64
LINE_MAX = 2 * (1024 + 10) + 2  # the agent's LINE_MAX: its longest line, with the LF

Accept = Callable[[bytes], "str | None"]


class Agent:
    """The Unix port running the agent, its answers read line by line on a thread."""

    def __init__(self, micropython: Path, workdir: Path, heapsize: str) -> None:
        code = (f"import sys; sys.path.insert(0, {str(ROOT / 'device' / 'python')!r}); "
                "import tinyml_agent; tinyml_agent.main()")
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([str(micropython.resolve()), "-X", f"heapsize={heapsize}", "-c", code],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, cwd=workdir)
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.seen: list[protocol.Frame] = []  # frames received while waiting (cleared by the caller)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in iter(self.proc.stdout.readline, b""):
            self.lines.put(line)
        self.lines.put(None)

    def send(self, data: bytes) -> bool:
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def wait_for(self, ftype: int, seq: int | None, timeout: float) -> protocol.Frame | None | str:
        """The first frame of ftype (and seq), "dead" if the agent ended, None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                return "dead"
            frame = protocol.decode_line(line.rstrip(b"\n"))
            if frame is None:
                continue
            if frame.type == ftype and (seq is None or frame.seq == seq):
                return frame
            self.seen.append(frame)

    def errors(self) -> list[str]:
        return [f.payload.decode(errors="replace") for f in self.seen if f.type == protocol.T_ERR]

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-4000:]


@dataclass
class Session:
    agent: Agent
    model: bytes
    timeout: float
    seq: int = 0

    def request(self, ftype: int, payload: bytes, flags: int = 0) -> protocol.Frame | None | str:
        self.seq = (self.seq + 1) & 0xFFFF
        if not self.agent.send(protocol.encode_frame(ftype, self.seq, payload, flags, binary=True)):
            return "dead"
        return self.agent.wait_for(ftype | protocol.RESPONSE, self.seq, self.timeout)

    def probe(self) -> protocol.Frame | None | str:
        """HELLO with a fresh seq: the agent's sequence space starts over there. The seq skips
        PROBE_GAP ahead, past the seqs the case's own frames used (a HELLO among them is answered
        with its own seq, which must not pass for the probe's answer)."""
        self.seq = (self.seq + PROBE_GAP) & 0xFFFF
        if not self.agent.send(protocol.encode_frame(protocol.T_HELLO, self.seq, binary=True)):
            return "dead"
        return self.agent.wait_for(protocol.T_HELLO | protocol.RESPONSE, self.seq, self.timeout)

    def load_model(self) -> None:
        """LOAD_BEGIN (into the heap), the host's own LOAD_CHUNK requests, LOAD_END."""
        reqs = [link._Req(protocol.T_LOAD_BEGIN, struct.pack("<III", len(self.model), zlib.crc32(self.model), 0))]
        off = 0
        while off < len(self.model):
            r = link._chunk_req(protocol.T_LOAD_CHUNK, off, self.model[off:off + 4 * CHUNK], CHUNK, None, True)
            reqs.append(r)
            off += r.span[1]
        reqs.append(link._Req(protocol.T_LOAD_END, b""))
        for r in reqs:
            answer = self.request(r.type, r.payload, r.flags)
            if not isinstance(answer, protocol.Frame) or (r.accept and r.accept(answer.payload)):
                raise RuntimeError(f"loading the fuzz model failed at {link.TYPE_NAMES.get(r.type)}: {answer}"
                                   f" ({self.agent.errors()})")
            if r.type == protocol.T_LOAD_BEGIN and answer.flags & protocol.F_LOADED:
                break  # that exact model is loaded already (the host skips the chunks too)
        hello = self.probe()
        if not isinstance(hello, protocol.Frame) or not model_loaded(hello):
            raise RuntimeError(f"the agent did not load the fuzz model: {self.agent.errors()}")

    def model_info(self) -> dict:
        """The loaded model's INFO (kind 1), fetched and checked as the host does."""
        text, total = b"", None
        while total is None or len(text) < total:
            r = link._info_req(1, len(text), CHUNK - 8, None)
            answer = self.request(r.type, r.payload)
            if not isinstance(answer, protocol.Frame):
                raise RuntimeError(f"INFO failed: {answer} ({self.agent.errors()})")
            total = struct.unpack_from("<I", answer.payload)[0]
            text += answer.payload[8:]
        return protocol.parse_info(text, 1)


def model_loaded(hello: protocol.Frame) -> bool:
    return bool(hello.payload[5] & 2)


# --- case generation ------------------------------------------------------------------------


def info_req(kind: int, off: int, n: int) -> link._Req:
    """The host's INFO request, with a check of its answer: an INFO text that came whole (asked
    from offset 0, all of it in the answer) must be one the host accepts (protocol.parse_info)."""
    req = link._info_req(kind, off, n, None)

    def accept(p: bytes) -> str | None:
        total, got_off = struct.unpack_from("<II", p)
        if got_off != off or len(p) - 8 > n:
            return f"INFO answer for {len(p) - 8} bytes at {got_off}, asked {n} at {off}"
        if off == 0 and total == len(p) - 8:
            try:
                protocol.parse_info(p[8:], kind)
            except link.LinkError as e:
                return f"{e.what}: {p[8:300]!r}"
        return None

    req.accept = accept
    return req


@dataclass
class Line:
    """One line of a case: its bytes, and for a well-formed request sent intact, its seq, type
    and the host's check of its answer."""
    data: bytes
    seq: int | None = None
    type: int | None = None
    accept: Accept | None = None


@dataclass
class Gen:
    rng: random.Random
    input_bytes: int
    output_bytes: int
    model: bytes
    wild_addresses: bool
    long_lines: bool
    staged: bytes = b""  # what a well-formed case staged last (the RUN that follows names its CRC)

    @property
    def model_size(self) -> int:
        return len(self.model)

    def u32(self) -> int:
        r = self.rng
        return r.choice([0, 1, 2, 3, 4, 7, 8, 255, 256, 1023, 1024, 1025, 65535, 65536, self.input_bytes - 1,
                         self.input_bytes, self.input_bytes + 1, self.model_size, 0x7FFFFFFF, 0x80000000,
                         0xFFFFFFFF, 50_000_000, r.getrandbits(32), r.getrandbits(8)]) & 0xFFFFFFFF

    def u16(self) -> int:
        return self.rng.choice([0, 1, 2, 8, 64, 65535, self.rng.getrandbits(16), self.rng.getrandbits(4)])

    def data(self, limit: int = 1100) -> bytes:
        r = self.rng
        n = r.choice([0, 1, 4, self.input_bytes, self.input_bytes + 1, r.randrange(limit)])
        return r.randbytes(n) if r.random() < 0.5 else bytes([r.getrandbits(8)]) * n

    def index(self) -> int:
        return self.rng.choice([0, 1, 2, 3, 4, 5, self.u32()])

    def deflated(self, fixed: bytes) -> bytes:
        """fixed fields | inflated length u32 | raw deflate (window 2**9): true, lying or broken."""
        r = self.rng
        plain = self.data(5000)
        body = link._deflate(plain)
        kind = r.random()
        n = len(plain)
        if kind < 0.3:
            n = self.u32()  # a length that lies (a deflate bomb's header when it is large)
        elif kind < 0.45:
            body = body[:r.randrange(len(body) + 1)]
        elif kind < 0.55:
            body = r.randbytes(r.randrange(64))
        return fixed + struct.pack("<I", n) + body

    def wellformed(self, ftype: int) -> link._Req:
        """A request as the host makes it (tinyml_host.link's builders), fields in range or not."""
        r = self.rng
        deflate = r.random() < 0.5
        if ftype == protocol.T_PUT_INPUT:
            off = r.randrange(self.input_bytes + 1)
            data = self.data(self.input_bytes - off + 1)[:self.input_bytes - off] or b"\0"
            self.staged = data if off == 0 and len(data) == self.input_bytes else self.staged
            return link._chunk_req(ftype, off, data, r.choice([CHUNK, 64, 1024]), None, deflate)
        if ftype == protocol.T_RUN:
            crc = zlib.crc32(self.staged) if r.random() < 0.8 else self.u32()
            return link._run_req(self.index(), crc, r.choice([0, self.output_bytes, self.u16()]),
                                 self.output_bytes, None, None)
        if ftype == protocol.T_BATCH:
            count = r.choice([0, 1, 2, 7, 64, r.randrange(1, 900 // max(1, self.input_bytes) + 2)])
            data = self.data(count * self.input_bytes + 1)[:count * self.input_bytes].ljust(count * self.input_bytes, b"\x7f")
            return link._batch_req(self.index(), count, data, self.input_bytes, self.output_bytes, None, deflate)
        if ftype == protocol.T_INFO:
            return info_req(r.choice([0, 1, 2]), r.choice([0, 0, 1, 100, self.u32()]), self.u16())
        if ftype == protocol.T_PROFILE:
            return link._Req(ftype, bytes([r.choice([0, 1, 1, 2, 255])]))
        if ftype == protocol.T_GET_OUTPUT:
            return link._get_req(self.index(), r.choice([0, 1, self.u32()]), self.u16(), None)
        if ftype == protocol.T_LOAD_CHUNK:
            off = r.choice([0, self.model_size - 1, self.u32()]) & 0xFFFFFFFF
            return link._chunk_req(ftype, off, self.data(3000) or b"\0", r.choice([CHUNK, 1024]), None, deflate)
        if ftype == protocol.T_LOAD_BEGIN:
            addr = 0
            if self.wild_addresses and r.random() < 0.5:
                addr = r.choice([0x400, 0x20000000, 0x20001000, 0xFFFFFFFF, 1, self.u32()])
            return link._Req(ftype, struct.pack("<III", self.u32(), self.u32(), addr))
        if ftype == protocol.T_LOAD_FILE:
            name = r.choice([b"model.tflite", b"missing.tflite", b"", b".", b"junk.bin", b"\xff\xfe",
                             r.randbytes(r.randrange(40))])
            return link._Req(ftype, name)
        return link._Req(ftype, self.data(64))  # HELLO, SYNC, LOAD_END, unknown types: any bytes

    def raw_payload(self, ftype: int) -> tuple[bytes, int]:
        """Fixed fields at boundary values, then any data (deflated or not)."""
        r = self.rng
        if ftype in (protocol.T_LOAD_CHUNK, protocol.T_PUT_INPUT):
            fixed = struct.pack("<I", self.u32())
        elif ftype == protocol.T_BATCH:
            fixed = struct.pack("<IH", self.u32(), r.choice([0, 1, 2, 3, 64, self.u16()]))
        elif ftype == protocol.T_LOAD_BEGIN:
            addr = struct.pack("<I", self.u32()) if self.wild_addresses and r.random() < 0.5 else b""
            return struct.pack("<II", self.u32(), self.u32()) + addr, 0
        else:
            return self.wellformed(ftype).payload + self.data(8)[:r.choice([0, 0, 3])], 0
        if r.random() < 0.4:
            return self.deflated(fixed), protocol.F_DEFLATE
        return fixed + self.data(), 0

    def frame_line(self, seq: int) -> Line:
        r = self.rng
        ftype = r.choice(REQUESTS) if r.random() < 0.95 else r.choice([t for t in range(256) if t not in BY_DESIGN])
        if r.random() < 0.6:
            req = self.wellformed(ftype)
            payload, flags, accept = req.payload, req.flags, req.accept
        else:
            (payload, flags), accept = self.raw_payload(ftype), None
        if r.random() < 0.1:
            flags, accept = r.getrandbits(8), None
        if r.random() < 0.1:
            payload, accept = payload[:r.randrange(len(payload) + 1)], None
        if r.random() < 0.15:
            seq, accept = r.getrandbits(16), None
        data = protocol.encode_frame(ftype, seq, payload, flags, binary=r.random() < 0.8)
        return Line(data, seq, ftype, accept)

    def edge_line(self, seq: int) -> Line:
        """A frame whose binary line is LINE_MAX - 2 .. LINE_MAX + 2 bytes long (payload bytes
        that all escape to two): the agent's bounded read must take the ones that fit whole."""
        r = self.rng
        ftype = r.choice([protocol.T_LOAD_CHUNK, protocol.T_PUT_INPUT, protocol.T_HELLO, protocol.T_SYNC])
        target = LINE_MAX + r.randrange(-2, 3)
        fill = bytes([r.choice([0x0A, 0x0D, 0x1B, 0x03])])
        head = struct.pack("<I", r.choice([0, self.u32()])) if ftype in (protocol.T_LOAD_CHUNK, protocol.T_PUT_INPUT) else b""
        n = max(0, (target - 40) // 2 - len(head))
        line = protocol.encode_frame(ftype, seq, head + fill * n, binary=True)
        while len(line) < target:
            n += 1
            line = protocol.encode_frame(ftype, seq, head + fill * n, binary=True)
        return Line(line)

    def damage(self, line: bytes) -> bytes:
        r = self.rng
        b = bytearray(line)
        for _ in range(r.randrange(1, 4)):
            if not b:
                break
            op = r.random()
            pos = r.randrange(len(b))
            if op < 0.5:
                b[pos] ^= 1 << r.randrange(8)
            elif op < 0.7:
                del b[pos:pos + r.randrange(1, 8)]
            elif op < 0.85:
                b[pos:pos] = bytes([r.choice([0x0A, 0x0D, 0x1B, 0x03, 0x21, 0x23])])
            else:
                b[pos:pos] = b[r.randrange(len(b)):][:r.randrange(1, 64)]
        if not b.endswith(b"\n"):
            b += b"\n"
        return bytes(b)

    def junk(self) -> bytes:
        r = self.rng
        n = r.randrange(100_000, 200_000) if self.long_lines and r.random() < 0.05 else r.randrange(2 * LINE_MAX)
        start = r.choice([b"", b"!", b"#", b"\x1b"])
        return start + r.randbytes(n).replace(b"\n", b"") + b"\n"

    def staged_run(self, first_seq: int) -> list[Line]:
        """Stage a whole window with the host's PUT_INPUT chunks, run it, fetch its output."""
        r = self.rng
        window = r.randbytes(self.input_bytes)
        self.staged = window
        reqs, off = [], 0
        while off < len(window):
            q = link._chunk_req(protocol.T_PUT_INPUT, off, window[off:], CHUNK, None, r.random() < 0.5)
            reqs.append(q)
            off += q.span[1]
        index = self.index()
        reqs.append(link._run_req(index, zlib.crc32(window), r.choice([0, self.output_bytes]),
                                  self.output_bytes, None, None))
        reqs.append(link._get_req(index, 0, self.output_bytes, None))
        return [Line(protocol.encode_frame(q.type, first_seq + i, q.payload, q.flags, binary=True),
                     (first_seq + i) & 0xFFFF, q.type, q.accept) for i, q in enumerate(reqs)]

    def model_load(self, first_seq: int) -> list[Line]:
        """A whole load as the host streams it (LOAD_BEGIN, its LOAD_CHUNKs, LOAD_END) of the fuzz
        model with bytes flipped, cut short or grown, under its true CRC or not: the agent makes
        it, or refuses it in an answer and in the INFO after, and serves on either way."""
        r = self.rng
        m = bytearray(self.model)
        for _ in range(r.choice([0, 1, 2, 8])):
            m[r.randrange(len(m))] = r.getrandbits(8)
        if r.random() < 0.2:
            del m[r.randrange(len(m)):]
        elif r.random() < 0.1:
            m += r.randbytes(r.randrange(1, 3000))
        m = bytes(m)
        crc = zlib.crc32(m) if r.random() < 0.9 else r.getrandbits(32)
        reqs = [link._Req(protocol.T_LOAD_BEGIN, struct.pack("<III", len(m), crc, 0))]
        off = 0
        while off < len(m):
            q = link._chunk_req(protocol.T_LOAD_CHUNK, off, m[off:off + 4 * CHUNK], r.choice([CHUNK, 1024]), None,
                                r.random() < 0.5)
            reqs.append(q)
            off += q.span[1]
        reqs.append(link._Req(protocol.T_LOAD_END, b""))
        reqs.append(info_req(1, 0, 1016))
        return [Line(protocol.encode_frame(q.type, first_seq + i, q.payload, q.flags, binary=True),
                     (first_seq + i) & 0xFFFF, q.type, q.accept) for i, q in enumerate(reqs)]

    def case(self, first_seq: int) -> list[Line]:
        r = self.rng
        kind = r.random()
        if kind < 0.1:
            return self.staged_run(first_seq)
        if kind < 0.13:
            return self.model_load(first_seq)
        out = []
        for i in range(r.choice([1, 1, 2, 3])):
            seq = (first_seq + i) & 0xFFFF
            kind = r.random()
            if kind < 0.1:
                line = Line(self.junk())
            elif kind < 0.15:
                line = self.edge_line(seq)
            else:
                line = self.frame_line(seq)
            if 0.15 <= kind < 0.3:
                line = Line(self.damage(line.data))
            out.append(line)
        return [line for line in out if not is_ctrl_c_line(line.data)]


def is_ctrl_c_line(line: bytes) -> bool:
    """A line of nothing but Ctrl-C (and CR/LF) hands the port back to the REPL: by design."""
    for part in line.split(b"\n"):
        if b"\x03" in part and not part.strip(b"\r\n\x03"):
            return True
    return False


# --- the loop -------------------------------------------------------------------------------


@dataclass
class Stats:
    rounds: int = 0
    lines: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    restarts: int = 0


def start(args: argparse.Namespace, model: bytes, workdir: Path) -> Session:
    agent = Agent(args.micropython, workdir, args.heapsize)
    if agent.wait_for(protocol.T_READY, None, args.timeout) is None:
        raise RuntimeError("the agent did not start (no READY)")
    session = Session(agent, model, args.timeout)
    if not isinstance(session.probe(), protocol.Frame):
        raise RuntimeError("the agent did not answer HELLO")
    session.load_model()
    return session


def record(args: argparse.Namespace, stats: Stats, kind: str, case: bytes, detail: str) -> None:
    n = stats.findings.get(kind, 0)
    stats.findings[kind] = n + 1
    if n < args.keep:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{kind}-{n}.bin").write_bytes(case)
        (args.out / f"{kind}-{n}.txt").write_text(detail)
        print(f"fuzz_agent: {kind} #{n}: {args.out / f'{kind}-{n}.bin'}\n{detail.strip()[-1500:]}", flush=True)


def mismatches(lines: list[Line], seen: list[protocol.Frame]) -> list[str]:
    """Answers to intact, well-formed requests that the host's own check refuses."""
    checks = {(line.seq, line.type | protocol.RESPONSE): line.accept for line in lines if line.accept}
    out = []
    for f in seen:
        accept = checks.get((f.seq, f.type))
        why = accept and link._check(accept, f.payload)
        if why:
            out.append(f"{f!r}: {why}")
    return out


def one_round(session: Session, lines: list[Line]) -> tuple[str | None, str]:
    """Sends a case and the probe; returns (finding kind or None, detail)."""
    agent = session.agent
    agent.seen = []
    if not agent.send(b"".join(line.data for line in lines)):
        return "crash", "the agent's stdin closed"
    hello = session.probe()
    if hello == "dead" or agent.proc.poll() is not None:
        return "crash", f"exit status {agent.proc.wait(timeout=10)}"
    if hello is None:
        return "hang", f"no answer to HELLO within {session.timeout} s"
    wrong = mismatches(lines, agent.seen)
    if wrong:
        return "mismatch", "\n".join(wrong)
    served_load = any(f.type in UNLOADING and not f.flags & protocol.F_LOADED for f in agent.seen)
    if not model_loaded(hello) and not served_load:
        return "dropped", ("no model loaded after: " + ", ".join(repr(f) for f in agent.seen)
                           + "; agent errors: " + " | ".join(agent.errors()))
    if not model_loaded(hello) or struct.unpack_from("<I", hello.payload, 10)[0] != zlib.crc32(session.model):
        session.load_model()  # unloaded, or another model made (a mutated one that loads)
    return None, ""


def new_gen(args: argparse.Namespace, rng: random.Random, session: Session, model: bytes) -> Gen:
    info = session.model_info()
    return Gen(rng, int(info["input_bytes"]), int(sum(info["output_bytes"])), model,
               args.wild_addresses, args.long_lines)


def fuzz(args: argparse.Namespace) -> int:
    model = args.model.read_bytes()
    rng = random.Random(args.seed)
    stats = Stats()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = prepare(Path(tmp), model)
        session = start(args, model, workdir)
        gen = new_gen(args, rng, session, model)
        t0 = time.monotonic()
        while time.monotonic() - t0 < args.seconds and (not args.rounds or stats.rounds < args.rounds):
            lines = gen.case((session.seq + 1) & 0xFFFF)
            case = b"".join(line.data for line in lines)
            kind, detail = one_round(session, lines)
            stats.rounds += 1
            stats.lines += case.count(b"\n")
            if kind is not None:
                if kind in ("crash", "hang"):
                    detail += "\n--- agent stderr ---\n" + session.agent.stop()
                record(args, stats, kind, case, detail)
                if kind in ("crash", "hang"):
                    stats.restarts += 1
                    session = start(args, model, workdir)
                else:
                    session.load_model()
        session.agent.stop()
    elapsed = time.monotonic() - t0
    found = ", ".join(f"{k}: {v}" for k, v in sorted(stats.findings.items())) or "none"
    modes = " ".join(m for m, on in (("wild-addresses", args.wild_addresses), ("long-lines", args.long_lines)) if on)
    print(f"fuzz_agent: {stats.rounds} rounds ({stats.lines} lines) in {elapsed:.0f} s, "
          f"{stats.rounds / max(elapsed, 1e-9):.0f} rounds/s, {stats.restarts} restarts"
          f"{' [' + modes + ']' if modes else ''}; findings: {found}", flush=True)
    return 1 if stats.findings else 0


def prepare(workdir: Path, model: bytes) -> Path:
    """The agent's working directory: files for LOAD_FILE to find."""
    (workdir / "model.tflite").write_bytes(model)
    (workdir / "junk.bin").write_bytes(bytes(range(256)) * 4)
    return workdir


def replay(args: argparse.Namespace) -> int:
    model = args.model.read_bytes()
    data = args.replay.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        session = start(args, model, prepare(Path(tmp), model))
        frames = [protocol.decode_line(part) for part in data.split(b"\n")]
        lines = [Line(data)]
        first = next((f for f in frames if f is not None), None)
        if first is not None:  # the agent expects the case's first seq, as when it was found
            session.seq = (first.seq - 1 - PROBE_GAP) & 0xFFFF
            session.probe()
        kind, detail = one_round(session, lines)
        answers = ", ".join(repr(f) for f in session.agent.seen) or "none"
        stderr = session.agent.stop()
    # A mismatch is not re-checked here (the case's bytes do not carry the checks): see the
    # answers, and the finding's .txt for what was refused.
    print(f"fuzz_agent: replay of {args.replay}: answers {answers}; {kind or 'answered'} {detail}".rstrip())
    if kind:
        print(stderr)
    return 1 if kind else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micropython", type=Path, default=ROOT / "build" / "unix" / "micropython")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "sine" / "sine.tflite")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=0, help="stop after this many rounds (0: time only)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds the probe may wait")
    parser.add_argument("--heapsize", default="256k",
                        help="the agent's MicroPython heap (default 256k, near the emulated board's 200 kB)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz" / "agent")
    parser.add_argument("--keep", type=int, default=5, help="reproducers kept per kind of finding")
    parser.add_argument("--wild-addresses", action="store_true", help="LOAD_BEGIN with RAM addresses")
    parser.add_argument("--long-lines", action="store_true", help="junk lines of 100-200 kB")
    parser.add_argument("--replay", type=Path, help="send this case once and report what happens")
    args = parser.parse_args()
    if not args.micropython.exists():
        print(f"fuzz_agent: {args.micropython} not found (make unix)", file=sys.stderr)
        return 2
    return replay(args) if args.replay else fuzz(args)


if __name__ == "__main__":
    sys.exit(main())
