"""Mutation fuzzer for the serial agent's frame parser and request handlers, in the Unix port.

One long-running `build/unix/micropython` process runs device/python/tinyml_agent.py with pipes
as its console. After a HELLO and a model load (models/sine/sine.tflite by default), every round
sends a case - one to three lines: structure-aware requests (every request type, fields at
boundary values, deflated payloads with true or lying lengths, random seqs, base64 or escaped
binary framing), the same with bytes flipped after framing, or raw junk - then a probe (HELLO with
a fresh seq) that must be answered. Findings, each saved as the exact bytes of its case
(build/fuzz/agent/<kind>-<n>.bin) with the agent's stderr:
  - crash:   the process ended (MicroPython exception, segfault, exit);
  - hang:    no answer to the probe within --timeout seconds;
  - dropped: the probe says no model is loaded after a case that had no reason to unload it
             (no LOAD_BEGIN / LOAD_END / LOAD_FILE in it).
The agent is restarted after a crash or hang, and the model reloaded after any unload.
What the agent does by design and is left out (it ends the session, not a bug): EXIT, RESET, a
line of Ctrl-C. Known weaknesses are off unless asked for: --wild-addresses (LOAD_BEGIN with a
RAM address) and --long-lines (lines of 100-200 kB).

  .venv/bin/python fuzz/fuzz_agent.py --seconds 60
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "host"))

from tinyml_host import link  # noqa: E402  (host/ on sys.path first)

REQUESTS = [link.T_HELLO, link.T_SYNC, link.T_INFO, link.T_LOAD_BEGIN, link.T_LOAD_CHUNK,
            link.T_LOAD_END, link.T_LOAD_FILE, link.T_PUT_INPUT, link.T_RUN, link.T_BATCH,
            link.T_GET_OUTPUT]
UNLOADING = (link.T_LOAD_BEGIN, link.T_LOAD_END, link.T_LOAD_FILE)
BY_DESIGN = (link.T_EXIT, link.T_RESET)
CHUNK = 512
PROBE_GAP = 64


class Agent:
    """The Unix port running the agent, its answers read line by line on a thread."""

    def __init__(self, micropython: Path, workdir: Path, heapsize: str) -> None:
        code = (f"import sys; sys.path.insert(0, {str(ROOT / 'device' / 'python')!r}); "
                "import tinyml_agent; tinyml_agent.main()")
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([str(micropython), "-X", f"heapsize={heapsize}", "-c", code],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, cwd=workdir)
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.errors: list[str] = []  # ERR answers seen while waiting (cleared by the caller)
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

    def wait_for(self, ftype: int, seq: int | None, timeout: float) -> link.Frame | None | str:
        """The first frame of ftype (and seq), "dead" if the agent ended, None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                return "dead"
            frame = link.decode_line(line.rstrip(b"\n"))
            if frame is not None and frame.type == ftype and (seq is None or frame.seq == seq):
                return frame
            if frame is not None and frame.type == link.T_ERR:
                self.errors.append(frame.payload.decode(errors="replace"))

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
    input_bytes: int = 1

    def request(self, ftype: int, payload: bytes) -> link.Frame | None | str:
        self.seq = (self.seq + 1) & 0xFFFF
        if not self.agent.send(link.encode_frame(ftype, self.seq, payload, binary=True)):
            return "dead"
        return self.agent.wait_for(ftype | link.RESPONSE, self.seq, self.timeout)

    def probe(self) -> link.Frame | None | str:
        """HELLO with a fresh seq: the agent's sequence space starts over there. The seq skips
        PROBE_GAP ahead, past the seqs the case's own frames used (a HELLO among them is answered
        with its own seq, which must not pass for the probe's answer)."""
        self.seq = (self.seq + PROBE_GAP) & 0xFFFF
        if not self.agent.send(link.encode_frame(link.T_HELLO, self.seq, binary=True)):
            return "dead"
        return self.agent.wait_for(link.T_HELLO | link.RESPONSE, self.seq, self.timeout)

    def load_model(self) -> None:
        crc = zlib.crc32(self.model)
        steps = [(link.T_LOAD_BEGIN, struct.pack("<II", len(self.model), crc))]
        steps += [(link.T_LOAD_CHUNK, struct.pack("<I", off) + self.model[off:off + CHUNK])
                  for off in range(0, len(self.model), CHUNK)]
        steps.append((link.T_LOAD_END, b""))
        for ftype, payload in steps:
            answer = self.request(ftype, payload)
            if not isinstance(answer, link.Frame):
                raise RuntimeError(f"loading the fuzz model failed at {link.TYPE_NAMES.get(ftype)}: {answer}")
        hello = self.probe()
        if not isinstance(hello, link.Frame) or not hello.payload[5] & 2:
            raise RuntimeError("the agent did not load the fuzz model")


