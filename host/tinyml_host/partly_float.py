"""Which nodes of a converted model TensorFlow left in float32.

With full-integer quantization every activation is int8 (or int16): a node that reads or writes
a float32 activation is one the quantizer could not handle, wrapped in DEQUANTIZE/QUANTIZE. With
float I/O (`--io float`) the QUANTIZE that reads the model's input and the DEQUANTIZE that writes
its output are expected and allowed, and nothing else.
"""

from __future__ import annotations

from .tflite_model import ModelInfo, OpInfo


def float_nodes(info: ModelInfo, allow_float_io: bool) -> list[OpInfo]:
    """The nodes computing in float32 (the QUANTIZE/DEQUANTIZE around them are not listed)."""
    model_in = {t.index for t in info.inputs}
    model_out = {t.index for t in info.outputs}
    left = []
    for op in info.ops:
        ins = [i for i in op.inputs if i >= 0 and not info.tensors[i].is_const]
        outs = [o for o in op.outputs if o >= 0]
        float_in = [i for i in ins if info.tensors[i].dtype == "float32"]
        float_out = [o for o in outs if info.tensors[o].dtype == "float32"]
        if not float_in and not float_out:
            continue
        if op.name == "QUANTIZE" and not float_out:
            if allow_float_io and set(float_in) <= model_in:
                continue
            if not set(float_in) <= model_in:
                continue    # re-quantizes the output of a float node, which is listed itself
        if op.name == "DEQUANTIZE" and not float_in:
            if allow_float_io and set(float_out) <= model_out:
                continue
            if not set(float_out) <= model_out:
                continue    # feeds a float node, which is listed itself
        left.append(op)
    return left
