# tinyml demo (what `make run` runs): load a .tflite model, print its summary, run it once on a
# fixed input and print the outputs and the arena size. Runs unchanged in the Unix port and on a
# board:  micropython demo.py [model.tflite]
import sys

import tinyml

path = sys.argv[1] if len(sys.argv) > 1 else "models/gesture/gesture.tflite"

m = tinyml.Model(path)
print(m)

# A fixed, reproducible int8 input filling the input tensor.
n = 1
for d in m.inputs[0].shape:
    n *= d
x = bytes((i * 37 + 11) & 0xFF for i in range(n))
y = m.predict(x)
print("input bytes:", n)
print("output (int8):", [b - 256 if b > 127 else b for b in y])
print("arena bytes:", m.arena_bytes)
