"""Issue 15's RAM budget on the shared models: what a loaded model keeps on a 32-bit board (the
engine built for a Cortex-M0+ and loaded in unicorn: arena + tensor and node records + op data +
the model struct) is at most TFLM's whole arena, and at most 0.75x on VWW; the planner's scratch
is not part of it. bench/ram_bench.py prints the same figures over the Keras zoo too.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import mputil
from conftest import SUMMARY

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import ram_bench  # noqa: E402


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is missing (`make setup` installs it)")
    return str(tmp_path_factory.mktemp("ram"))


@pytest.mark.parametrize("path", mputil.model_params())
def test_total_ram_within_tflm_arena(path, workdir):
    row = ram_bench.measure((path, workdir))
    assert row["tinyml"] is not None, "the 32-bit build refused the model"
    if row["tflm"] is None:
        pytest.skip("TFLM does not load this model")
    ours = row["tinyml"]
    SUMMARY.append(f"RAM {path.name}: {ours['total']:,} B ({ours['arena']:,} arena + {ours['state']:,} state) "
                   f"vs TFLM arena {row['tflm']:,} B: {row['ratio']:.3f}x")
    limit = ram_bench.TARGET_VWW_RATIO if path.stem == ram_bench.VWW else ram_bench.TARGET_RATIO
    assert row["ratio"] <= limit, f"{row['ratio']:.3f}x TFLM's arena (budget {limit}x)"
