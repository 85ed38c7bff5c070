# A model loaded from a bytearray is used in place; if the program resizes that bytearray, the
# model refuses to run instead of reading freed memory (issue 11, D: weights and names came from
# freed, reused memory). A memoryview source is copied at load: its owner can move unseen.
import gc
import tinyml

try:
    good = open("../../../shared/models/tflm/hello_world_int8.tflite", "rb").read()
except OSError:
    print("SKIP")
    raise SystemExit


def attempt(label, fn):
    try:
        print(label, fn())
    except Exception as e:
        print(label, type(e).__name__, e)


x = bytes([17])
expected = tinyml.Model(good).predict(x)

src = bytearray(good)
m = tinyml.Model(src)
print("in place", m.predict(x) == expected)
src.extend(bytes(4096))  # moves the buffer: the old one is freed
gc.collect()
junk = [bytearray(b"\xa5" * 64) for _ in range(200)]  # reuse the freed memory
attempt("predict", lambda: m.predict(x))
attempt("inputs", lambda: m.inputs)
attempt("invoke", lambda: m.invoke())

# Written in place (same buffer, same length): allowed, the weights are simply what is there now.
src = bytearray(good)
m = tinyml.Model(src)
src[:] = good
attempt("rewritten in place", lambda: m.predict(x) == expected)

# A memoryview of a bytearray: copied, so resizing the bytearray changes nothing for the model.
ba = bytearray(good)
m = tinyml.Model(memoryview(ba))
ba.extend(bytes(4096))
ba[:] = bytes(len(ba))
gc.collect()
junk = [bytearray(b"\x5a" * 64) for _ in range(200)]
attempt("memoryview source", lambda: m.predict(x) == expected)
print(m.inputs[0].name is None or len(m.inputs[0].name) > 0)
