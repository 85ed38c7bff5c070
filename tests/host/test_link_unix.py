"""The serial link end to end against a fast stand-in board: the Unix port running the same agent
on a pty (linkutil.unix_board). Every path of the protocol runs here in seconds: batches, staged
inputs and outputs, model streaming, damage on the line, a board that dies mid-run."""

import threading
from pathlib import Path
import time

import numpy as np
import pytest
import serial

from faultproxy import FaultProxy
from linkutil import unix_board
from tinyml_host.link import Link, LinkError
from tinyml_host.validate import Reference


def windows_for(model: bytes, n: int, seed: int = 0):
    from tinyml_host.tflite_model import read_model

    t = read_model(model).inputs[0]
    rng = np.random.default_rng(seed)
    return [rng.integers(-128, 128, t.elements, dtype=np.int8).tobytes() for _ in range(n)]


def check_against_reference(model, windows, results, start=0):
    ref = Reference(model)
    assert [r.index for r in results] == list(range(start, start + len(windows))), "lost, duplicated or misplaced"
    for w, r in zip(windows, results):
        assert r.output == ref.run(w), f"window {r.index} differs from TFLM"


@pytest.mark.parametrize("max_payload", [1024, 100], ids=["batched", "staged"])
def test_windows_match_tflm(models_dir, max_payload):
    """Small frames force the staged path (PUT_INPUT chunks, RUN, GET_OUTPUT for the 640-byte
    output of ad01); large ones send several windows per BATCH frame."""
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False, max_payload=max_payload)
        try:
            for name in ("mlperf_tiny/kws_ref_model.tflite", "mlperf_tiny/ad01_int8.tflite"):
                model = (models_dir / name).read_bytes()
                info = link.load_model(model)
                assert info["model_size"] == len(model)
                ws = windows_for(model, 12)
                check_against_reference(model, ws, link.run_batch(ws, start_index=100), start=100)
            assert link.stats.retransmits == 0, "a clean line needs no repair"
        finally:
            link.close()


def test_model_kept_across_sessions(models_dir):
    model = (models_dir / "tflm" / "hello_world_int8.tflite").read_bytes()
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False)
        link.load_model(model)
        link.close(exit_agent=False)
        link = Link.connect(port, start_agent=False)
        assert link.device["model_loaded"] and link.device["model_size"] == len(model)
        sent = link.stats.bytes_sent
        link.load_model(model)
        assert link.stats.bytes_sent - sent < 200, "the same model was sent again"
        link.close()


def test_damaged_line_both_ways(models_dir, summary):
    """2 % of the bytes dropped or changed in each direction: every window arrives once, in
    place, with TFLM's output; a model streamed through the damage arrives intact."""
    kws = (models_dir / "mlperf_tiny" / "kws_ref_model.tflite").read_bytes()
    hello = (models_dir / "tflm" / "hello_world_int8.tflite").read_bytes()
    with unix_board() as (port, _):
        with FaultProxy(port, drop=0.01, corrupt=0.01, seed=21) as proxy:
            t0 = time.monotonic()
            link = Link.connect(proxy.path, start_agent=False, probe_timeout=10)
            try:
                link.load_model(hello)
                ws = windows_for(hello, 30)
                check_against_reference(hello, ws, link.run_batch(ws))
                link.load_model(kws)
                ws = windows_for(kws, 10)
                check_against_reference(kws, ws, link.run_batch(ws))
                st = link.stats
            finally:
                link.close()
            damaged = sum(v[1] + v[2] for v in proxy.stats.values())
    assert damaged > 100 and st.retransmits > 0, "the proxy damaged nothing: the test tests nothing"
    summary(f"link, Unix stand-in, 2% damage: {damaged} bytes damaged, {st.retransmits} frames re-sent, "
            f"{st.resyncs} resyncs, {time.monotonic() - t0:.1f} s")


def test_board_that_dies_mid_run(models_dir):
    """The board's end of the line closes mid-batch: a LinkError at once, naming how many
    windows completed - and those were delivered in order."""
    model = (models_dir / "mlperf_tiny" / "kws_ref_model.tflite").read_bytes()
    with unix_board() as (port, proc):
        link = Link.connect(port, start_agent=False, max_payload=200)
        try:
            link.load_model(model)
            done = []
            killer = threading.Timer(0.5, proc.kill)
            killer.start()
            t0 = time.monotonic()
            with pytest.raises(LinkError) as e:
                link.run_batch(windows_for(model, 5000), progress=done.append)
            elapsed = time.monotonic() - t0
            killer.cancel()
        finally:
            link.close()
    assert "serial port closed" in str(e.value)
    assert e.value.completed == len(done) > 0
    assert f"{len(done)} of 5000 windows completed" in str(e.value)
    assert elapsed < 5


