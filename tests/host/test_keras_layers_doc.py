"""docs/keras-layers.md is what tools/gen_keras_table.py writes from the device's op table today.

The generator converts one tiny Keras model per layer (cached in build/keras-layers/; a fresh
run converts them all with TensorFlow in about a minute) and asks the device's C engine, built
for the host, whether it runs each conversion. The committed file must equal a fresh render: an
op added to or removed from device/runtime/tm_ops.c, an op's type support changed in its
prepare, or another TensorFlow conversion makes this test fail until the file is regenerated.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import gen_keras_table  # noqa: E402
from tinyml_host import native  # noqa: E402


def test_committed_table_is_current(summary):
    text = gen_keras_table.render()
    committed = gen_keras_table.DOC.read_text()
    assert committed == text, ("docs/keras-layers.md is stale: run `.venv/bin/python tools/gen_keras_table.py` "
                               "and commit the result")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    summary(f"keras-layers.md: {len(rows)} layers, {sum('| yes' in r for r in rows)} with a runnable path, current")


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
