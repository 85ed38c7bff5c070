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
