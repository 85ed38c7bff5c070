"""The heap the serial agent needs to serve a model, beyond the model, its runtime state and its arena.

The same formula as `agent_bytes()` in device/python/tinyml_agent.py, which the agent applies to
every model it makes (it refuses one whose serving would not fit the heap left free), so that
`tinyml-host inspect --board B` and the board agree on what fits
(tests/host/test_agent_attacks.py runs both on the same figures):

    agent bytes = (KEPT + 1) x output bytes          RUN results kept for re-sent requests, plus
                                                     the one being made
                + input bytes, unless staged in place the input's staging copy (boards without
                                                     uctypes; every board we build has it)
                + LINK_BYTES                          the answers kept for retransmission and the
                                                     lines, frames and inflated data in flight

A model runs over the link when model (if it is in the heap) + runtime state + arena + agent
bytes fit the heap that is free.
"""

from __future__ import annotations

MAX_PAYLOAD = 1024  # the agent's largest frame payload
DEPTH = 8  # answers the agent keeps for retransmission
LINE_MAX = 2 * (MAX_PAYLOAD + 10) + 2  # the longest line a frame makes (every byte escaped)
MAX_INFLATE = 4 * MAX_PAYLOAD  # the most one deflated frame unpacks to
KEPT = DEPTH // 2  # RUN results kept
LINK_BYTES = (DEPTH + 6) * LINE_MAX + 2 * MAX_INFLATE


def agent_bytes(input_bytes: int, output_bytes: int, input_in_place: bool = True) -> int:
    """Heap the agent needs for a model with these input and (all outputs') sizes in bytes."""
    return (KEPT + 1) * output_bytes + (0 if input_in_place else input_bytes) + LINK_BYTES
