"""Figure plumbing shared by the kit's plots: axes grids, grid titles, message figures, closing."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

Size = tuple[float, float] | list[float]
MAX_PER_ROW = 3


def grid(
    count: int, figsize: Size, *, row_height: float | None = None, max_per_row: int = MAX_PER_ROW
) -> tuple[Figure, list]:
    """A constrained grid of `count` axes, at most `max_per_row` per row; unused axes hidden."""
    ncols = min(count, max_per_row)
    nrows = math.ceil(count / ncols)
    width, height = figsize
    row_height = max(height / 2, row_height or 0)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols / 2, row_height * nrows + 0.5))
    flat = list(np.atleast_1d(axes).flat)
    for ax in flat[count:]:
        ax.set_visible(False)
    fig.set_layout_engine("constrained")
    return fig, flat[:count]


def title_grid(fig: Figure, title: str, shown: int, total: int) -> None:
    """Title a grid of per-column plots, saying when only the first columns are shown."""
    suffix = "" if shown == total else f" (first {shown} of {total} columns)"
    fig.suptitle(title + suffix)


def message_figure(message: str, figsize: Size) -> Figure:
    """A figure that only says `message` (when there is nothing to plot)."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.text(0.5, 0.5, message, ha="center", va="center")
    ax.set_axis_off()
    return closed(fig)


def closed(fig: Figure) -> Figure:
    """Close `fig` in pyplot (so it is not drawn twice) and return it for display and saving."""
    plt.close(fig)
    return fig
