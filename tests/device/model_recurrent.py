# Recurrent ops (issue 12): an LSTM and an SVDF keep their state from one invoke to the next, and
# reset() puts it back as it was after loading. The checksums of three invokes' outputs are
# TFLM's (tests/host/test_ops_rnn.py::test_device_checksums_are_tflms computes them in the
# tflite-micro package and compares them with this file's .exp).
import tinyml
from data.frames import checksum, frame


for name in ("lstm_small", "svdf_small"):
    m = tinyml.Model(open("data/%s.tflite" % name, "rb").read())
    n = len(m.input_buffer())
    sums = []
    for k in range(3):
        m.set_input(frame(n, k))
        m.invoke()
        sums.append(checksum(m.get_output()))
    m.reset()
    m.set_input(frame(n, 0))
    m.invoke()
    print(name, sums, checksum(m.get_output()) == sums[0])

# Two recurrent models sharing one Arena, invoked in turn: each one's state is its own (it lives in
# the model's memory, not in the arena), so the checksums are the ones above.
srcs = [open("data/%s.tflite" % name, "rb").read() for name in ("lstm_small", "svdf_small")]
size = max(tinyml.Model(s).arena_bytes for s in srcs)
arena = tinyml.Arena(size)
models = [tinyml.Model(s, arena=arena) for s in srcs]
sums = [[], []]
for k in range(3):
    for j, m in enumerate(models):
        m.set_input(frame(len(m.input_buffer()), k))
        m.invoke()
        sums[j].append(checksum(m.get_output()))
print("shared arena", sums)
