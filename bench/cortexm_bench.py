#!/usr/bin/env python3
"""Estimated Cortex-M0+ / M3 / M4 cycles per inference, and 32-bit RAM, of tinyml on real models.

The plain-C runtime (device/runtime, device/ops, device/kernels) and a tiny bare-metal harness
(bench/cortexm/harness.c: no startup code, no I/O) are compiled with arm-none-eabi-gcc -O2 (or
$CORTEXM_OPT / --opt) for -mcpu=cortex-m0plus (ARMv6-M), -mcpu=cortex-m3 (ARMv7-M, no DSP) and
-mcpu=cortex-m4 (ARMv7E-M, DSP extension, soft-float ABI),
linked as one image at address 0 and run in unicorn (QEMU's Thumb emulator): the model's bytes
and a heap (state, persistent data, activation arena, stack) sit in emulated memory. The harness
loads the model (not counted), the emulator copies the input into the input tensor, and one
tm_model_invoke() is counted: every executed basic block is decoded with capstone and each
instruction weighted by the core's documented timing:

  Cortex-M0+ (ARM DDI 0484, table 3-1): loads/stores 2, LDM/STM/PUSH 1+N, POP with PC 3+N,
    B taken 2 / not taken 1, BL 3, BX/BLX 2, MULS 1 (single-cycle multiplier), others 1.
  Cortex-M4 (ARM DDI 0439, table 3-1), pipeline refill P = 2 (the TRM gives 1..3): single
    loads/stores 2, or 1 when they follow another single load/store (the TRM's pipelining of
    neighbouring loads/stores), LDRD/STRD 3, LDM/STM/PUSH/POP 1+N (+P with PC), MUL/SMULL/
    UMULL/SMLAL/UMLAL and the DSP multiplies (SMLAD, SMLABB, ...) 1, MLA/MLS 2, SDIV/UDIV 7
    (the TRM gives 2..12), B/BL/BX/BLX taken 1+P, not taken 1, TBB/TBH 2+P, others 1.
  Cortex-M3 (ARM DDI 0337, table 18-1; -mcpu=cortex-m3, ARMv7-M without DSP: the plain C paths,
    as on the emulated board): the M4 table, except SMULL/UMULL 4 and SMLAL/UMLAL 5 (3..5, 4..7).

Left out: flash wait states and caches (memory is zero-wait-state, as in SRAM or a warm XIP
cache), bus contention, interrupts, the M4's branch speculation details and IT folding. The
output of the emulated inference is compared with TFLM's for the same input.

Library use: run(model_path, core, input_bytes) -> dict. CLI: cortexm_bench.py MODEL [--core m0plus|m3|m4]
"""

import argparse
import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORES = {"m0plus": "cortex-m0plus", "m3": "cortex-m3", "m4": "cortex-m4"}
# Cores timed with the ARMv7-M table (the M3 TRM gives the same cycles as the M4 for the
# instructions both have); the M3 has no DSP extension, so it runs the plain C paths.
V7M = ("m3", "m4")
MODEL_ADDR = 0x10000000
HEAP_ADDR = 0x20000000
RAM_SIZE = 0x01000000          # heap + stack
STACK_BYTES = 0x10000
STOP_ADDR = 0x30000000         # LR points here: returning stops the emulator


class CortexMError(Exception):
    pass


def sources():
    return sorted(str(p) for d in ("runtime", "ops", "kernels") for p in (ROOT / "device" / d).glob("*.c"))


# Optimization level of the engine in the emulated builds: -O2 by default; CORTEXM_OPT=-Os (or
# --opt -Os) measures what a port compiling the engine with -Os (MicroPython's default) runs.
OPT = os.environ.get("CORTEXM_OPT", "-O2")