def model_loaded(hello: link.Frame) -> bool:
    return bool(hello.payload[5] & 2)


# --- case generation ------------------------------------------------------------------------


@dataclass
class Gen:
    rng: random.Random
    input_bytes: int
    model_size: int
    wild_addresses: bool
    long_lines: bool
    types: list[int] = field(default_factory=list)  # request types of the current case

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
        return bytes(r.getrandbits(8) for _ in range(n)) if r.random() < 0.5 else bytes([r.getrandbits(8)]) * n

    def deflated(self, fixed: bytes) -> bytes:
        """fixed fields | inflated length u32 | raw deflate (window 2**9): true, lying or broken."""
        r = self.rng
        plain = self.data(3000)
        comp = zlib.compressobj(level=9, wbits=-9)
        body = comp.compress(plain) + comp.flush()
        kind = r.random()
        n = len(plain)
        if kind < 0.3:
            n = self.u32()  # a length that lies (a deflate bomb's header when it is large)
        elif kind < 0.45:
            body = body[:r.randrange(len(body) + 1)]
        elif kind < 0.55:
            body = bytes(r.getrandbits(8) for _ in range(r.randrange(64)))
        return fixed + struct.pack("<I", n) + body

    def payload(self, ftype: int) -> tuple[bytes, int]:
        r = self.rng
        p32 = lambda *v: struct.pack("<" + "I" * len(v), *v)  # noqa: E731
        if ftype == link.T_LOAD_BEGIN:
            addr = p32(r.choice([0x400, 0x20000000, self.u32()])) if self.wild_addresses and r.random() < 0.3 else b""
            return p32(self.u32(), self.u32()) + addr, 0
        if ftype in (link.T_LOAD_CHUNK, link.T_PUT_INPUT):
            fixed = p32(self.u32())
        elif ftype == link.T_BATCH:
            fixed = struct.pack("<IH", self.u32(), r.choice([0, 1, 2, 3, 64, self.u16()]))
        elif ftype == link.T_RUN:
            return p32(r.choice([0, 1, self.u32()]), r.choice([0, zlib.crc32(bytes(self.input_bytes)), self.u32()]),
                       self.u32()), 0
        elif ftype == link.T_GET_OUTPUT:
            return p32(r.choice([0, 1, self.u32()]), self.u32(), self.u32()), 0
        elif ftype == link.T_INFO:
            return struct.pack("<BIH", r.choice([0, 1, 2, 255]), self.u32(), self.u16()), 0
        elif ftype == link.T_LOAD_FILE:
            return r.choice([b"model.tflite", b"missing.tflite", b"", b".", b"junk.bin", b"\xff\xfe",
                             bytes(r.getrandbits(8) for _ in range(r.randrange(40)))]), 0
        else:  # HELLO, SYNC, unknown types: any bytes
            return self.data(64), 0
        if ftype in (link.T_LOAD_CHUNK, link.T_PUT_INPUT, link.T_BATCH) and r.random() < 0.25:
            return self.deflated(fixed), link.F_DEFLATE
        if ftype == link.T_BATCH and r.random() < 0.5:  # the right size for its count
            count = struct.unpack_from("<H", fixed, 4)[0] % 8
            fixed = fixed[:4] + struct.pack("<H", count)
            return fixed + bytes(r.getrandbits(8) for _ in range(count * self.input_bytes)), 0
        return fixed + self.data(), 0

    def frame_line(self, seq: int) -> bytes:
        r = self.rng
        ftype = r.choice(REQUESTS) if r.random() < 0.95 else r.choice([t for t in range(256) if t not in BY_DESIGN])
        self.types.append(ftype)
        payload, flags = self.payload(ftype)
        if r.random() < 0.1:
            flags = r.getrandbits(8)
        if r.random() < 0.1:
            payload = payload[:r.randrange(len(payload) + 1)]
        frame_seq = seq if r.random() < 0.85 else r.getrandbits(16)
        return link.encode_frame(ftype, frame_seq, payload, flags, binary=r.random() < 0.8)

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
        n = r.randrange(100_000, 200_000) if self.long_lines and r.random() < 0.02 else r.randrange(2100)
        start = r.choice([b"", b"!", b"#", b"\x1b"])
        return start + bytes(r.getrandbits(8) for _ in range(n)).replace(b"\n", b"") + b"\n"

    def case(self, first_seq: int) -> bytes:
        self.types = []
        out = []
        for i in range(self.rng.choice([1, 1, 2, 3])):
            kind = self.rng.random()
            line = self.junk() if kind < 0.1 else self.frame_line((first_seq + i) & 0xFFFF)
            if 0.1 <= kind < 0.3:
                line = self.damage(line)
            out.append(line)
        return b"".join(line for line in out if not is_ctrl_c_line(line))


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
    if agent.wait_for(link.T_READY, None, args.timeout) is None:
        raise RuntimeError("the agent did not start (no READY)")
    session = Session(agent, model, args.timeout)
    if not isinstance(session.probe(), link.Frame):
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


