#!/usr/bin/env python3
"""The issue-6 benchmark table: tinyml vs the reference, side by side, for the shared models.

For each model (default: ../shared/models/mlperf_tiny/*.tflite) one seeded random int8 input
(the same for every engine) runs through:
  - x86-64 instructions per inference: valgrind callgrind, tinyml's tm_model_invoke in the Unix
    port vs TFLM's MicroInterpreter::Invoke() in tflite-micro (bench/callgrind_bench.py);
  - estimated Cortex-M0+, Cortex-M3 (no DSP: the plain C paths, as on the emulated board) and
    Cortex-M4 cycles per MAC: the plain-C runtime built with
    arm-none-eabi-gcc -O2 for each core, one whole inference emulated in unicorn with each
    instruction weighted by the core's documented timing (bench/cortexm_bench.py, which says
    what the model leaves out); the emulated output must equal TFLM's;
  - activation arena (tinyml's plan, 32-bit build) vs the per-op lower bound (largest set of
    activations live at one op, computed by the runtime) and vs TFLM's arena "head";
  - total RAM for a loaded model, 32-bit build: arena + state (tensor and node records, shapes;
    the planner's scratch is released after parse) + op data + the tm_model struct, vs TFLM's
    whole arena (print_allocations, x86-64 build: its 64-bit pointers make TFLM's state somewhat
    larger than on a 32-bit MCU); then the same over every int8 model of the test suite (the
    shared models and the Keras zoo's conversions, bench/ram_bench.py): median, worst, VWW;
  - flash added by tinyml with every op: arm-none-eabi-size (text + data) of the engine's objects
    (device/runtime, ops, kernels) compiled -Os -mthumb -mcpu=cortex-m4; the MicroPython binding
    device/modtinyml.c needs the port's headers and is measured from a firmware build if one exists;
  - flash linked with --gc-sections, every op vs only the benchmarked models' ops (the build-time
    selection TINYML_OPS=..., bench/flash_size.py);
  - Cortex-M0+ cycles per inference and per MAC measured on the real RP2040 firmware (`make rp2`)
    in rp2040js, model read in place from flash, beside the unicorn M0+ estimate, kernel by kernel
    (bench/pico_bench.py; rp2040js models no XIP cache, so on a real Pico flash-resident weights
    cost more). Skipped with a note when build/rp2/firmware.uf2 is missing.
MACs count CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED multiply-accumulates.

Usage: .venv/bin/python bench/bench.py [--json] [--no-callgrind] [MODEL.tflite ...]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import callgrind_bench as cg  # noqa: E402
import cortexm_bench as cm  # noqa: E402
import flash_size as fs  # noqa: E402
import pico_bench as pb  # noqa: E402
import ram_bench as rb  # noqa: E402
from tinyml_host import native  # noqa: E402

# Issue 6's reference points and targets.
TARGET_X86_RATIO = 0.25
TARGET_M0 = 4.5
TARGET_M4 = 2.0
TARGET_RAM_RATIO = rb.TARGET_VWW_RATIO   # VWW; every model <= rb.TARGET_RATIO
TARGET_FLASH = 48 * 1024
TARGET_PATCH_RATIO = 0.6   # peak activations with patches / per-op bound without, VWW and person_detect
REF_M0 = "best published M0+ runtime 7.8-12.1 c/MAC; TinyMaix on RP2040 20-29"
REF_M4 = "TFLM + CMSIS-NN on M4 6.8-9.6 c/MAC; best vendor runtimes 1.4-2.0"


def macs(model_path):
    import numpy as np
    import tflite
    m = tflite.Model.GetRootAsModel(Path(model_path).read_bytes(), 0)
    total = 0
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        for i in range(sg.OperatorsLength()):
            op = sg.Operators(i)
            oc = m.OperatorCodes(op.OpcodeIndex())
            code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
            if code not in (3, 4, 9):
                continue
            out = int(np.prod(sg.Tensors(op.Outputs(0)).ShapeAsNumpy()))
            w = sg.Tensors(op.Inputs(1)).ShapeAsNumpy()
            total += out * (int(w[1] * w[2] * w[3]) if code == 3 else int(w[1] * w[2]) if code == 4 else int(w[1]))
    return total


def flash_bytes(workdir, kernels_opt="-Os"):
    """Text + data of the engine's objects for Cortex-M4 at -Os; kernels_opt="-O2" gives what the
    firmware builds ship (device/micropython.mk and .cmake compile device/kernels at -O2)."""
    objs = []
    for src in cm.sources():
        o = Path(workdir) / (Path(src).parent.name + "-" + Path(src).stem + kernels_opt + ".o")
        opt = kernels_opt if Path(src).parent.name == "kernels" else "-Os"
        subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", opt, "-std=c99",
                        "-ffunction-sections", "-fdata-sections", "-I", str(ROOT / "device/runtime"),
                        "-I", str(ROOT / "device/kernels"), "-I", str(ROOT / "device/ops"), "-c", src,
                        "-o", str(o)], check=True)
        objs.append(str(o))
    out = subprocess.run(["arm-none-eabi-size", "-t"] + objs, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    text, data = (int(x) for x in out[-1].split()[:2])
    return text + data, len(objs)


def cortexm_job(args):
    model, core, inp, workdir = args
    r = cm.run(model, core, inp, workdir)
    r["output"] = r["output"].hex()
    if core != "m0plus":  # the M0+ profile is compared with rp2040js's, kernel by kernel
        r.pop("profile")
    return r


def tflm_reference(model_path, inp):
    """TFLM's output and arena (without callgrind)."""
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_file(str(model_path))
    d = it.get_input_details(0)
    it.set_input(np.frombuffer(inp, np.int8).reshape(d["shape"]), 0)
    it.invoke()
    return np.asarray(it.get_output(0)).tobytes().hex()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--micropython", type=Path, default=ROOT / "build" / "unix" / "micropython")
    ap.add_argument("--no-callgrind", action="store_true", help="skip the x86-64 callgrind rows")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="emulator processes (default 2)")
    args = ap.parse_args(argv)
    models = [m.resolve() for m in (args.models or sorted(cg.DEFAULT_MODELS_DIR.glob("*.tflite")))]
    if not models:
        print(f"bench: error: no models in {cg.DEFAULT_MODELS_DIR} (the shared reference models belong "
              "in ../shared/models)", file=sys.stderr)
        return 2
    from tflite_micro.python.tflite_micro import runtime
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="tinyml-bench-") as tmp:
            tmp = Path(tmp)
            inputs = {}
            for m in models:
                shape = runtime.Interpreter.from_file(str(m)).get_input_details(0)["shape"]
                inputs[m] = cg.model_input(m, shape)
            for core in cm.CORES:  # build once before forking
                cm.build(core, str(tmp))
            jobs = [(m, core, inputs[m], str(tmp)) for m in models for core in cm.CORES]
            cg.log(f"bench: emulating {len(jobs)} Cortex-M inferences ...")
            with ProcessPoolExecutor(max_workers=args.jobs) as ex:
                emu = dict(zip([(j[0], j[1]) for j in jobs], ex.map(cortexm_job, jobs)))
            for m in models:
                if args.no_callgrind:
                    r = dict(model=m.name, tflm_output=tflm_reference(m, inputs[m]))
                else:
                    cg.log(f"bench: callgrind {m.name} ...")
                    r = cg.bench_model(m, args.micropython.absolute(), tmp)
                    (tmp / "tflm.out").write_text("")
                    r["tflm_output"] = None
                r["macs"] = macs(m)
                for core in cm.CORES:
                    e = emu[(m, core)]
                    r[f"{core}_cycles"] = e["cycles"]
                    r[f"{core}_instructions"] = e["instructions"]
                    r[f"{core}_cycles_per_mac"] = e["cycles"] / r["macs"]
                    r[f"{core}_output"] = e["output"]
                e = emu[(m, "m0plus")]
                r.update(arena32=e["arena_bytes"], lower_bound=e["arena_lower_bound"],
                         state32=e["state_bytes"] + e["persist_bytes"] + e["model_struct_bytes"])
                r["ram32"] = r["arena32"] + r["state32"]
                p = native.patch_info(m.read_bytes(), "auto")
                r.update(patch_arena_off=p.arena_unpatched, patch_bound_off=p.bound_unpatched,
                         patch_arena_on=p.arena_bytes, patch_extra_macs=p.extra_macs / max(p.conv_macs, 1))
                rows.append(r)
            # TFLM outputs for the emulator check (callgrind rows already compared the x86 output).
            for r, m in zip(rows, models):
                ref = r["tflm_output"] or tflm_reference(m, inputs[m])
                r["tflm_output"] = ref
                r["emulated_outputs_equal_tflm"] = all(r[f"{c}_output"] == ref for c in cm.CORES)
            pico_rows = []
            if pb.UF2.is_file() and pb.ELF.is_file():
                (tmp / "pico").mkdir()
                for r, m in zip(rows, models):
                    cg.log(f"bench: {m.name} on the RP2040 firmware in rp2040js ...")
                    p = pb.measure(m, inputs[m], tmp / "pico")
                    r["rp2040js_cycles"] = p["cycles"]
                    r["rp2040js_cycles_per_mac"] = p["cycles"] / r["macs"]
                    pico_rows.append(dict(model=m.name, macs=r["macs"], pico=p, unicorn=emu[(m, "m0plus")]))
            flash, nobj = flash_bytes(tmp)
            flash_shipped, _ = flash_bytes(tmp, "-O2")
            cg.log("bench: linking every op and the MLPerf Tiny subset (TINYML_OPS) ...")
            linked = fs.measure([str(m) for m in models])
            cg.log("bench: total RAM vs TFLM over the test suite's models (bench/ram_bench.py) ...")
            ram_rows = rb.measure_all(rb.suite_models(rb.ZOO_CACHE), args.jobs)
    except (cg.BenchError, cm.CortexMError) as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(dict(results=rows, flash_bytes=flash, flash_bytes_kernels_o2=flash_shipped,
                              flash_linked=linked, ram_suite=dict(results=ram_rows, summary=rb.summary(ram_rows))),
                         indent=2))
        return 0
    print(table(rows, flash, flash_shipped, nobj, not args.no_callgrind))
    print()
    print(rb.table(ram_rows))
    print(rb.summary_line(rb.summary(ram_rows)))
    print()
    print(fs.report(linked, "these models' ops (TINYML_OPS)"))
    print()
    print(pb.section(pico_rows) if pico_rows else
          "M0+ on the real RP2040 firmware: skipped (no build/rp2/firmware.uf2: `make rp2` adds it)")
    return 1 if not all(r["emulated_outputs_equal_tflm"] and r.get("outputs_equal", True) for r in rows) else 0


