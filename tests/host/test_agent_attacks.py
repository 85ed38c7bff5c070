"""The serial agent and the host link against hostile or broken input (issue 11): a line longer
than any frame, a deflate bomb, a model address outside the agent's RAM, a replayed BATCH answer,
malformed INFO answers, a non-UTF-8 tensor name, a model whose serving would run out of heap, an
agent of another protocol version.

Most run on the Unix-port stand-in board (linkutil.unix_board: the same agent, no emulator);
those about the emulated board's memory (wild address, RAM check, the long line in a 200 KB heap)
run on it (build/qemu/firmware.elf, `make qemu`).
"""

import struct
import subprocess
import zlib

import numpy as np
import pytest

import mputil
from faultproxy import RewriteProxy
from linkutil import unix_board
from single_op_models import build_unary_model
from tinyml_host import agent_ram, link as linkmod
from tinyml_host.board import ConnectedBoard
from tinyml_host.inspect import inspect_model
from tinyml_host.link import AgentError, Link, LinkError, ProtocolMismatch
from tinyml_host.validate import Reference

HELLO = "tflm/hello_world_int8.tflite"
KWS = "mlperf_tiny/kws_ref_model.tflite"


def windows_for(model: bytes, n: int, seed: int = 0) -> list[bytes]:
    from tinyml_host.tflite_model import read_model

    t = read_model(model).inputs[0]
    rng = np.random.default_rng(seed)
    return [rng.integers(-128, 128, t.elements, dtype=np.int8).tobytes() for _ in range(n)]


def send(link: Link, ftype: int, payload: bytes, flags: int = 0) -> None:
    """One raw request through the link's window (its answer checked as usual)."""
    link._execute(iter([linkmod._Req(ftype, payload, flags=flags)]))


def still_serves(link: Link, model: bytes, index: int = 3) -> None:
    """The agent is alive, holds `model` and runs it right."""
    w = windows_for(model, 1, seed=index)[0]
    r = link.run(w, index=index)
    assert r.index == index and r.output == Reference(model).run(w)


# --- the Unix-port board ------------------------------------------------------------------------


def test_line_longer_than_any_frame_is_dropped_with_a_nak(models_dir):
    """300 KB without a newline in a 256 KB heap: the agent reads it in bounded pieces, drops it,
    NAKs, and serves on with its model (it used to die of a MemoryError in readline)."""
    model = (models_dir / HELLO).read_bytes()
    with unix_board(heapsize="256K") as (port, proc):
        link = Link.connect(port, start_agent=False)
        try:
            link.load_model(model)
            naks = link.stats.naks
            link.port.write(b"!" + b"A" * 300_000 + b"\n")
            still_serves(link, model)
            assert proc.poll() is None
            assert link.stats.naks > naks or link.stats.retransmits > 0
        finally:
            link.close()


def test_deflate_bomb_is_refused_and_the_model_kept(models_dir):
    """A PUT_INPUT whose deflate header claims 50,000,000 bytes: refused before any allocation,
    and the model stays loaded (a MemoryError used to unload it: "no model loaded")."""
    model = (models_dir / HELLO).read_bytes()
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False)
        try:
            link.load_model(model)
            z = zlib.compressobj(6, zlib.DEFLATED, -9)
            bomb = z.compress(bytes(100_000)) + z.flush()
            with pytest.raises(AgentError, match="claims 50000000 bytes"):
                send(link, linkmod.T_PUT_INPUT, struct.pack("<II", 0, 50_000_000) + bomb, linkmod.F_DEFLATE)
            still_serves(link, model)
        finally:
            link.close()


