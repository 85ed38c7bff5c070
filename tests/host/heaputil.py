"""Heap a model's load costs on a board, beyond its own working memory (arena, tensor records, op
data): what the model's bytes cost in RAM (about 0 for a model mapped from ROMFS, its size for one
read from a file). HEAP_SCRIPT runs on the board (format path=...); parse() reads its output."""

import re

HEAP_SCRIPT = """\
import gc, tinyml
gc.collect()
before = gc.mem_alloc()
m = tinyml.Model({path!r})
gc.collect()
print('extra', gc.mem_alloc() - before - m.arena_bytes - m.state_bytes)
"""


def parse(output: str) -> int:
    return int(re.search(r"extra (-?\d+)", output).group(1))
