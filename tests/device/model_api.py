# The Model API on a real model: summary, tensor info, predict with bytes and floats,
# the TFLite-like set_input / invoke / get_output path and in-place buffers.
import gc
import tinyml
from array import array

try:
    model_bytes = open("../../../shared/models/mlperf_tiny/kws_ref_model.tflite", "rb").read()
except OSError:
    print("SKIP")
    raise SystemExit

print(type(tinyml.__version__), len(tinyml.__version__.split(".")))
names = [name for name, version in tinyml.ops()]
print("CONV_2D" in names, "SOFTMAX" in names, all(v >= 1 for n, v in tinyml.ops()))

m = tinyml.Model(model_bytes)
print(m.ops)
print(m.arena_bytes, m.state_bytes > 0)
i = m.inputs[0]
print(len(m.inputs), i.index, i.name, i.shape, i.dtype, i.zero_point, round(i.scale, 6))
o = m.outputs[0]
print(len(m.outputs), o.index, o.name, o.shape, o.dtype, o.zero_point, o.scale)

# predict: bytes in, bytes out; the same bytes always give the same answer.
x = bytes((k * 7) % 256 for k in range(490))
y = m.predict(x)
print(type(y), len(y), y == m.predict(bytearray(x)), y == m.predict(memoryview(x)))
print(bytes(m.predict(array("b", x))) == y)

# The low-level path gives the same output as predict.
m.set_input(x)
m.invoke()
print(m.get_output() == y, m.get_output(0) == y)

# Filling the input in place through a memoryview of the arena.
view = m.input_buffer()
print(type(view), len(view))
view[:] = x
m.invoke()
print(bytes(m.output_buffer()) == y)

# Floats are quantized with the input's scale / zero point; outputs come back dequantized.
f = array("f", [(b - i.zero_point) * i.scale for b in array("b", x)])
yf = m.predict(f)
print(type(yf), len(yf))
print(all(abs(yf[k] - (array("b", y)[k] - o.zero_point) * o.scale) < 1e-6 for k in range(12)))
print(list(m.predict(list(f))) == list(yf))

# An array('b') in gives an array('b') out: signed values, no `b - 256 if b > 127`.
ya = m.predict(array("b", x))
print(type(ya), ya == array("b", y))

# index is positional or keyword, as the README writes it.
m.set_input(x, index=0)
m.invoke()
print(m.get_output(index=0) == y, bytes(m.output_buffer(index=0)) == y, len(m.input_buffer(index=0)))
try:
    m.get_output(index=1)
except IndexError as e:
    print("IndexError", e)

# A path works as a source too, and gives the same results (the first model freed: a 200 kB board
# holds one KWS copy read from a file at a time).
del m, view, yf, ya
gc.collect()
m2 = tinyml.Model("../../../shared/models/mlperf_tiny/kws_ref_model.tflite")
print(m2.predict(x) == y)