def test_errors_inside_requests_are_answered_and_the_model_kept(models_dir):
    """Requests that fail - a model larger than the heap, an INFO of no kind, a RUN too short
    for its fields - are ERR answers from the agent's one error boundary; the model stays
    loaded (a LOAD_BEGIN that cannot fit is refused before the model is unloaded)."""
    model = (models_dir / HELLO).read_bytes()
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False)
        try:
            link.load_model(model)
            with pytest.raises(AgentError, match="MemoryError: a model of 50000000 bytes does not fit"):
                send(link, linkmod.T_LOAD_BEGIN, struct.pack("<III", 50_000_000, 1, 0))
            with pytest.raises(AgentError, match="unknown INFO kind"):
                send(link, linkmod.T_INFO, struct.pack("<BIH", 7, 0, 100))
            with pytest.raises(AgentError):
                send(link, linkmod.T_RUN, b"\x01")  # too short for its fields
            still_serves(link, model)
        finally:
            link.close()


def test_load_address_outside_the_agents_ram_is_refused_on_unix(models_dir):
    """The Unix port has no RAM outside the heap for models: any address is refused (it used to
    write through uctypes.bytearray_at(0x400): a segfault)."""
    model = (models_dir / HELLO).read_bytes()
    with unix_board() as (port, proc):
        link = Link.connect(port, start_agent=False)
        try:
            link.load_model(model)
            with pytest.raises(AgentError, match="no RAM outside the heap"):
                link.load_model((models_dir / KWS).read_bytes(), address=0x400)
            still_serves(link, model)
            assert proc.poll() is None
        finally:
            link.close()


def test_load_file_name_not_utf8_is_refused_and_the_model_kept(models_dir):
    """A LOAD_FILE whose file name is not UTF-8 (found by fuzz/fuzz_agent.py) is an ERR that
    says so, and the model stays loaded (it used to be unloaded first, then the name failed to
    decode: "UnicodeError ... (a tensor name in the model?)" and "no model loaded" after)."""
    model = (models_dir / HELLO).read_bytes()
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False)
        try:
            link.load_model(model)
            with pytest.raises(AgentError, match="LOAD_FILE: the file name is not valid UTF-8"):
                send(link, linkmod.T_LOAD_FILE, b".\x89")
            still_serves(link, model)
        finally:
            link.close()


def replay_batches(line: bytes, recorded: dict, state: dict) -> bytes:
    """Record BATCH answers; once state['replay'] is set, answer each BATCH (first, count) once
    with the recorded answer of the same windows from before, re-stamped with the current seq."""
    f = linkmod.decode_line(line)
    if f is None or f.type != linkmod.T_BATCH | linkmod.RESPONSE:
        return line
    key = f.payload[:6]
    if not state["replay"]:
        recorded[key] = f.payload
        return line
    if key in recorded and key not in state["done"]:
        state["done"].add(key)
        return linkmod.encode_frame(f.type, f.seq, recorded[key], f.flags, binary=line.startswith(b"!"))[:-1]
    return line


def test_replayed_batch_answer_is_rejected_and_re_requested(models_dir):
    """Every BATCH answer of a second run is first replaced by the first run's answer for the same
    windows (a valid frame, right seq, wrong data): each is rejected by its input CRC and asked
    again, and every window gets its own output (it used to take the replay: 63 of 128 wrong)."""
    model = (models_dir / KWS).read_bytes()
    first, second = windows_for(model, 16, seed=1), windows_for(model, 16, seed=2)
    recorded, state = {}, {"replay": False, "done": set()}
    with unix_board() as (port, _):
        with RewriteProxy(port, lambda line: replay_batches(line, recorded, state)) as proxy:
            link = Link.connect(proxy.path, start_agent=False, probe_timeout=5)
            try:
                link.load_model(model)
                link.run_batch(first)
                state["replay"] = True
                bad = link.stats.bad_frames
                results = link.run_batch(second)
                rejected = link.stats.bad_frames - bad
            finally:
                link.close()
    ref = Reference(model)
    assert state["done"], "nothing was replayed: the test tests nothing"
    wrong = [r.index for r, w in zip(results, second) if r.output != ref.run(w)]
    assert not wrong, f"windows {wrong} got another window's output"
    assert rejected >= len(state["done"])


