#!/usr/bin/env python3
"""Total RAM of a loaded model on a 32-bit board, tinyml vs TFLM's arena, over the test suite.

tinyml: the engine built for a Cortex-M0+ (the harness of bench/cortexm_bench.py) loads each model
in unicorn (open, parse, prepare, set_arena: no inference) and reports what the program must keep
for the model's life: activation arena + runtime state (tensor and node records) + op data
(multipliers, variable tensors) + the tm_model struct. TFLM: the whole arena of the `tflite-micro`
package's interpreter (print_allocations' "Arena allocation total": activations, evaluation
tensors, node and op data; an x86-64 build, whose 64-bit pointers make its state somewhat larger
than on a 32-bit board).

Models: every int8 model of the test suite that both engines load: ../shared/models (MLPerf Tiny,
TFLM's examples) and the Keras zoo's int8 conversions (keras_int8 and tinyml_int8, cached by
tests/host/zoo_build.py in build/zoo-cache, $TINYML_ZOO_CACHE or --zoo-cache). Prints one row per model and the
summary: median and worst ratio, and VWW's.

    python bench/ram_bench.py [--zoo-cache DIR] [--json] [MODEL.tflite ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import cortexm_bench as cm  # noqa: E402

SHARED_MODELS = ROOT.parent / "shared" / "models"
CORE = "m0plus"
TARGET_RATIO = 1.0          # every model: total RAM <= TFLM's arena
TARGET_VWW_RATIO = 0.75
VWW = "vww_96_int8"
# Where tests/host/zoo_build.py caches the zoo (the same variable).
ZOO_CACHE = Path(os.environ.get("TINYML_ZOO_CACHE", ROOT / "build" / "zoo-cache"))

TFLM_ARENA = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
it = runtime.Interpreter.from_file(sys.argv[1])
sys.stderr.flush()
it.print_allocations()
"""


def tflm_arena(model: Path) -> int | None:
    """TFLM's whole arena for model (bytes), None when TFLM cannot load it."""
    p = subprocess.run([sys.executable, "-c", TFLM_ARENA, str(model)], capture_output=True, text=True)
    m = re.search(r"Arena allocation total (\d+) bytes", p.stderr)
    return int(m.group(1)) if p.returncode == 0 and m else None


def tinyml_ram(model: Path, workdir: str) -> dict | None:
    """tinyml's 32-bit figures for model, None when the engine refuses it."""
    try:
        _, _, _, s = cm.load(model, CORE, workdir)
    except cm.CortexMError:
        return None
    state = s["state_bytes"] + s["persist_bytes"] + s["model_struct_bytes"]
    return dict(arena=s["arena_bytes"], state=state, total=s["arena_bytes"] + state)


def zoo_models(cache: Path) -> list[Path]:
    """The int8 conversions in the zoo cache: keras_int8.tflite and the newest tinyml_int8-*.tflite
    of each architecture."""
    out = []
    for d in sorted(p for p in cache.glob("*-*") if p.is_dir()):
        if (d / "keras_int8.tflite").is_file():
            out.append(d / "keras_int8.tflite")
        tiny = sorted(d.glob("tinyml_int8-*.tflite"), key=lambda p: p.stat().st_mtime)
        if tiny:
            out.append(tiny[-1])
    return out


def label(model: Path) -> str:
    if SHARED_MODELS in model.parents:
        return model.stem
    return f"zoo/{model.parent.name.rsplit('-', 1)[0]} {model.stem.split('-')[0]}"


def measure(args: tuple[Path, str]) -> dict:
    model, workdir = args
    ours = tinyml_ram(model, workdir)
    ref = tflm_arena(model)
    return dict(model=label(model), tinyml=ours, tflm=ref,
                ratio=ours["total"] / ref if ours and ref else None)


def summary(rows: list[dict]) -> dict:
    ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
    worst = max((r for r in rows if r["ratio"] is not None), key=lambda r: r["ratio"], default=None)
    vww = next((r["ratio"] for r in rows if r["model"] == VWW), None)
    return dict(models=len(ratios), median=statistics.median(ratios) if ratios else None,
                worst=worst["ratio"] if worst else None, worst_model=worst["model"] if worst else None,
                vww=vww, over_target=[r["model"] for r in rows if r["ratio"] is not None and r["ratio"] > TARGET_RATIO])


def summary_line(s: dict) -> str:
    if not s["models"]:
        return "total RAM vs TFLM: no model both engines load"
    vww = f"{s['vww']:.3f}x (target <= {TARGET_VWW_RATIO})" if s["vww"] is not None else "not measured"
    return (f"total RAM (arena + state, 32-bit) / TFLM arena over {s['models']} models: median {s['median']:.3f}x, "
            f"worst {s['worst']:.3f}x ({s['worst_model']}), VWW {vww}; "
            f"{len(s['over_target'])} above {TARGET_RATIO}x" + (f": {', '.join(s['over_target'])}" if s["over_target"] else ""))


def table(rows: list[dict]) -> str:
    if not rows:
        return ""
    w = max(len(r["model"]) for r in rows)
    out = [f"{'model':{w}}  {'tinyml total':>12} {'(arena':>9} {'+ state)':>9}  {'TFLM arena':>10}  ratio"]
    for r in rows:
        t = r["tinyml"]
        ours = f"{t['total']:>12,} {t['arena']:>9,} {t['state']:>9,}" if t else f"{'refused':>32}"
        ref = f"{r['tflm']:>10,}" if r["tflm"] is not None else f"{'refused':>10}"
        ratio = f"{r['ratio']:.3f}" if r["ratio"] is not None else "-"
        out.append(f"{r['model']:{w}}  {ours}  {ref}  {ratio}")
    return "\n".join(out)


def suite_models(zoo_cache: Path) -> list[Path]:
    return sorted(SHARED_MODELS.rglob("*.tflite")) + zoo_models(zoo_cache)


def measure_all(models: list[Path], jobs: int = 2) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="tinyml-ram-") as tmp:
        cm.build(CORE, tmp)   # once, before forking
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            return list(ex.map(measure, [(m, tmp) for m in models]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--zoo-cache", type=Path, default=ZOO_CACHE,
                    help="the Keras zoo's conversions (tests/host/zoo_build.py; default $TINYML_ZOO_CACHE "
                         "or build/zoo-cache)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    models = [m.resolve() for m in args.models] or suite_models(args.zoo_cache)
    if not models:
        print(f"ram_bench: error: no models (../shared/models and {args.zoo_cache} are empty; "
              "build the zoo with tests/host/zoo_build.py)", file=sys.stderr)
        return 2
    rows = measure_all(models, args.jobs)
    s = summary(rows)
    if args.json:
        print(json.dumps(dict(results=rows, summary=s), indent=2))
    else:
        print(table(rows))
        print()
        print(summary_line(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
