"""The serial link's framing and the host-side input handling, without a board (plus one check
of the host's quantization against the device's, in the Unix port)."""

import random
import warnings
import zlib

import numpy as np
import pytest

import mputil
from tinyml_host import link, protocol
from tinyml_host.errors import TinymlError
from tinyml_host.validate import load_windows, quantize

REPO = mputil.REPO_ROOT

SPECIAL = bytes([0x0A, 0x0D, 0x1B, 0x03, 0x31, 0x32, 0x33, 0x34, 0x21, 0x23, 0x00, 0xFF])


def payloads():
    rng = random.Random(7)
    yield b""
    yield SPECIAL
    yield bytes([0x1B]) * 50 + b"\x1b1\x1b2\x1b3\x1b4"
    yield bytes(range(256)) * 4
    for n in (1, 2, 3, 100, 1000):
        yield bytes(rng.randrange(256) for _ in range(n))
        yield bytes(rng.choice(SPECIAL) for _ in range(n))


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "base64"])
def test_frames_round_trip(binary):
    for i, p in enumerate(payloads()):
        line = protocol.encode_frame(0x21, 0xFFF0 + i, p, flags=0x04, binary=binary)
        assert line.endswith(b"\n") and line.count(b"\n") == 1, "one line per frame"
        assert b"\r" not in line and b"\x03" not in line, "no CR or Ctrl-C inside a frame"
        f = protocol.decode_line(line[:-1])
        assert f is not None, f"payload {i} did not decode"
        assert (f.type, f.flags, f.seq, f.payload) == (0x21, 0x04, (0xFFF0 + i) & 0xFFFF, p)
        # A CRLF line end (boards that cook their output) decodes the same.
        assert protocol.decode_line(line[:-1] + b"\r").payload == p


def test_escape_is_exact_on_adversarial_data():
    rng = random.Random(3)
    alphabet = b"\x1b\x0a\x0d\x031234"
    for _ in range(2000):
        raw = bytes(rng.choice(alphabet) for _ in range(rng.randrange(1, 20)))
        esc = protocol.escape(raw)
        assert not set(esc) & {0x0A, 0x0D, 0x03}
        assert protocol.unescape(esc) == raw, raw


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "base64"])
def test_damaged_frames_are_rejected(binary):
    """Every single dropped byte and every single changed byte makes the line fail (the CRC-32,
    the length field or the encoding catches it) or still decode to the very same frame (a
    lone escape byte before an escape pair) - never a wrong frame accepted."""
    rng = random.Random(11)
    payload = bytes(rng.randrange(256) for _ in range(120)) + SPECIAL
    line = protocol.encode_frame(0x22, 1234, payload, binary=binary)[:-1]
    for i in range(len(line)):
        f = protocol.decode_line(line[:i] + line[i + 1:])
        assert f is None or (f.payload == payload and f.seq == 1234), f"drop at {i} accepted"
        for x in (1, 0x80, rng.randrange(1, 256)):
            changed = line[:i] + bytes([line[i] ^ x]) + line[i + 1:]
            f = protocol.decode_line(changed)
            assert f is None or (f.payload == payload and f.seq == 1234), f"change at {i} accepted"


def test_chunk_requests_cover_the_data_and_split_exactly():
    rng = np.random.default_rng(0)
    compressible = bytes(np.repeat(rng.integers(0, 256, 300, dtype=np.uint8), 7))
    noise = rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
    for data in (compressible, noise):
        for limit in (48, 200, 1024):
            off, got = 0, bytearray()
            while off < len(data):
                r = link._chunk_req(protocol.T_LOAD_CHUNK, 100 + off, data[off:off + 4 * limit], limit, None, True)
                assert len(r.payload) <= limit
                o, n, crc = r.span
                assert o == 100 + off
                body = link._inflate_host(r.payload[8:], n) if r.flags & protocol.F_DEFLATE else r.payload[4:]
                assert len(body) == n and zlib.crc32(body) == crc
                got += body
                # A resync to a smaller frame size re-splits it into the same bytes.
                parts = r.split(r, 48)
                assert all(len(q.payload) <= 48 for q in parts)
                assert parts[0].span[0] == o and sum(q.span[1] for q in parts) == n
                off += n
            assert bytes(got) == data
    # Compressible data goes deflated, and a frame then carries more than its size.
    r = link._chunk_req(protocol.T_LOAD_CHUNK, 0, compressible[:4096], 1024, None, True)
    assert r.flags & protocol.F_DEFLATE and r.span[1] > 1024


