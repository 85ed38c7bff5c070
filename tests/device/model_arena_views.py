# input_buffer()/output_buffer() views keep the arena alive, whatever the Model does (issue 11,
# C and E: a bytearray arena grown after loading, or one given as memoryview(ba)[16:], left views
# and the engine pointing into freed memory). Arenas are tinyml.Arena blocks nobody can resize;
# after `del m` and a collection, writing through an old view changes no other object.
import gc
import tinyml

try:
    good = open("../../../shared/models/mlperf_tiny/kws_ref_model.tflite", "rb").read()
except OSError:
    print("SKIP")
    raise SystemExit

for arena in (None, 20000, tinyml.Arena(20000)):
    m = tinyml.Model(good, arena=arena)
    vin, vout = m.input_buffer(), m.output_buffer()
    for i in range(len(vin)):
        vin[i] = i % 100 - 50
    m.invoke()
    print(type(arena).__name__, len(vin), len(vout), bytes(vout) == m.get_output())
    del m, arena
    gc.collect()
    others = [bytearray(b"\x11" * 32) for _ in range(400)]
    for i in range(len(vin)):
        vin[i] = -1
    for i in range(len(vout)):
        vout[i] = -1
    print(" others intact:", all(o == b"\x11" * 32 for o in others))
    del vin, vout, others
    gc.collect()

# Neither a bytearray, nor a view of one, nor another model's tensor can be an arena.
m = tinyml.Model(good)
for bad in (bytearray(256), memoryview(bytearray(256))[16:], m.input_buffer(), good):
    try:
        tinyml.Model(good, arena=bad)
        print("accepted")
    except TypeError:
        print("TypeError")
print(tinyml.Arena(100), len(tinyml.Arena(100)))