def one_round(session: Session, gen: Gen, case: bytes) -> tuple[str | None, str]:
    """Sends case and the probe; returns (finding kind or None, detail)."""
    session.agent.errors = []
    if not session.agent.send(case):
        return "crash", "the agent's stdin closed"
    hello = session.probe()
    if hello == "dead" or session.agent.proc.poll() is not None:
        return "crash", f"exit status {session.agent.proc.wait(timeout=10)}"
    if hello is None:
        return "hang", f"no answer to HELLO within {session.timeout} s"
    if not model_loaded(hello):
        if not any(t in UNLOADING for t in gen.types):
            return "dropped", ("no model loaded after: " + ", ".join(link.TYPE_NAMES.get(t, hex(t)) for t in gen.types)
                               + "; agent errors: " + " | ".join(session.agent.errors))
        session.load_model()
    return None, ""


def fuzz(args: argparse.Namespace) -> int:
    model = args.model.read_bytes()
    rng = random.Random(args.seed)
    stats = Stats()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "model.tflite").write_bytes(model)
        (workdir / "junk.bin").write_bytes(bytes(range(256)) * 4)
        session = start(args, model, workdir)
        gen = Gen(rng, session_input_bytes(session), len(model), args.wild_addresses, args.long_lines)
        t0 = time.monotonic()
        while time.monotonic() - t0 < args.seconds and (not args.rounds or stats.rounds < args.rounds):
            case = gen.case((session.seq + 1) & 0xFFFF)
            kind, detail = one_round(session, gen, case)
            stats.rounds += 1
            stats.lines += case.count(b"\n")
            if kind is not None:
                if kind in ("crash", "hang"):
                    detail += "\n--- agent stderr ---\n" + session.agent.stop()
                    stats.restarts += 1
                    session = start(args, model, workdir)
                else:
                    session.load_model()
                record(args, stats, kind, case, detail)
        session.agent.stop()
    elapsed = time.monotonic() - t0
    found = ", ".join(f"{k}: {v}" for k, v in sorted(stats.findings.items())) or "none"
    print(f"fuzz_agent: {stats.rounds} rounds ({stats.lines} lines) in {elapsed:.0f} s, "
          f"{stats.rounds / elapsed:.0f} rounds/s; findings: {found}")
    return 1 if stats.findings else 0


def session_input_bytes(session: Session) -> int:
    """The loaded model's input size, from the agent's INFO (the fuzz model's own figure)."""
    text = b""
    while True:
        answer = session.request(link.T_INFO, struct.pack("<BIH", 1, len(text), 900))
        if not isinstance(answer, link.Frame):
            raise RuntimeError(f"INFO failed: {answer}")
        total = struct.unpack_from("<I", answer.payload)[0]
        text += answer.payload[8:]
        if len(text) >= total:
            break
    marker = b"'input_bytes': "
    start_at = text.index(marker) + len(marker)
    return int(text[start_at:text.index(b",", start_at)])


def replay(args: argparse.Namespace) -> int:
    model = args.model.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "model.tflite").write_bytes(model)
        (workdir / "junk.bin").write_bytes(bytes(range(256)) * 4)
        session = start(args, model, workdir)
        gen = Gen(random.Random(0), 1, len(model), False, False)
        frames = [frame for frame in map(link.decode_line, args.replay.read_bytes().split(b"\n")) if frame]
        gen.types = [frame.type for frame in frames]
        if frames:  # the agent expects the case's first seq, as when it was found
            session.seq = (frames[0].seq - 1 - PROBE_GAP) & 0xFFFF
            session.probe()
        kind, detail = one_round(session, gen, args.replay.read_bytes())
        stderr = session.agent.stop()
    print(f"fuzz_agent: replay of {args.replay}: {kind or 'answered'} {detail}".rstrip())
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
