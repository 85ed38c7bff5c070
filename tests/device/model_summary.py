# print(m) summarises a model: op counts, inputs/outputs with shape, dtype, scale, zero point,
# arena and state bytes (the figures also checked against TFLM by tests/host).
import tinyml

try:
    kws = tinyml.Model("../../../shared/models/mlperf_tiny/kws_ref_model.tflite")
    hello = tinyml.Model("../../../shared/models/tflm/hello_world_int8.tflite")
except OSError:
    print("SKIP")
    raise SystemExit



def summary(m):
    # The state figure depends on the pointer size (64-bit Unix, 32-bit boards): check that it is
    # the model's state_bytes, and print the rest.
    text = str(m)
    state = "state %d bytes" % m.state_bytes
    print(state in text)
    print(text.replace(state, "state N bytes"))


summary(hello)
summary(kws)
print(repr(kws) == str(kws))
