"""What the loader says about a model it cannot run (issue 12, errors that say what to do):

- a model that is not full-integer is named for what it is (float, dynamic-range "hybrid", uint8)
  with the fix, before any op is blamed: a hybrid model used to be refused as "FULLY_CONNECTED
  version ... this firmware runs versions 1 to 9", which reads as "upgrade the firmware";
- every unsupported (op, version) kind is listed in one message, with its first node and count,
  so a user fixing one op does not meet the next one only after reconverting.
Through the host library (the device's own C loader), so the device says the same.
"""

from __future__ import annotations

import numpy as np

from single_op_models import Op, Tensor, build_model
from tinyml_host import native


def fc_model(in_dtype: str, w_dtype: str, version: int = 1) -> bytes:
    q = {} if in_dtype == "float32" else dict(scale=0.5, zero_point=0)
    wq = {} if w_dtype == "float32" else dict(scale=0.1, zero_point=0)
    w = np.ones((3, 4), dtype=np.float32 if w_dtype == "float32" else np.int8)
    tensors = [Tensor([1, 4], in_dtype, **q), Tensor([3, 4], w_dtype, data=w, **wq), Tensor([1, 3], in_dtype, **q)]
    return build_model(tensors, [Op("FULLY_CONNECTED", [0, 1, -1], [2], version=version)], [0], [2])


def test_float_model_is_named_with_the_fix():
    plan = native.plan(fc_model("float32", "float32"))
    assert plan.status == native.TM_ERR_UNSUPPORTED
    assert plan.error.startswith("a float model (float32 activations at node 0)")
    assert "tinyml-host convert" in plan.error


def test_hybrid_model_is_named_not_its_op_version():
    plan = native.plan(fc_model("float32", "int8", version=12))
    assert plan.status == native.TM_ERR_UNSUPPORTED
    assert plan.error.startswith("a dynamic-range (hybrid) model: int8 weights, float32 activations (node 0)")
    assert "version" not in plan.error


def test_uint8_model_is_named():
    plan = native.plan(fc_model("uint8", "uint8"))
    assert plan.status == native.TM_ERR_UNSUPPORTED
    assert plan.error.startswith("a uint8-quantized model (uint8 activations at node 0)")


def test_every_unsupported_op_in_one_message():
    q = dict(scale=0.1, zero_point=0)
    tensors = [Tensor([1, 4], "int8", **q) for _ in range(6)]
    ops = [Op("FLOOR_DIV", [0, 0], [1]), Op("RELU", [1], [2]), Op("FLOOR_DIV", [2, 2], [3]),
           Op("RELU", [3], [4], version=9), Op("SQUARE", [4], [5])]
    plan = native.plan(build_model(tensors, ops, [0], [5]))
    assert plan.status == native.TM_ERR_UNSUPPORTED
    assert plan.error == ("unsupported ops: FLOOR_DIV v1 (node 0, 2 nodes), RELU v9 (node 3), "
                          "SQUARE v1 (node 4)")
    assert plan.node == 0


def test_one_unsupported_op_keeps_its_wording():
    q = dict(scale=0.1, zero_point=0)
    tensors = [Tensor([1, 4], "int8", **q) for _ in range(3)]
    plan = native.plan(build_model(tensors, [Op("RELU", [0], [1]), Op("FLOOR_DIV", [1, 1], [2])], [0], [2]))
    assert plan.error == "unsupported op FLOOR_DIV (code 90, version 1) at node 1"
    assert plan.node == 1
