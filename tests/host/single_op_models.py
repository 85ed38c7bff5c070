"""Tiny .tflite models built in memory, for testing kernels against TensorFlow Lite Micro.

Build a model with one operator (or a few) and get its bytes; run it in the reference
interpreter (the `tflite-micro` package) and in tinyml, and compare bit for bit.

    import numpy as np
    from single_op_models import Tensor, build_single_op_model, run_tflm

    x = Tensor([1, 4, 4, 2], "int8", scale=0.05, zero_point=-3)
    y = Tensor([1, 2, 2, 2], "int8", scale=0.05, zero_point=-3)
    model = build_single_op_model("AVERAGE_POOL_2D", [x], [y],
                                  options=dict(padding="VALID", stride_w=2, stride_h=2,
                                               filter_width=2, filter_height=2,
                                               fused_activation_function="NONE"))
    inp = np.arange(32, dtype=np.int8).reshape(1, 4, 4, 2)
    (out,) = run_tflm(model, [inp])

API
---
Tensor(shape, dtype="int8", scale=None, zero_point=None, data=None,
       quantized_dimension=0, name=None, is_variable=False)
    One tensor. `dtype` is a TFLite type name ("int8", "int16", "int32", "int64", "uint8",
    "float32", "bool"). `scale` / `zero_point`: a number (per-tensor) or a sequence
    (per-channel, along `quantized_dimension`); None for no quantization parameters
    (if only `scale` is given, zero_point defaults to 0). `data`: an array-like holding
    the values of a constant tensor (converted to `dtype`, stored in its own buffer);
    None for an activation. `is_variable`: a variable tensor (the state of SVDF or
    UNIDIRECTIONAL_SEQUENCE_LSTM): no data, never a model input.

build_single_op_model(op, inputs, outputs, options=None, version=1, options_type=None) -> bytes
    One operator. `op`: a BuiltinOperator name ("CONV_2D") or code (3). `inputs`: list of
    Tensor, or None for an omitted optional input (index -1). `outputs`: list of Tensor.
    The model's inputs are the non-constant op inputs, in order; its outputs are `outputs`.
    `options`: dict of builtin-option fields in snake_case, named as in the TFLite schema
    (e.g. stride_w, fused_activation_function, beta, new_shape). Enum fields accept their
    schema names ("SAME", "RELU6") or numbers; list values become int32 vectors. The
    options table is picked from the op (see OPTIONS_FOR_OP) or given as `options_type`
    ("Pool2DOptions"). options=None writes no options table at all; options={} an empty
    one (every field at its schema default). `version` is the operator code's version.

build_custom_op_model(custom_code, inputs, outputs, custom_options=None) -> bytes
    One CUSTOM operator named `custom_code` whose options (a dict) are written as a flexbuffer
    map. Op also takes custom_code / custom_options for build_model.

build_unary_model(op, shape, in_q, out_q, options=None, version=1, out_dtype="int8") -> bytes
    build_single_op_model for a one-input op (RELU, LOGISTIC, SOFTMAX, ...): an int8 input and
    an `out_dtype` output, both of `shape`, quantized in_q and out_q = (scale, zero_point).

build_model(tensors, operators, inputs, outputs) -> bytes
    Several operators. `tensors`: list of Tensor; `operators`: list of
    Op(op, inputs, outputs, options=None, version=1, options_type=None) whose inputs /
    outputs are tensor indices (-1 for omitted); `inputs` / `outputs`: tensor indices of the
    model's inputs and outputs.

run_tflm(model_bytes, inputs, arena_size=1 << 20) -> list of numpy arrays
    Runs the model once in TFLM (tflite_micro.python.tflite_micro.runtime) with the given
    input arrays (one per model input, already of the input dtype) and returns all outputs.

Everything written is exactly what a converter would write: buffer 0 is the empty
sentinel, operator codes carry both builtin_code and deprecated_builtin_code, scalars equal
to their schema default are omitted (the flatbuffers default), the file identifier is "TFL3".
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence, Union

import flatbuffers
import numpy as np
import tflite

__all__ = [
    "Tensor",
    "Op",
    "build_single_op_model",
    "build_model",
    "build_custom_op_model",
    "run_tflm",
    "OPTIONS_FOR_OP",
]

_DTYPES = {
    "float32": (tflite.TensorType.FLOAT32, np.float32),
    "int32": (tflite.TensorType.INT32, np.int32),
    "uint8": (tflite.TensorType.UINT8, np.uint8),
    "int64": (tflite.TensorType.INT64, np.int64),
    "bool": (tflite.TensorType.BOOL, np.bool_),
    "int16": (tflite.TensorType.INT16, np.int16),
    "int8": (tflite.TensorType.INT8, np.int8),
    "uint32": (tflite.TensorType.UINT32, np.uint32),
    "uint64": (tflite.TensorType.UINT64, np.uint64),
}

# BuiltinOperator name -> name of its builtin options table in the schema.
OPTIONS_FOR_OP = {
    "ADD": "AddOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "L2_POOL_2D": "Pool2DOptions",
    "CONCATENATION": "ConcatenationOptions",
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "DEQUANTIZE": "DequantizeOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "MUL": "MulOptions",
    "SUB": "SubOptions",
    "RESHAPE": "ReshapeOptions",
    "SOFTMAX": "SoftmaxOptions",
    "PAD": "PadOptions",
    "PADV2": "PadV2Options",
    "MEAN": "ReducerOptions",
    "SUM": "ReducerOptions",
    "REDUCE_MAX": "ReducerOptions",
    "SQUEEZE": "SqueezeOptions",
    "QUANTIZE": "QuantizeOptions",
    "LEAKY_RELU": "LeakyReluOptions",
    "TRANSPOSE": "TransposeOptions",
    "STRIDED_SLICE": "StridedSliceOptions",
    "SVDF": "SVDFOptions",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "UnidirectionalSequenceLSTMOptions",
}

# Option fields whose values may be given by enum name.
_ENUM_FIELDS = {
    "padding": tflite.Padding,
    "fused_activation_function": tflite.ActivationFunctionType,
    "weights_format": tflite.FullyConnectedOptionsWeightsFormat,
}


@dataclasses.dataclass
class Tensor:
    shape: Sequence[int]
    dtype: str = "int8"
    scale: Union[None, float, Sequence[float]] = None
    zero_point: Union[None, int, Sequence[int]] = None
    data: Optional[object] = None
    quantized_dimension: int = 0
    name: Optional[str] = None
    is_variable: bool = False


@dataclasses.dataclass
class Op:
    op: Union[str, int]
    inputs: Sequence[int]
    outputs: Sequence[int]
    options: Optional[dict] = None
    version: int = 1
    options_type: Optional[str] = None
    custom_code: Optional[str] = None        # op "CUSTOM": the custom op's name
    custom_options: Optional[bytes] = None   # op "CUSTOM": its options (a flexbuffer)


def _op_code(op):
    if isinstance(op, str):
        return getattr(tflite.BuiltinOperator, op)
    return int(op)


def _op_name(code):
    for name, value in vars(tflite.BuiltinOperator).items():
        if not name.startswith("_") and value == code:
            return name
    raise ValueError("unknown builtin operator code %d" % code)


def _camel(snake):
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def _int_vector(b, values):
    b.StartVector(4, len(values), 4)
    for v in reversed(values):
        b.PrependInt32(int(v))
    return b.EndVector()


def _float_vector(b, values):
    b.StartVector(4, len(values), 4)
    for v in reversed(values):
        b.PrependFloat32(float(v))
    return b.EndVector()


def _int64_vector(b, values):
    b.StartVector(8, len(values), 8)
    for v in reversed(values):
        b.PrependInt64(int(v))
    return b.EndVector()


def _byte_vector(b, data, alignment=16):
    b.StartVector(1, len(data), alignment)
    b.head = b.head - len(data)
    b.Bytes[b.head:b.head + len(data)] = data
    return b.EndVector()


def _build_options(b, op_name, options, options_type):
    """Returns (BuiltinOptions union type, table offset) or (0, None)."""
    if options is None:
        return 0, None
    if options_type is None:
        options_type = OPTIONS_FOR_OP.get(op_name)
    if options_type is None:
        raise ValueError("no options table known for %s; pass options_type" % op_name)
    options = dict(options)
    # Vectors must be built before the table starts.
    vectors = {}
    for key, value in options.items():
        if isinstance(value, (list, tuple, np.ndarray)):
            vectors[key] = _int_vector(b, list(value))
    getattr(tflite, options_type + "Start")(b)
    for key, value in options.items():
        add = getattr(tflite, options_type + "Add" + _camel(key), None)
        if add is None:
            raise ValueError("%s has no field %r" % (options_type, key))
        if key in vectors:
            add(b, vectors[key])
            continue
        if isinstance(value, str):
            enum = _ENUM_FIELDS.get(key)
            if enum is None or not hasattr(enum, value):
                raise ValueError("bad value %r for %s.%s" % (value, options_type, key))
            value = getattr(enum, value)
        add(b, value)
    table = getattr(tflite, options_type + "End")(b)
    return getattr(tflite.BuiltinOptions, options_type), table


def _build_quant(b, t):
    if t.scale is None and t.zero_point is None:
        return None
    scales = np.atleast_1d(np.asarray(t.scale if t.scale is not None else [], dtype=np.float64))
    zps = t.zero_point if t.zero_point is not None else [0] * max(len(scales), 1)
    zps = np.atleast_1d(np.asarray(zps, dtype=np.int64))
    scale_vec = _float_vector(b, list(scales)) if t.scale is not None else None
    zp_vec = _int64_vector(b, list(zps))
    tflite.QuantizationParametersStart(b)
    if scale_vec is not None:
        tflite.QuantizationParametersAddScale(b, scale_vec)
    tflite.QuantizationParametersAddZeroPoint(b, zp_vec)
    if t.quantized_dimension:
        tflite.QuantizationParametersAddQuantizedDimension(b, t.quantized_dimension)
    return tflite.QuantizationParametersEnd(b)


def build_model(tensors, operators, inputs, outputs, schema_version=3):
    b = flatbuffers.Builder(1024)

    # Buffers: 0 is the empty sentinel, then one per constant tensor.
    buffer_data = [None]
    tensor_buffer = []
    for t in tensors:
        if t.data is None:
            tensor_buffer.append(0)
        else:
            np_type = _DTYPES[t.dtype][1]
            arr = np.asarray(t.data).astype(np_type, copy=False)
            if tuple(arr.shape) != tuple(t.shape) and arr.size != int(np.prod(t.shape, dtype=np.int64)):
                raise ValueError("constant data of %d elements for shape %s" % (arr.size, list(t.shape)))
            tensor_buffer.append(len(buffer_data))
            buffer_data.append(arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes())

    buffer_offsets = []
    for data in buffer_data:
        vec = _byte_vector(b, data) if data is not None else None
        tflite.BufferStart(b)
        if vec is not None:
            tflite.BufferAddData(b, vec)
        buffer_offsets.append(tflite.BufferEnd(b))

    tensor_offsets = []
    for i, t in enumerate(tensors):
        name = b.CreateString(t.name if t.name is not None else "t%d" % i)
        shape = _int_vector(b, list(t.shape))
        quant = _build_quant(b, t)
        tflite.TensorStart(b)
        tflite.TensorAddShape(b, shape)
        tflite.TensorAddType(b, _DTYPES[t.dtype][0])
        tflite.TensorAddBuffer(b, tensor_buffer[i])
        tflite.TensorAddName(b, name)
        if quant is not None:
            tflite.TensorAddQuantization(b, quant)
        if t.is_variable:
            tflite.TensorAddIsVariable(b, True)
        tensor_offsets.append(tflite.TensorEnd(b))

    # Operator codes: one per distinct (code, version).
    codes = []
    for op in operators:
        key = (_op_code(op.op), op.version, op.custom_code)
        if key not in codes:
            codes.append(key)
    code_offsets = []
    for code, version, custom_code in codes:
        custom_name = b.CreateString(custom_code) if custom_code is not None else None
        tflite.OperatorCodeStart(b)
        if custom_name is not None:
            tflite.OperatorCodeAddCustomCode(b, custom_name)
        tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
        tflite.OperatorCodeAddBuiltinCode(b, code)
        tflite.OperatorCodeAddVersion(b, version)
        code_offsets.append(tflite.OperatorCodeEnd(b))

    op_offsets = []
    for op in operators:
        code = _op_code(op.op)
        opt_type, opt_table = _build_options(b, _op_name(code), op.options, op.options_type)
        custom = _byte_vector(b, op.custom_options, 1) if op.custom_options is not None else None
        ins = _int_vector(b, list(op.inputs))
        outs = _int_vector(b, list(op.outputs))
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, codes.index((code, op.version, op.custom_code)))
        if custom is not None:
            tflite.OperatorAddCustomOptions(b, custom)
        tflite.OperatorAddInputs(b, ins)
        tflite.OperatorAddOutputs(b, outs)
        if opt_table is not None:
            tflite.OperatorAddBuiltinOptionsType(b, opt_type)
            tflite.OperatorAddBuiltinOptions(b, opt_table)
        op_offsets.append(tflite.OperatorEnd(b))

    def table_vector(offsets):
        b.StartVector(4, len(offsets), 4)
        for off in reversed(offsets):
            b.PrependUOffsetTRelative(off)
        return b.EndVector()

    sg_tensors = table_vector(tensor_offsets)
    sg_inputs = _int_vector(b, list(inputs))
    sg_outputs = _int_vector(b, list(outputs))
    sg_ops = table_vector(op_offsets)
    sg_name = b.CreateString("main")
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, sg_tensors)
    tflite.SubGraphAddInputs(b, sg_inputs)
    tflite.SubGraphAddOutputs(b, sg_outputs)
    tflite.SubGraphAddOperators(b, sg_ops)
    tflite.SubGraphAddName(b, sg_name)
    subgraph = tflite.SubGraphEnd(b)

    opcodes_vec = table_vector(code_offsets)
    subgraphs_vec = table_vector([subgraph])
    buffers_vec = table_vector(buffer_offsets)
    description = b.CreateString("tinyml tests/host/single_op_models.py")
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, schema_version)
    tflite.ModelAddOperatorCodes(b, opcodes_vec)
    tflite.ModelAddSubgraphs(b, subgraphs_vec)
    tflite.ModelAddDescription(b, description)
    tflite.ModelAddBuffers(b, buffers_vec)
    model = tflite.ModelEnd(b)
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


def build_single_op_model(op, inputs, outputs, options=None, version=1, options_type=None,
                          custom_code=None, custom_options=None):
    tensors = []
    op_inputs = []
    model_inputs = []
    for t in inputs:
        if t is None:
            op_inputs.append(-1)
            continue
        op_inputs.append(len(tensors))
        if t.data is None and not t.is_variable:
            model_inputs.append(len(tensors))
        tensors.append(t)
    op_outputs = []
    for t in outputs:
        op_outputs.append(len(tensors))
        tensors.append(t)
    return build_model(tensors, [Op(op, op_inputs, op_outputs, options, version, options_type,
                                    custom_code, custom_options)],
                       model_inputs, op_outputs)


def build_custom_op_model(custom_code, inputs, outputs, custom_options: Optional[dict] = None) -> bytes:
    """build_single_op_model for a CUSTOM op: `custom_code` its name (TFLM's "SignalWindow"...),
    `custom_options` a dict written as a flexbuffer map (as TFLM's converters write them)."""
    from flatbuffers import flexbuffers
    return build_single_op_model("CUSTOM", inputs, outputs, custom_code=custom_code,
                                 custom_options=bytes(flexbuffers.Dumps(custom_options or {})))


def build_unary_model(op, shape, in_q, out_q, options=None, version=1, out_dtype="int8"):
    return build_single_op_model(op, [Tensor(list(shape), "int8", scale=in_q[0], zero_point=in_q[1])],
                                 [Tensor(list(shape), out_dtype, scale=out_q[0], zero_point=out_q[1])],
                                 options=options, version=version)


def run_tflm(model_bytes, inputs, arena_size=1 << 20):
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=arena_size)
    for i, x in enumerate(inputs):
        interpreter.set_input(np.asarray(x), i)
    interpreter.invoke()
    n_outputs = tflite.Model.GetRootAs(model_bytes, 0).Subgraphs(0).OutputsLength()
    return [np.array(interpreter.get_output(i)) for i in range(n_outputs)]
