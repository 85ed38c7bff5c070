"""`tinyml-host inspect` marks every node: supported, or refused with the device's own reason.

The device's loader stops at its first refusal; inspect checks each node on its own with the
device's code (native.check_nodes -> tm_host_check_nodes: the op table, the version, the op's
prepare), so a model with several problems shows them all and no node is left "?".
The model: RELU, EXP (not in the op table), RELU, GELU (not in the table), a RELU with an int16
output for its int8 input (in the table, refused by its prepare), and a last RELU that is fine.
"""

import re
import subprocess
import sys

import mputil
from single_op_models import Op, Tensor, build_model
from tinyml_host import inspect as tinspect
from tinyml_host import native


def _chain_model() -> bytes:
    q = dict(scale=0.05, zero_point=-3)
    tensors = [Tensor([1, 8], "int8", **q, name=f"t{i}") for i in range(6)]
    tensors.append(Tensor([1, 8], "int16", scale=0.001, zero_point=0, name="t6"))
    ops = [Op("RELU", [0], [1]), Op("EXP", [1], [2]), Op("RELU", [2], [3]), Op("GELU", [3], [4]),
           Op("RELU", [3], [6]), Op("RELU", [4], [5])]
    return build_model(tensors, ops, [0], [5, 6])


def test_every_node_marked(tmp_path):
    model = _chain_model()
    plan = native.plan(model)
    assert not plan.ok and "EXP" in plan.error and "GELU" in plan.error
    checks = native.check_nodes(model, 6)
    assert [c.ok for c in checks] == [True, False, True, False, False, True], checks
    assert "op table" in checks[1].error and "op table" in checks[3].error
    assert "int16" in checks[4].error, checks[4].error

    report = tinspect.inspect_model(model)
    marks = [op["supported"] for op in report["ops"]]
    assert marks == [True, False, True, False, False, True], report["ops"]
    assert None not in marks
    problems = tinspect.report_problems(report, None)
    assert len(problems) == 3 and any("EXP" in p for p in problems) and any("GELU" in p for p in problems)

    path = tmp_path / "chain.tflite"
    path.write_bytes(model)
    p = subprocess.run([sys.executable, "-m", "tinyml_host.cli", "inspect", str(path)], capture_output=True,
                       text=True, timeout=300, cwd=mputil.REPO_ROOT)
    assert p.returncode == 2, p.stderr
    marks = re.findall(r"^\s+\d+\s+[A-Z_0-9]+\s+\d+\s+(\S+)", p.stdout, re.M)
    assert marks == ["yes", "NO", "yes", "NO", "NO", "yes"], p.stdout
    assert "EXP" in p.stderr and "GELU" in p.stderr and "RELU" in p.stderr


def test_loadable_model_unchanged():
    """A model the device loads: check_nodes agrees (every node ok)."""
    q = dict(scale=0.05, zero_point=-3)
    model = build_model([Tensor([1, 8], "int8", **q), Tensor([1, 8], "int8", **q)], [Op("RELU", [0], [1])], [0], [1])
    assert native.plan(model).ok
    assert [c.ok for c in native.check_nodes(model, 1)] == [True]
    assert [op["supported"] for op in tinspect.inspect_model(model)["ops"]] == [True]


def test_custom_ops_marked_by_name(models_dir):
    """TFLM's audio preprocessor: custom Signal ops (named CUSTOM:<code>), CAST, DIV, int32 and
    uint32/uint64 tensors: every node gets its own verdict, and since the signal ops landed every
    verdict is yes (before them the loader stopped at node 0 and inspect showed '?' after it)."""
    model = (models_dir / "tflm" / "micro_speech" / "audio_preprocessor_int8.tflite").read_bytes()
    report = tinspect.inspect_model(model)
    ops = report["ops"]
    by_node = {op["node"]: op for op in ops}
    assert by_node[0]["op"] == "CUSTOM:SignalWindow"
    assert {op["op"] for op in ops} >= {"CUSTOM:SignalRfft", "CUSTOM:SignalPCAN", "CAST", "DIV"}
    assert [op for op in ops if op["supported"] is not True] == []
