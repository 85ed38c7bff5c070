#!/usr/bin/env python3
"""Instructions per inference and arena bytes: tinyml (Unix port) against TFLM (tflite-micro).

For each model (default: the MLPerf Tiny models in ../shared/models/mlperf_tiny), one seeded
random int8 input runs once through
  - tinyml in build/unix/micropython, under `valgrind --tool=callgrind` collecting only inside
    the runtime's invoke function `tm_model_invoke` (--toggle-collect), and
  - TensorFlow Lite Micro's reference kernels in the `tflite-micro` Python package, collecting
    only inside `tflite::micro::MicroInterpreter::Invoke()`,
so model loading, interpreter start-up and Python around the call are not counted. Arena bytes:
tinyml's m.arena_bytes (activations) + m.state_bytes (per-model persistent state); TFLM's
RecordingMicroAllocator report (print_allocations: total, and its "head", the activations).
Prints a Markdown table on stdout (progress on stderr); --json for a machine-readable result.

--verify also runs 2 inferences per engine and checks that the collected count doubles, which
shows the toggle covers exactly the inference (and that the symbol exists: 0 is an error).

Usage: .venv/bin/python bench/callgrind_bench.py [--verify] [--json] [MODEL.tflite ...]
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODELS_DIR = ROOT.parent / "shared" / "models" / "mlperf_tiny"
TINYML_SYMBOL = "tm_model_invoke"
TFLM_SYMBOL = "tflite::micro::MicroInterpreter::Invoke()"

TINYML_DRIVER = r"""
import tinyml, json
m = tinyml.Model({model!r})
x = open({inp!r}, "rb").read()
for _ in range({n}):
    y = m.predict(x)
print(json.dumps(dict(arena_bytes=m.arena_bytes, state_bytes=m.state_bytes,
                      output="".join("%02x" % b for b in y))))
"""

TFLM_DRIVER = r"""
import json, sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime
it = runtime.Interpreter.from_file({model!r})
d = it.get_input_details(0)
x = np.frombuffer(open({inp!r}, "rb").read(), np.int8).reshape(d["shape"])
it.set_input(x, 0)
for _ in range({n}):
    it.invoke()
