#!/usr/bin/env python3
"""Run the C unit tests of the kernels on emulated Cortex-M0+, Cortex-M3 and Cortex-M4 (unicorn).

The host build (`make ctest`) only compiles the plain C paths; this builds each tests/c/test_*.c
with arm-none-eabi-gcc -O2 for -mcpu=cortex-m0plus and -mcpu=cortex-m4 (ARMv7E-M: the DSP fast
paths: device/kernels/prim_armv7em_dsp.c), runs its main() in unicorn and checks that it returns 0 (no failed
check). Output of the tests is discarded (newlib nosys stubs), so rerun a failing test on the host
to read it; the exit status names the failing test and core.

Usage: .venv/bin/python bench/cortexm_ctest.py [tests/c/test_conv_2d.c ...]
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import cortexm_bench as cm  # noqa: E402

# Tests that need files or the host's libc at run time (the profile hook runs on the emulated
# boards in tests/device/model_profile.py).
SKIP = {"test_model_fuzz.c", "test_profile.c", "test_node_scratch.c"}  # all read model files
MEM = 0x01000000
STOP = 0x30000000


def run_test(test, core, workdir):
    from unicorn import UC_ARCH_ARM, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
    from unicorn import arm_const as U
    out = Path(workdir) / f"{test.stem}-{core}.elf"
    cmd = ["arm-none-eabi-gcc", f"-mcpu={cm.CORES[core]}", "-mthumb", "-mfloat-abi=soft", "-O2", "-std=c99",
           "-I", str(ROOT / "device/runtime"), "-I", str(ROOT / "device/kernels"), "-I", str(ROOT / "device/ops"),
           "-I", str(ROOT / "tests/c"), "-nostartfiles", "-T", str(ROOT / "bench/cortexm/harness.ld"),
           "--specs=nano.specs", "--specs=nosys.specs", "-Wl,-e,main", "-o", str(out), str(test)] + cm.sources() + ["-lm"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return f"build failed: {p.stderr[-1500:]}"
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "--remove-section=.bss", str(out), str(out) + ".bin"],
                   check=True)
    syms = {}
    for line in subprocess.run(["arm-none-eabi-nm", str(out)], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.ctl_set_cpu_model({"m0plus": U.UC_CPU_ARM_CORTEX_M0, "m3": U.UC_CPU_ARM_CORTEX_M3}.get(core, U.UC_CPU_ARM_CORTEX_M4))
    uc.mem_map(0, MEM)   # image, then newlib's heap from `end`; the stack at the top
    uc.mem_write(0, (Path(str(out) + ".bin")).read_bytes())
    uc.mem_map(STOP, 0x10000)
    uc.reg_write(U.UC_ARM_REG_SP, MEM)
    uc.reg_write(U.UC_ARM_REG_LR, STOP | 1)
    try:
        uc.emu_start(syms["main"] | 1, STOP)
    except Exception as e:  # unicorn errors: bad memory access, invalid instruction
        return f"emulation stopped: {e} at pc 0x{uc.reg_read(U.UC_ARM_REG_PC):x}"
    rc = uc.reg_read(U.UC_ARM_REG_R0)
    return None if rc == 0 else f"main returned {rc}"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    tests = [Path(t) for t in argv] or sorted(p for p in (ROOT / "tests/c").glob("test_*.c") if p.name not in SKIP)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="tinyml-cortexm-ctest-") as tmp:
        for test in tests:
            for core in cm.CORES:
                err = run_test(test.resolve(), core, tmp)
                print(f"{'FAIL' if err else 'pass'} {test.name} on {core}" + (f": {err}" if err else ""), flush=True)
                failed += err is not None
    print(f"cortexm-ctest: {len(tests) * len(cm.CORES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
