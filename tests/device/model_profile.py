# Per-node profile of the last inference: m.profile(True) (or Model(..., profile=True)) turns it on,
# m.profile() gives [(node, op, time), ...] in m.profile_unit ("cycles", "us" or "ns"), one row
# per node in execution order; outputs are the same with and without it. Prints no measured number.
import gc
import tinyml

KWS = "../../../shared/models/mlperf_tiny/kws_ref_model.tflite"
HELLO = "../../../shared/models/tflm/hello_world_int8.tflite"
try:
    m = tinyml.Model(KWS)
except OSError:
    print("SKIP")
    raise SystemExit

x = bytes((i * 37 + 11) & 0xFF for i in range(490))

# Off by default: no unit, and asking for a profile says how to turn it on.
print(m.profile_unit)
try:
    m.profile()
except RuntimeError as e:
    print("RuntimeError:", e)
plain = m.predict(x)

m.profile(True)
print(m.profile_unit in ("cycles", "us", "ns"))
print(m.profile())  # None: nothing ran since it was turned on
# The times' block survives a collection: the inference writes into it, not into new objects.
gc.collect()
junk = [bytearray(64) for _ in range(100)]
profiled = m.predict(x)
print(all(not any(b) for b in junk))
junk = None
p = m.profile()
print(profiled == plain)
print(len(p) == len(m.ops), [r[0] for r in p] == list(range(len(m.ops))))
print([r[1] for r in p])
print(all(type(r[2]) is int and r[2] >= 0 for r in p))

# The nodes' times add up to at most the whole inference's (last_cycles / last_us).
total = sum(r[2] for r in p)
unit = m.profile_unit
if unit == "cycles" and m.last_cycles is not None:
    print(total <= m.last_cycles)
elif unit == "ns":
    print(total <= m.last_us * 1000)
else:
    print(total <= m.last_us)

# invoke() is profiled too; turning it on again keeps the profile; a new inference replaces it.
m.set_input(x)
m.invoke()
print(len(m.profile()) == len(m.ops))
m.profile(on=True)
print(m.profile() is not None)

# Off again: nothing timed, the same outputs.
m.profile(False)
print(m.profile_unit)
print(m.predict(x) == plain)
try:
    m.profile()
except RuntimeError:
    print("off")

# As a constructor argument (keyword only).
h = tinyml.Model(HELLO, profile=True)
h.predict(bytes(1))
print([r[:2] for r in h.profile()])
try:
    tinyml.Model(HELLO, None, True)
except TypeError:
    print("TypeError")
