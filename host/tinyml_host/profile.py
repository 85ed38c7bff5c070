"""Per-node profile of one inference on the board (`tinyml-host validate --profile`): where the
time goes, node by node, so that a user sees which layer to change.

The board times every node of the model's last inference with its own clock (Model.profile on
the device: cycles where the core counts them, microseconds or nanoseconds otherwise) and the
agent sends the rows over the link (Link.profile()). This module turns them into the table
(node, op, time, % of the total, cumulative %), the five slowest nodes and a bar plot.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

TOP = 5
PLOT_NAME = "profile.png"


@dataclasses.dataclass
class NodeTime:
    node: int
    op: str
    time: int


@dataclasses.dataclass
class Profile:
    unit: str                 # "cycles" (instructions on the emulated board), "us" or "ns"
    nodes: list[NodeTime]     # in execution order
    window: int | None = None  # the window it was measured on (the last one run)

    @classmethod
    def from_link(cls, info: dict, window: int | None = None) -> "Profile":
        """From Link.profile()'s answer (rows checked there)."""
        rows = info["nodes"] or []
        return cls(unit=info["unit"], nodes=[NodeTime(int(n), str(op), int(t)) for n, op, t in rows],
                   window=window)

    @property
    def total(self) -> int:
        return sum(n.time for n in self.nodes)

    def top(self, k: int = TOP) -> list[NodeTime]:
        """The k slowest nodes, slowest first (ties: the earlier node first)."""
        return sorted(self.nodes, key=lambda n: (-n.time, n.node))[:k]

    def share(self, n: NodeTime) -> float:
        total = self.total
        return n.time / total if total else 0.0

    def to_json(self) -> dict:
        return {"unit": self.unit, "window": self.window, "total": self.total,
                "nodes": [dataclasses.asdict(n) for n in self.nodes]}

    def text(self, note: str | None = None) -> str:
        """The table, sorted by node, with the total and the five slowest nodes."""
        if not self.nodes:
            return "  per-node profile     n/a (no window ran with profiling on)"
        width = max(10, len(f"{self.total:,}"))
        opw = max(20, *(len(n.op) for n in self.nodes))
        head = f"  per-node profile of window {self.window}" if self.window is not None else "  per-node profile"
        lines = [f"{head} ({self.unit}{'; ' + note if note else ''})",
                 f"  {'node':>5}  {'op':<{opw}}  {self.unit:>{width}}  {'%':>6}  {'cum %':>6}"]
        cum = 0
        for n in self.nodes:
            cum += n.time
            lines.append(f"  {n.node:>5}  {n.op:<{opw}}  {n.time:>{width},}  {100 * self.share(n):>6.1f}  "
                         f"{100 * cum / self.total if self.total else 0.0:>6.1f}")
        lines.append(f"  {'':>5}  {'total':<{opw}}  {self.total:>{width},}  {100.0 if self.total else 0.0:>6.1f}")
        lines.append(f"  slowest {min(TOP, len(self.nodes))}:")
        for n in self.top():
            lines.append(f"  {n.node:>5}  {n.op:<{opw}}  {n.time:>{width},}  {100 * self.share(n):>6.1f}")
        return "\n".join(lines)

    def write_plot(self, directory: str | Path, title: str) -> Path:
        """A horizontal bar per node (the five slowest in another colour) into directory/profile.png.
        Needs matplotlib (the `plots` extra), which the caller checks for."""
        from . import plots

        plt = plots.pyplot()
        slow = {n.node for n in self.top()}
        fig, ax = plt.subplots(figsize=(7, 1.2 + 0.28 * max(1, len(self.nodes))))
        labels = [f"{n.node} {n.op}" for n in self.nodes]
        ax.barh(range(len(self.nodes)), [n.time for n in self.nodes],
                color=["#cc6677" if n.node in slow else "#4477aa" for n in self.nodes])
        ax.set_yticks(range(len(self.nodes)), labels, fontsize=8)
        ax.invert_yaxis()  # node 0 at the top
        ax.set_xlabel(f"time per node ({self.unit}); red: the {min(TOP, len(self.nodes))} slowest")
        ax.set_title(title)
        return plots.save(fig, Path(directory) / PLOT_NAME)
