"""The serial link to a board running the tinyml agent (device/python/tinyml_agent.py).

Library API:

    from tinyml_host.link import Link
    with Link.connect("/dev/ttyACM0") as link:       # enters the raw REPL, starts the agent
        info = link.load_model(open("kws.tflite", "rb").read())   # streamed into RAM
        for r in link.run_batch(windows):            # raw input bytes, one per window
            print(r.index, r.output, r.us, r.cycles)
    # also: link.load_file(path), link.info(), link.board_info(), link.run(window, index),
    # link.reset(after_windows=0), link.stats (bytes, frames, re-sends), link.close()
    # link.set_profile(True) then link.profile(): per-node times of the last window run

The wire format (frames, INFO texts, the protocol's constants) is protocol.py; opening the port,
reading it and starting the agent is transport.py; this module is the session: requests,
answers, retransmission.

Reliability (the agent has no clock, so the host drives every retransmission):
- Sliding window (go-back-N): up to `window` requests in flight; the agent runs them strictly
  in sequence order and answers each with its seq; it keeps its last answers, so a request the
  host sends again is answered from that cache, never run twice.
- A damaged frame in either direction is detected by its CRC (or its base64, or its length);
  the agent answers a damaged or out-of-order request with a NAK naming the seq it expects, and
  the host re-sends from there at once. A garbled answer makes the host re-send what is
  unanswered. A frame lost without trace is re-sent after a retransmission timeout (RTO) from
  the measured byte rate and reaction time (backing off while nothing answers). Inference
  requests are ACKed before they run, so a slow inference is not mistaken for a lost frame.
- Frame size and window adapt: both halve on an error and grow back after a run of clean
  frames. Frames already in flight keep their size, so when one keeps failing and is larger than
  the current limit the host re-synchronises (SYNC: a new sequence space) and re-sends what was
  unanswered, split to the smaller size. Every request is idempotent on the agent (writes at an
  offset, inference results kept per window index), so re-sent work is never counted twice.
- Windows carry their index: every answer echoes it, outputs carry a CRC-32, and the host checks
  both, so no window is lost, duplicated or attributed to another index. Answers are bound to
  the data they answer (protocol 2): BATCH and RUN answers echo the CRC-32 of the inputs they
  ran, LOAD_CHUNK and PUT_INPUT answers that of the bytes written; an answer that does not match
  its request (stale, replayed, or malformed) is rejected and the request sent again (three
  rejections in a row -> LinkError).
- Every answer is checked before use: a malformed one is a LinkError, never a KeyError or
  struct.error. INFO texts are JSON of at most MAX_TEXT bytes, parsed strictly and checked field
  by field (types, ranges) against what the agent sends.
- No answer (nothing completes) for `timeout` seconds -> DeviceError; the serial port closing
  (the board or emulator went away), a MicroPython banner, or an agent that forgot its session
  (it restarted) -> DeviceError naming how many windows had completed.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import queue
import random
import struct
import time
import zlib
from typing import Callable, Iterator, Sequence

import serial

from .errors import AgentError, BoardReset, LinkError, ProtocolMismatch, TinymlError
from .protocol import (ACKED, F_DEFLATE, F_FRESH, F_LOADED, MAX_TEXT, NONE32, PROTOCOL, RESPONSE,
                       T_ACK, T_BATCH, T_ERR, T_EXIT, T_GET_OUTPUT, T_HELLO, T_INFO, T_LOAD_BEGIN,
                       T_LOAD_CHUNK, T_LOAD_END, T_LOAD_FILE, T_NAK, T_PROFILE, T_PUT_INPUT, T_READY,
                       T_RESET, T_RUN, T_SYNC, TYPE_NAMES, Frame, decode_line, encode_frame, parse_info)
from .transport import (AGENT_SOURCE, CRASH_MARKER, RESET_MARKERS, _Reader, agent_version, board_agents, board_error,
                        board_step, open_transport, stop_agent)

MIN_PAYLOAD = 48  # the floor of the adaptive frame size (a 48-byte payload is an ~80-byte line)
MAX_BATCH = 64  # windows per BATCH frame
MAX_REJECTS = 3  # answers in a row that do not match their request before the link gives up
OVERHEAD = 0.003  # seconds the host and agent spend on a frame besides moving its bytes
BYTE_TIME_MIN = 10 / 115200  # seconds per byte of a 115200-baud UART


# --- results ------------------------------------------------------------------------------


@dataclasses.dataclass
class WindowResult:
    """One window's result from the board: raw output bytes (all outputs, concatenated) and
    the on-device duration (None when the board has no tick source)."""

    index: int
    output: bytes
    us: int | None
    cycles: int | None


@dataclasses.dataclass
class LinkStats:
    bytes_sent: int = 0
    bytes_received: int = 0
    frames_sent: int = 0
    frames_received: int = 0
    retransmits: int = 0
    naks: int = 0
    bad_frames: int = 0
    timeouts: int = 0
    resyncs: int = 0

    def snapshot(self) -> "LinkStats":
        return dataclasses.replace(self)

    def since(self, before: "LinkStats") -> "LinkStats":
        return LinkStats(*(getattr(self, f.name) - getattr(before, f.name) for f in dataclasses.fields(self)))


# --- the link -----------------------------------------------------------------------------


class _Req:
    """One request frame and what to do with its answer. `split(limit)` returns equivalent
    smaller requests (or [self]) for a re-synchronisation after the frame size shrank."""

    __slots__ = ("type", "payload", "cb", "split", "seq", "line", "tx", "tries", "acked",
                 "ack_time", "resp", "flags", "span", "accept", "rejects")

    def __init__(self, ftype: int, payload: bytes, cb: Callable | None = None,
                 split: Callable | None = None, flags: int = 0, span: tuple | None = None,
                 accept: Callable[[bytes], str | None] | None = None) -> None:
        self.type = ftype
        self.payload = payload
        self.cb = cb
        self.split = split
        self.flags = flags
        # LOAD_CHUNK / PUT_INPUT: (offset, bytes, crc32 of the bytes) written, as the answer echoes
        self.span = span
        # accept(answer payload) -> None when the answer is this request's, else why not
        self.accept = accept if accept is not None else (_span_check(span) if span else None)
        self.rejects = 0
        self.seq = -1
        self.line = b""
        self.tx = 0.0
        self.tries = 0
        self.acked = False
        self.ack_time = 0.0
        self.resp: Frame | None = None


BARRIER = object()  # yielded by a request source: wait until everything before it is answered


class Link:
    """A session with the agent over an open serial port (pyserial-like: read, write,
    in_waiting). Use `Link.connect(port)` to open a port and start the agent."""

    def __init__(self, port, *, timeout: float = 10.0, max_payload: int = 1024, window: int = 8,
                 rto_min: float = 0.01, deflate: bool = True,
                 trace: Callable[[str], None] | None = None) -> None:
        self.use_deflate = deflate
        self.port = port
        self.timeout = float(timeout)
        if hasattr(port, "write_timeout"):
            # A board that stops reading while its buffers are full must not block a write for
            # ever: the same bound as for its answers (pyserial raises SerialTimeoutException).
            port.write_timeout = self.timeout
        self.stats = LinkStats()
        self.trace = trace
        self.max_payload_host = int(max_payload)
        self.window_max = int(window)
        self.rto_min = rto_min
        self.device: dict = {}
        self.model_info: dict | None = None
        self.completed = 0  # windows completed in the current run_batch, for error messages
        self.text: collections.deque = collections.deque(maxlen=40)  # non-frame lines seen
        self._reader: _Reader | None = None
        self._next = random.randrange(0x10000)
        self._dirty = False
        self._byte_time = 1e-4  # seconds per byte until measured: 10 kB/s, slower than any board
        self._bt_samples: collections.deque = collections.deque([1e-4], maxlen=32)
        self._t_free = 0.0  # when the agent last finished a frame (and started reading the next)
        self._compute: dict[int, float] = {}  # request type -> seconds per unit after its ACK
        self._react = 0.001  # seconds from sending a small frame to the agent's first line back
        self._last_line = 0.0
        self._backoff = 1.0
        self._last_progress = time.monotonic()
        self._last_shrink = 0.0
        self._streak = 0
        self.p_max = max(MIN_PAYLOAD, self.max_payload_host)
        self.p_limit = self.p_max
        self.w_max = self.window_max
        self.w = min(4, self.w_max)
        self._transport = None  # mpremote transport, when we entered the raw REPL with it
        self.binary = False  # frames as escaped binary (after a HELLO that says the agent can)
        self.deflate = False  # deflate model chunks and inputs that compress (if the agent can)
        self.agent_origin: str | None = None  # "installed" / "pasted" when this link started it

    # --- connection ---------------------------------------------------------------------

    @classmethod
    def connect(cls, port: str, *, baudrate: int = 115200, start_agent: bool = True,
                soft_reset: bool = False, agent: str = "auto", probe_timeout: float = 0.5,
                **kwargs) -> "Link":
        """Open `port` and start a session with the agent: reuse an agent that is already
        running there, else enter the raw REPL (mpremote's transport) and start the agent.

        agent: "auto" runs the board's own agent (frozen in the firmware or on its filesystem)
        when it is this host's version, else pastes this host's copy into RAM; "installed"
        only runs the board's own; "paste" always pastes. soft_reset: reset MicroPython before
        (frees everything, including a model the agent kept from an earlier session)."""
        if agent not in ("auto", "installed", "paste"):
            raise ValueError(f"agent must be auto, installed or paste, not {agent!r}")
        transport = open_transport(port, baudrate)
        link = cls(transport.serial, **kwargs)
        link._transport = transport
        try:
            link._start_reader()
            try:
                if link._probe(probe_timeout):
                    return link
            except ProtocolMismatch:
                if not start_agent:
                    raise
                # An agent of another version is running: stop it and start this host's.
            if not start_agent:
                raise LinkError(f"no tinyml agent answers on {port}",
                                "start it on the board: import tinyml_agent; tinyml_agent.main()")
            link._stop_reader()
            link._start_agent(soft_reset=soft_reset, agent=agent)
            link._start_reader()
            link._wait_ready(10.0)
            link.hello()
            return link
        except BaseException:
            link.close()
            raise

    def _probe(self, timeout: float) -> bool:
        """True when an agent is already running and answers a HELLO."""
        try:
            self.hello(timeout=timeout, quiet=True)
            return True
        except ProtocolMismatch:
            raise
        except LinkError:
            return False

    def _start_agent(self, soft_reset: bool, agent: str = "auto") -> None:
        """Start the agent from the raw REPL (mpremote's transport), each read of the board's
        replies waiting at most the link's timeout: a board that stops answering is a LinkError
        naming the step (transport.board_step), never a wait for ever."""
        from mpremote.transport import TransportExecError

        t = self._transport
        if t is None:
            raise LinkError("cannot start the agent: the link was not opened with Link.connect")
        try:
            # A running agent stops on a line of Ctrl-C; then the REPL gets Ctrl-A.
            stop_agent(self.port)
            time.sleep(0.05)
            with board_step(t, "entering the board's raw REPL to start the agent", self.timeout, LinkError):
                t.enter_raw_repl(soft_reset=soft_reset)
            with board_step(t, "asking the board which agent it has", self.timeout, LinkError):
                installed, pasted = board_agents(t)
            ours = agent_version()
            self.agent_origin = None
            with board_step(t, "starting the tinyml agent", self.timeout, LinkError):
                if agent != "paste" and installed is not None and (installed == ours or ours is None or agent == "installed"):
                    self.agent_origin = "installed"
                    t.exec_raw_no_follow("tinyml_agent.main()")
                elif agent != "paste" and pasted is not None and pasted == ours:
                    self.agent_origin = "pasted"  # pasted earlier in this REPL session, model and all
                    t.exec_raw_no_follow("main()")
                elif agent == "installed":
                    raise LinkError("the board has no tinyml agent (tinyml_agent)",
                                    "copy it with `tinyml-host deploy`, or use firmware that freezes it")
                else:
                    # Not on the board, or another version: paste this host's copy into RAM.
                    if AGENT_SOURCE is None:
                        raise LinkError(f"the board's agent is version {installed}, and this host has no "
                                        "copy of its own to paste", "update the board's firmware")
                    t.exec(AGENT_SOURCE.read_bytes())
                    self.agent_origin = "pasted"
                    t.exec_raw_no_follow("main()")
        except TransportExecError as e:
            raise LinkError("could not start the tinyml agent on the board",
                            board_error(e)) from None

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            ev = self._get(deadline)
            if ev is None:
                raise LinkError("the agent did not start (no READY from the board)",
                                self._text_hint())
            if ev[0] == "closed":
                raise LinkError(f"serial port closed: {ev[1]}")
            f = decode_line(ev[1])
            if f is not None and f.type == T_READY:
                return
            if f is None and ev[1].strip():
                self.text.append(ev[1].strip())

    def _start_reader(self) -> None:
        if self._reader is None:
            self._reader = _Reader(self.port, self.stats)
            self._reader.start()

    def _stop_reader(self) -> None:
        if self._reader is not None:
            self._reader.stop()
            self._reader = None

    def close(self, exit_agent: bool = True) -> None:
        """End the session: the agent exits (keeping its model for the next session) and the
        board goes back to its friendly REPL, where mpremote and other tools expect it. With
        exit_agent=False the agent keeps running: the next Link.connect finds it at once."""
        if exit_agent and self._reader is not None:
            try:
                self._handshake(T_EXIT, b"", timeout=1.0)
                self.port.write(b"\x02")  # Ctrl-B: from the raw REPL that ran it, to the friendly one
            except (LinkError, AgentError, OSError):
                pass
            except Exception:  # serial.SerialException: the port is gone already
                pass
        self._stop_reader()
        try:
            self.port.close()
        except Exception:
            pass

    def __enter__(self) -> "Link":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- commands -----------------------------------------------------------------------

    def hello(self, timeout: float | None = None, quiet: bool = False) -> dict:
        """Start a session. Returns the agent's protocol, payload limit, window depth, whether it
        takes binary frames, and the model it holds (size, CRC-32; 0 when none)."""
        f = self._handshake(T_HELLO, struct.pack("<H", PROTOCOL), timeout=timeout, quiet=quiet)
        try:
            proto, max_payload, depth, flags, msize, mcrc = struct.unpack("<HHBBII", f.payload)
        except struct.error:
            raise LinkError(f"unreadable HELLO answer ({len(f.payload)} bytes)") from None
        if proto != PROTOCOL:
            raise ProtocolMismatch(
                f"the board's tinyml agent speaks link protocol {proto}, this host protocol {PROTOCOL}",
                "let the host start its own agent (Link.connect(..., start_agent=True) and the "
                "tinyml-host commands paste this host's copy over an agent of another version), or "
                "update the board: `tinyml-host deploy`, or firmware built from this checkout")
        info = {"protocol": proto, "max_payload": max_payload, "depth": depth,
                "binary": bool(flags & 1), "model_loaded": bool(flags & 2),
                "model_size": msize, "model_crc": mcrc}
        self.device = info
        self.p_max = max(MIN_PAYLOAD, min(self.max_payload_host, max_payload))
        self.p_limit = min(self.p_limit, self.p_max) if self.p_limit else self.p_max
        self.w_max = max(1, min(self.window_max, depth))
        self.w = min(self.w, self.w_max)
        self.binary = info["binary"]
        self.deflate = bool(flags & 4) and self.use_deflate
        info["deflate"] = bool(flags & 4)
        self._dirty = False
        return info

    def board_info(self) -> dict:
        """The board: agent and tinyml versions, ops (name, version), platform, MicroPython
        version, free heap, whether it has a filesystem, the model loaded (size, CRC-32)."""
        return self._fetch_text(0)

    def info(self) -> dict:
        """The loaded model: inputs/outputs (index, name, shape, dtype, scale, zero point), ops,
        arena bytes, input/output sizes in bytes, model size and CRC, the board's timer."""
        self.model_info = self._fetch_text(1)
        return self.model_info

    def set_profile(self, enable: bool) -> str | None:
        """Per-node timing of the loaded model on or off (Model.profile on the board; it costs
        nothing while off, and a new HELLO turns it off). Returns the clock's unit ("cycles",
        "us", "ns") when on, None when off."""
        if enable and not self.board_info().get("profile"):
            raise LinkError("the board's tinyml cannot time each node (its Model has no profile())",
                            "flash firmware built from this checkout (`make qemu`, `make rp2`...)")
        unit: list[str | None] = [None]

        def done(f: Frame, r: _Req) -> None:
            unit[0] = f.payload.decode("ascii") or None

        self._execute(iter([_Req(T_PROFILE, bytes([1 if enable else 0]), done)]))
        if enable and unit[0] is None:
            raise LinkError("the agent turned profiling on but named no clock unit")
        return unit[0]

    def profile(self) -> dict:
        """The last window's profile: {"unit": "cycles" | "us" | "ns", "nodes": [[node, op, time],
        ...] in execution order, or None when no window ran since set_profile(True)}."""
        p = self._fetch_text(2)
        ops = self.model_info.get("ops") if self.model_info else None
        if p["nodes"] is not None:
            if [r[0] for r in p["nodes"]] != list(range(len(p["nodes"]))) or (
                    ops is not None and [r[1] for r in p["nodes"]] != ops):
                raise LinkError("malformed INFO (profile) answer from the agent: its nodes are not the "
                                "loaded model's, in order")
        return p

    def _fetch_text(self, kind: int) -> dict:
        parts: dict[int, bytes] = {}
        total = [0]

        def got(f: Frame, r: _Req) -> None:
            n, off = struct.unpack_from("<II", f.payload)
            asked_off, asked_n = struct.unpack_from("<IH", r.payload, 1)
            if n > MAX_TEXT:
                raise LinkError(f"malformed INFO answer from the agent: a text of {n:,} bytes "
                                f"(at most {MAX_TEXT:,} expected)")
            if off != asked_off or len(f.payload) - 8 > asked_n or (off and n != total[0]):
                raise LinkError(f"malformed INFO answer from the agent: bytes {off}+{len(f.payload) - 8} "
                                f"of {n}, asked {asked_off}+{asked_n} of {total[0]}")
            if off == 0:
                total[0] = n
                parts.clear()
            parts[off] = f.payload[8:]

        def source() -> Iterator:
            yield _info_req(kind, 0, self.p_limit - 8, got)
            yield BARRIER
            off = len(parts.get(0, b""))
            while off < total[0]:
                n = min(self.p_limit - 8, total[0] - off)
                yield _info_req(kind, off, n, got)
                off += n

        self._execute(source())
        text = b"".join(parts[k] for k in sorted(parts))
        if len(text) != total[0]:
            raise LinkError(f"INFO text of {len(text)} bytes, the agent said {total[0]}")
        return parse_info(text, kind)

    def load_file(self, path: str) -> dict:
        """Load a model from a file on the board's filesystem; returns info()."""
        self._execute(iter([_Req(T_LOAD_FILE, path.encode())]))
        return self.info()

    def load_model(self, data: bytes, progress: Callable[[int, int], None] | None = None,
                   address: int | None = None) -> dict:
        """Stream a model into the board's RAM (skipped when that exact model is loaded): into
        the MicroPython heap, or at `address`, RAM outside the heap that the caller knows is
        unused (the emulated board's spare RAM: tinyml_host.emulator.Emulator.spare_ram)."""
        data = bytes(data)
        size, crc = len(data), zlib.crc32(data)
        state = {"loaded": False, "sent": 0}

        def begin(f: Frame, r: _Req) -> None:
            state["loaded"] = bool(f.flags & F_LOADED)

        def chunk_done(f: Frame, r: _Req) -> None:
            off, n = struct.unpack_from("<II", f.payload)
            state["sent"] += n
            if progress:
                progress(min(state["sent"], size), size)

        def source() -> Iterator:
            yield _Req(T_LOAD_BEGIN, struct.pack("<III", size, crc, address or 0), begin)
            yield BARRIER
            if not state["loaded"]:
                off = 0
                while off < size:
                    r = _chunk_req(T_LOAD_CHUNK, off, data[off:off + 4 * self.p_limit], self.p_limit,
                                   chunk_done, self.deflate)
                    yield r
                    off += r.span[1]
            elif progress:
                progress(size, size)
            # Every chunk answered first: the agent drops its answer cache when it makes the model.
            yield BARRIER
            yield _Req(T_LOAD_END, b"")

        self._execute(source())
        return self.info()

    def reset(self, after_windows: int = 0) -> None:
        """Reset the board (machine.reset(); the Unix port's process exits): now, or when
        `after_windows` more windows have run - for testing how a reset mid-run is handled.
        After a reset now, the link is closed: connect again."""
        if after_windows:
            self._execute(iter([_Req(T_RESET, struct.pack("<I", after_windows))]))
            return
        try:
            self._execute(iter([_Req(T_RESET, struct.pack("<I", 0))]))
        except (BoardReset, LinkError):
            pass
        self.close(exit_agent=False)

    def run(self, window: bytes, index: int = 0) -> WindowResult:
        """Run one window (raw input tensor bytes)."""
        return self.run_batch([window], start_index=index)[0]

    def run_batch(self, windows: Sequence[bytes], start_index: int = 0,
                  progress: Callable[[int], None] | None = None) -> list[WindowResult]:
        """Run windows back to back (raw input tensor bytes each); results in index order.

        Small windows travel several to a frame (BATCH); a window larger than a frame is staged
        in chunks and then run (PUT_INPUT..., RUN, GET_OUTPUT... for a large output)."""
        if self.model_info is None:
            self.info()
        mi = self.model_info
        in_size = int(mi["input_bytes"])
        out_size = int(sum(mi["output_bytes"]))
        n = len(windows)
        for i, w in enumerate(windows):
            if len(w) != in_size:
                raise TinymlError(f"window {start_index + i} has {len(w)} bytes, the model's input has {in_size}")
        results: dict[int, WindowResult] = {}
        partial: dict[int, dict] = {}
        self.completed = 0

        def finish(r: WindowResult) -> None:
            if r.index in results:  # never happens by construction; checked all the same
                raise LinkError(f"window {r.index} answered twice", completed=len(results))
            results[r.index] = r
            self.completed = len(results)
            if progress:
                progress(1)

        def batch_done(f: Frame, r: _Req) -> None:
            # checked by the request's accept (_batch_req): these windows, these inputs, this size
            first, count = struct.unpack_from("<IH", f.payload)
            off = 10
            for k in range(count):
                us, cyc = struct.unpack_from("<II", f.payload, off)
                out = f.payload[off + 8:off + 8 + out_size]
                off += 8 + out_size
                finish(WindowResult(first + k, bytes(out), _opt(us), _opt(cyc)))

        def run_done(f: Frame, r: _Req) -> None:
            # index and input CRC checked by the request's accept (_run_req)
            index, _, us, cyc, olen, ocrc = struct.unpack_from("<IIIIII", f.payload)
            if olen != out_size:
                raise LinkError(f"window {index}: {olen} output bytes, the model has {out_size}",
                                completed=len(results))
            st = {"us": us, "cyc": cyc, "crc": ocrc, "buf": bytearray(olen), "have": 0}
            partial[index] = st
            _put_output(index, 0, f.payload[24:])

        def get_done(f: Frame, r: _Req) -> None:
            # index and offset checked by the request's accept (_get_req)
            index, off = struct.unpack_from("<II", f.payload)
            _put_output(index, off, f.payload[8:])

        def _put_output(index: int, off: int, data: bytes) -> None:
            st = partial.get(index)
            if st is None:
                raise LinkError(f"output bytes for window {index} before its RUN answer", completed=len(results))
            if off + len(data) > len(st["buf"]):
                raise LinkError(f"window {index}: output bytes {off}+{len(data)} past its {len(st['buf'])} bytes",
                                completed=len(results))
            st["buf"][off:off + len(data)] = data
            st["have"] += len(data)
            if st["have"] >= len(st["buf"]):
                del partial[index]
                if st["have"] != len(st["buf"]) or zlib.crc32(st["buf"]) != st["crc"]:
                    raise LinkError(f"window {index}: output CRC mismatch", completed=len(results))
                finish(WindowResult(index, bytes(st["buf"]), _opt(st["us"]), _opt(st["cyc"])))

        def source() -> Iterator:
            i = 0
            while i < n:
                p = self.p_limit
                k = min((p - 6) // max(1, in_size), (p - 6) // (8 + out_size), n - i, MAX_BATCH)
                if k >= 1:
                    first = start_index + i
                    yield _batch_req(first, k, b"".join(bytes(w) for w in windows[i:i + k]),
                                     in_size, out_size, batch_done, self.deflate)
                    i += k
                    continue
                index = start_index + i
                w = bytes(windows[i])
                off = 0
                while off < in_size:
                    r = _chunk_req(T_PUT_INPUT, off, w[off:off + 4 * p], p, None, self.deflate)
                    yield r
                    off += r.span[1]
                limit = max(0, min(out_size, p - 20))
                yield _run_req(index, zlib.crc32(w), limit, out_size, run_done, get_done)
                step = p - 8
                for off in range(limit, out_size, step):
                    yield _get_req(index, off, min(step, out_size - off), get_done)
                i += 1

        try:
            self._execute(source())
        except LinkError as e:
            if e.completed is None:
                e.completed = len(results)
            raise _with_count(e, len(results), n)
        if len(results) != n:
            raise LinkError(f"{n - len(results)} windows got no result", completed=len(results))
        return [results[start_index + i] for i in range(n)]

    # --- the engine ---------------------------------------------------------------------

    def _tx(self, r: _Req) -> None:
        if self.trace:
            self._log(f"tx {TYPE_NAMES.get(r.type)} seq {r.seq} try {r.tries + 1} ({len(r.line)} B)")
        # A second LF: should the frame's own be lost, the line still ends now, not at the next
        # frame (after a timeout); the empty line it makes otherwise costs the agent nothing.
        try:
            self.port.write(r.line + b"\n")
        except Exception as e:  # serial.SerialException, OSError: the port went away (as in _Reader)
            if isinstance(e, serial.SerialTimeoutException):
                raise LinkError(f"the board stopped reading: a {len(r.line) + 1}-byte frame was not taken "
                                f"in {self.timeout:g} s", "is the board hung? reset it and run again") from None
            raise LinkError(f"serial port closed: {e}", "the board was unplugged or the emulator exited") from None
        self.stats.bytes_sent += len(r.line) + 1
        self.stats.frames_sent += 1
        r.tx = time.monotonic()
        r.tries += 1
        if r.tries > 1:
            self.stats.retransmits += 1

    def _assign(self, r: _Req) -> None:
        r.seq = self._next
        self._next = (self._next + 1) & 0xFFFF
        r.line = encode_frame(r.type, r.seq, r.payload, r.flags, binary=self.binary and r.type != T_HELLO)
        r.tries = 0
        r.acked = False
        r.resp = None

    def _get(self, deadline: float):
        if self._reader is None:
            raise LinkError("the link is closed")
        try:
            return self._reader.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None

    def _log(self, msg: str) -> None:
        if self.trace:
            self.trace(msg)

    # Timing. The agent reads one frame at a time, and on a slow link (the emulated board takes
    # ~17 us to take in each byte) reading dominates, so the time until a frame's first answer
    # (its ACK or response) is modelled as OVERHEAD + bytes x byte_time, byte_time learnt from
    # the answers: the agent starts reading a frame when it has answered the one before.

    def _service(self, r: _Req) -> float:
        return OVERHEAD + len(r.line) * self._byte_time

    def _rto_for(self, r: _Req) -> float:
        base = max(2.5 * self._service(r), 4 * self._react) + self.rto_min
        return min(2.0, base * self._backoff)

    def _sample(self, r: _Req, now: float) -> None:
        """r's first answer came now: learn byte_time from it (never from a re-sent frame): the
        median of recent samples, and never less than a 115200-baud UART's (the usual speed of
        a USB-serial board; the emulated board is slower), so that an RTO is never too short
        (a too-short one re-sends frames the agent then has to read: a slow link gets slower)."""
        if r.tries != 1 or len(r.line) < 256:  # small frames say more about OVERHEAD than bytes
            return
        d = now - max(r.tx, self._t_free) - OVERHEAD
        self._bt_samples.append(max(1e-6, d / len(r.line)))
        self._byte_time = max(BYTE_TIME_MIN, sorted(self._bt_samples)[len(self._bt_samples) // 2])

    # After an ACK the agent is computing; its answer can still be lost. The compute time per
    # unit (a window, or a model load) is learnt per request type; until then it is taken to be
    # half a second. Re-sending too early costs only a duplicate the agent answers from its
    # cache once it is done.

    def _units(self, r: _Req) -> int:
        return struct.unpack_from("<IH", r.payload)[1] if r.type == T_BATCH else 1

    def _compute_rto(self, r: _Req) -> float:
        per = self._compute.get(r.type, 0.5)
        return min(self.timeout / 3, (3.0 * per * self._units(r) + self.rto_min + 2 * self._service(r)) * self._backoff)

    def _compute_sample(self, r: _Req, d: float) -> None:
        per = d / self._units(r)
        old = self._compute.get(r.type)
        self._compute[r.type] = per if old is None else old + (per - old) / 4

    def _holdoff(self, r: _Req, now: float) -> bool:
        """Too soon to re-send r again: a NAK or damaged line that comes sooner than half the
        usual reaction time after r was sent is the echo of earlier damage (one damaged line
        can come out as two), not the agent's reaction to the copy just sent."""
        return now - r.tx < 0.5 * self._react

    def _reacted(self, sole: _Req | None, now: float) -> None:
        """A line came from the agent. With one request in flight, sent when nothing else was
        pending, the delay is a sample of the agent's reaction time (read a frame, answer)."""
        if sole is not None and self._last_line < sole.tx:
            self._react += (now - sole.tx - self._react) / 4
        self._last_line = now

    def _text_hint(self) -> str:
        lines = [l.decode("utf-8", "replace") for l in list(self.text)[-5:]]
        return ("board said: " + " | ".join(lines)) if lines else ""

    def _on_text(self, line: bytes) -> None:
        """A line that is not a frame: text from MicroPython itself, or a damaged frame."""
        self.text.append(line)
        if any(m in line for m in RESET_MARKERS):
            raise BoardReset("the board reset (MicroPython banner on the serial port)",
                             self._text_hint())
        if CRASH_MARKER in line:
            # Give the traceback a moment to arrive, then report it.
            deadline = time.monotonic() + 0.3
            while (ev := self._get(deadline)) is not None and ev[0] == "line":
                if ev[1].strip():
                    self.text.append(ev[1].strip())
            raise LinkError("the agent stopped with an exception", self._text_hint())

    def _error_event(self) -> None:
        """A damaged or missing frame: smaller frames, smaller window."""
        self._streak = 0
        now = time.monotonic()
        if now - self._last_shrink > 0.05:
            self._last_shrink = now
            self.p_limit = max(MIN_PAYLOAD, self.p_limit // 2)
            self.w = max(1, self.w // 2)

    def _clean_event(self) -> None:
        self._streak += 1
        if self._streak >= 16:
            self._streak = 0
            self.p_limit = min(self.p_max, self.p_limit * 2)
            self.w = min(self.w_max, self.w + 1)

    def _handshake(self, ftype: int, payload: bytes, timeout: float | None = None,
                   quiet: bool = False) -> Frame:
        """Stop-and-wait exchange that (re)starts the sequence space (HELLO, SYNC) or ends
        the session (EXIT)."""
        timeout = self.timeout if timeout is None else timeout
        if ftype != T_EXIT:
            self._next = (self._next + 0x4000 + random.randrange(0x1000)) & 0xFFFF
        r = _Req(ftype, payload + os.urandom(4) if ftype == T_SYNC else payload)
        self._assign(r)
        start = time.monotonic()
        self._drain()
        self._t_free = start
        self._tx(r)
        backoff = 1.0
        while True:
            now = time.monotonic()
            if now - start > timeout:
                if quiet:
                    raise LinkError("no answer")
                raise LinkError(f"the board does not answer ({timeout:.1f} s without a reply to "
                                f"{TYPE_NAMES[ftype]})", self._text_hint() or
                                "is the agent running? is this the right port?")
            ev = self._get(min(r.tx + self._rto_for(r) * backoff, start + timeout))
            if ev is None:
                if time.monotonic() - start > timeout:
                    continue
                self.stats.timeouts += 1
                backoff = min(backoff * 2, 64.0)
                self._tx(r)
                continue
            if ev[0] == "closed":
                raise LinkError(f"serial port closed: {ev[1]}", "the board was unplugged or the emulator exited")
            now = ev[2]
            f = decode_line(ev[1])
            if ev[1].strip():
                self._reacted(r, now)
            if f is None:
                if not ev[1].strip():
                    continue
                self.stats.bad_frames += 1
                if not quiet:
                    self._on_text(ev[1].strip())
                self._tx(r)  # one request in flight: see _resend_unanswered
                continue
            self.stats.frames_received += 1
            if f.seq == r.seq and f.type in (ftype | RESPONSE, T_ERR):
                if ftype == T_SYNC and f.payload != r.payload:
                    continue
                self._sample(r, now)
                self._t_free = now
                self._last_progress = now
                if f.type == T_ERR:
                    raise AgentError(f"the agent refused {TYPE_NAMES[ftype]}: {f.payload.decode('utf-8', 'replace')}")
                return f
            if ftype != T_HELLO and (f.type == T_READY or (f.type == T_NAK and f.flags & F_FRESH)):
                raise BoardReset("the agent restarted (it no longer knows this session): the board reset",
                                 self._text_hint())
            if f.type == T_NAK:
                self.stats.naks += 1
                self._tx(r)
            # anything else: a late answer from before this exchange

    def _drain(self) -> None:
        """Drop lines already received (answers to a previous, abandoned exchange)."""
        if self._reader is None:
            return
        while True:
            try:
                ev = self._reader.lines.get_nowait()
            except queue.Empty:
                return
            if ev[0] == "closed":
                self._reader.lines.put(ev)
                return

    def _resync(self) -> None:
        self.stats.resyncs += 1
        self._log(f"resync: payload limit {self.p_limit}, window {self.w}")
        self._handshake(T_SYNC, b"")

    def _execute(self, source: Iterator) -> None:
        """Send the requests of `source` through the window, in order; call each request's
        callback with its answer, in order. Raises LinkError / AgentError."""
        if self._dirty:
            self._resync()
        self._dirty = True  # until this returns normally, the agent's state is unknown
        pending: collections.deque[_Req] = collections.deque()
        out: collections.deque[_Req] = collections.deque()
        by_seq: dict[int, _Req] = {}
        exhausted = False
        barrier = False
        self._last_progress = self._t_free = time.monotonic()
        self._backoff = 1.0
        while True:
            # Fill the window.
            while len(out) < self.w and not barrier:
                if pending:
                    r = pending.popleft()
                elif not exhausted:
                    r = next(source, None)
                    if r is None:
                        exhausted = True
                        break
                    if r is BARRIER:
                        barrier = True
                        break
                else:
                    break
                self._assign(r)
                self._tx(r)
                out.append(r)
                by_seq[r.seq] = r
            if not out:
                if barrier:
                    barrier = False
                    continue
                if exhausted and not pending:
                    self._dirty = False
                    return
                continue

            head = out[0]
            if head.acked:  # running: its answer is due after about the usual compute time
                deadline = head.ack_time + self._compute_rto(head)
            else:
                deadline = max(head.tx, self._t_free) + self._rto_for(head)
            stall = self._last_progress + self.timeout
            ev = self._get(min(deadline, stall))
            now = time.monotonic()
            if ev is None:
                if now >= stall:
                    raise LinkError(f"the board stopped answering ({self.timeout:.1f} s without progress)",
                                    self._text_hint() or "the board may have hung or lost power")
                if now < deadline:
                    continue
                # Nothing for the oldest request within its RTO: send the window again. (A
                # timeout alone is no evidence of damage - the board may just be slow - so it
                # backs off, but does not shrink frames; NAKs and damaged lines do.)
                self.stats.timeouts += 1
                self._log(f"timeout: {TYPE_NAMES.get(head.type)} seq {head.seq} ({len(head.line)} B, "
                          f"try {head.tries}) after {now - max(head.tx, self._t_free):.3f} s; "
                          f"byte time {self._byte_time * 1e6:.1f} us")
                self._backoff = min(self._backoff * 2, 64.0)
                if head.acked:
                    # Running, but its answer is overdue (lost?): ask again, then wait again.
                    head.ack_time = now
                if self._maybe_resync(out, pending, by_seq):
                    continue
                # Only the oldest: had it been lost, the agent would have NAKed the ones after
                # it (and we would have re-sent them all); re-sending the whole window after a
                # timeout that was only slowness would bury the agent in duplicates.
                self._tx(head)
                continue
            if ev[0] == "closed":
                raise LinkError(f"serial port closed: {ev[1]}", "the board was unplugged or the emulator exited")
            line, now = ev[1], ev[2]
            f = decode_line(line)
            if line.strip():
                self._reacted(head if len(out) == 1 else None, now)
            if self.trace:
                self._log(f"rx {f!r}" if f else f"rx damaged line ({len(line)} B)")
            if f is None:
                if not line.strip():
                    continue
                self.stats.bad_frames += 1
                self._on_text(line.strip())
                # A damaged answer: whatever is unanswered may need sending again.
                self._error_event()
                if not self._maybe_resync(out, pending, by_seq):
                    self._resend_unanswered(out, now)
                continue
            self.stats.frames_received += 1
            if f.type == T_NAK:
                if f.flags & F_FRESH:
                    raise BoardReset("the agent restarted (it no longer knows this session): "
                                     "the board reset", self._text_hint())
                self.stats.naks += 1
                self._t_free = now
                self._backoff = 1.0  # it answers: what was lost was damaged, not unanswered
                self._error_event()
                if not self._maybe_resync(out, pending, by_seq):
                    self._resend_unanswered(out, now)
                continue
            if f.type == T_READY:
                raise BoardReset("the agent restarted (READY in the middle of a session)", self._text_hint())
            r = by_seq.get(f.seq)
            if r is None:
                continue  # a late duplicate
            if f.type == T_ACK:
                if not r.acked and r.resp is None:
                    r.acked = True
                    r.ack_time = now
                    self._last_progress = now
                    self._sample(r, now)
                continue
            if f.type != (r.type | RESPONSE) and f.type != T_ERR:
                self.stats.bad_frames += 1
                continue
            if r.resp is not None:
                continue
            if f.type != T_ERR and self._rejected(r, f):
                continue
            if not r.acked and r.type not in ACKED:
                self._sample(r, now)
            if r.acked:
                self._compute_sample(r, now - r.ack_time)
            r.resp = f
            self._t_free = now
            self._last_progress = now
            self._backoff = 1.0
            # Answers come in order: an earlier request still unanswered lost its answer.
            for q in out:
                if q is r:
                    break
                if q.resp is None and not self._holdoff(q, now):
                    self._tx(q)
            while out and out[0].resp is not None:
                q = out.popleft()
                del by_seq[q.seq]
                self._clean_event()
                self._deliver(q)

    def _rejected(self, r: _Req, f: Frame) -> bool:
        """True when f, an answer of r's type and seq, is not r's answer (it belongs to other data:
        stale, replayed, or malformed): it is dropped and r sent again - up to MAX_REJECTS times."""
        why = _check(r.accept, f.payload) if r.accept is not None else None
        if why is None:
            r.rejects = 0
            return False
        r.rejects += 1
        self.stats.bad_frames += 1
        self._log(f"rejected {TYPE_NAMES.get(r.type)} answer seq {r.seq}: {why}")
        if r.rejects >= MAX_REJECTS:
            raise LinkError(f"the agent's {TYPE_NAMES.get(r.type)} answer does not match the request "
                            f"({MAX_REJECTS} times): {why}", "is this agent from this host's checkout?",
                            completed=self.completed)
        self._tx(r)
        return True

    def _deliver(self, r: _Req) -> None:
        f = r.resp
        assert f is not None
        name = TYPE_NAMES.get(r.type, r.type)
        if f.type == T_ERR:
            raise AgentError(f"the board reported an error for {name}: "
                             f"{f.payload.decode('utf-8', 'replace')}")
        if r.cb is not None:
            try:
                r.cb(f, r)
            except (struct.error, ValueError, KeyError, IndexError, TypeError) as e:
                raise LinkError(f"malformed {name} answer from the agent ({len(f.payload)} bytes): {e}",
                                completed=self.completed) from None

    def _resend_unanswered(self, out: collections.deque, now: float) -> None:
        # With one request in flight, each NAK or damaged line re-sends it at once: one line
        # back per copy sent, so this never snowballs (the rare line that damage splits in two
        # costs one duplicate, which the agent answers from its cache). With several in flight,
        # one burst of damage can make several such lines: each request goes again at most once
        # per half reaction time.
        for r in out:
            if r.resp is None and (len(out) == 1 or not self._holdoff(r, now)):
                self._tx(r)

    def _maybe_resync(self, out: collections.deque, pending: collections.deque, by_seq: dict) -> bool:
        """When the oldest request keeps failing and is larger than the frame size now allowed,
        re-send everything unanswered, split to the new size, in a new sequence space."""
        head = out[0]
        if head.tries < 2 or len(head.line) <= _line_len(self.p_limit) or head.split is None:
            return False
        redo: list[_Req] = []
        for r in out:  # answered or not: the callbacks run in order, so all of it is redone
            redo.extend(r.split(r, self.p_limit) if r.split else [r])
        out.clear()
        by_seq.clear()
        pending.extendleft(reversed(redo))
        self._resync()
        return True


# --- request builders ---------------------------------------------------------------------


def _line_len(payload: int) -> int:
    """The longest line a frame with this payload can be (binary lines are usually shorter)."""
    return 1 + 4 * ((payload + 10 + 2) // 3) + 1


def _deflate(data: bytes) -> bytes:
    """Raw deflate with a 512-byte window: what the agent inflates (deflate.RAW, 9)."""
    c = zlib.compressobj(6, zlib.DEFLATED, -9)
    return c.compress(data) + c.flush()


def _chunk_req(ftype: int, off: int, data: bytes, limit: int, cb, deflate: bool) -> _Req:
    """A LOAD_CHUNK / PUT_INPUT request writing a prefix of `data` (which belongs at `off`) in
    at most `limit` payload bytes: deflated when that saves a tenth or more (a frame may then
    carry up to 4x its size of data), else as is. `r.span` = (offset, bytes covered, their
    CRC-32), which the answer must echo."""
    raw_n = min(len(data), limit - 4)
    if deflate and len(data) >= 64:
        for u in sorted({min(len(data), m * (limit - 8)) for m in (4, 2, 1)}, reverse=True):
            z = _deflate(data[:u])
            if len(z) + 8 <= limit and (len(z) + 8) / u < 0.9 * (raw_n + 4) / raw_n:
                return _Req(ftype, struct.pack("<II", off, u) + z, cb, _split_chunk, F_DEFLATE,
                            (off, u, zlib.crc32(data[:u])))
    return _Req(ftype, struct.pack("<I", off) + data[:raw_n], cb, _split_chunk, 0,
                (off, raw_n, zlib.crc32(data[:raw_n])))


def _split_chunk(r: _Req, limit: int) -> list[_Req]:
    off, n, _ = r.span
    if r.flags & F_DEFLATE:
        data = _inflate_host(r.payload[8:], n)
    else:
        data = r.payload[4:]
    deflate = bool(r.flags & F_DEFLATE)
    out, k = [], 0
    while k < n:
        q = _chunk_req(r.type, off + k, data[k:], limit, r.cb, deflate)
        out.append(q)
        k += q.span[1]
    return out


def _inflate_host(z: bytes, n: int) -> bytes:
    d = zlib.decompressobj(-9)
    data = d.decompress(z) + d.flush()
    assert len(data) == n
    return data


def _batch_req(first: int, count: int, data: bytes, in_size: int, out_size: int, cb,
               deflate: bool = False) -> _Req:
    def split(r: _Req, limit: int) -> list[_Req]:
        k = max(1, min((limit - 6) // max(1, in_size), (limit - 6) // (8 + out_size)))
        if k >= count:
            return [_batch_req(first, count, data, in_size, out_size, cb, deflate)]
        return [_batch_req(first + j, min(k, count - j), data[j * in_size:(j + min(k, count - j)) * in_size],
                           in_size, out_size, cb, deflate) for j in range(0, count, k)]

    head = struct.pack("<IH", first, count)
    want = head + struct.pack("<I", zlib.crc32(data))
    size = 10 + count * (8 + out_size)

    def accept(p: bytes) -> str | None:
        if p[:10] != want:
            got_first, got_count, got_crc = struct.unpack_from("<IHI", p)
            return (f"answer for windows {got_first}+{got_count} with input CRC {got_crc:#010x}, "
                    f"asked {first}+{count} with {zlib.crc32(data):#010x}")
        return None if len(p) == size else f"{len(p)} bytes for {count} windows, expected {size}"

    if deflate and len(data) >= 64:
        z = _deflate(data)
        if len(z) + 4 < 0.9 * len(data):
            return _Req(T_BATCH, head + struct.pack("<I", len(data)) + z, cb, split, F_DEFLATE, accept=accept)
    return _Req(T_BATCH, head + data, cb, split, accept=accept)


def _run_req(index: int, in_crc: int, limit: int, out_size: int, run_cb, get_cb) -> _Req:
    def split(r: _Req, plimit: int) -> list[_Req]:
        new = max(0, min(limit, plimit - 20))
        reqs = [_run_req(index, in_crc, new, out_size, run_cb, get_cb)]
        step = max(1, plimit - 8)
        reqs += [_get_req(index, off, min(step, limit - off), get_cb) for off in range(new, limit, step)]
        return reqs

    want = struct.pack("<II", index, in_crc)

    def accept(p: bytes) -> str | None:
        if p[:8] != want:
            got_index, got_crc = struct.unpack_from("<II", p)
            return f"answer for window {got_index} with input CRC {got_crc:#010x}, asked {index} with {in_crc:#010x}"
        return None if 24 <= len(p) <= 24 + limit else f"{len(p)} bytes with at most {limit} of output"

    return _Req(T_RUN, struct.pack("<III", index, in_crc, limit), run_cb, split, accept=accept)


def _info_req(kind: int, off: int, n: int, cb) -> _Req:
    def split(r: _Req, limit: int) -> list[_Req]:
        if off == 0:  # offset 0 (re)makes the text and says how long it is: keep it whole
            return [_info_req(kind, 0, max(1, min(n, limit - 8)), cb)]
        step = max(1, limit - 8)
        return [_info_req(kind, o, min(step, off + n - o), cb) for o in range(off, off + n, step)]

    return _Req(T_INFO, struct.pack("<BIH", kind, off, n), cb, split)


def _get_req(index: int, off: int, n: int, cb) -> _Req:
    def split(r: _Req, limit: int) -> list[_Req]:
        step = max(1, limit - 8)
        return [_get_req(index, o, min(step, off + n - o), cb) for o in range(off, off + n, step)]

    want = struct.pack("<II", index, off)

    def accept(p: bytes) -> str | None:
        if p[:8] != want or len(p) - 8 > n:
            return f"answer for {len(p) - 8} bytes at {p[4:8].hex()} of window {p[:4].hex()}, asked {n} at {off} of {index}"
        return None

    return _Req(T_GET_OUTPUT, struct.pack("<III", index, off, n), cb, split, accept=accept)


def _span_check(span: tuple):
    want = struct.pack("<III", *span)

    def accept(p: bytes) -> str | None:
        if p == want:
            return None
        got = struct.unpack_from("<III", p) if len(p) == 12 else f"{len(p)} bytes"
        return f"answer for (offset, bytes, CRC) {got}, asked {span}"

    return accept


def _check(accept, payload: bytes) -> str | None:
    try:
        return accept(payload)
    except struct.error:
        return f"a {len(payload)}-byte answer, too short"


def _opt(v: int) -> int | None:
    return None if v == NONE32 else v


def _with_count(e: LinkError, done: int, total: int) -> LinkError:
    what = f"{e.what}; {done} of {total} windows completed"
    new = type(e)(what, e.hint, completed=done)
    new.__cause__ = e.__cause__
    return new
