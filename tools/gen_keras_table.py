"""Write docs/keras-layers.md: which Keras layers this firmware runs, int8 and 16x8.

    .venv/bin/python tools/gen_keras_table.py [--out docs/keras-layers.md]

Every layer of keras_layer_catalog.LAYERS is built as a tiny model and converted the way
`tinyml-host convert` converts (tinyml_host.convert_tf: a batch-1 SavedModel, recurrent layers
rewritten, TFLiteConverter full-integer int8, and 16x8: int16 activations, int8 weights) on
random calibration data. Nothing about ops is typed here: the ops are read from each converted
model, and the verdict comes from the device's own C engine built for the host (its op table,
versions and every op's prepare: tinyml_host.inspect.device_problems), as convert decides. The
file also lists the op table itself (tinyml_host.native.supported_ops). So the document changes
when the op table, an op's type support or TensorFlow's converter does: tests/host/
test_keras_layers_doc.py regenerates it and fails when the committed file is stale.

Conversions (TensorFlow, seconds each) are cached in build/keras-layers/, keyed by the builder's
source, TensorFlow's version and the converter code; the verdicts are recomputed every time.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "host"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from keras_layer_catalog import LAYERS, Layer  # noqa: E402
from tinyml_host import convert_tf, native, rnn_rewrite  # noqa: E402
from tinyml_host.errors import TinymlError  # noqa: E402
from tinyml_host.inspect import device_problems  # noqa: E402
from tinyml_host.partly_float import float_nodes  # noqa: E402
from tinyml_host.tflite_model import read_model  # noqa: E402

CACHE = REPO / "build" / "keras-layers"
DOC = REPO / "docs" / "keras-layers.md"
MODES = ("int8", "int16")
CALIBRATION_SAMPLES = 20


@dataclass
class Conversion:
    tflite: bytes | None
    error: str = ""         # TensorFlow's (or the rewrite's) refusal when tflite is None


@dataclass
class Verdict:
    ops: list[str]
    runs: bool
    text: str               # "yes", "yes; ELU runs in float32", "no: ..."


def _key(layer: Layer, tf_version: str) -> str:
    h = hashlib.sha256(inspect.getsource(layer.build).encode() + repr(layer.args).encode())
    h.update(tf_version.encode())
    for module in (convert_tf, rnn_rewrite):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:16]


def _convert(tf, layer: Layer, mode: str, work: Path) -> Conversion:
    import numpy as np
    model = layer.build(*layer.args)
    path = work / "model.keras"
    model.save(path)
    src = convert_tf.Source(tf, path)
    rng = np.random.default_rng(0)
    calib = rng.normal(0, 1, (CALIBRATION_SAMPLES, *src.input_shape)).astype(np.float32)
    export = str(work / f"batch1-{mode}")
    try:
        with convert_tf.quiet():
            src.export_batch1(export, fuse_lstm=mode != "int16")
        return Conversion(convert_tf.run_converter(tf, export, calib, mode, mode))
    except TinymlError as e:
        return Conversion(None, e.what)


def conversions(layers=LAYERS, log=sys.stderr) -> dict[tuple[str, str], Conversion]:
    """{(layer name, mode): Conversion}, from the cache or converted now (TensorFlow imported
    only when something is missing)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    tf = None
    out = {}
    for layer in layers:
        for mode in MODES:
            tf_version = _tf_version()
            stem = CACHE / f"{_slug(layer.name)}-{mode}-{_key(layer, tf_version)}"
            model, error = stem.with_suffix(".tflite"), stem.with_suffix(".error")
            if not model.is_file() and not error.is_file():
                if tf is None:
                    tf = convert_tf._import_tf()
                print(f"converting {layer.name} ({mode})", file=log)
                with tempfile.TemporaryDirectory(prefix="tinyml-keras-layer-") as work:
                    conv = _convert(tf, layer, mode, Path(work))
                if conv.tflite is not None:
                    model.write_bytes(conv.tflite)
                else:
                    error.write_text(conv.error)
            out[(layer.name, mode)] = (Conversion(model.read_bytes()) if model.is_file()
                                       else Conversion(None, error.read_text()))
    return out


