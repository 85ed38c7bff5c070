#!/usr/bin/env python3
"""Instructions per invoke of single-op models: tinyml's kernels against TFLM's reference kernels.

For every op of the test suites' random generators (tests/host/test_ops_*.py and the other
single-op test modules, GENERATORS + cases_for), the first CANDIDATES seeded cases are generated
and the one with the most input elements is kept (the largest configuration the tests build for
that op). Each model runs once:
  - in tinyml's Unix port (build/unix/micropython), under valgrind --tool=callgrind collecting
    only inside tm_model_invoke, with a dump after each call;
  - in TFLM (the tflite-micro package), collecting only inside MicroInterpreter::Invoke(), a dump
    after each call;
so each model gets its own count, load and Python around the call excluded. One valgrind run per
engine for all models. Outputs are compared too (they must be equal: the tests say so).

Prints a Markdown table (op, model, input elements, tinyml and TFLM instructions, ratio) and the
ops where tinyml is slower than TFLM. --json for a machine-readable result.

Usage: .venv/bin/python bench/op_bench.py [--ops OP,OP] [--candidates N]
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "host"))
sys.path.insert(0, str(ROOT / "bench"))
import callgrind_bench as cg  # noqa: E402

# Test modules whose GENERATORS / cases_for(op, n) build single-op models (issue 12's ops and
# the element-wise ones before them). A module that does not exist (yet) is skipped.
MODULES = ["test_ops_act", "test_ops_act2", "test_ops_reduce", "test_ops_shape", "test_ops_shape2",
           "test_ops_data", "test_ops_math", "test_ops_int16", "test_ops_int16_conv", "test_ops_rnn",
           "test_ops_signal", "test_single_ops_elementwise"]

TINYML_DRIVER = r"""
import sys, tinyml
d = sys.argv[1]
def load(p):
    f = open(p, 'rb'); b = f.read(); f.close(); return b
k = 0
while True:
    try:
        model = load('%s/%d.tflite' % (d, k))
    except OSError:
        break
    m = tinyml.Model(model)
    for i in range(int(load('%s/%d.n' % (d, k)))):
        m.set_input(load('%s/%d.in%d' % (d, k, i)), i)
    m.invoke()
    print(k, m.get_output(0).hex())
    k += 1
"""

TFLM_DRIVER = r"""
import sys
from pathlib import Path
import numpy as np
from tflite_micro.python.tflite_micro import runtime
d = Path(sys.argv[1])
k = 0
while (d / f"{k}.tflite").exists():
    it = runtime.Interpreter.from_bytes((d / f"{k}.tflite").read_bytes(), arena_size=1 << 20)
    for i in range(int((d / f"{k}.n").read_text())):
        det = it.get_input_details(i)
        it.set_input(np.frombuffer((d / f"{k}.in{i}").read_bytes(), det["dtype"]).reshape(det["shape"]), i)
    it.invoke()
    print(k, np.ascontiguousarray(it.get_output(0)).tobytes().hex())
    k += 1