def batch_until_write_fails(models_dir, error: Exception, **link_options):
    """KWS on a Unix-port board: load the model, then run 500 windows with the port's 31st write
    raising `error`. -> (the LinkError, windows reported done, the link's port write timeout)."""
    model = (models_dir / "mlperf_tiny" / "kws_ref_model.tflite").read_bytes()
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False, max_payload=200, **link_options)
        try:
            link.load_model(model)
            real_write, writes = link.port.write, []

            def failing_write(data):
                writes.append(len(data))
                if len(writes) > 30:
                    raise error
                return real_write(data)

            link.port.write = failing_write
            done = []
            with pytest.raises(LinkError) as e:
                link.run_batch(windows_for(model, 500), progress=done.append)
            link.port.write = real_write
            return e.value, done, link.port.write_timeout
        finally:
            link.close()


def test_write_to_a_board_that_went_away(models_dir):
    """The port fails on write (EIO: the board's end closed) before the reader has noticed: the
    same LinkError as a closed port, naming the windows completed - not a raw serial error."""
    e, done, _ = batch_until_write_fails(models_dir, OSError(5, "Input/output error"))
    assert "serial port closed" in str(e) and "Input/output error" in str(e)
    assert e.completed == len(done) and f"{len(done)} of 500 windows completed" in str(e)


def test_board_that_stops_reading(models_dir):
    """A board that stops taking bytes while the host's writes fill every buffer (a hung board on
    a USB CDC port with small buffers): the write gives up after the link's timeout, with the same
    LinkError shape, naming the windows completed - no write blocks for ever. The port's write
    timeout is set by the link itself; the full buffers are simulated at the port's write, which
    raises what pyserial raises when its write_timeout expires."""
    e, done, write_timeout = batch_until_write_fails(models_dir, serial.SerialTimeoutException("Write timeout"),
                                                     timeout=4.0)
    assert write_timeout == 4.0
    assert "the board stopped reading" in str(e) and "not taken in 4 s" in str(e)
    assert e.completed == len(done) and f"{len(done)} of 500 windows completed" in str(e)


def test_agent_errors_are_reported(models_dir):
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False)
        try:
            with pytest.raises(Exception, match="no model loaded"):
                link.run(b"\0")
            with pytest.raises(Exception, match="loading the model failed"):
                link.load_model(b"TFL3 this is no model" * 10)
            model = (models_dir / "tflm" / "hello_world_int8.tflite").read_bytes()
            link.load_model(model)  # the link is still usable afterwards
            assert len(link.run(b"\x05").output) == 1
        finally:
            link.close()


def _float_input_model() -> bytes:
    """float32 [1, 6] -> QUANTIZE -> int8: a model whose input is float (the agent takes its
    windows as float32 bytes)."""
    from single_op_models import Tensor, build_single_op_model

    return build_single_op_model("QUANTIZE", [Tensor([1, 6], "float32")],
                                 [Tensor([1, 6], "int8", scale=0.05, zero_point=-3)], options=None)


@pytest.mark.parametrize("max_payload", [1024, 40], ids=["batched", "staged"])
def test_int16_and_float_inputs(max_payload):
    """Windows for inputs wider than a byte: int16 (a 16x8 conv, two bytes an element) and float32
    (four), batched and staged in chunks, equal to TFLM's outputs."""
    data = Path(__file__).resolve().parents[1] / "device" / "data"
    rng = np.random.default_rng(16)
    models = {
        "int16": (data / "conv_16x8_small.tflite").read_bytes(),
        "float32": _float_input_model(),
    }
    with unix_board() as (port, _):
        link = Link.connect(port, start_agent=False, max_payload=max_payload)
        try:
            for dtype, model in models.items():
                from tinyml_host.tflite_model import read_model

                t = read_model(model).inputs[0]
                assert t.dtype == dtype
                if dtype == "int16":
                    ws = [rng.integers(-32768, 32768, t.elements, dtype="<i2").tobytes() for _ in range(6)]
                else:
                    ws = [rng.uniform(-8, 8, t.elements).astype("<f4").tobytes() for _ in range(6)]
                link.load_model(model)
                check_against_reference(model, ws, link.run_batch(ws))
        finally:
            link.close()
