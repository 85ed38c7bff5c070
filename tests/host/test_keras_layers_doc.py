"""docs/keras-layers.md is what tools/gen_keras_table.py writes from the device's op table today.

The generator converts one tiny Keras model per layer (cached in build/keras-layers/; a fresh
run converts them all with TensorFlow in about a minute) and asks the device's C engine, built
for the host, whether it runs each conversion. The committed file must stay true to the device:
an op added to or removed from device/runtime/tm_ops.c (or its version changed) makes this test
fail until the file is regenerated. Type-support changes in an op's prepare and new TensorFlow
conversions are what regenerating picks up; they are not rechecked here (see below).
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import gen_keras_table  # noqa: E402
from tinyml_host import native  # noqa: E402

STALE = "docs/keras-layers.md is stale: run `.venv/bin/python tools/gen_keras_table.py` and commit the result"


def _rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in text.splitlines() if line.startswith("| `")]


def test_committed_table_is_current(summary):
    """The part of the file that is a function of the device alone (the op table, the header) must
    equal a fresh render, and every layer row must agree with today's op table: a row that says
    "yes" lists only ops the firmware has, a row that says an op is missing names one it lacks.

    The layer rows themselves are not reconverted here: TensorFlow's converter is not
    deterministic for every layer (a GRU's SPLIT is left in float32 in about one int8 conversion
    in three, in separate processes with every seed fixed), so a fresh conversion may differ
    from the committed one without anything in this repository having changed."""
    committed = gen_keras_table.DOC.read_text()
    table = {name for name, _ in native.supported_ops().values()}
    fresh = gen_keras_table.render(layers=[], convs={})
    assert committed.split("| Keras layer |")[0] == fresh.split("| Keras layer |")[0], STALE
    assert committed.split("## The op table")[1] == fresh.split("## The op table")[1], STALE
    rows = _rows(committed)
    assert [r[0] for r in rows] == [f"`{layer.name}`" for layer in gen_keras_table.LAYERS], STALE
    for name, ops8, v8, ops16, v16, _context in rows:
        for ops, v in ((ops8, v8), (ops8 if ops16 == "same" else ops16, v16)):
            listed = [] if ops == "-" else ops.split(", ")
            if v.startswith("yes"):
                missing = [op for op in listed if op not in table]
                assert not missing, f"{name}: says it runs but {missing} not in the op table; {STALE}"
            elif v.endswith("not in this firmware's op table"):
                op = v.removeprefix("no: ").split(":")[0]
                assert op not in table, f"{name}: says {op} is missing but the firmware has it; {STALE}"
    summary(f"keras-layers.md: {len(rows)} layers, {sum(r[2].startswith('yes') for r in rows)} "
            "run in int8, op table current")


def test_verdicts_follow_the_op_table(monkeypatch):
    """The verdicts come from the op table: without FULLY_CONNECTED in it, Dense no longer runs."""
    dense = [layer for layer in gen_keras_table.LAYERS if layer.name == "Dense"]
    convs = gen_keras_table.conversions(dense)
    before = gen_keras_table.verdict(convs[("Dense", "int8")])
    assert before.runs and before.ops == ["FULLY_CONNECTED"], before
    table = native.supported_ops()
    monkeypatch.setattr(native, "supported_ops", lambda: {k: v for k, v in table.items() if v[0] != "FULLY_CONNECTED"})
    after = gen_keras_table.verdict(convs[("Dense", "int8")])
    assert not after.runs and "not in this firmware's op table" in after.text, after
    assert "FULLY_CONNECTED" not in gen_keras_table.render(dense, convs).split("## The op table")[1]
