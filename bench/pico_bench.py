#!/usr/bin/env python3
"""Cortex-M0+ cycles per inference measured on the real RP2040 firmware in rp2040js, beside
cortexm_bench.py's unicorn estimate.

The firmware `make rp2` builds (build/rp2/firmware.uf2, MicroPython + tinyml) boots in the emulated
Pico (tinyml_host.pico, rp2040js 1.4.1). The model is placed in flash (at its end, outside the
firmware and clear of the blocks a fresh littlefs writes) and loaded in place with
tinyml.Model(uctypes.bytearray_at(address, size)): the weights are read from flash (XIP), the
flash-resident case, as a model too big for RAM runs on a real Pico. The input (the same seeded
bytes as the unicorn run) is in flash too. pico.mjs counts rp2040js's cycles (core.cycles: the
Cortex-M0+ TRM's per-instruction timing) from the entry of tm_model_invoke to its return, split
by the ELF function the PC is in; the output must equal unicorn's (which bench.py checks against
TFLM).

What rp2040js leaves out: it models no XIP cache and no flash wait states, so every flash read
costs what an SRAM read costs; on a real Pico, weights read from flash (and cache misses on code)
cost more, so these are lower bounds for the flash-resident case. No exception entry cost; the
SIO divider adds 8 cycles. The unicorn estimate runs a -O2 bare-metal build with libgcc; the
firmware uses the Pico SDK's 64-bit multiply (faster than libgcc's __muldi3), so totals differ
by that helper while the kernels themselves (compiled -O2 in both) agree.

    .venv/bin/python bench/pico_bench.py [MODEL.tflite ...]    (default: the MLPerf Tiny models)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))
sys.path.insert(0, str(ROOT / "bench"))
UF2 = ROOT / "build" / "rp2" / "firmware.uf2"
ELF = ROOT / "build" / "rp2" / "firmware.elf"
FLASH_BASE = 0x10000000
FLASH_SIZE = 2 * 1024 * 1024
# The kernels whose cycles are compared one by one (the functions an inference spends its time in).
KERNELS = ("tm_prim_dot_1x4", "v6m_dot4", "v6m_dot4_off", "dw_dm1", "tm_mm_s8", "im2col_gather",
           "tm_dot4_off_portable")
AGREE = 0.02

BOARD_SCRIPT = """\
import tinyml, uctypes, binascii
m = tinyml.Model(uctypes.bytearray_at({model_addr:#x}, {model_size}))
x = bytes(uctypes.bytearray_at({input_addr:#x}, {input_size}))
y = m.predict(x)
print("OUT", binascii.hexlify(y).decode())
"""


def function_symbols(elf: Path) -> tuple[list, int]:
    """([[start, end, name], ...] of the ELF's functions sorted by start, tm_model_invoke's address)."""
    out = subprocess.run(["arm-none-eabi-nm", "-S", "--defined-only", str(elf)], capture_output=True,
                         text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTW":
            start, size = int(parts[0], 16) & ~1, int(parts[1], 16)
            syms.append([start, start + size, parts[3]])
        elif len(parts) == 3 and parts[1] in "tTW":  # assembly without a size: up to the next one
            syms.append([int(parts[0], 16) & ~1, None, parts[2]])
    syms.sort(key=lambda s: s[0])
    for i, s in enumerate(syms):
        if s[1] is None:
            s[1] = min(syms[i + 1][0] if i + 1 < len(syms) else s[0] + 4096, s[0] + 4096)
    entry = next((s[0] for s in syms if s[2] == "tm_model_invoke"), None)
    if entry is None:
        raise SystemExit(f"pico_bench: {elf} has no tm_model_invoke: build it with `make rp2`")
    return syms, entry


def flash_image(model: bytes, inp: bytes) -> tuple[bytes, int, int]:
    """(2 MB flash image with the model and input at its end, model address, input address)."""
    align = lambda n: (n + 4095) & ~4095
    input_off = FLASH_SIZE - align(len(inp))
    model_off = input_off - align(len(model))
    image = bytearray(b"\xff" * FLASH_SIZE)
    image[model_off:model_off + len(model)] = model
    image[input_off:input_off + len(inp)] = inp
    return bytes(image), FLASH_BASE + model_off, FLASH_BASE + input_off


def measure(model_path: Path, inp: bytes, workdir: Path) -> dict:
    """One inference on the emulated Pico -> dict(cycles, functions, output (hex), seconds)."""
    import time

    from mpremote.transport_serial import SerialTransport
    from tinyml_host import pico

    model = model_path.read_bytes()
    syms, entry = function_symbols(ELF)
    (workdir / "symbols.json").write_text(json.dumps(syms))
    image, model_addr, input_addr = flash_image(model, inp)
    (workdir / "flash.bin").write_bytes(image)
    out_file = workdir / "profile.jsonl"
    out_file.write_text("")
    t0 = time.monotonic()
    board = pico.start(UF2, flash_image=workdir / "flash.bin", reuse=False, profile=entry,
                       profile_out=str(out_file), profile_symbols=str(workdir / "symbols.json"))
    try:
        t = SerialTransport(board.pty, baudrate=115200)
        t.serial.timeout = 1
        t.enter_raw_repl(soft_reset=False)
        out, err = t.exec_raw(BOARD_SCRIPT.format(model_addr=model_addr, model_size=len(model),
                                                  input_addr=input_addr, input_size=len(inp)), timeout=600)
        if err:
            raise SystemExit(f"pico_bench: {model_path.name} failed on the emulated Pico: {err.decode()}")
        t.exit_raw_repl()
        t.close()
    finally:
        board.stop()
    lines = [json.loads(s) for s in out_file.read_text().splitlines() if s.strip()]
    if not lines:
        raise SystemExit(f"pico_bench: no tm_model_invoke call was timed for {model_path.name}: {out!r}")
    output = out.decode().split("OUT", 1)[1].split()[0]
    return dict(cycles=lines[-1]["cycles"], functions=lines[-1]["functions"], output=output,
                seconds=time.monotonic() - t0)


def kernel_rows(pico_fn: dict, unicorn_fn: dict) -> list[tuple[str, int, int, float]]:
    rows = []
    for k in KERNELS:
        a, b = pico_fn.get(k, 0), unicorn_fn.get(k, 0)
        if a or b:
            rows.append((k, a, b, (a - b) / b if b else float("inf")))
    return rows


def section(results: list[dict]) -> str:
    """The report: per model, rp2040js vs unicorn cycles and cycles/MAC, then kernel by kernel.
    results: dict(model, macs, pico (measure()), unicorn (cortexm_bench.run() for m0plus))."""
    lines = ["Cortex-M0+ on the real RP2040 firmware (rp2040js 1.4.1, cycles inside tm_model_invoke; "
             "model in flash, read in place) vs the unicorn estimate (cortexm_bench.py):",
             f"  {'model':<30} {'rp2040js':>14} {'c/MAC':>7} {'unicorn':>14} {'c/MAC':>7} {'diff':>7}  output"]
    worst = 0.0
    for r in results:
        p, u = r["pico"], r["unicorn"]
        same = "= unicorn" if p["output"] == u["output"] else "DIFFERS"
        lines.append(f"  {r['model']:<30} {p['cycles']:>14,} {p['cycles'] / r['macs']:>7.2f} "
                     f"{u['cycles']:>14,} {u['cycles'] / r['macs']:>7.2f} "
                     f"{100 * (p['cycles'] - u['cycles']) / u['cycles']:>+6.1f}%  {same}")
    lines.append("  per kernel (cycles in the function; both builds compile the kernels -O2):")
    for r in results:
        for name, a, b, d in kernel_rows(r["pico"]["functions"], r["unicorn"]["profile"]):
            worst = max(worst, abs(d))
            lines.append(f"    {r['model']:<30} {name:<14} {a:>12,} {b:>12,} {100 * d:>+6.2f}%")
        helpers = {k: v for k, v in r["pico"]["functions"].items() if "lmul" in k or "muldi" in k}
        uh = {k: v for k, v in r["unicorn"]["profile"].items() if "muldi" in k}
        if helpers or uh:
            lines.append(f"    {r['model']:<30} 64-bit multiply: firmware {sum(helpers.values()):,} "
                         f"({', '.join(helpers) or '-'}), unicorn build {sum(uh.values()):,} (libgcc __muldi3)")
    lines.append(f"  kernels agree within {100 * worst:.2f}% (target {100 * AGREE:.0f}%): "
                 f"{'met' if worst <= AGREE else 'NOT MET'}")
    lines.append("  rp2040js models no XIP cache and no flash wait states: on a real Pico, weights read from "
                 "flash cost more, so the flash-resident figures above are lower bounds.")
    return "\n".join(lines)


def main(argv=None) -> int:
    import callgrind_bench as cg
    import cortexm_bench as cm
    from bench import macs
    from tflite_micro.python.tflite_micro import runtime

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", type=Path)
    args = ap.parse_args(argv)
    if not UF2.is_file() or not ELF.is_file():
        print("pico_bench: error: no build/rp2/firmware.uf2 and .elf: run `make rp2`", file=sys.stderr)
        return 2
    models = [m.resolve() for m in (args.models or sorted(cg.DEFAULT_MODELS_DIR.glob("*.tflite")))]
    results = []
    with tempfile.TemporaryDirectory(prefix="tinyml-pico-bench-") as tmp:
        for m in models:
            shape = runtime.Interpreter.from_file(str(m)).get_input_details(0)["shape"]
            inp = cg.model_input(m, shape)
            cg.log(f"pico_bench: {m.name} in rp2040js ...")
            p = measure(m, inp, Path(tmp))
            cg.log(f"pico_bench: {m.name} in unicorn ...")
            u = cm.run(m, "m0plus", inp, tmp)
            u["output"] = u["output"].hex()
            results.append(dict(model=m.name, macs=macs(m), pico=p, unicorn=u))
    print(section(results))
    return 0 if all(r["pico"]["output"] == r["unicorn"]["output"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