y = np.asarray(it.get_output(0))
sys.stderr.flush()
it.print_allocations()  # to stderr, from C++
sys.stdout.write(json.dumps(dict(output=y.tobytes().hex())) + "\n")
"""


class BenchError(Exception):
    def __init__(self, what, hint=None):
        super().__init__(what)
        self.hint = hint


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def callgrind(cmd, symbol, workdir, tag):
    """Run cmd under callgrind collecting inside `symbol`; -> (instructions, stdout, stderr)."""
    out = workdir / f"{tag}.callgrind"
    vlog = workdir / f"{tag}.valgrind.log"
    full = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", f"--log-file={vlog}",
            f"--toggle-collect={symbol}", "--"] + [str(c) for c in cmd]
    p = subprocess.run(full, capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError(f"{tag}: exit status {p.returncode} under valgrind: {p.stderr.strip()[-2000:]}",
                         f"valgrind log: {vlog}")
    m = re.search(r"^totals:\s*(\d+)", out.read_text(), re.M) or \
        re.search(r"^summary:\s*(\d+)", out.read_text(), re.M)
    if not m:
        raise BenchError(f"{tag}: no totals in {out}")
    ir = int(m.group(1))
    if ir == 0:
        raise BenchError(f"{tag}: nothing collected inside {symbol!r}",
                         "is the symbol in the binary? check with callgrind_annotate on a full run")
    return ir, p.stdout, p.stderr


def model_input(model_path, shape):
    import numpy as np
    rng = np.random.default_rng(zlib.crc32(model_path.name.encode()))
    return rng.integers(-128, 128, [int(s) for s in shape], dtype=np.int8).tobytes()


def bench_model(model_path, micropython, workdir, n=1):
    from tflite_micro.python.tflite_micro import runtime
    details = runtime.Interpreter.from_file(str(model_path)).get_input_details(0)
    inp = workdir / f"{model_path.stem}.input"
    inp.write_bytes(model_input(model_path, details["shape"]))

    script = workdir / f"{model_path.stem}-tinyml-{n}.py"
    script.write_text(TINYML_DRIVER.format(model=str(model_path), inp=str(inp), n=n))
    ours_ir, out, _ = callgrind([micropython, "-X", "heapsize=16M", script], TINYML_SYMBOL, workdir,
                                f"{model_path.stem}-tinyml-{n}")
    ours = json.loads(out.strip().splitlines()[-1])

    script = workdir / f"{model_path.stem}-tflm-{n}.py"
    script.write_text(TFLM_DRIVER.format(model=str(model_path), inp=str(inp), n=n))
    tflm_ir, out, err = callgrind([sys.executable, script], TFLM_SYMBOL, workdir,
                                  f"{model_path.stem}-tflm-{n}")
    tflm = json.loads(out.strip().splitlines()[-1])
    total = re.search(r"Arena allocation total (\d+) bytes", err)
    head = re.search(r"Arena allocation head (\d+) bytes", err)
    if not (total and head):
        raise BenchError(f"{model_path.name}: no arena report from TFLM's print_allocations()",
                         f"stderr was: {err[-500:]}")
    return dict(model=model_path.name, inferences=n,
                tinyml_instructions=ours_ir, tflm_instructions=tflm_ir,
                ratio=ours_ir / tflm_ir,
                tinyml_arena_total=ours["arena_bytes"] + ours["state_bytes"],
                tinyml_arena_activations=ours["arena_bytes"], tinyml_state=ours["state_bytes"],
                tflm_arena_total=int(total.group(1)), tflm_arena_activations=int(head.group(1)),
                outputs_equal=(ours["output"] == tflm["output"]))


def markdown(rows):
    lines = ["| model | tinyml instr/inference | TFLM instr/inference | ratio | "
             "tinyml arena B (activations + state) | TFLM arena B (activations + rest) |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['tinyml_instructions']:,} | {r['tflm_instructions']:,} | "
            f"{r['ratio']:.3f} | {r['tinyml_arena_total']:,} ({r['tinyml_arena_activations']:,} + "
            f"{r['tinyml_state']:,}) | {r['tflm_arena_total']:,} ({r['tflm_arena_activations']:,} + "
            f"{r['tflm_arena_total'] - r['tflm_arena_activations']:,}) |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", type=Path,
                    help=f"models to measure (default: {DEFAULT_MODELS_DIR}/*.tflite)")
    ap.add_argument("--micropython", type=Path, default=ROOT / "build" / "unix" / "micropython",
                    help="the Unix port with tinyml (default: build/unix/micropython)")
    ap.add_argument("--verify", action="store_true",
                    help="also run 2 inferences and check the count doubles")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the Markdown table")
    args = ap.parse_args(argv)
    try:
        if not shutil.which("valgrind"):
            raise BenchError("valgrind not found", "install the Debian package valgrind (`make setup` does)")
        if not args.micropython.is_file():
            raise BenchError(f"{args.micropython} not found", "run `make unix` first")
        models = args.models or sorted(DEFAULT_MODELS_DIR.glob("*.tflite"))
        if not models:
            raise BenchError(f"no models in {DEFAULT_MODELS_DIR}",
                             "the shared reference models belong in ../shared/models")
        rows, notes = [], []
        with tempfile.TemporaryDirectory(prefix="tinyml-bench-") as tmp:
            tmp = Path(tmp)
            for model in models:
                log(f"bench: {model.name} ...")
                r = bench_model(model.resolve(), args.micropython.absolute(), tmp)
                if not r["outputs_equal"]:
                    notes.append(f"warning: {model.name}: tinyml and TFLM outputs differ on the bench input")
                if args.verify:
                    r2 = bench_model(model.resolve(), args.micropython.absolute(), tmp, n=2)
                    for eng in ("tinyml", "tflm"):
                        one, two = r[f"{eng}_instructions"], r2[f"{eng}_instructions"]
                        dev = abs((two - one) - one) / one
                        r[f"{eng}_verify_second_inference"] = two - one
                        notes.append(f"verify {model.name} {eng}: 1 inference {one:,}, 2 inferences {two:,} "
                                     f"(second {two - one:,}, {dev:.3%} from the first)")
                        if dev > 0.01:
                            raise BenchError(f"{model.name} {eng}: 2 inferences collect {two:,}, not about "
                                             f"twice {one:,}: the toggle does not cover exactly one inference")
                rows.append(r)
        if args.json:
            print(json.dumps(dict(results=rows, notes=notes), indent=2))
        else:
            print(markdown(rows))
            print()
            print(f"Instructions (valgrind callgrind Ir) inside `{TINYML_SYMBOL}` (tinyml, "
                  f"{args.micropython.relative_to(ROOT) if args.micropython.is_relative_to(ROOT) else args.micropython}) "
                  f"and `{TFLM_SYMBOL}` (tflite-micro {tflm_version()}), one inference of a seeded "
                  "random int8 input. ratio = tinyml / TFLM.")
            for n in notes:
                print(f"- {n}")
        return 0
    except BenchError as e:
        print(f"bench: error: {e}" + (f" ({e.hint})" if e.hint else ""), file=sys.stderr)
        return 2


def tflm_version():
    try:
        from importlib.metadata import version
        return version("tflite-micro")
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