def test_quantize_rounds_half_away_from_zero_and_saturates():
    scale, zp = 0.5, -3
    x = np.array([0.25, 0.75, -0.25, -0.75, 1.0, -1.0, 0.2499999, 1e9, -1e9, np.inf, -np.inf, np.nan,
                  63.0, 63.25, 64.0], dtype=np.float32)
    # x / 0.5 = 0.5 -> 1, 1.5 -> 2, -0.5 -> -1, -1.5 -> -2 (half away from zero), then + zp
    want = [-2, -1, -4, -5, -1, -5, -3, 127, -128, 127, -128, -3, 123, 124, 125]
    assert quantize(x, scale, zp).tolist() == want


def test_quantize_matches_the_device(models_dir):
    """Host quantization = the device's (tm_io.c), bit for bit, on values at rounding edges."""
    model = models_dir / "mlperf_tiny" / "kws_ref_model.tflite"
    from tinyml_host.tflite_model import read_model

    t = read_model(model.read_bytes()).inputs[0]
    rng = np.random.default_rng(5)
    n = t.elements
    # Halfway points of the scale (in float32), their neighbours, extremes and plain noise.
    k = rng.integers(-140, 140, n).astype(np.float32)
    half = ((k + np.float32(0.5)) * np.float32(t.scale)).astype(np.float32)
    x = np.where(rng.random(n) < 0.5, half, np.nextafter(half, np.float32(np.inf) * np.sign(rng.random(n) - 0.5)))
    x[:20] = rng.normal(0, 300, 20)
    x = x.astype(np.float32)
    host = quantize(x, t.scale, t.zero_point)
    script = (
        "import tinyml, sys\nfrom array import array\n"
        f"m = tinyml.Model({str(model)!r})\n"
        f"x = array('f', bytes.fromhex({x.tobytes().hex()!r}))\n"
        "m.set_input(x)\nprint(bytes(m.input_buffer(0)).hex())\n")
    device = np.frombuffer(bytes.fromhex(mputil.run_script(script).strip()), dtype=np.int8)
    mismatch = np.nonzero(device != host)[0]
    assert mismatch.size == 0, (f"{mismatch.size} values quantized differently, first at {mismatch[0]}: "
                                f"x={x[mismatch[0]]!r} host={host[mismatch[0]]} device={device[mismatch[0]]}")


def test_load_windows_npy_csv_and_errors(tmp_path, models_dir):
    model = (models_dir / "mlperf_tiny" / "kws_ref_model.tflite").read_bytes()
    from tinyml_host.tflite_model import read_model

    t = read_model(model).inputs[0]
    rng = np.random.default_rng(1)
    f = rng.normal(0, 20, (3, 49, 10, 1)).astype(np.float32)
    np.save(tmp_path / "f.npy", f)
    w = load_windows(tmp_path / "f.npy", model)
    assert w.shape == (3, 490) and w.dtype == np.uint8
    assert w.view(np.int8).tolist() == quantize(f.reshape(3, -1), t.scale, t.zero_point).tolist()
    q = rng.integers(-128, 128, (4, 490)).astype(np.int8)
    np.save(tmp_path / "q.npy", q)
    assert load_windows(tmp_path / "q.npy", model).view(np.int8).tolist() == q.tolist()
    np.savetxt(tmp_path / "f.csv", f.reshape(3, -1), delimiter=",", header="a" * 5)
    assert load_windows(tmp_path / "f.csv", model).tolist() == w.tolist()
    np.save(tmp_path / "bad.npy", np.zeros((2, 100), np.float32))
    with pytest.raises(TinymlError, match="490"):
        load_windows(tmp_path / "bad.npy", model)
    np.save(tmp_path / "big.npy", np.full((1, 490), 300, np.int32))
    with pytest.raises(TinymlError, match="out of int8 range"):
        load_windows(tmp_path / "big.npy", model)