MALFORMED_INFO = {
    "not JSON": b"{'inputs': [], 'outputs': []",
    "empty object": b"{}",
    "wrong types": b'{"inputs": 5, "outputs": [], "ops": [], "arena_bytes": "x"}',
    "deep nesting": b"[" * 400 + b"]" * 400,
    "a list": b"[1, 2, 3]",
    "NaN scale": (b'{"inputs": [[0, "x", [1], "int8", NaN, 0]], "outputs": [], "ops": [], "arena_bytes": 1, '
                  b'"state_bytes": 1, "input_bytes": 1, "output_bytes": [], "model_size": 1, "model_crc": 1, '
                  b'"timer": "none", "mem_free": 1}'),
    "infinite size": b'{"arena_bytes": 1e999}',
    "not UTF-8": b'{"inputs": "\xff\xfe"}',
}


@pytest.mark.parametrize("text", list(MALFORMED_INFO.values()), ids=list(MALFORMED_INFO))
def test_malformed_info_is_a_link_error(models_dir, text):
    """The agent's model INFO replaced on the wire by a malformed text: a LinkError naming it
    (never KeyError, TypeError, ValueError or MemoryError from ast.literal_eval, nor a dict that
    later breaks run_batch)."""
    model = (models_dir / HELLO).read_bytes()

    def rewrite(line: bytes) -> bytes:
        f = linkmod.decode_line(line)
        if f is None or f.type != linkmod.T_INFO | linkmod.RESPONSE:
            return line
        total, off = struct.unpack_from("<II", f.payload)
        if not state["on"] or total > 4000:  # the board INFO (kind 0) is longer: leave it
            return line
        piece = text[off:off + len(f.payload) - 8] if off else text[:len(f.payload) - 8]
        return linkmod.encode_frame(f.type, f.seq, struct.pack("<II", len(text), off) + piece, f.flags,
                                    binary=line.startswith(b"!"))[:-1]

    state = {"on": False}
    with unix_board() as (port, _):
        with RewriteProxy(port, rewrite) as proxy:
            link = Link.connect(proxy.path, start_agent=False, probe_timeout=5)
            try:
                link.load_model(model)
                state["on"] = True
                with pytest.raises(LinkError, match="malformed INFO|INFO text of"):
                    link.info()
            finally:
                state["on"] = False
                link.close()


def test_info_text_claiming_gigabytes_is_a_link_error():
    """An INFO answer claiming a 4 GB text is refused at once, not fetched piece by piece."""
    with pytest.raises(LinkError, match="malformed INFO"):
        linkmod.parse_info(b" " * (linkmod.MAX_TEXT + 1), 1)


def test_non_utf8_tensor_name_is_shown_not_raised(models_dir):
    """A model whose tensor name is not UTF-8 (it used to fail with "UnicodeError: " and nothing
    else): tinyml shows the bad byte as '?', so the model loads, INFO describes it and it runs."""
    from tinyml_host.tflite_model import read_model

    model = (models_dir / HELLO).read_bytes()
    name = read_model(model).inputs[0].name.encode()
    assert model.count(name) == 1
    bad = model.replace(name, b"\xff" + name[1:])
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False)
        try:
            link.load_model(bad)
            assert link.info()["inputs"][0][1] == "?" + name[1:].decode()
            still_serves(link, bad)
        finally:
            link.close()


def test_agent_of_another_protocol_is_a_clear_error(models_dir, tmp_path):
    """The agent of protocol 1 (before this change, from git) running on the board: connecting
    without starting our own agent is a ProtocolMismatch that says how to fix it."""
    old = subprocess.run(["git", "show", "064a948:device/python/tinyml_agent.py"], cwd=mputil.REPO_ROOT,
                         capture_output=True, check=True).stdout
    (tmp_path / "tinyml_agent.py").write_bytes(old)
    with unix_board(agent_dir=tmp_path) as (port, _):
        with pytest.raises(ProtocolMismatch, match="speaks link protocol 1, this host protocol 2") as e:
            Link.connect(port, start_agent=False)
    assert "start_agent=True" in e.value.hint