def gap(value, target, lower_is_better=True, fmt="{:.2f}"):
    ok = value <= target if lower_is_better else value >= target
    return "met" if ok else f"gap {fmt.format(value / target)}x"


def table(rows, flash, flash_shipped, nobj, with_cg):
    names = [r["model"].replace(".tflite", "") for r in rows]
    out = ["| figure | " + " | ".join(names) + " | reference | target |",
           "|---|" + "---:|" * len(rows) + "---|---|"]

    def row(label, cells, ref, target):
        out.append(f"| {label} | " + " | ".join(cells) + f" | {ref} | {target} |")

    row("MACs (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED)", [f"{r['macs']:,}" for r in rows], "", "")
    if with_cg:
        row("x86-64 instr/inference: tinyml / TFLM (ratio)",
            [f"{r['tinyml_instructions'] / 1e6:.1f} M / {r['tflm_instructions'] / 1e6:.1f} M "
             f"({r['ratio']:.3f}, {gap(r['ratio'], TARGET_X86_RATIO)})" for r in rows],
            "TFLM via tflite-micro", f"<= {TARGET_X86_RATIO}x TFLM")
    row("Cortex-M0+ est. cycles/MAC (cycles/inference)",
        [f"{r['m0plus_cycles_per_mac']:.2f} ({r['m0plus_cycles'] / 1e6:.1f} M, {gap(r['m0plus_cycles_per_mac'], TARGET_M0)})"
         for r in rows], REF_M0, f"<= {TARGET_M0} c/MAC")
    if all("rp2040js_cycles" in r for r in rows):
        row("Cortex-M0+ cycles/MAC measured on the RP2040 firmware in rp2040js (model in flash; no XIP cache "
            "modelled: more on a real Pico)",
            [f"{r['rp2040js_cycles_per_mac']:.2f} ({r['rp2040js_cycles'] / 1e6:.1f} M)" for r in rows],
            "bench/pico_bench.py", f"<= {TARGET_M0} c/MAC")
    row("Cortex-M3 est. cycles/MAC (cycles/inference; no DSP: plain C paths, as on the emulated board)",
        [f"{r['m3_cycles_per_mac']:.2f} ({r['m3_cycles'] / 1e6:.1f} M)" for r in rows], "", "")
    row("Cortex-M4 est. cycles/MAC (cycles/inference)",
        [f"{r['m4_cycles_per_mac']:.2f} ({r['m4_cycles'] / 1e6:.1f} M, {gap(r['m4_cycles_per_mac'], TARGET_M4)})"
         for r in rows], REF_M4, f"<= {TARGET_M4} c/MAC")
    row("peak activations B (host build), patches off: arena / per-op bound; auto: arena (x bound, +halo MACs)",
        [f"{r['patch_arena_off']:,} / {r['patch_bound_off']:,}; {r['patch_arena_on']:,} "
         f"({r['patch_arena_on'] / r['patch_bound_off']:.2f}x, +{100 * r['patch_extra_macs']:.1f}%"
         + (f", {gap(r['patch_arena_on'] / r['patch_bound_off'], TARGET_PATCH_RATIO)})" if "vww" in r["model"] else ")")
         for r in rows], "bench/patch_bench.py (person_detect too)", f"<= {TARGET_PATCH_RATIO}x on VWW, person_detect")
    row("activation arena B (patches auto): tinyml / per-op lower bound / TFLM",
        [f"{r['arena32']:,} / {r['lower_bound']:,} / " + (f"{r['tflm_arena_activations']:,}" if with_cg else "-")
         + (" (at bound)" if r['arena32'] == r['lower_bound'] else f" (+{r['arena32'] - r['lower_bound']:,})")
         for r in rows], "TFLM greedy plan", "= lower bound")
    if with_cg:
        row("total RAM B, loaded model: tinyml 32-bit (arena + state) / TFLM arena incl. state (ratio)",
            [f"{r['ram32']:,} ({r['arena32']:,} + {r['state32']:,}) / {r['tflm_arena_total']:,} "
             f"({r['ram32'] / r['tflm_arena_total']:.3f}, {gap(r['ram32'] / r['tflm_arena_total'], TARGET_RAM_RATIO)})"
             for r in rows], "TFLM print_allocations (x86-64 build)", f"<= {TARGET_RAM_RATIO}x TFLM")
    else:
        row("total RAM B, loaded model: tinyml 32-bit (arena + state)",
            [f"{r['ram32']:,} ({r['arena32']:,} + {r['state32']:,})" for r in rows], "", "")
    row("emulated M0+/M3/M4 output == TFLM", ["yes" if r["emulated_outputs_equal_tflm"] else "NO" for r in rows], "", "bit-exact")
    if with_cg:
        row("x86-64 (Unix port) output == TFLM", ["yes" if r["outputs_equal"] else "NO" for r in rows], "", "bit-exact")
    out.append("")
    out.append(f"Flash added by tinyml with every op: {flash:,} B (text + data of {nobj} engine objects, "
               f"arm-none-eabi-gcc -Os -mthumb -mcpu=cortex-m4; binding not included) - target <= {TARGET_FLASH:,} B: "
               f"{gap(flash, TARGET_FLASH)}. As the firmware builds ship it (kernels at -O2 for speed, the rest "
               f"-Os): {flash_shipped:,} B.")
    out.append("")
    out.append("Cortex-M cycles are estimates: arm-none-eabi-gcc -O2 builds run in unicorn, each executed "
               "instruction weighted by the core's documented timing (see bench/cortexm_bench.py). Left out: "
               "flash wait states and caches (all memory zero-wait-state), bus contention, interrupts, "
               "the M4's variable branch refill (P=2 used) and IT folding. x86 figures: valgrind callgrind Ir "
               "inside one inference. Inputs: one seeded random int8 input per model.")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
