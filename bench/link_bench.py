"""Serial-link throughput on the emulated board: the tinyml link vs one `mpremote exec` per window.

    .venv/bin/python bench/link_bench.py [--model M] [--windows N] [--naive N]   (make bench-link)

Boots a private emulated board (build/qemu/firmware.elf), then in the same run:
  1. tinyml link: the model streamed over the link, then N windows back to back
     (tinyml_host.link.Link.run_batch); windows/s and link bytes/s (both directions) over the run.
  2. naive, one `mpremote exec` per window, as a script would do it without the link: each call is
     a new mpremote process that connects, enters the raw REPL (mpremote's default soft reset),
     makes the model from the bytes the link left in the board's RAM (no model transfer counted),
     and prints the output of predict() on the window, sent as a hex literal.
  3. naive, with `mpremote resume exec`: no soft reset, the Model kept in a global between calls -
     the best case of the naive way.
Outputs of the naive runs are checked against the link's. Figures are wall-clock on this machine
(both ways share the emulator's ~50-60 kB/s host-to-board byte rate and its CPU), so they move
with the machine's load; the ratio is what this measures. --repeat N runs the whole comparison N
times on the same board and prints each ratio and their median.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

import numpy as np  # noqa: E402

from tinyml_host import emulator  # noqa: E402
from tinyml_host.link import Link  # noqa: E402


def naive(pty: str, programs: list[str], resume: bool) -> tuple[float, list[str]]:
    cmd = [sys.executable, "-m", "mpremote", "connect", pty] + (["resume"] if resume else []) + ["exec"]
    outs = []
    t0 = time.monotonic()
    for prog in programs:
        p = subprocess.run(cmd + [prog], capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise SystemExit(f"mpremote failed: {p.stdout[-500:]} {p.stderr[-500:]}")
        lines = p.stdout.strip().splitlines()
        outs.append(lines[-1] if lines else "")
    return time.monotonic() - t0, outs


def one_round(emu: emulator.Emulator, model: bytes, n_windows: int, n_naive: int, verbose: bool) -> tuple[float, float]:
    """One comparison on the running board: (speed-up over `mpremote exec`, over `resume exec`)."""
    link = Link.connect(emu.pty)
    addr = emu.spare_ram[0]
    t0 = time.monotonic()
    info = link.load_model(model, address=addr)
    upload = time.monotonic() - t0
    up_bytes = link.stats.bytes_sent
    n_in = info["input_bytes"]
    rng = np.random.default_rng(0)
    windows = [rng.integers(-128, 128, n_in, dtype=np.int8).tobytes() for _ in range(n_windows)]
    before = link.stats.snapshot()
    t0 = time.monotonic()
    results = link.run_batch(windows)
    dt = time.monotonic() - t0
    used = link.stats.since(before)
    compute = 1000 * link._compute.get(0x22, 0.0)  # wall time from a BATCH's ACK to its answer, per window
    link.close()  # the agent exits; the model stays in the board's RAM for the naive runs
    ours_wps = len(windows) / dt
    link_bps = (used.bytes_sent + used.bytes_received) / dt
    us = sorted(r.us for r in results if r.us is not None)
    if verbose:
        print(f"\nmodel upload over the link: {upload:.2f} s ({len(model) / upload / 1000:.1f} kB/s of model, "
              f"{up_bytes:,} bytes on the wire: deflated where it pays)")
    print(f"tinyml link        {len(windows):5d} windows in {dt:7.2f} s: {ours_wps:8.2f} windows/s, "
          f"link {link_bps:,.0f} bytes/s ({used.bytes_sent:,} B to the board, {used.bytes_received:,} B back; "
          f"{used.frames_sent} frames, {used.retransmits} re-sent)")
    if verbose:
        if us:
            print(f"                   on-device latency p50 {us[len(us) // 2] / 1000:.1f} ms "
                  "(emulated 25 MHz Cortex-M3, instruction-counted)")
        per = 1000 / ours_wps
        print(f"                   per window {per:.1f} ms of wall time: ~{compute:.1f} ms from a batch's ACK to "
              f"its answer (inference in QEMU, slowed by the next windows' bytes arriving meanwhile), "
              f"~{per - compute:.1f} ms the rest ({n_in} input bytes in, QEMU moving one byte per event-loop "
              "turn; the answer out)")

    k = min(n_naive, len(windows))
    make = f"import tinyml, uctypes\nm = tinyml.Model(uctypes.bytearray_at({addr}, {len(model)}))\n"
    run = "print(bytes(m.predict(bytes.fromhex('{}'))).hex())"
    want = [r.output.hex() for r in results[:k]]

    t_reset, outs = naive(emu.pty, [make + run.format(w.hex()) for w in windows[:k]], resume=False)
    assert outs == want, "the naive way (soft reset) gave other outputs"
    reset_wps = k / t_reset
    print(f"mpremote exec      {k:5d} windows in {t_reset:7.2f} s: {reset_wps:8.2f} windows/s "
          "(one process per window; soft reset; model made from RAM each time)")

    naive(emu.pty, [make], resume=True)  # the Model, kept in the REPL's globals
    t_resume, outs = naive(emu.pty, [run.format(w.hex()) for w in windows[:k]], resume=True)
    assert outs == want, "the naive way (resume) gave other outputs"
    resume_wps = k / t_resume
    print(f"mpremote resume    {k:5d} windows in {t_resume:7.2f} s: {resume_wps:8.2f} windows/s "
          "(no soft reset: the Model kept between calls - the naive way's best case)")
    return ours_wps / reset_wps, ours_wps / resume_wps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(ROOT.parent / "shared/models/mlperf_tiny/kws_ref_model.tflite"))
    ap.add_argument("--windows", type=int, default=200, help="windows over the link (default 200)")
    ap.add_argument("--naive", type=int, default=10, help="windows the naive ways run (default 10)")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of the whole comparison (default 1)")
    ap.add_argument("--firmware", default=str(ROOT / "build/qemu/firmware.elf"))
    args = ap.parse_args()

    model = Path(args.model).read_bytes()
    emu = emulator.start(firmware=args.firmware, reuse=False)
    try:
        print(f"emulated board: qemu mps2-an385 (Cortex-M3), {emu.pty}; model {Path(args.model).name} "
              f"({len(model):,} bytes)")
        ratios = []
        for k in range(args.repeat):
            if args.repeat > 1:
                print(f"\nround {k + 1} of {args.repeat}")
            ratios.append(one_round(emu, model, args.windows, args.naive, verbose=k == 0))
            print(f"speed-up of the link: {ratios[-1][0]:.1f}x over `mpremote exec`, "
                  f"{ratios[-1][1]:.1f}x over `mpremote resume exec` (target: >= 10x; outputs identical)")
        if args.repeat > 1:
            med = [statistics.median(r[i] for r in ratios) for i in (0, 1)]
            print(f"\nmedian of {args.repeat} rounds: {med[0]:.1f}x over `mpremote exec`, "
                  f"{med[1]:.1f}x over `mpremote resume exec` (target: >= 10x)")
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
