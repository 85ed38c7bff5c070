"""The model files the device tests load (tests/device/data) are exactly what
tests/device/data/generate.py writes: regenerated here and compared byte for byte."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "device" / "data"


def _generator():
    spec = importlib.util.spec_from_file_location("device_data_generate", DATA / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATE = _generator()


@pytest.mark.parametrize("name", sorted(GENERATE.FILES))
def test_committed_file_is_what_generate_writes(name):
    assert (DATA / name).read_bytes() == GENERATE.FILES[name](), f"run {DATA / 'generate.py'}"


def test_every_file_is_generated():
    on_disk = {p.name for p in DATA.glob("*.tflite")}
    assert on_disk == set(GENERATE.FILES)


def test_16x8_checksums_are_tflms():
    """tests/device/model_16x8.py prints checksums of two invokes of each 16x8 model (and whether
    the same frame given as array('h') gives the same output): compute them in TFLM and compare
    with its .exp, so the device test on the Unix port and the emulated board checks TFLM's bits."""
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime

    def checksum(a):
        s = 0
        for v in np.asarray(a).view(np.uint8).reshape(-1):
            s = (s * 31 + int(v)) & 0xFFFFFF
        return s

    expected = []
    for name in ("conv_16x8_small", "fc_16x8_small"):
        it = runtime.Interpreter.from_bytes((DATA / f"{name}.tflite").read_bytes(), arena_size=1 << 20)
        shape = it.get_input_details(0)["shape"]
        n = 2 * int(np.prod(shape))
        sums = []
        for k in range(2):
            frame = bytes((i * 37 + k * 11) % 256 for i in range(n))
            it.set_input(np.frombuffer(frame, "<i2").reshape(shape), 0)
            it.invoke()
            sums.append(checksum(it.get_output(0).astype("<i2")))
        expected.append(f"{name} int16 int16 {sums} True")
    exp = Path(__file__).resolve().parents[1] / "device" / "model_16x8.py.exp"
    assert exp.read_text().splitlines() == expected
