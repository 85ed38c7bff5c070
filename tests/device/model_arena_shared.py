# Models run one after another in one tinyml.Arena: each predict() is right, and a model whose
# tensors another model has overwritten since says so instead of computing on them (issue 11:
# two live Models on one arena gave wrong outputs).
import tinyml

try:
    kws = open("../../../shared/models/mlperf_tiny/kws_ref_model.tflite", "rb").read()
    hello = open("../../../shared/models/tflm/hello_world_int8.tflite", "rb").read()
except OSError:
    print("SKIP")
    raise SystemExit


def attempt(label, fn):
    try:
        print(label, fn())
    except Exception as e:
        print(label, type(e).__name__, e)


xk = bytes((i * 7) % 256 for i in range(490))
xh = bytes([40])
want_k, want_h = tinyml.Model(kws).predict(xk), tinyml.Model(hello).predict(xh)

arena = tinyml.Arena(tinyml.Model(kws).arena_bytes)
a, b = tinyml.Model(kws, arena=arena), tinyml.Model(hello, arena=arena)
print("alternating", all(a.predict(xk) == want_k and b.predict(xh) == want_h for _ in range(5)))

a.set_input(xk)
b.predict(xh)
attempt("invoke after the other ran", a.invoke)
attempt("get_output after the other ran", a.get_output)
a.set_input(xk)
a.invoke()
attempt("after set_input again", lambda: a.get_output() == want_k)
v = a.input_buffer()
b.predict(xh)
attempt("invoke after the other ran (view)", a.invoke)
v = a.input_buffer()
v[:] = xk
a.invoke()
attempt("after input_buffer again", lambda: a.get_output() == want_k)
attempt("a new model in the arena", lambda: tinyml.Model(hello, arena=arena).predict(xh) == want_h)
attempt("a after the new model", lambda: a.get_output())
attempt("too small", lambda: tinyml.Model(kws, arena=tinyml.Arena(100)))

# A wrong input raises before anything changes: the model in the arena keeps its tensors.
b.predict(xh)
attempt("wrong input", lambda: a.set_input(b"\x00"))
attempt("b still holds the arena", lambda: b.get_output() == want_h)
