# Out of memory while loading: a MemoryError, nothing half-built, and the interpreter stays usable.
import gc
import tinyml

try:
    model_bytes = open("../../../shared/models/mlperf_tiny/kws_ref_model.tflite", "rb").read()
except OSError:
    print("SKIP")
    raise SystemExit


def clobber_stack(n):
    # Deep calls overwrite the C stack; as deep as the board allows (a 10 KB MCU stack ends
    # before 100 calls).
    try:
        return clobber_stack(n - 1) if n else 0
    except RuntimeError:  # maximum recursion depth exceeded
        return 0


def growth_since(before):
    # A real leak stays across attempts; a stale stack or register copy of a pointer does not.
    for _ in range(3):
        clobber_stack(100)
        gc.collect()
        grown = gc.mem_alloc() - before
        if grown < 256:
            break
    return grown


def huge_arena():
    try:
        # More than any MicroPython heap, and still an int on a 32-bit board (1 << 40 is not).
        tinyml.Model(model_bytes, arena=1 << 30)
    except MemoryError:
        print("MemoryError huge arena")


def load_with_full_heap():
    filler = []
    try:
        while True:
            filler.append(bytearray(1024))
    except MemoryError:
        pass
    try:
        tinyml.Model(model_bytes)
        print("loaded while full")
    except MemoryError:
        print("MemoryError heap full")


gc.collect()
before = gc.mem_alloc()
huge_arena()
load_with_full_heap()
print(growth_since(before) < 256)
m = tinyml.Model(model_bytes)
print(len(m.predict(bytes(490))))
