"""The loader's limits (issue 11, A and B), through both builds of the C runtime: the host
library `tinyml-host inspect` uses and the Unix port.

A: an arena past what a 32-bit board addresses is a clear model error everywhere (the emulated
32-bit board is covered by tests/device/model_arena_limits.py, run there by `make devtest-qemu`).
B: the planner is O(n^2): a model of 32,000 tensors, 16,000 of them live together, loads instead
of hanging (the cubic planner took 6 s at 2,000 tensors, x7 per doubling: hours here). The load
time is printed by bench/plan_bench.py; the timeout below only catches a hang.
"""

from __future__ import annotations

from pathlib import Path

from tinyml_host import native

import mputil
from stress_models import many_live_model

DATA = Path(__file__).resolve().parents[1] / "device" / "data"


def test_huge_arena_is_a_model_error_in_the_host_library():
    plan = native.plan((DATA / "huge_arena.tflite").read_bytes())
    assert plan.status == native.TM_ERR_MODEL
    assert "more than a 32-bit board can address" in plan.error
    assert "6442450944 bytes" in plan.error


def test_32000_tensors_live_together_load(micropython, tmp_path):
    model = many_live_model(16000)
    plan = native.plan(model)
    assert plan.ok, plan.error
    # 16,000 live RELU outputs of 4 bytes (int8 [1, 1], 4-byte aligned) plus the sums: packed
    # at the lower bound.
    assert plan.arena_bytes == plan.arena_lower_bound >= 16000 * 4
    path = tmp_path / "many_live.tflite"
    path.write_bytes(model)
    out = mputil.run_script(
        "import tinyml, sys\n"
        "m = tinyml.Model(sys.argv[1])\n"
        "print(len(m.ops), m.arena_bytes, len(m.predict(bytes([3]))))\n",
        binary=micropython, args=[path], heapsize="64M", timeout=120)
    assert out.split() == ["31999", str(plan.arena_bytes), "1"]


def test_inspect_refuses_huge_arena_for_a_board(capsys):
    from tinyml_host import cli

    assert cli.main(["inspect", str(DATA / "huge_arena.tflite"), "--board", "rp2040"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tinyml-host: error:")
    assert "more than a 32-bit board can address" in err[0]
