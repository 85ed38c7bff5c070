# A model's memory is released after `del m` + gc.collect(); repeated loads do not leak.
# Work happens inside functions and the C stack is overwritten before collecting, because
# MicroPython's GC scans the stack conservatively and a stale pointer there would keep a block.
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


def load_and_run():
    m = tinyml.Model(model_bytes)
    m.predict(bytes(490))
    return m


def held_while_alive(before):
    m = load_and_run()
    gc.collect()
    held = gc.mem_alloc() - before
    # Held while alive: at least the arena, at most arena + state + the object and small change.
    print(held >= m.arena_bytes, held < m.arena_bytes + m.state_bytes + 1024)
    del m


def load_many():
    for _ in range(20):
        load_and_run()


gc.collect()
before = gc.mem_alloc()
held_while_alive(before)
print(growth_since(before) < 256)

load_many()
print(growth_since(before) < 256)
