"""Models built to stress the loader rather than the kernels.

many_live_model(k): k RELU outputs of one input, all live together until a chain of k - 1 ADDs
sums them: 2k tensors and 2k - 1 nodes, the planner's worst case (issue 11, B: loading took
6 s at k = 1000 with the cubic planner, x7 per doubling).
"""

from __future__ import annotations

from single_op_models import Op, Tensor, build_model


def many_live_model(k: int) -> bytes:
    q = dict(scale=0.1, zero_point=0)
    tensors = [Tensor([1, 1], "int8", **q) for _ in range(2 * k)]
    # tensor 0: input; 1..k: RELU outputs; k+1..2k-1: the running sums.
    ops = [Op("RELU", [0], [1 + i]) for i in range(k)]
    acc = 1
    for i in range(1, k):
        out = k + i
        ops.append(Op("ADD", [acc, 1 + i], [out], options={}))
        acc = out
    return build_model(tensors, ops, [0], [acc])
