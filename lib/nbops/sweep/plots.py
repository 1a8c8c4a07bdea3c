"""The plots of summary.html as inline SVG: the ranking metric against each swept parameter
(points coloured by a categorical parameter, the best run ringed), the optimisation history and
the parameter importances. Axes stay within the metric's range: never past 0 or 1 for a score
that lives there."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from nbops.sweep.summary import MAXIMIZE, Row

BEST, OTHER = "#d1495b", "#2e86ab"
PALETTE = ("#2e86ab", "#e07a1f", "#2a9d8f", "#8e5ea2", "#c9a227", "#6c757d", "#e76f9e", "#3d5a80")


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def metric_limits(values: Sequence[float]) -> tuple[float, float] | None:
    """y limits around `values` with a margin, clipped to [0, 1] when every value lies there."""
    if not values:
        return None
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or max(abs(high) * 0.05, 0.01)
    low, high = low - pad, high + pad
    if min(values) >= 0 and max(values) <= 1:
        low, high = max(low, 0.0), min(high, 1.0)
    return low, high


def colour_parameter(rows: Sequence[Row], swept: Sequence[str], x: str) -> str | None:
    """The first swept parameter other than `x` whose values are not all numbers."""
    for name in swept:
        values = [row.params.get(name) for row in rows]
        if name != x and not all(is_number(v) for v in values) and len(set(map(str, values))) > 1:
            return name
    return None


def param_plot(rows: Sequence[Row], swept: Sequence[str], name: str, metric: str, best) -> str:
    """The ranking metric against parameter `name`, one point per run."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure()
    rows = [row for row in rows if row.value(metric) is not None]
    values = [row.params.get(name) for row in rows]
    if values and all(is_number(v) for v in values):
        xs = [float(v) for v in values]
        if all(isinstance(v, int) for v in values):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        labels = list(dict.fromkeys(str(v) for v in values))
        xs = [labels.index(str(v)) for v in values]
        crowded = len(labels) > 3 or sum(map(len, labels)) > 30
        ax.set_xticks(
            range(len(labels)),
            labels,
            rotation=25 if crowded else 0,
            ha="right" if crowded else "center",
        )
        ax.set_xlim(-0.5, len(labels) - 0.5)
    ys = [row.value(metric) for row in rows]
    _scatter_by(ax, rows, xs, ys, colour_parameter(rows, swept, name), best)
    _limit(ax, ys)
    ax.set_xlabel(name)
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    return _svg(fig)


def _scatter_by(ax: Any, rows, xs, ys, colour_by: str | None, best) -> None:
    groups = (
        list(dict.fromkeys(str(row.params.get(colour_by)) for row in rows)) if colour_by else []
    )
    for index, group in enumerate(groups or [None]):
        members = [
            i
            for i, row in enumerate(rows)
            if group is None or str(row.params.get(colour_by)) == group
        ]
        ax.scatter(
            [xs[i] for i in members],
            [ys[i] for i in members],
            s=36,
            alpha=0.85,
            color=PALETTE[index % len(PALETTE)],
            label=f"{colour_by}={group}" if group is not None else None,
        )
    chosen = [i for i, row in enumerate(rows) if row is best]
    if chosen:
        i = chosen[0]
        ax.scatter([xs[i]], [ys[i]], s=150, facecolors="none", edgecolors=BEST, linewidths=2)
    if groups:
        ax.legend(loc="best", fontsize=7)


def history_plot(history: Sequence[tuple[int, float]], metric: str, direction: str) -> str:
    """Each trial's value and the best so far."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure(5.0, 3.0)
    trials = [t for t, _ in history]
    values = [v for _, v in history]
    better = max if direction == MAXIMIZE else min
    best_so_far = [better(values[: i + 1]) for i in range(len(values))]
    ax.scatter(trials, values, s=30, color=OTHER, label="trial")
    ax.step(trials, best_so_far, where="post", color=BEST, label="best so far")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _limit(ax, values)
    ax.set_xlabel("trial")
    ax.set_ylabel(metric)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return _svg(fig)


def importance_plot(importances: Mapping[str, float]) -> str:
    """Horizontal bars of the parameter importances."""
    ordered = sorted(importances.items(), key=lambda item: item[1])
    fig, ax = _figure(4.2, 0.6 + 0.45 * len(ordered))
    ax.barh([name for name, _ in ordered], [value for _, value in ordered], color=OTHER)
    ax.set_xlabel("importance")
    ax.set_xlim(0, 1)
    return _svg(fig)


def _limit(ax: Any, values: Sequence[float]) -> None:
    limits = metric_limits([v for v in values if is_number(v)])
    if limits:
        ax.set_ylim(*limits)


def _figure(width: float = 4.2, height: float = 3.0) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=96, layout="constrained")
    return fig, fig.add_subplot()


def _svg(fig: Any) -> str:
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"  # real text: smaller, selectable
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]
