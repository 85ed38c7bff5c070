"""The PNG plots of `validate --data recordings/ --report DIR` (an AudioReport from validate_audio):

- recording_<name>.png, one per recording: the rows the board's audio model computed (with
  --frontend the feature rows: a spectrogram-like image, frames left to right, features bottom
  to top), the reference's (TFLM's) rows, their difference (all zeros when bit-exact), and, with
  a classifier, every classification's scores over time (board solid, reference dashed) with
  the expected class (from the file name) drawn thick;
- summary.png: the on-device latency per frame and per classification, and the confusion of
  expected vs predicted class when the file names give expected classes.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from . import plots

SUMMARY = "summary.png"


def plot_names(report) -> list[str]:
    """The file name of each recording's plot: recording_<file stem>.png, made unique."""
    names, seen = [], set()
    for r in report.recordings:
        base = "recording_" + re.sub(r"[^0-9A-Za-z._-]+", "_", Path(r.name).stem)
        name, k = base, 2
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        names.append(name + ".png")
    return names


def write_plots(report, directory: str | Path) -> list[Path]:
    """Every recording's plot, then the summary, into `directory` (made if missing)."""
    plt = plots.pyplot()
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    written = [plots.save(_recording(plt, report, r), d / name)
               for r, name in zip(report.recordings, plot_names(report))]
    written.append(plots.save(_summary(plt, report), d / SUMMARY))
    return written


def difference_title(rec) -> str:
    """What the difference panel says: bit-exact, or how many frames differ and by how much."""
    diff = rec.row_difference()
    bad = np.flatnonzero(np.any(diff != 0, axis=1))
    if not bad.size:
        return "board - reference: all zero (bit-exact)"
    return (f"board - reference: {bad.size} of {rec.frames} frames differ, max |difference| "
            f"{int(np.abs(diff).max())}, first at frame {int(bad[0])}")


def _recording(plt, report, rec):
    scores = bool(rec.classifications)
    panels = 3 + scores
    fig, axes = plt.subplots(panels, 2, figsize=(9, 1.9 * panels + 0.6), sharex="col", squeeze=False,
                             gridspec_kw={"width_ratios": [40, 1]})
    what = "features" if report.frontend else "outputs"
    fig.suptitle(f"{Path(rec.name).name}: {rec.frames_bit_exact} / {rec.frames} frames bit-exact", fontsize=11)
    if rec.frames == 0:
        for ax in axes.reshape(-1):
            ax.axis("off")
        axes[0, 0].text(0.5, 0.5, "no frames: the recording is shorter than one window", ha="center", va="center")
        return fig
    dev, ref, diff = rec.rows_device, rec.rows_reference, rec.row_difference()
    lo, hi = min(dev.min(), ref.min()), max(dev.max(), ref.max())
    extent = (-0.5, rec.frames - 0.5, -0.5, dev.shape[1] - 0.5)
    span = max(1, int(np.abs(diff).max()))
    shown = [(dev, f"{what} on the board", "viridis", lo, hi),
             (ref, f"{what} in the reference ({report.reference_engine.split(' (')[0]})", "viridis", lo, hi),
             (diff, difference_title(rec), "RdBu_r", -span, span)]
    for (rows, title, cmap, vmin, vmax), ax, cax in zip(shown, axes[:, 0], axes[:, 1]):
        im = ax.imshow(rows.T, aspect="auto", origin="lower", cmap=cmap, vmin=vmin, vmax=vmax,
                       extent=extent, interpolation="nearest")
        ax.set_ylabel(what[:-1])
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, cax=cax)
    if scores:
        _scores(axes[3, 0], report, rec)
        axes[3, 1].axis("off")
    axes[-1, 0].set_xlabel(f"frame (a window of {report.window} samples every {report.stride})")
    return fig


def _scores(ax, report, rec) -> None:
    """Each class's score at each classification (x: the classification's last frame)."""
    ends = [c.end_frame for c in rec.classifications]
    dev = np.array([c.device for c in rec.classifications])
    ref = np.array([c.reference for c in rec.classifications])
    marker = "o" if len(ends) < 20 else None
    for k in range(dev.shape[1]):
        colour = f"C{k % 10}"
        expected = k == rec.expected
        width = 2.6 if expected else 1.2
        label = report.class_name(k) + (" (expected)" if expected else "")
        ax.plot(ends, dev[:, k], color=colour, lw=width, marker=marker, label=label)
        ax.plot(ends, ref[:, k], color=colour, lw=width, ls="--", marker=marker, mfc="none")
    d, r = rec.predicted("device"), rec.predicted("reference")
    title = "class scores: board solid, reference dashed"
    if d is not None:
        title += f"; board says {report.class_name(d[0])} ({d[1]}), reference {report.class_name(r[0])} ({r[1]})"
    if rec.expected is not None:
        title += f"; expected {report.class_name(rec.expected)}"
    ax.set_title(title, fontsize=9)
    ax.set_ylabel("score (raw output)")
    ax.legend(fontsize=7, ncol=min(4, dev.shape[1]), loc="best")


def _summary(plt, report):
    frame_us = [u for r in report.recordings for u in r.frame_us]
    class_us = [c.us for c in report.classifications if c.us is not None]
    named = [r for r in report.recordings if r.expected is not None and r.predicted("device")]
    panels = 1 + bool(report.classifications) + bool(named)
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2), squeeze=False)
    axes = list(axes[0])
    name = Path(report.frontend or report.model).name
    plots.latency_histogram(axes.pop(0), frame_us, "frames", f"{name}: latency per frame ({len(frame_us)})")
    if report.classifications:
        plots.latency_histogram(axes.pop(0), class_us, "classifications",
                                f"{Path(report.model).name}: per classification ({len(class_us)})")
    if named:
        cm = plots.confusion_counts([r.expected for r in named], [r.predicted("device")[0] for r in named],
                                    len(report.class_names or []))
        plots.confusion_matrix(axes.pop(0), cm, report.class_name, "expected (file name)",
                               f"recordings: {int(np.trace(cm))} / {len(named)} as their name says")
    note = f"\n(latency: {report.timing_note})" if report.timing_note else ""
    fig.suptitle(f"{len(report.recordings)} recording(s) on the {report.board}{note}", fontsize=10)
    return fig
