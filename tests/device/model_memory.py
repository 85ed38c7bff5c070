# A model's memory is released after `del m` + gc.collect(); repeated loads do not leak.
import gc
import tinyml

try:
    model_bytes = open("../../../shared/models/mlperf_tiny/kws_ref_model.tflite", "rb").read()
except OSError:
    print("SKIP")
    raise SystemExit

gc.collect()
before = gc.mem_alloc()
m = tinyml.Model(model_bytes)
y = m.predict(bytes(490))
gc.collect()
held = gc.mem_alloc() - before
print(held >= m.arena_bytes, held < m.arena_bytes + m.state_bytes + 4096)
del m, y
gc.collect()
print(gc.mem_alloc() - before < 256)

for _ in range(20):
    m = tinyml.Model(model_bytes)
    m.predict(bytes(490))
del m
gc.collect()
print(gc.mem_alloc() - before < 256)