def test_agent_ram_formula_is_the_hosts():
    """The agent's agent_bytes() (run in the Unix port) equals tinyml_host.agent_ram's, the one
    `inspect` adds: one formula on both sides."""
    cases = [(490, 12, True), (30000, 30000, True), (3072, 10, False), (1, 1, True), (27648, 2, False)]
    script = (f"import sys; sys.path.insert(0, {str(mputil.REPO_ROOT / 'device' / 'python')!r})\n"
              "import tinyml_agent\n"
              f"for a, b, c in {cases!r}: print(tinyml_agent.agent_bytes(a, b, c))\n")
    device = [int(v) for v in mputil.run_script(script).split()]
    assert device == [agent_ram.agent_bytes(*c) for c in cases]


# --- the emulated board -------------------------------------------------------------------------


def test_wild_load_address_is_refused_on_the_emulated_board(emu, models_dir):
    """LOAD_BEGIN at 0x400 (inside the firmware image), or running past the end of the spare RAM:
    refused before a byte is written; the model already loaded stays and runs. A load into the
    spare RAM the firmware records works."""
    hello = (models_dir / HELLO).read_bytes()
    kws = (models_dir / KWS).read_bytes()
    with ConnectedBoard(Link.connect(emu.pty), emu.pty, emu) as board:
        start, end = emu.spare_ram
        board.link.load_model(hello, address=board.model_address(len(hello)))
        for address in (0x400, end - len(kws) + 4, start - 4):
            with pytest.raises(AgentError, match="outside the RAM for models"):
                board.link.load_model(kws, address=address)
            still_serves(board.link, hello)
        assert board.link.board_info()["spare_ram"] == [start, end]
        board.link.load_model(kws, address=end - len(kws))
        still_serves(board.link, kws)


def test_long_line_on_the_emulated_board(emu, models_dir):
    """190 KB without a newline into the board's 200 KB heap, with KWS loaded: dropped, the agent
    serves on (a line of ~140 KB used to end it with a MemoryError in readline)."""
    model = (models_dir / KWS).read_bytes()
    with ConnectedBoard(Link.connect(emu.pty), emu.pty, emu) as board:
        board.link.load_model(model, address=board.model_address(len(model)))
        # The emulated UART drains the pty slowly on a loaded machine: give the write time
        # (the link's own write timeout is for frames, not for 190 KB in one go).
        board.link.port.write_timeout = 180
        board.link.port.write(b"!" + b"\x55" * 190_000 + b"\n")
        still_serves(board.link, model)


def test_model_whose_serving_needs_more_heap_is_refused_up_front(emu, models_dir):
    """RELU over [1, 30000]: the arena (60 KB) fits the 200 KB heap, but serving it (five kept
    30 KB outputs and the link's buffers) does not. `inspect --board qemu` says it does not fit,
    and the board refuses it at load with the same figure - it used to accept it, then fail at
    RUN with a MemoryError that dropped the model."""
    relu = build_unary_model("RELU", [1, 30000], (0.1, 0), (0.1, 0))
    fit = inspect_model(relu, board="qemu")["boards"][0]
    assert not fit["ram_fits"]
    assert fit["ram_agent"] == agent_ram.agent_bytes(30000, 30000)
    hello = (models_dir / HELLO).read_bytes()
    with ConnectedBoard(Link.connect(emu.pty), emu.pty, emu) as board:
        with pytest.raises(AgentError, match=r"MemoryError: the model needs \d+ bytes of heap") as e:
            board.link.load_model(relu, address=board.model_address(len(relu)))
        assert f"agent {fit['ram_agent']} " in str(e.value)
        board.link.load_model(hello, address=board.model_address(len(hello)))
        still_serves(board.link, hello)
