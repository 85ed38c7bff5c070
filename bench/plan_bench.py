#!/usr/bin/env python3
"""How long loading takes as a model grows, in the planner's worst case (issue 11, B).

Each model is tests/host/stress_models.many_live_model(k): k RELU outputs all live together, then
k - 1 ADDs (2k tensors). Printed per size: the whole load (open, parse, plan, prepare) through the
host library `tinyml-host inspect` uses (native.plan, best of 3) and in the Unix port
(tinyml.Model(), one run, timed on the board's own clock), and the arena against its lower bound.

Usage: .venv/bin/python bench/plan_bench.py [K ...]       (default: 500 1000 2000 4000 8000 16000)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "host"))
sys.path.insert(0, str(ROOT / "host"))

from stress_models import many_live_model  # noqa: E402
from tinyml_host import native  # noqa: E402

MICROPYTHON = ROOT / "build" / "unix" / "micropython"
LOAD = ("import tinyml, time, sys\nd = open(sys.argv[1], 'rb').read()\nt = time.ticks_us()\n"
        "m = tinyml.Model(d)\nprint(time.ticks_diff(time.ticks_us(), t))\n")


def unix_load_seconds(model: bytes) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path, script = Path(tmp) / "m.tflite", Path(tmp) / "load.py"
        path.write_bytes(model)
        script.write_text(LOAD)
        out = subprocess.run([str(MICROPYTHON), "-X", "heapsize=64M", str(script), str(path)],
                             capture_output=True, text=True, check=True, timeout=600).stdout
    return int(out.split()[-1]) / 1e6


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [500, 1000, 2000, 4000, 8000, 16000]
    native.plan(many_live_model(2))  # compile the host library first, outside the timings
    print(f"{'tensors':>8} {'nodes':>8} {'host load s':>12} {'unix load s':>12} {'arena B':>9} {'bound B':>9}")
    for k in sizes:
        model = many_live_model(k)
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            plan = native.plan(model)
            best = min(best, time.perf_counter() - t)
        if not plan.ok:
            print(f"k={k}: {plan.error}")
            return 1
        unix = f"{unix_load_seconds(model):12.3f}" if MICROPYTHON.exists() else f"{'(no build)':>12}"
        print(f"{2 * k:>8} {2 * k - 1:>8} {best:12.3f} {unix} {plan.arena_bytes:>9} {plan.arena_lower_bound:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
