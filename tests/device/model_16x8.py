# int16 activations with int8 weights (TFLM's 16x8 mode, issue 12): a CONV_2D and a FULLY_CONNECTED
# with int64 biases. Inputs are int16 (two bytes an element, little-endian), given both as raw bytes
# and as an array('h'); the checksums of the int16 outputs are TFLM's
# (tests/host/test_device_data.py::test_16x8_checksums_are_tflms computes them in the tflite-micro
# package and compares them with this file's .exp).
from array import array

import tinyml
from data.frames import checksum, frame


for name in ("conv_16x8_small", "fc_16x8_small"):
    m = tinyml.Model(open("data/%s.tflite" % name, "rb").read())
    t = m.inputs[0]
    n = 2
    for d in t.shape:
        n *= d
    sums = []
    for k in range(2):
        m.set_input(frame(n, k))
        m.invoke()
        sums.append(checksum(m.get_output()))
    x = frame(n, 1)
    m.set_input(array("h", [x[i] | (x[i + 1] << 8) if x[i + 1] < 128 else (x[i] | (x[i + 1] << 8)) - 65536
                            for i in range(0, n, 2)]))
    m.invoke()
    print(name, t.dtype, m.outputs[0].dtype, sums, checksum(m.get_output()) == sums[1])
