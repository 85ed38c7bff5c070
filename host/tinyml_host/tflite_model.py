"""Read a .tflite model with the `tflite` package (TensorFlow Lite's generated flatbuffer schema).

`read_model(bytes)` -> ModelInfo: inputs/outputs, every tensor (shape, dtype, quantization,
constant or not), every op in execution order with its version, multiply-accumulates and
parameters. No TensorFlow needed; the device-specific facts (op support, arena) come from
`native`, not from here.

MACs are counted for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (the ops that hold nearly all
the arithmetic): one per weight per output position, the convention of MLPerf Tiny's figures.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import TinymlError

# TFLite TensorType -> (name, bytes per element); 0 bytes = not a fixed-size type.
TENSOR_TYPES = {
    0: ("float32", 4), 1: ("float16", 2), 2: ("int32", 4), 3: ("uint8", 1), 4: ("int64", 8),
    5: ("string", 0), 6: ("bool", 1), 7: ("int16", 2), 8: ("complex64", 8), 9: ("int8", 1),
    10: ("float64", 8), 11: ("complex128", 16), 12: ("uint64", 8), 13: ("resource", 0),
    14: ("variant", 0), 15: ("uint32", 4), 16: ("uint16", 2), 17: ("int4", 0),
}
MAC_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


def _builtin_names() -> dict[int, str]:
    import tflite
    return {v: k for k, v in vars(tflite.BuiltinOperator).items()
            if not k.startswith("_") and isinstance(v, int)}


@dataclass
class TensorInfo:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    itemsize: int
    scales: list[float]
    zero_points: list[int]
    quantized_dimension: int
    is_const: bool          # has data in the model (a weight, a bias, a shape...)

    @property
    def elements(self) -> int:
        return math.prod(self.shape)  # exact: an int64 product would wrap on absurd shapes

    @property
    def nbytes(self) -> int:
        return self.elements * self.itemsize

    @property
    def scale(self) -> float:
        return self.scales[0] if self.scales else 0.0

    @property
    def zero_point(self) -> int:
        return self.zero_points[0] if self.zero_points else 0

    @property
    def quantization(self) -> str:
        if not self.scales:
            return "none"
        if len(self.scales) == 1:
            return f"scale {self.scales[0]:.6g}, zero point {self.zero_points[0] if self.zero_points else 0}"
        return f"per-channel ({len(self.scales)} scales, axis {self.quantized_dimension})"

    def as_dict(self) -> dict:
        return {"index": self.index, "name": self.name, "shape": list(self.shape), "dtype": self.dtype,
                "scale": self.scale, "zero_point": self.zero_point,
                "per_channel": len(self.scales) > 1, "bytes": self.nbytes}


@dataclass
class OpInfo:
    index: int              # node index (execution order)
    code: int               # TFLite BuiltinOperator
    name: str               # e.g. "CONV_2D" ("CUSTOM:<name>" for custom ops)
    version: int
    inputs: list[int]
    outputs: list[int]
    macs: int = 0
    params: int = 0         # elements of constant inputs (weights, biases)
    param_bytes: int = 0

    def as_dict(self) -> dict:
        return {"node": self.index, "op": self.name, "code": self.code, "version": self.version,
                "macs": self.macs, "params": self.params, "param_bytes": self.param_bytes}


@dataclass
class ModelInfo:
    size: int
    tensors: list[TensorInfo]
    ops: list[OpInfo]
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    description: str = ""
    param_bytes: int = 0    # every constant tensor once (a weight shared by two ops counts once)
    params: int = 0

    @property
    def macs(self) -> int:
        return sum(op.macs for op in self.ops)

    def layer_name(self, op: OpInfo) -> str:
        """The name TensorFlow gave the op's first output tensor (names the layer it came from)."""
        return self.tensors[op.outputs[0]].name if op.outputs else ""


def _tensor_has_data(model, buffer_index: int) -> bool:
    if buffer_index <= 0 or buffer_index >= model.BuffersLength():
        return False
    b = model.Buffers(buffer_index)
    return b.DataLength() > 0 or (b.Offset() > 1 and b.Size() > 0)


