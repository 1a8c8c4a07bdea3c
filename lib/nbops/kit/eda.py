"""Exploratory plots and tables: target balance, missing values, distributions and correlations.

Every plot returns a closed matplotlib figure: show it by making it a cell's last expression and
save it with `save_figure`, so no figure is drawn twice and none lingers in pyplot's state.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nbops.kit.figures import Size, closed, grid, message_figure, title_grid

BAR_HEIGHT_INCHES = 0.22
STRONG_CORRELATION = 0.6


def eda_sample(frame: pd.DataFrame, max_rows: int, *, random_state: int) -> pd.DataFrame:
    """A seeded random sample of at most `max_rows` rows (all rows when the frame is smaller)."""
    if len(frame) <= max_rows:
        return frame
    return frame.sample(n=max_rows, random_state=random_state).sort_index()


def missing_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values per column (count and share), most missing first."""
    counts = frame.isna().sum()
    table = pd.DataFrame({"missing": counts, "share": counts / max(len(frame), 1)})
    table.index.name = "column"
    return table.sort_values("missing", ascending=False, kind="stable")


def plot_target_distribution(frame: pd.DataFrame, target: str, *, figsize: Size) -> Figure:
    """A bar per class with its row count and share."""
    counts = frame[target].value_counts().sort_index()
    fig, ax = plt.subplots(figsize=tuple(figsize))
    bars = ax.barh([str(label) for label in counts.index], counts.to_numpy())
    ax.bar_label(bars, labels=[f"{n} ({n / counts.sum():.0%})" for n in counts], padding=3)
    ax.invert_yaxis()
    ax.set(xlabel="rows", ylabel=target, title=f"{target}: rows per class")
    ax.margins(x=0.15)
    return closed(fig)


def plot_numeric_distributions(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    hue: str,
    bins: int,
    max_columns: int,
    figsize: Size,
) -> Figure:
    """A histogram per numeric column (the first `max_columns`), coloured by `hue`."""
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no numeric feature columns", figsize)
    classes = _as_text(frame[hue])
    labels = sorted(classes.dropna().unique())
    fig, axes = grid(len(shown), figsize)
    for ax, column in zip(axes, shown, strict=False):
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        values = values.where(np.isfinite(values))
        edges = np.histogram_bin_edges(values.dropna(), bins=bins)
        for label in labels:
            ax.hist(
                values[classes == label].dropna(),
                bins=edges,
                histtype="stepfilled",
                alpha=0.5,
                label=label,
            )
        ax.set(title=column, ylabel="rows")
    axes[0].legend()
    _move_legend_to_figure(fig, axes[0], hue)
    title_grid(fig, "Numeric feature distributions", len(shown), len(columns))
    return closed(fig)


def plot_categorical_counts(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    hue: str,
    max_categories: int,
    max_columns: int,
    figsize: Size,
) -> Figure:
    """Class shares within the most frequent categories of each categorical column."""
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no categorical feature columns", figsize)
    tables = {}
    for column in shown:
        values = frame[column].astype("string").fillna("<missing>")
        top = values.value_counts().sort_index(kind="stable").nlargest(max_categories).index
        tables[column] = pd.crosstab(
            values[values.isin(top)], _as_text(frame[hue]), normalize="index"
        )
    most = max(len(table) for table in tables.values())
    fig, axes = grid(len(shown), figsize, row_height=BAR_HEIGHT_INCHES * most + 1)
    for index, (ax, (column, shares)) in enumerate(zip(axes, tables.items(), strict=False)):
        shares.plot.barh(stacked=True, ax=ax, legend=index == 0, width=0.8)
        ax.set(title=column, xlabel="share of rows", ylabel="")
        ax.invert_yaxis()
    _move_legend_to_figure(fig, axes[0], hue)
    title_grid(fig, "Class shares by category", len(shown), len(columns))
    return closed(fig)


def plot_correlation_heatmap(
    frame: pd.DataFrame, columns: list[str], *, figsize: Size, annotate_max: int = 12
) -> Figure:
    """Pearson correlations between numeric columns, annotated when there are few of them."""
    if len(columns) < 2:
        return message_figure("fewer than two numeric feature columns", figsize)
    corr = frame[columns].corr()
    fig, ax = plt.subplots(figsize=tuple(figsize))
    image = ax.imshow(corr.to_numpy(), vmin=-1, vmax=1, cmap="RdBu_r")
    ticks = range(len(columns))
    ax.set_xticks(ticks, labels=columns, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(ticks, labels=columns)
    if len(columns) <= annotate_max:
        for (row, col), value in np.ndenumerate(corr.to_numpy()):
            text = "" if np.isnan(value) else f"{value:.2f}"
            color = "white" if abs(value) > STRONG_CORRELATION else "black"
            ax.text(col, row, text, ha="center", va="center", color=color, fontsize="small")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title("Correlation between numeric features")
    return closed(fig)


def _move_legend_to_figure(fig: Figure, ax, title: str) -> None:
    # One legend beside the grid instead of one covering the first plot's bars.
    legend = ax.get_legend()
    if legend is None:
        return
    handles, labels = legend.legend_handles, [text.get_text() for text in legend.get_texts()]
    legend.remove()
    fig.legend(handles, labels, title=title, loc="outside right upper")


def _as_text(values: pd.Series) -> pd.Series:
    # Class labels as text: seaborn then uses a categorical palette even for 0/1 targets.
    return values.astype(str) if not pd.api.types.is_string_dtype(values) else values