def test_windows_of_the_wrong_shape_are_refused(tmp_path):
    """No silent reshape: channels-first (N, 3, 100) windows for a (100, 3) input are refused with
    the expected shape in the message; (N, 100, 3), (N, 300) and (N, 100, 1, 3) are accepted."""
    model = (REPO / "models" / "gesture" / "gesture.tflite").read_bytes()
    x = np.load(REPO / "models" / "gesture" / "test_x.npy")[:5]
    ok = load_windows(_save(tmp_path, "ok", x), model)
    for name, same in {"flat": x.reshape(5, -1), "ones": x.reshape(5, 100, 1, 3), "batch": x.reshape(5, 1, 100, 3)}.items():
        assert load_windows(_save(tmp_path, name, same), model).tolist() == ok.tolist(), name
    with pytest.raises(TinymlError, match=r"samples of \(100, 3\).*transposed"):
        load_windows(_save(tmp_path, "cf", np.transpose(x, (0, 2, 1))), model)
    with pytest.raises(TinymlError, match=r"samples of \(100, 3\)"):
        load_windows(_save(tmp_path, "odd", x.reshape(5, 10, 30)), model)


def test_saturating_float_windows_warn(tmp_path):
    """int8 codes saved as floats (--dtype float by the .npy's dtype) saturate: a warning says so."""
    from tinyml_host.errors import TinymlWarning

    model = (REPO / "models" / "gesture" / "gesture.tflite").read_bytes()
    x = np.load(REPO / "models" / "gesture" / "test_x.npy")[:5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_windows(_save(tmp_path, "real", x), model)          # real data: no warning
    codes = np.clip(np.round(x / 0.05), -128, 127).astype(np.float32)
    with pytest.warns(TinymlWarning, match="saturate"):
        load_windows(_save(tmp_path, "codes", codes), model)


def test_int16_windows(tmp_path):
    """A 16x8 model's windows: int16 values as they are, floats quantized to int16 like the device."""
    from tinyml_host.tflite_model import read_model

    model = (REPO / "tests" / "device" / "data" / "conv_16x8_small.tflite").read_bytes()
    t = read_model(model).inputs[0]
    q = np.random.default_rng(3).integers(-32768, 32768, (4, t.elements)).astype(np.int16)
    assert load_windows(_save(tmp_path, "q", q), model).view("<i2").tolist() == q.tolist()
    f = q.astype(np.float32) * np.float32(t.scale)
    assert load_windows(_save(tmp_path, "f", f), model).view("<i2").tolist() == q.tolist()
    with pytest.raises(TinymlError, match="--dtype int8: the model's input is int16"):
        load_windows(_save(tmp_path, "q8", q), model, "int8")


def _save(d, name, a):
    np.save(d / f"{name}.npy", a)
    return d / f"{name}.npy"


def test_agent_speaks_the_protocol_module():
    """The wire protocol is defined once on the host (tinyml_host/protocol.py); the agent, which
    runs on the board without this package, keeps a copy of its constants: they must be equal,
    and the agent must define every frame type the host sends or expects."""
    import ast

    tree = ast.parse((REPO / "device" / "python" / "tinyml_agent.py").read_text())
    agent = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                agent[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    host = {k: v for k, v in vars(protocol).items() if k == "PROTOCOL" or k[:2] in ("T_", "F_") or k == "NONE32"}
    assert {k for k in host if k.startswith("T_")} <= set(agent), "frame types the agent does not define"
    differ = {k: (v, agent.get(k)) for k, v in host.items() if k in agent and agent[k] != v}
    assert not differ, f"host protocol.py vs agent: {differ}"
    assert protocol.ACKED == (agent["T_RUN"], agent["T_BATCH"])
