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


QUIET = False


def huge_arena():
    try:
        # More than any MicroPython heap, and still an int on a 32-bit board (1 << 40 is not).
        tinyml.Model(model_bytes, arena=1 << 30)
    except MemoryError:
        if not QUIET:
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
        if not QUIET:
            print("MemoryError heap full")


def failed_loads(n):
    for _ in range(n):
        huge_arena()
        load_with_full_heap()


# A leak grows with every failed load; a stale copy of a pointer on the C stack (the GC is
# conservative) holds at most one filler block, whatever the count. So: one round to print the
# errors and settle, then eight silent rounds, and the growth must stay under 2 KB (256 B a load).
failed_loads(1)
QUIET = True
gc.collect()
before = gc.mem_alloc()
failed_loads(8)
print(growth_since(before) < 2048)
m = tinyml.Model(model_bytes)
print(len(m.predict(bytes(490))))
