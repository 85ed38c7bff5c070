# Shared by the device tests that compare with TFLM through checksums (model_recurrent.py,
# model_16x8.py): the input frames they feed and the checksum of an output's bytes. The host tests
# that compute TFLM's figures for their .exp files use the same two formulas.


def checksum(b):
    s = 0
    for v in b:
        s = (s * 31 + v) & 0xFFFFFF
    return s


def frame(n, k):
    return bytes((i * 37 + k * 11) % 256 for i in range(n))
