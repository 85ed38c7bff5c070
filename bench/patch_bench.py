#!/usr/bin/env python3
"""Patch-based inference (device/runtime/tm_patch.h): the activation arena with and without it.

For each model: the arena and its per-op lower bound without patches, the arena with patches in
auto mode (and its ratio to that bound), the halo recompute as a share of the model's
convolution MACs, the chain (first node, node count, rows per band, bands), and the host load time
(open, parse with the patch search, prepare; best of 3). The figures come from the device's own C
runtime built for the host (tinyml_host.native), which is what the board computes.

Usage: .venv/bin/python bench/patch_bench.py [MODEL.tflite ...]
       (default: VWW and person_detect from ../shared/models)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

from tinyml_host import native  # noqa: E402

DEFAULT = [ROOT.parent / "shared" / "models" / "mlperf_tiny" / "vww_96_int8.tflite",
           ROOT.parent / "shared" / "models" / "tflm" / "person_detect.tflite"]


def load_seconds(model: bytes) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        native.patch_info(model, "auto")
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="*", type=Path, default=DEFAULT)
    args = ap.parse_args(argv)
    missing = [str(p) for p in args.models if not p.is_file()]
    if missing:
        print(f"model not found: {', '.join(missing)} (give .tflite paths, or put ../shared next to the checkout)",
              file=sys.stderr)
        return 2
    print(f"{'model':<28} {'arena B':>8} {'bound B':>8} {'patched B':>9} {'x bound':>7} {'+MACs':>6} "
          f"{'chain':>12} {'load ms':>8}")
    for path in args.models:
        model = path.read_bytes()
        i = native.patch_info(model, "auto")
        chain = f"{i.first_node}+{i.nodes}x{i.rows}r/{i.bands}" if i.nodes else "-"
        print(f"{path.name:<28} {i.arena_unpatched:>8} {i.bound_unpatched:>8} {i.arena_bytes:>9} "
              f"{i.arena_bytes / i.bound_unpatched:>7.2f} {100 * i.extra_macs / max(i.conv_macs, 1):>5.1f}% "
              f"{chain:>12} {1000 * load_seconds(model):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
