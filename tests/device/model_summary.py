# print(m) summarises a model: op counts, inputs/outputs with shape, dtype, scale, zero point,
# arena and state bytes (the figures also checked against TFLM by tests/host).
import tinyml

try:
    kws = tinyml.Model("../../../shared/models/mlperf_tiny/kws_ref_model.tflite")
    hello = tinyml.Model("../../../shared/models/tflm/hello_world_int8.tflite")
except OSError:
    print("SKIP")
    raise SystemExit

print(hello)
print(kws)
print(repr(kws) == str(kws))
