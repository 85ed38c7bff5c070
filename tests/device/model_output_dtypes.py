# Every dtype the engine produces comes back right (issue 11, F: float predict() read bool outputs
# 4 bytes per element, past the tensor, and int64 ones as [5, 0, 6, 0]): raw bytes (or an array of
# the tensor's own type, which comes back as an array) in -> the same bytes out; floats in and out where the dtype is quantized;
# the output_buffer() view holds the output, as bytes for the dtypes arrays cannot view in place.
import array
import struct
import tinyml

RAW = {"bool": "B", "uint8": "B", "int16": "h", "int32": "i", "int64": "q"}
for dtype in ("bool", "uint8", "int16", "int32", "int64"):
    m = tinyml.Model(open("data/reshape_%s.tflite" % dtype, "rb").read())
    t = m.inputs[0]
    print(dtype, t.dtype, m.outputs[0].dtype, t.scale, t.zero_point)
    values = [1, 0, 1, 1] if dtype == "bool" else [5, 6, 7, 8]
    raw = struct.pack("<4" + RAW[dtype], *values)
    # An array of the tensor's own type gives an array of the output's (bytes for bool, int64).
    ya = m.predict(array.array(RAW[dtype], values))
    print("  bytes:", m.predict(raw) == raw, bytes(ya) == raw, type(ya).__name__)
    v = m.output_buffer()
    print("  view:", len(v), bytes(v) == raw)
    try:
        print("  floats:", list(m.predict([1.0, 2.0, -1.0, 100.0])))
    except TypeError as e:
        print("  floats:", e)

# Floats in, so every output comes back as floats: bool 0/1, int64 as its value (not quantized;
# printed as ints: ports print floats with different digits), int32 dequantized; int8 too.
m = tinyml.Model(open("data/mixed_outputs.tflite", "rb").read())
print([o.dtype for o in m.outputs])
y, b, q, i = m.predict([1.0, -2.0, 3.0, 60.0])
print(list(y), list(b), [int(v) for v in q], list(i))
for i in range(4):
    print(m.get_output(i))
