"""A board that stops answering in the middle of a raw-REPL step (it hung, its cable came out)
fails `deploy` and the agent's start within a bounded time, with an error that names the step
and says what to do, instead of waiting for ever on mpremote's blocking reads. The emulated
board is put behind a pty relay (ptyrelay) that drops everything the board says once the host
has sent a given command; the same relay without silence then deploys normally, and the board,
interrupted mid-step before, still takes the model."""

from __future__ import annotations

import threading

import pytest

from ptyrelay import relay
from tinyml_host.errors import DeviceError, LinkError

MODEL = "tflm/hello_world_int8.tflite"
TIMEOUT = 2.0  # deploy --timeout / the link's timeout: seconds without progress
BOUND = 30.0  # a failure must come before this, whatever the step


def _outcome(fn):
    """What fn() raised (None when it returned), run in a thread: a hang fails the test after
    BOUND s instead of stopping the run."""
    box: dict = {}

    def target():
        try:
            fn()
            box["error"] = None
        except BaseException as e:  # noqa: BLE001 - handed to the test as it is
            box["error"] = e

    th = threading.Thread(target=target, daemon=True)
    th.start()
    th.join(BOUND)
    assert not th.is_alive(), f"still waiting for a silent board after {BOUND:g} s"
    return box["error"]


def _assert_clear(err, kind, step):
    assert isinstance(err, kind), repr(err)
    assert f"{step} failed: the board on " in err.what and f"did not answer within {TIMEOUT:g} s" in err.what, err.what
    assert "reset button" in err.hint and "port" in err.hint and "--timeout" in err.hint, err.hint


@pytest.mark.parametrize("silence_on, step", [
    (b"", "checking the board's filesystem"),  # silent from the start
    (b"w=f.write", "copying the model to /silent.tflite"),  # the file is open, the model goes next
], ids=["from-start", "mid-copy"])
def test_deploy_to_a_board_that_goes_silent_fails_clearly(emu, models_dir, silence_on, step):
    from tinyml_host.deploy import deploy

    with relay(emu.pty, silence_on=silence_on) as port:
        err = _outcome(lambda: deploy(models_dir / MODEL, port, remote_name="silent.tflite", timeout=TIMEOUT))
    _assert_clear(err, DeviceError, step)


@pytest.mark.parametrize("silence_on, step", [
    (b"", "entering the board's raw REPL to start the agent"),
    (b"tinyml_agent.main()", "starting the tinyml agent"),  # raw paste: no flow control, no end ack
], ids=["from-start", "at-start-command"])
def test_agent_start_on_a_board_that_goes_silent_fails_clearly(emu, silence_on, step):
    from tinyml_host.link import Link

    with relay(emu.pty, silence_on=silence_on) as port:
        err = _outcome(lambda: Link.connect(port, timeout=TIMEOUT).close())
    _assert_clear(err, LinkError, step)


def test_deploy_through_the_relay_still_works(emu, models_dir):
    """After the silent runs above (the board left mid-step): the same relay, with the board's
    output passed on, deploys the model under the name that was cut off, and its agent loads it."""
    from tinyml_host.deploy import deploy
    from tinyml_host.tflite_model import read_model

    path = models_dir / MODEL
    with relay(emu.pty) as port:
        result = _outcome_value(lambda: deploy(path, port, remote_name="silent.tflite", timeout=TIMEOUT))
    assert result["where"] == "file" and result["path"] == "/silent.tflite", result
    assert result["size"] == path.stat().st_size
    model = read_model(path.read_bytes())
    info = result["info"]
    assert len(info["inputs"]) == len(model.inputs) and len(info["outputs"]) == len(model.outputs), info
    assert len(info["ops"]) == len(model.ops), info


def _outcome_value(fn):
    box: dict = {}
    err = _outcome(lambda: box.setdefault("value", fn()))
    assert err is None, err
    return box["value"]
