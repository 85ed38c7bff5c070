"""The PNG plots of `validate --report` (windows and audio recordings): matplotlib loaded headless
(the Agg backend) with one clear error when it is missing, the folder checked before the board
is busy, and the panels both reports draw (a latency histogram, a confusion matrix)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .errors import TinymlError

MISSING = "matplotlib is not installed; the plots of --report need it"
BLUE = "#4477aa"


def prepare(directory: str | Path) -> None:
    """Before a run (said then, not after the board has worked): the folder can be written and
    matplotlib is there."""
    from .inputs import check_output_dir

    check_output_dir(directory, "--report folder")
    if importlib.util.find_spec("matplotlib") is None:
        raise TinymlError(MISSING, "pip install 'tinyml-host[plots]', or leave out --report")


def pyplot():
    """matplotlib.pyplot on the Agg backend (files only, no display needed)."""
    try:
        import matplotlib
    except ImportError:
        raise TinymlError(MISSING, "pip install 'tinyml-host[plots]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: Path) -> Path:
    """fig into path (PNG, 100 dpi), then closed."""
    plt = pyplot()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write(report, directory: str | Path) -> list[Path]:
    """The command's end: report.write_plots(directory), each file written said on stderr."""
    try:
        written = report.write_plots(directory)
    except OSError as e:
        raise TinymlError(f"cannot write the plots into {directory}: {e.strerror or e}") from None
    for p in written:
        print(f"wrote {p}", file=sys.stderr)
    return written


def latency_histogram(ax, us: Sequence[float], what: str, title: str) -> None:
    """A histogram of on-device times in microseconds (shown in ms), counted in `what` (windows,
    frames, ...); a note instead when the board reported none."""
    if us:
        ax.hist(np.array(us) / 1000.0, bins=min(50, max(5, len(set(us)))), color=BLUE)
        ax.set_xlabel("on-device latency (ms)")
        ax.ticklabel_format(axis="x", useOffset=False)  # 139.727 ms, not 0.027 + 1.397e2
        ax.yaxis.get_major_locator().set_params(integer=True)  # counts
    else:
        ax.text(0.5, 0.5, "the board reports no timing", ha="center", va="center")
    ax.set_ylabel(what)
    ax.set_title(title)


def confusion_counts(truth: Sequence[int], predicted: Sequence[int], classes: int = 0) -> np.ndarray:
    """counts[t, p]: how often class t came out as p; at least `classes` x `classes`."""
    k = max(classes, 1 + max(max(truth, default=-1), max(predicted, default=-1)))
    cm = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(truth, predicted):
        cm[t, p] += 1
    return cm


def confusion_size(k: int) -> tuple[float, float]:
    """A figure size that fits a k x k confusion matrix."""
    return 1.5 + 0.45 * k, 1.2 + 0.45 * k


def confusion_matrix(ax, cm: np.ndarray, name: Callable[[int], str], truth: str, title: str) -> None:
    """cm (confusion_counts) as a blue image with each non-zero count written in; rows are the
    true classes (`truth` names where they come from), columns the board's top-1."""
    k = cm.shape[0]
    ax.imshow(cm, cmap="Blues")
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                        color="white" if cm[i, j] > cm.max() / 2 else "black", fontsize=8)
    ax.set_xlabel("predicted on the board (top-1)")
    ax.set_ylabel(truth)
    names = [name(i) for i in range(k)]
    long = max(map(len, names)) > 3
    ax.set_xticks(range(k), names, rotation=45 if long else 0, ha="right" if long else "center")
    ax.set_yticks(range(k), names)
    ax.set_title(title)
