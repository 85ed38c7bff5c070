# A model whose arena does not fit a 32-bit address space is refused on every port (issue 11, A):
# two live int8 tensors of [0x7fffffff] need 4 GiB, which wrapped to 0 on 32-bit boards, and the
# input buffer then reached the whole heap.
import tinyml

try:
    tinyml.Model(open("data/huge_arena.tflite", "rb").read())
    print("loaded")
except ValueError as e:
    print("ValueError", e)
