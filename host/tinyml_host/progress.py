"""Progress bars on stderr (tqdm), one way for every command: drawn only when stderr is a
terminal and progress is wanted (else None: callers skip their updates).

tqdm sizes bars from the terminal; a terminal that reports no size (a pty of 0 x 0, as `script`,
some IDE consoles and CI runners give) made it compute -1 rows and draw nothing at all, so the
size is taken here, with 80 x 24 when the terminal has none.
"""

from __future__ import annotations

import shutil
import sys


def progress_bar(total: int, desc: str, unit: str = "B", *, enabled: bool = True, position: int = 0,
                 leave: bool = False):
    """A tqdm bar of `total` `unit`s (bytes scaled to kB/MB), or None when not drawn."""
    if not (enabled and sys.stderr.isatty()):
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional for the library: no bars, then
        return None
    size = shutil.get_terminal_size((80, 24))
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit == "B", unit_divisor=1024 if unit == "B" else 1000,
                file=sys.stderr, leave=leave, position=position, ncols=min(size.columns or 80, 100),
                nrows=size.lines or 24)
