# Out of memory while loading: a MemoryError, nothing half-built, and the interpreter stays usable.
import gc
import tinyml

try:
    model_bytes = open("../../../shared/models/mlperf_tiny/kws_ref_model.tflite", "rb").read()
except OSError:
    print("SKIP")
    raise SystemExit

gc.collect()
before = gc.mem_alloc()

# An arena larger than the heap: the allocation fails, not the process.
try:
    tinyml.Model(model_bytes, arena=1 << 40)
except MemoryError:
    print("MemoryError huge arena")

# Fill the heap, then try to load: MemoryError; free the filler and load again.
filler = []
try:
    while True:
        filler.append(bytearray(4096))
except MemoryError:
    pass
try:
    m = tinyml.Model(model_bytes)
    print("loaded while full")
except MemoryError:
    print("MemoryError heap full")
filler = None
gc.collect()
print(gc.mem_alloc() - before < 256)
m = tinyml.Model(model_bytes)
print(len(m.predict(bytes(490))))
