# Every inference reports its on-device duration: m.last_us (int microseconds, at least 1) and
# m.last_cycles (int CPU cycles - instructions on the emulated board - or None where the port has
# no cycle counter, e.g. Unix); both None before the first inference. Prints no measured number.
import sys
import tinyml

try:
    kws = tinyml.Model("../../../shared/models/mlperf_tiny/kws_ref_model.tflite")
    hello = tinyml.Model("../../../shared/models/tflm/hello_world_int8.tflite")
except OSError:
    print("SKIP")
    raise SystemExit


def sane(m):
    us, cycles = m.last_us, m.last_cycles
    return type(us) is int and us > 0 and (cycles is None or (type(cycles) is int and cycles > 0))


print(kws.last_us, kws.last_cycles)

# predict() and invoke() are both timed.
kws.predict(bytes(490))
print(sane(kws))
first = (kws.last_us, kws.last_cycles)
kws.set_input(bytes(490))
kws.invoke()
print(sane(kws))

# A call that fails before running the model leaves the last figures alone.
kws.predict(bytes(490))
last = (kws.last_us, kws.last_cycles)
try:
    kws.predict(b"short")
except ValueError:
    pass
print((kws.last_us, kws.last_cycles) == last)

# A bigger model takes longer: KWS (~2.7 M multiply-accumulates) against hello_world (~300);
# the fastest of a few runs of each, so a hiccup of the host (Unix) cannot turn it around.
kws_us, hello_us = [], []
for _ in range(3):
    kws.predict(bytes(490))
    kws_us.append(kws.last_us)
    hello.predict(bytes(1))
    hello_us.append(hello.last_us)
print(min(hello_us) < min(kws_us))
if kws.last_cycles is not None:
    print(hello.last_cycles < kws.last_cycles)
else:
    print(True)

# Floats in, floats out: timed the same way.
hello.predict([0.5])
print(sane(hello))

# On the emulated board (qemu -icount) the count is deterministic: the same input, the same count.
if sys.platform == "qemu":
    kws.predict(bytes(490))
    print((kws.last_us, kws.last_cycles) == first)
else:
    print(True)