"""


EQUAL_TEXT = {True: "yes", False: "NO", None: "not compared (tested against TensorFlow Lite)"}


def pick_cases(ops: set[str] | None, candidates: int) -> list[tuple[str, str, bytes, list]]:
    """(module, op, model, inputs) per op: the largest of the first `candidates` cases."""
    picked = []
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for op in getattr(mod, "GENERATORS", {}):
            if ops and op.upper() not in ops:
                continue
            if op in getattr(mod, "TFLM_LACKS", ()):     # nothing to compare with (TILE, int32 GATHER...)
                continue
            cases = mod.cases_for(op, candidates)
            # Recurrent ops' cases carry a list of steps (the inputs of each invoke): the first step.
            cases = [(c[0], c[1], list(c[2][0]) if c[2] and isinstance(c[2][0], (list, tuple)) else c[2], c[3])
                     for c in cases]
            _, model, inputs, _ = max(cases, key=lambda c: sum(np.asarray(x).size for x in c[2]))
            picked.append((name, op, model, inputs))
    return picked


def per_call_counts(workdir: Path, tag: str, cmd: list, symbol: str) -> tuple[list[int], str]:
    """Instructions inside `symbol`, one count per call (callgrind --dump-after)."""
    out = workdir / f"{tag}.callgrind"
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        f"--log-file={workdir / (tag + '.log')}", f"--toggle-collect={symbol}",
                        f"--dump-after={symbol}", "--", *[str(c) for c in cmd]], capture_output=True, text=True)
    if p.returncode != 0:
        raise cg.BenchError(f"{tag}: exit status {p.returncode} under valgrind: {p.stderr[-2000:]}")
    parts = sorted(workdir.glob(f"{tag}.callgrind.*"), key=lambda f: int(f.suffix[1:]))
    counts = []
    for f in parts:
        m = re.search(r"^(?:totals|summary):\s*(\d+)", f.read_text(), re.M)
        counts.append(int(m.group(1)) if m else 0)
    return counts, p.stdout


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", help="only these ops (comma-separated generator names, e.g. transpose,gather)")
    ap.add_argument("--candidates", type=int, default=40, help="cases generated per op to pick the largest from")
    ap.add_argument("--micropython", type=Path, default=ROOT / "build" / "unix" / "micropython")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    ops = {o.strip().upper() for o in args.ops.split(",")} if args.ops else None
    picked = pick_cases(ops, args.candidates)
    if not picked:
        print("op_bench: error: no generator matched", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="tinyml-opbench-") as tmp:
        tmp = Path(tmp)
        models = tmp / "models"
        models.mkdir()
        for k, (_, _, model, inputs) in enumerate(picked):
            (models / f"{k}.tflite").write_bytes(model)
            (models / f"{k}.n").write_text(str(len(inputs)))
            for i, x in enumerate(inputs):
                (models / f"{k}.in{i}").write_bytes(np.ascontiguousarray(x).tobytes())
        (tmp / "tinyml.py").write_text(TINYML_DRIVER)
        (tmp / "tflm.py").write_text(TFLM_DRIVER)
        cg.log(f"op_bench: {len(picked)} single-op models under callgrind (tinyml) ...")
        ours, ours_out = per_call_counts(tmp, "tinyml", [args.micropython, "-X", "heapsize=16M", tmp / "tinyml.py", models],
                                         cg.TINYML_SYMBOL)
        cg.log("op_bench: ... and TFLM")
        ref, ref_out = per_call_counts(tmp, "tflm", [sys.executable, tmp / "tflm.py", models], cg.TFLM_SYMBOL)
    # One dump per call, plus the final one at exit (nothing collected after the last call).
    ours, ref = ours[:len(picked)], ref[:len(picked)]
    if len(ours) != len(picked) or len(ref) != len(picked):
        print(f"op_bench: error: {len(ours)} / {len(ref)} counts for {len(picked)} models", file=sys.stderr)
        return 2
    same = [a == b for a, b in zip(ours_out.split("\n"), ref_out.split("\n"))]
    # Ops whose test module compares with TensorFlow Lite, not TFLM (TFLM lacks the kernel or its
    # output is not defined, e.g. SPACE_TO_BATCH_ND's padding bytes): their outputs are not checked.
    undefined = [op in getattr(importlib.import_module(mod), "TFLITE_REFERENCE", ()) for mod, op, _, _ in picked]
    rows = [dict(op=op.upper(), module=mod, input_elements=int(sum(np.asarray(x).size for x in inputs)),
                 dtype=str(np.asarray(inputs[0]).dtype), tinyml=a, tflm=b, ratio=a / b,
                 output_equal=None if u else s)
            for (mod, op, _, inputs), a, b, s, u in zip(picked, ours, ref, same, undefined)]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print("| op | input | tinyml instr | TFLM instr | ratio | output == TFLM |")
        print("|---|---|---:|---:|---:|---|")
        for r in rows:
            print(f"| {r['op']} | {r['input_elements']} x {r['dtype']} | {r['tinyml']:,} | {r['tflm']:,} | "
                  f"{r['ratio']:.3f} | {EQUAL_TEXT[r['output_equal']]} |")
        slower = [r["op"] for r in rows if r["ratio"] > 1]
        print(f"\n{len(rows)} ops; slower than TFLM's reference kernel: {', '.join(slower) or 'none'}; "
              f"median ratio {float(np.median([r['ratio'] for r in rows])):.3f}")
    return 0 if all(r["output_equal"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