def read_model(data: bytes) -> ModelInfo:
    """Parse a .tflite flatbuffer. Raises TinymlError for a file that is not one."""
    import tflite
    data = bytes(data)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise TinymlError("not a TensorFlow Lite model (no 'TFL3' identifier at byte 4)",
                          "give a .tflite file, e.g. one written by `tinyml-host convert`")
    try:
        model = tflite.Model.GetRootAsModel(data, 0)
        if model.SubgraphsLength() < 1:
            raise TinymlError("corrupt model: no subgraph")
        sg = model.Subgraphs(0)
        names = _builtin_names()
        tensors = []
        for i in range(sg.TensorsLength()):
            t = sg.Tensors(i)
            q = t.Quantization()
            scales = [float(s) for s in q.ScaleAsNumpy()] if q is not None and q.ScaleLength() else []
            zps = [int(z) for z in q.ZeroPointAsNumpy()] if q is not None and q.ZeroPointLength() else []
            dtype, itemsize = TENSOR_TYPES.get(t.Type(), (f"type{t.Type()}", 0))
            tensors.append(TensorInfo(
                index=i, name=(t.Name() or b"").decode("utf-8", "replace"),
                shape=tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else (),
                dtype=dtype, itemsize=itemsize, scales=scales, zero_points=zps,
                quantized_dimension=q.QuantizedDimension() if q is not None else 0,
                is_const=_tensor_has_data(model, t.Buffer())))
        ops = []
        n_codes = model.OperatorCodesLength()
        for i in range(sg.OperatorsLength()):
            o = sg.Operators(i)
            if not 0 <= o.OpcodeIndex() < n_codes:
                raise TinymlError(f"corrupt model: node {i} uses operator code {o.OpcodeIndex()}; "
                                  f"the model has {n_codes}")
            oc = model.OperatorCodes(o.OpcodeIndex())
            code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
            name = names.get(code, f"BUILTIN_{code}")
            if name == "CUSTOM":
                name = "CUSTOM:" + (oc.CustomCode() or b"?").decode("utf-8", "replace")
            ins = [int(x) for x in o.InputsAsNumpy()] if o.InputsLength() else []
            outs = [int(x) for x in o.OutputsAsNumpy()] if o.OutputsLength() else []
            ops.append(OpInfo(i, code, name, max(1, oc.Version()), ins, outs))
        desc = (model.Description() or b"").decode("utf-8", "replace")
        model_ins = [int(i) for i in sg.InputsAsNumpy()] if sg.InputsLength() else []
        model_outs = [int(i) for i in sg.OutputsAsNumpy()] if sg.OutputsLength() else []
        _check_indices(len(tensors), ops, model_ins, model_outs)
        inputs = [tensors[i] for i in model_ins]
        outputs = [tensors[i] for i in model_outs]
    except TinymlError:
        raise
    except Exception as e:  # the generated reader raises anything on a broken buffer
        raise TinymlError(f"corrupt model: the flatbuffer could not be read ({type(e).__name__}: {e})")
    info = ModelInfo(len(data), tensors, ops, inputs, outputs, desc)
    seen = set()
    for op in ops:
        for ti in op.inputs:
            if ti >= 0 and tensors[ti].is_const:
                op.params += tensors[ti].elements
                op.param_bytes += tensors[ti].nbytes
                if ti not in seen:
                    seen.add(ti)
                    info.params += tensors[ti].elements
                    info.param_bytes += tensors[ti].nbytes
        op.macs = count_macs(op, tensors)
    return info


def _check_indices(n_tensors: int, ops: list[OpInfo], model_ins: list[int], model_outs: list[int]) -> None:
    """Every tensor index of the graph names a tensor (-1, an omitted optional input, only as an
    op input): a corrupt index is an error here, not an IndexError further on."""
    def check(indices: list[int], where: str, optional: bool) -> None:
        for i in indices:
            if not (0 <= i < n_tensors or optional and i == -1):
                raise TinymlError(f"corrupt model: {where} refers to tensor {i}; the model has {n_tensors} tensors",
                                  "the file is damaged or was not written by a TFLite converter")
    for op in ops:
        check(op.inputs, f"an input of node {op.index} ({op.name})", True)
        check(op.outputs, f"an output of node {op.index} ({op.name})", False)
    check(model_ins, "the model's input list", False)
    check(model_outs, "the model's output list", False)


def count_macs(op: OpInfo, tensors: list[TensorInfo]) -> int:
    """Multiply-accumulates of one op (0 for ops other than CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED)."""
    if op.name not in MAC_OPS or len(op.inputs) < 2 or not op.outputs or op.inputs[1] < 0:
        return 0
    w = tensors[op.inputs[1]].shape
    out = tensors[op.outputs[0]]
    if op.name == "CONV_2D" and len(w) == 4:
        # filter [out_ch, kh, kw, in_ch per group]: one MAC per filter element per output position
        return out.elements * w[1] * w[2] * w[3]
    if op.name == "DEPTHWISE_CONV_2D" and len(w) == 4:
        # filter [1, kh, kw, out_ch]: each output element sums kh*kw products
        return out.elements * w[1] * w[2]
    if op.name == "FULLY_CONNECTED" and len(w) == 2:
        # weights [units, depth]: each output element sums `depth` products
        return out.elements * w[1]
    return 0


_SUFFIX = re.compile(r"_\d+$")


def keras_layer_of(tensor_name: str, layer_names: list[str], model_name: str = "") -> str | None:
    """Best guess of the Keras layer a TFLite tensor came from, from TensorFlow's name scopes.

    The converter names tensors "<model scope>/<layer scope>/<op>[;...]". Tracing the model
    inside a function makes TensorFlow uniquify every scope with a "_N" suffix (the model
    "functional" becomes "functional_1", its layer "dense" becomes "dense_1", "dense_1" becomes
    "dense_1_2"); when the model scope carries such a suffix the layer scopes do too, and it is
    removed before matching.
    """
    first = tensor_name.split(";")[0]
    parts = first.split("/")
    if len(parts) < 2:
        return None
    scope_model, scope_layer = parts[0], parts[1]
    names = set(layer_names)
    suffixed = bool(model_name) and scope_model != model_name and _SUFFIX.sub("", scope_model) == model_name
    candidates = [_SUFFIX.sub("", scope_layer), scope_layer] if suffixed else [scope_layer, _SUFFIX.sub("", scope_layer)]
    for c in candidates:
        if c in names:
            return c
    return None