_TF_VERSION = None


def _tf_version() -> str:
    """TensorFlow's version without importing it (importing takes seconds)."""
    global _TF_VERSION
    if _TF_VERSION is None:
        from importlib.metadata import PackageNotFoundError, version
        try:
            _TF_VERSION = version("tensorflow")
        except PackageNotFoundError:
            _TF_VERSION = version("tensorflow-cpu")
    return _TF_VERSION


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).strip("_").lower()


def verdict(conv: Conversion) -> Verdict:
    """What the device makes of a conversion: as `tinyml-host convert` decides (convert.convert)."""
    if conv.tflite is None:
        return Verdict([], False, f"no: TensorFlow: {_short(conv.error.split(' TFLite: ')[-1])}")
    info = read_model(conv.tflite)
    ops = list(dict.fromkeys(op.name for op in info.ops))
    left = list(dict.fromkeys(op.name for op in float_nodes(info, allow_float_io=False)))
    problems = device_problems(conv.tflite, info)
    if problems:
        p = problems[0]
        what = p["reason"] if not p["op"] or p["reason"].startswith(p["op"]) else f"{p['op']}: {p['reason']}"
        return Verdict(ops, False, f"no: {_short(what)}")
    if left:
        return Verdict(ops, True, f"yes, {', '.join(left)} in float32")
    return Verdict(ops, True, "yes")


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _ops_cell(v: Verdict) -> str:
    return ", ".join(v.ops) if v.ops else "-"


def render(layers=LAYERS, convs=None) -> str:
    convs = convs if convs is not None else conversions(layers)
    table = native.supported_ops()
    lines = [
        "# Keras layers on tinyml",
        "",
        "<!-- Generated by tools/gen_keras_table.py from the device's op table; do not edit by hand.",
        "     tests/host/test_keras_layers_doc.py fails when this file is stale: rerun the script. -->",
        "",
        "What `tinyml-host convert` makes of each Keras layer, and whether this firmware runs it.",
        "Each row is a tiny model holding the layer (with the context the note names), converted as",
        "`convert` does (batch 1, full-integer quantization, TensorFlow " + _tf_version() + "): the ops are read",
        "from the converted model and the verdict is the device's own loader (its op table and every",
        "op's type checks), for int8 (`--activations int8`, the default) and 16x8 (`--activations",
        "int16`: int16 activations, int8 weights). \"in float32\": TensorFlow left that op unquantized",
        "and the board runs it in software float (slower without an FPU; `convert` says so).",
        "A layer missing here may still convert: `tinyml-host convert` checks every model the same way",
        "and names the layer of any op the firmware lacks.",
        "",
        "| Keras layer | int8: TFLite ops | int8 | 16x8: TFLite ops | 16x8 | context |",
        "|---|---|---|---|---|---|",
    ]
    for layer in layers:
        v8 = verdict(convs[(layer.name, "int8")])
        v16 = verdict(convs[(layer.name, "int16")])
        ops16 = "same" if v16.ops and v16.ops == v8.ops else _ops_cell(v16)
        lines.append(f"| `{layer.name}` | {_ops_cell(v8)} | {v8.text} | {ops16} | {v16.text} | {layer.note} |")
    lines += [
        "",
        "## The op table",
        "",
        f"This firmware's {len(table)} ops and the highest version of each it accepts (`tinyml.ops()` on",
        "the board, `tinyml_host.native.supported_ops()` on the host). Which types each op takes is",
        "checked when a model loads; `tinyml-host inspect MODEL` runs those checks on every node.",
        "",
        "| op | versions |",
        "|---|---|",
    ]
    for name, version in sorted(table.values()):
        lines.append(f"| {name} | 1-{version} |" if version > 1 else f"| {name} | 1 |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=DOC, help=f"the file to write (default {DOC.relative_to(REPO)})")
    out = p.parse_args(argv).out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render())
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
