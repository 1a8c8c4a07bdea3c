"""Figure plumbing for the plot modules: axes grids, titles, legends, message figures, closing."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nbops.kit.data import MISSING

Size = tuple[float, float] | list[float]
MAX_PER_ROW = 3
# Display defaults of every plot: they change what a figure looks like, never a result.
FIGURE_SIZE: Size = (6.0, 4.0)  # width and height of one plot, in inches
HIST_BINS = 20  # bins per histogram
MAX_COLUMNS = 12  # per-column plots draw at most this many columns
MAX_CATEGORIES_SHOWN = 20  # category plots draw at most this many values per column
TOP_FEATURES = 15  # ranking plots draw at most this many rows


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


def legend_beside(fig: Figure, axes: list, title: str | None = None) -> None:
    """One legend beside the grid (from the first axes) instead of one covering each plot."""
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    fig.legend(handles, labels, title=title, loc="outside right upper")


def top_values(values: pd.Series, max_categories: int) -> tuple[pd.Series, pd.Series]:
    """`values` as text (missing as `<missing>`), and the row counts of its `max_categories`
    most frequent values (ties broken by sort order)."""
    text = values.astype("string").fillna(MISSING)
    return text, text.value_counts().sort_index(kind="stable").nlargest(max_categories)


def message_figure(message: str, figsize: Size, name: str = "") -> Figure:
    """A figure that only says `message` (when there is nothing to plot), named as `closed`."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.text(0.5, 0.5, message, ha="center", va="center")
    ax.set_axis_off()
    return closed(fig, name)


def closed(fig: Figure, name: str = "") -> Figure:
    """Close `fig` in pyplot (so it is not drawn twice) and return it for display and saving;
    `name` is the file name `save_figure` gives it when told none (`figures/<name>.png`)."""
    plt.close(fig)
    if name:
        fig.set_label(name)
    return fig