@functools.lru_cache(maxsize=None)
def build(core, outdir):
    """Compile and link the harness image for core; -> (image bytes, {symbol: address})."""
    out = Path(outdir) / f"tinyml-{core}.elf"
    cmd = ["arm-none-eabi-gcc", f"-mcpu={CORES[core]}", "-mthumb", "-mfloat-abi=soft", OPT, "-std=c99",
           "-ffunction-sections", "-fdata-sections",
           "-I", str(ROOT / "device/runtime"), "-I", str(ROOT / "device/kernels"), "-I", str(ROOT / "device/ops"),
           "-nostartfiles", "-T", str(ROOT / "bench/cortexm/harness.ld"), "--specs=nano.specs",
           "-Wl,--gc-sections", "-Wl,-u,bench_invoke", "-o", str(out),
           str(ROOT / "bench/cortexm/harness.c")] + sources() + ["-lm"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise CortexMError(f"arm-none-eabi-gcc failed for {core}: {p.stderr[-2000:]}")
    binf = out.with_suffix(".bin")
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "--remove-section=.bss", str(out), str(binf)],
                   check=True)
    syms = {}
    for line in subprocess.run(["arm-none-eabi-nm", str(out)], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return binf.read_bytes(), syms


COND = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"}
SINGLE_LS = ("ldr", "str")


def _regs(insn):
    return len(insn.operands)


def _writes_pc(insn):
    from capstone import arm_const as A
    return any(op.type == A.ARM_OP_REG and op.reg == A.ARM_REG_PC for op in insn.operands)


def insn_cost(insn, core, prev_ls):
    """-> (cycles if a branch is not taken / the instruction is not a branch, extra if taken,
    is_single_load_store)."""
    mn = insn.mnemonic.split(".")[0]
    P = 2
    m4 = core in V7M
    if mn in ("push", "pop"):
        n = _regs(insn)
        if mn == "pop" and _writes_pc(insn):
            return (1 + n + P if m4 else 3 + n), 0, False
        return 1 + n, 0, False
    if mn.startswith(("ldm", "stm")):
        n = _regs(insn) - 1
        return 1 + n + (P if m4 and _writes_pc(insn) else 0), 0, False
    if mn in ("ldrd", "strd"):
        return 3, 0, False
    if mn.startswith(SINGLE_LS) and not mn.startswith(("ldrex", "strex")):
        if mn.startswith("ldr") and insn.operands and _writes_pc(insn):
            return 2 + P if m4 else 2, 0, False
        return (1 if (m4 and prev_ls) else 2), 0, True
    if mn in ("bl", "blx"):
        return (1 + P if m4 else (3 if mn == "bl" else 2)), 0, False
    if mn == "bx":
        return (1 + P if m4 else 2), 0, False
    if mn in ("tbb", "tbh"):
        return 2 + P, 0, False
    if mn in ("cbz", "cbnz"):
        return 1, P, False
    if mn == "b":
        return (1 + P if m4 else 2), 0, False
    if mn.startswith("b") and mn[1:3] in COND and len(mn) == 3:
        return 1, (P if m4 else 1), False
    if m4 and mn in ("mla", "mls"):
        return 2, 0, False
    if core == "m3" and mn in ("smull", "umull"):
        return 4, 0, False   # M3 TRM: 3..5 (early termination)
    if core == "m3" and mn in ("smlal", "umlal"):
        return 5, 0, False   # M3 TRM: 4..7
    if mn in ("sdiv", "udiv"):
        return 7, 0, False
    if mn in ("mov", "add") and _writes_pc(insn) and insn.operands[0].reg == __import__("capstone").arm_const.ARM_REG_PC:
        return (1 + P if m4 else 2), 0, False
    return 1, 0, False


class Counter:
    def __init__(self, core):
        from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs
        self.core = core
        self.md = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
        self.md.detail = True
        self.edges = {}
        self.prev = None

    def hook(self, uc, addr, size, _):
        k = (self.prev, addr, size)
        e = self.edges
        e[k] = e.get(k, 0) + 1
        self.prev = (addr, size)

    def block_cost(self, uc, addr, size):
        code = bytes(uc.mem_read(addr, size))
        cycles, taken, prev_ls, n = 0, 0, False, 0
        for insn in self.md.disasm(code, addr):
            c, t, prev_ls = insn_cost(insn, self.core, prev_ls)
            cycles, taken, n = cycles + c, t, n + 1
        return cycles, taken, n

    def totals(self, uc, by_address=None):
        """-> (cycles, instructions); by_address (a dict) gets the cycles of each block start."""
        cost = {}
        cycles = instructions = 0
        for (prev, addr, size), count in self.edges.items():
            if (addr, size) not in cost:
                cost[(addr, size)] = self.block_cost(uc, addr, size)
            c, _, n = cost[(addr, size)]
            cycles += c * count
            instructions += n * count
            if by_address is not None:
                by_address[addr] = by_address.get(addr, 0) + c * count
            if prev is not None and prev[0] + prev[1] != addr:
                if prev not in cost:
                    cost[prev] = self.block_cost(uc, *prev)
                cycles += cost[prev][1] * count
                if by_address is not None:
                    by_address[prev[0]] = by_address.get(prev[0], 0) + cost[prev][1] * count
        return cycles, instructions


def load(model_path, core, workdir=None):
    """Load model_path in the emulated core (open, parse, prepare, set_arena: not counted).
    -> (unicorn, call(sym, counter=None), {symbol: address}, dict(state_bytes, persist_bytes,
        arena_bytes, arena_lower_bound, model_struct_bytes, in_ptr, in_len, out_ptr, out_len))."""
    from unicorn import UC_ARCH_ARM, UC_HOOK_BLOCK, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
    from unicorn import arm_const as U
    workdir = workdir or tempfile.mkdtemp(prefix="tinyml-cortexm-")
    image, syms = build(core, str(workdir))
    model = Path(model_path).read_bytes()
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.ctl_set_cpu_model({"m0plus": U.UC_CPU_ARM_CORTEX_M0, "m3": U.UC_CPU_ARM_CORTEX_M3}.get(core, U.UC_CPU_ARM_CORTEX_M4))
    page = lambda n: (n + 0xFFFF) & ~0xFFFF
    uc.mem_map(0, page(syms["_end"] + 0x1000))
    uc.mem_write(0, image)
    uc.mem_map(MODEL_ADDR, page(len(model)))
    uc.mem_write(MODEL_ADDR, model)
    uc.mem_map(HEAP_ADDR, RAM_SIZE)
    uc.mem_map(STOP_ADDR, 0x10000)
    job = syms["bench_job_block"]
    w32 = lambda a, v: uc.mem_write(a, int(v).to_bytes(4, "little"))
    r32 = lambda a: int.from_bytes(uc.mem_read(a, 4), "little")
    w32(job + 0, MODEL_ADDR)
    w32(job + 4, len(model))
    w32(job + 8, HEAP_ADDR)
    w32(job + 12, RAM_SIZE - STACK_BYTES)

    def call(sym, counter=None):
        uc.reg_write(U.UC_ARM_REG_SP, HEAP_ADDR + RAM_SIZE)
        uc.reg_write(U.UC_ARM_REG_LR, STOP_ADDR | 1)
        h = uc.hook_add(UC_HOOK_BLOCK, counter.hook) if counter else None
        if counter:
            # Code translated before the hook existed (during the untimed load: e.g. libgcc's
            # 64-bit multiply helper) would run from unicorn's translation cache without the
            # counting hook: flush it, so every block of the counted run is translated with it.
            uc.ctl_flush_tb()
        uc.emu_start(syms[sym] | 1, STOP_ADDR)
        if h is not None:
            uc.hook_del(h)

    call("bench_load")
    f = [r32(job + 16 + 4 * i) for i in range(10)]
    status = f[0] - (1 << 32) if f[0] & 0x80000000 else f[0]
    if status != 0:
        text = bytes(uc.mem_read(job + 56, 96)).split(b"\0")[0].decode(errors="replace")
        raise CortexMError(f"{Path(model_path).name} on {core}: load failed ({status}): {text}")
    keys = ("state_bytes", "persist_bytes", "arena_bytes", "arena_lower_bound", "model_struct_bytes",
            "in_ptr", "in_len", "out_ptr", "out_len")
    return uc, call, syms, dict(zip(keys, f[1:10]))


def run(model_path, core, input_bytes, workdir=None):
    """Load model_path in the emulated core, run one inference of input_bytes.
    -> dict(cycles, instructions, output (bytes), state_bytes, persist_bytes, arena_bytes,
            arena_lower_bound, model_struct_bytes)."""
    uc, call, syms, sizes = load(model_path, core, workdir)
    state, persist, arena, lower, mstruct, in_ptr, in_len, out_ptr, out_len = (
        sizes[k] for k in ("state_bytes", "persist_bytes", "arena_bytes", "arena_lower_bound",
                           "model_struct_bytes", "in_ptr", "in_len", "out_ptr", "out_len"))
    if len(input_bytes) != in_len:
        raise CortexMError(f"input has {len(input_bytes)} bytes, the model's input tensor {in_len}")
    uc.mem_write(in_ptr, bytes(input_bytes))
    counter = Counter(core)
    call("bench_invoke", counter)
    by_address = {}
    cycles, instructions = counter.totals(uc, by_address)
    funcs = sorted((a, name) for name, a in syms.items())
    profile = {}
    import bisect
    for addr, c in by_address.items():
        i = bisect.bisect_right([f[0] for f in funcs], addr) - 1
        name = funcs[i][1] if i >= 0 else "?"
        profile[name] = profile.get(name, 0) + c
    return dict(core=core, cycles=cycles, instructions=instructions, profile=profile,
                output=bytes(uc.mem_read(out_ptr, out_len)), state_bytes=state, persist_bytes=persist,
                arena_bytes=arena, arena_lower_bound=lower, model_struct_bytes=mstruct)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--core", choices=sorted(CORES), default="m0plus")
    ap.add_argument("--top", type=int, default=8, help="print the functions taking most cycles")
    ap.add_argument("--opt", default=None, help="optimization flag of the build (default -O2, or $CORTEXM_OPT)")
    args = ap.parse_args(argv)
    global OPT
    if args.opt:
        OPT = args.opt
    sys.path.insert(0, str(ROOT / "bench"))
    from callgrind_bench import model_input
    from tflite_micro.python.tflite_micro import runtime
    shape = runtime.Interpreter.from_file(str(args.model)).get_input_details(0)["shape"]
    r = run(args.model.resolve(), args.core, model_input(args.model.resolve(), shape))
    r["output"] = r["output"].hex()
    prof = r.pop("profile")
    print(r)
    for name, c in sorted(prof.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"{c:>12,} {c / r['cycles']:6.1%} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
