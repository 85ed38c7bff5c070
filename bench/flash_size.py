"""Flash that tinyml adds to a firmware, with every op and with a TINYML_OPS subset.

    python bench/flash_size.py                       every op, and the MLPerf Tiny models' ops
    python bench/flash_size.py CONV_2D,SOFTMAX m.tflite   every op, and that selection

The engine (device/runtime, ops, kernels) is compiled as the firmware builds ship it (kernels -O2,
the rest -Os, -ffunction-sections) for a Cortex-M0+ (the RP2040) and a Cortex-M4, and linked with
--gc-sections into the Cortex-M benchmark harness (bench/cortexm/harness.c: load + invoke, nothing
else), so only code reachable from the op table counts, as in a real port. The figure is text +
data of the linked image: the engine plus the libgcc / libm / libc helpers it pulls in (64-bit
multiply, the double math of prepare, memcpy), minus nothing. The MicroPython binding
(modtinyml*.c, a few KB) is not included.
A subset is chosen exactly as a port build does: device/tools/select_ops.py writes the header that
device/runtime/tm_ops.c includes with -DTM_OPS_SELECTED.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MLPERF_DIR = ROOT.parent / "shared" / "models" / "mlperf_tiny"
CORES = {"m0plus": "cortex-m0plus", "m4": "cortex-m4"}


def engine_sources() -> list[Path]:
    return sorted(p for d in ("runtime", "ops", "kernels") for p in (ROOT / "device" / d).glob("*.c"))


def select_header(ops: list[str], out_dir: Path) -> Path:
    """The tm_ops_selected.h a port build would generate for TINYML_OPS=ops."""
    subprocess.run([sys.executable, str(ROOT / "device" / "tools" / "select_ops.py"),
                    "--out", str(out_dir / "tm_ops_selected.h"), *ops], check=True, capture_output=True)
    return out_dir


def linked_bytes(core: str, workdir: Path, selected: Path | None = None) -> int:
    """text + data of the harness image linked with the engine (selected: the generated header's
    folder, or None for every op)."""
    tag = f"{core}-{'sel' if selected else 'all'}"
    objs = []
    for src in engine_sources() + [ROOT / "bench" / "cortexm" / "harness.c"]:
        obj = workdir / f"{tag}-{src.parent.name}-{src.stem}.o"
        opt = "-O2" if src.parent.name == "kernels" else "-Os"
        extra = ["-DTM_OPS_SELECTED", "-I", str(selected)] if selected and src.name == "tm_ops.c" else []
        subprocess.run(["arm-none-eabi-gcc", f"-mcpu={CORES[core]}", "-mthumb", "-mfloat-abi=soft", opt,
                        "-std=c99", "-ffunction-sections", "-fdata-sections", *extra,
                        "-I", str(ROOT / "device/runtime"), "-I", str(ROOT / "device/kernels"),
                        "-I", str(ROOT / "device/ops"), "-c", str(src), "-o", str(obj)], check=True)
        objs.append(str(obj))
    elf = workdir / f"{tag}.elf"
    subprocess.run(["arm-none-eabi-gcc", f"-mcpu={CORES[core]}", "-mthumb", "-mfloat-abi=soft", "-nostartfiles",
                    "-T", str(ROOT / "bench/cortexm/harness.ld"), "--specs=nano.specs", "-Wl,--gc-sections",
                    "-Wl,-u,bench_invoke", "-o", str(elf), *objs, "-lm"], check=True)
    out = subprocess.run(["arm-none-eabi-size", str(elf)], capture_output=True, text=True, check=True)
    text, data = (int(x) for x in out.stdout.splitlines()[-1].split()[:2])
    return text + data


def measure(subset: list[str] | None = None) -> dict:
    """{'ops': the subset's op names, 'rows': [(core, every op, subset)]}."""
    if subset is None:
        subset = [str(p) for p in sorted(MLPERF_DIR.glob("*.tflite"))]
        if not subset:
            raise SystemExit(f"flash_size: no models in {MLPERF_DIR} for the MLPerf Tiny subset; "
                             "give TINYML_OPS names or models")
    with tempfile.TemporaryDirectory(prefix="tinyml-flash-") as tmp:
        tmp = Path(tmp)
        header = select_header(subset, tmp)
        chosen = header.joinpath("tm_ops_selected.h").read_text().splitlines()[1].split(": ", 1)[1]
        rows = [(core, linked_bytes(core, tmp), linked_bytes(core, tmp, header)) for core in CORES]
    return {"ops": chosen, "rows": rows}


def report(result: dict, label: str = "MLPerf Tiny subset") -> str:
    lines = ["Flash added by tinyml, linked with --gc-sections (kernels -O2, rest -Os; binding not included):",
             f"  {label}: {result['ops']}"]
    for core, full, sub in result["rows"]:
        lines.append(f"  Cortex-{core.upper().replace('PLUS', '+')}: every op {full:,} B, "
                     f"{label} {sub:,} B ({sub / full:.0%})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ops", nargs="*", help="a TINYML_OPS selection (default: the MLPerf Tiny models' ops)")
    args = ap.parse_args(argv)
    result = measure(args.ops or None)
    print(report(result, "TINYML_OPS=" + " ".join(args.ops) if args.ops else "MLPerf Tiny subset"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
