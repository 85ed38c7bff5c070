"""Which models TFLM runs, which tinyml runs, and whether they agree bit for bit.

For every conversion of the Keras zoo (tests/host/keras_zoo.py, built and cached by
tests/host/zoo_build.py: a first run trains and converts everything, a few minutes) and every
.tflite under ../shared/models, 20 windows run through TFLM (the `tflite-micro` package) and
through tinyml's C engine (the device sources built for the host). Prints one row per model and
the totals; asserts nothing.

    python bench/model_coverage.py [--no-zoo] [--no-shared] [--windows N]
"""

from __future__ import annotations

import argparse
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "host"))
sys.path.insert(0, str(ROOT / "host"))

import mputil  # noqa: E402
from host_engine import TM_OK, cached_engine  # noqa: E402
from zoo_run import NP, quantize, run_tflm, run_tinyml  # noqa: E402


@dataclass
class Row:
    model: str
    tflm: str       # "yes", or why not
    tinyml: str
    exact: str      # "yes", "NO (n LSB)", or "-" when not both ran

    @property
    def both(self) -> bool:
        return self.tflm == "yes" and self.tinyml == "yes"


def compare(label: str, model: bytes, xs, engine) -> Row:
    ref, tflm_err = run_tflm(model, xs)
    status, err, got = run_tinyml(engine, model, xs)
    tflm = "yes" if ref is not None else "no: " + tflm_err.splitlines()[0][:60]
    tiny = "yes" if status == TM_OK else "no: " + err[:60]
    if ref is None or status != TM_OK:
        return Row(label, tflm, tiny, "-")
    worst = max(int(np.abs(a.astype(np.int64) - b.astype(np.int64)).max())
                for r, g in zip(ref, got) for a, b in zip(g, r))
    return Row(label, tflm, tiny, "yes" if worst == 0 else f"NO ({worst} LSB)")


def zoo_rows(engine, n: int) -> list[Row]:
    import zoo_build
    from tinyml_host.tflite_model import read_model
    rows = []
    for name, kind in zoo_build.cases():
        label = f"zoo/{name} {kind}"
        conv = zoo_build.conversion(name, kind)
        if conv.tflite is None:
            why = conv.skip or conv.error or ""
            rows.append(Row(label, "- (not converted)", "no: " + why[:60] if conv.error else "- (not converted)", "-"))
            continue
        xs = quantize(zoo_build.windows(name)[:n], read_model(conv.tflite).inputs[0])
        rows.append(compare(label, conv.tflite, xs, engine))
    return rows


def shared_rows(engine, n: int) -> list[Row]:
    from tinyml_host.tflite_model import read_model
    rows = []
    for path in mputil.model_paths():
        model = path.read_bytes()
        t = read_model(model).inputs[0]
        rng = np.random.default_rng(zlib.crc32(path.name.encode()))
        dtype = NP[t.dtype]
        if t.dtype == "float32":
            xs = rng.normal(0, 1, (n,) + tuple(t.shape)).astype(np.float32)
        else:
            info = np.iinfo(dtype)
            xs = rng.integers(info.min, int(info.max) + 1, (n,) + tuple(t.shape)).astype(dtype)
        rows.append(compare(str(path.relative_to(mputil.MODELS_DIR)), model, xs, engine))
    return rows


def print_table(rows: list[Row]) -> None:
    w = max(len(r.model) for r in rows)
    print(f"{'model':{w}}  {'TFLM runs?':24}  {'tinyml runs?':40}  bit-exact?")
    for r in rows:
        print(f"{r.model:{w}}  {r.tflm[:24]:24}  {r.tinyml[:40]:40}  {r.exact}")
    tflm = sum(r.tflm == "yes" for r in rows)
    tiny = sum(r.tinyml == "yes" for r in rows)
    both = sum(r.both for r in rows)
    exact = sum(r.exact == "yes" for r in rows)
    print(f"\ntotals: {len(rows)} models; TFLM runs {tflm}; tinyml runs {tiny}; both run {both}, "
          f"bit-exact {exact} of {both}; TFLM runs and tinyml does not: "
          f"{sum(r.tflm == 'yes' and r.tinyml != 'yes' for r in rows)}; "
          f"tinyml runs and TFLM does not: {sum(r.tinyml == 'yes' and r.tflm != 'yes' for r in rows)}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--no-zoo", action="store_true", help="skip the Keras zoo")
    p.add_argument("--no-shared", action="store_true", help="skip ../shared/models")
    p.add_argument("--windows", type=int, default=20, help="windows per model (default 20)")
    args = p.parse_args(argv)
    engine = cached_engine(ROOT / "build" / "zoo-cache" / "engine")
    rows = []
    if not args.no_zoo:
        rows += zoo_rows(engine, args.windows)
    if not args.no_shared:
        if not mputil.MODELS_DIR.is_dir():
            print(f"note: {mputil.models_missing_reason()}", file=sys.stderr)
        rows += shared_rows(engine, args.windows)
    if not rows:
        print("no models", file=sys.stderr)
        return 1
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
