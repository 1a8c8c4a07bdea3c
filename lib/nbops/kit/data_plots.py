"""Plots of what a table holds: target, distributions, categories, correlations, missing values,
outliers, relationships, series over time, and reference against current (drift).

Every plot returns a closed matplotlib figure: show it by making it a cell's last expression and
save it with `save_figure`, so no figure is drawn twice and none lingers in pyplot's state.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nbops.kit.data import NUMERIC, is_numeric
from nbops.kit.figures import (
    FIGURE_SIZE,
    HIST_BINS,
    MAX_CATEGORIES_SHOWN,
    MAX_COLUMNS,
    TOP_FEATURES,
    Size,
    closed,
    grid,
    legend_beside,
    message_figure,
    title_grid,
    top_values,
)

BAR_HEIGHT_INCHES = 0.22
STRONG_CORRELATION = 0.6
DRIFT_TOP_COLUMNS = 6  # the most drifted columns a drift figure draws
DRIFT_FIGURE_SIZE = (9.0, 6.0)  # one figure holds several columns side by side


def plot_target_distribution(
    frame: pd.DataFrame, target: str, *, figsize: Size = FIGURE_SIZE
) -> Figure:
    """A bar per class with its row count and share."""
    counts = frame[target].value_counts().sort_index()
    fig, ax = plt.subplots(figsize=tuple(figsize))
    bars = ax.barh([str(label) for label in counts.index], counts.to_numpy())
    ax.bar_label(bars, labels=[f"{n} ({n / counts.sum():.0%})" for n in counts], padding=3)
    ax.invert_yaxis()
    ax.set(xlabel="rows", ylabel=target, title=f"{target}: rows per class")
    ax.margins(x=0.15)
    return closed(fig, "target_distribution")


def plot_target_histogram(
    frame: pd.DataFrame, target: str, *, bins: int = HIST_BINS, figsize: Size = FIGURE_SIZE
) -> Figure:
    """The distribution of a numeric target, with its mean and median marked."""
    values = frame[target].dropna().astype(float)
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.hist(values, bins=bins)
    ax.axvline(values.mean(), color="black", linestyle="--", label=f"mean {values.mean():.3g}")
    ax.axvline(values.median(), color="grey", linestyle=":", label=f"median {values.median():.3g}")
    ax.legend()
    ax.set(xlabel=target, ylabel="rows", title=f"Distribution of {target}")
    return closed(fig, "target_distribution")


def plot_histograms(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    bins: int = HIST_BINS,
    max_columns: int = MAX_COLUMNS,
    figsize: Size = FIGURE_SIZE,
    hue: str | None = None,
) -> Figure:
    """A histogram per numeric column (the first `max_columns`); with `hue`, one per class."""
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no numeric columns", figsize, "numeric_distributions")
    classes = _as_text(frame[hue]) if hue else None
    fig, axes = grid(len(shown), figsize)
    for ax, column in zip(axes, shown, strict=False):
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        values = values.where(np.isfinite(values))
        edges = np.histogram_bin_edges(values.dropna(), bins=bins)
        if classes is None:
            ax.hist(values.dropna(), bins=edges)
        for label in [] if classes is None else sorted(classes.dropna().unique()):
            group = values[classes == label].dropna()
            ax.hist(group, bins=edges, histtype="stepfilled", alpha=0.5, label=label)
        ax.set(title=column, ylabel="rows")
    if hue:
        legend_beside(fig, axes, hue)
    title = "Numeric distributions" + (f" by {hue}" if hue else "")
    title_grid(fig, title, len(shown), len(columns))
    return closed(fig, "numeric_distributions")


def plot_top_categories(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    max_categories: int = MAX_CATEGORIES_SHOWN,
    max_columns: int = MAX_COLUMNS,
    figsize: Size = FIGURE_SIZE,
    hue: str | None = None,
) -> Figure:
    """The most frequent values of each categorical column: row counts, or with `hue` the share
    of each class within each value (missing values shown as `<missing>`)."""
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no categorical columns", figsize, "categorical_counts")
    tops = {column: top_values(frame[column], max_categories) for column in shown}
    row_height = BAR_HEIGHT_INCHES * max(len(top) for _, top in tops.values()) + 1 if hue else None
    fig, axes = grid(len(shown), figsize, row_height=row_height)
    for index, (ax, (column, (values, top))) in enumerate(zip(axes, tops.items(), strict=False)):
        if hue:
            keep = values.isin(top.index)
            shares = pd.crosstab(values[keep], _as_text(frame[hue]), normalize="index")
            shares.plot.barh(stacked=True, ax=ax, legend=index == 0, width=0.8)
            ax.set(title=column, xlabel="share of rows", ylabel="")
        else:
            ax.barh(top.index.astype(str), top.to_numpy())
            ax.set(title=column, xlabel="rows")
        ax.invert_yaxis()
    if hue:
        legend_beside(fig, axes, hue)
    title = "Class shares by category" if hue else "Most frequent values"
    title_grid(fig, title, len(shown), len(columns))
    return closed(fig, "categorical_counts")


def plot_correlation_heatmap(
    frame: pd.DataFrame, columns: list[str], *, figsize: Size = FIGURE_SIZE, annotate_max: int = 12
) -> Figure:
    """Pearson correlations between numeric columns, annotated when there are few of them."""
    if len(columns) < 2:
        return message_figure(
            "fewer than two numeric feature columns", figsize, "correlation_heatmap"
        )
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
    return closed(fig, "correlation_heatmap")


def plot_missing_matrix(frame: pd.DataFrame, *, figsize: Size = FIGURE_SIZE) -> Figure:
    """A dark cell for every missing value: rows down, columns across (patterns show as bands)."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.imshow(frame.isna().to_numpy(), aspect="auto", interpolation="nearest", cmap="Greys")
    ax.set_xticks(range(frame.shape[1]), [str(c) for c in frame.columns], rotation=90)
    ax.set(ylabel="row", title="Missing values (dark = missing)")
    return closed(fig, "missing_values")


def plot_boxplots(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    max_columns: int = MAX_COLUMNS,
    figsize: Size = FIGURE_SIZE,
) -> Figure:
    """Standardised box plots of numeric columns: points past the whiskers are outliers."""
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no numeric columns", figsize, "outliers")
    values = frame[shown].astype(float)
    scaled = (values - values.mean()) / values.std(ddof=0).replace(0, 1)
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.boxplot([scaled[c].dropna() for c in shown], tick_labels=shown, orientation="horizontal")
    ax.invert_yaxis()
    ax.set(xlabel="standard deviations from the mean", title="Outliers (standardised values)")
    return closed(fig, "outliers")


def plot_against_target(
    frame: pd.DataFrame,
    columns: list[str],
    target: str,
    *,
    max_columns: int = MAX_COLUMNS,
    figsize: Size = FIGURE_SIZE,
) -> Figure:
    """Each numeric column against a numeric target (scatter) or per target class (box plots)."""
    shown = [c for c in columns if c != target][:max_columns]
    if not shown:
        return message_figure(
            "no numeric columns besides the target", figsize, "features_vs_target"
        )
    fig, axes = grid(len(shown), figsize)
    numeric_target = is_numeric(frame[target])
    for ax, column in zip(axes, shown, strict=False):
        if numeric_target:
            ax.scatter(frame[column], frame[target], s=8, alpha=0.5)
        else:
            labels = sorted(frame[target].dropna().astype(str).unique())
            groups = [
                frame.loc[frame[target].astype(str) == label, column].dropna() for label in labels
            ]
            ax.boxplot(groups, tick_labels=labels, orientation="horizontal")
        ax.set(xlabel=column, ylabel=target)
    title_grid(fig, f"Numeric columns against {target}", len(shown), len(columns))
    return closed(fig, "features_vs_target")


def plot_ranking(
    table: pd.DataFrame,
    column: str,
    *,
    top: int = TOP_FEATURES,
    title: str,
    figsize: Size = FIGURE_SIZE,
) -> Figure:
    """Horizontal bars of the `top` rows of a ranking table."""
    shown = table.head(top)
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.barh(shown.index.astype(str), shown[column])
    ax.invert_yaxis()
    ax.set(xlabel=column.replace("_", " "), title=title)
    return closed(fig)


def plot_time_series(
    frame: pd.DataFrame,
    time_column: str,
    columns: list[str],
    *,
    max_columns: int = MAX_COLUMNS,
    figsize: Size = FIGURE_SIZE,
) -> Figure:
    """Each numeric column over time, one panel each, in time order."""
    shown = [c for c in columns if c != time_column][:max_columns]
    if not shown:
        return message_figure("no numeric columns to draw over time", figsize)
    ordered = frame.sort_values(time_column, kind="stable")
    fig, axes = plt.subplots(
        len(shown), 1, figsize=(figsize[0], figsize[1] * len(shown) / 2), sharex=True
    )
    for ax, column in zip(np.atleast_1d(axes), shown, strict=False):
        ax.plot(ordered[time_column], ordered[column], linewidth=0.8)
        ax.set(ylabel=column)
    fig.suptitle(f"Over {time_column}")
    fig.set_layout_engine("constrained")
    return closed(fig)


def plot_seasonal_profile(
    frame: pd.DataFrame,
    time_column: str,
    target: str,
    *,
    parts: list[str],
    figsize: Size = FIGURE_SIZE,
) -> Figure:
    """Mean and interquartile range of the target per calendar part (month, dayofweek, ...)."""
    if not parts:
        fig, ax = plt.subplots(figsize=tuple(figsize))
        ax.set_axis_off()
        return closed(fig)
    fig, axes = plt.subplots(1, len(parts), figsize=(figsize[0] * len(parts) / 2, figsize[1]))
    for ax, part in zip(np.atleast_1d(axes), parts, strict=False):
        groups = frame[target].groupby(getattr(frame[time_column].dt, part))
        quartiles = groups.quantile([0.25, 0.75]).unstack()
        ax.fill_between(quartiles.index, quartiles.iloc[:, 0], quartiles.iloc[:, 1], alpha=0.3)
        ax.plot(groups.mean().index, groups.mean().to_numpy())
        ax.set(xlabel=part, ylabel=target)
    fig.suptitle(f"{target} by calendar period (mean and interquartile range)")
    fig.set_layout_engine("constrained")
    return closed(fig)


def plot_autocorrelation(series: pd.Series, *, max_lag: int, figsize: Size = FIGURE_SIZE) -> Figure:
    """Correlation of the series with itself k steps earlier, for k = 1..max_lag."""
    lags = np.arange(1, min(max_lag, len(series) - 2) + 1)
    values = [series.autocorr(int(lag)) for lag in lags]
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.vlines(lags, 0, values, linewidth=0.8)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set(
        xlabel="lag (steps)", ylabel="autocorrelation", title=f"Autocorrelation of {series.name}"
    )
    return closed(fig)


def plot_drift_distributions(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    table: pd.DataFrame,
    *,
    top: int = DRIFT_TOP_COLUMNS,
    bins: int = HIST_BINS,
    max_categories: int = MAX_CATEGORIES_SHOWN,
    figsize: Size = DRIFT_FIGURE_SIZE,
) -> Figure:
    """Reference against current distribution of the `top` most drifted columns of `table`
    (from `nbops.kit.drift.drift_table`)."""
    shown = list(table.index[:top])
    fig, axes = grid(len(shown), figsize)
    for ax, column in zip(axes, shown, strict=False):
        if table.loc[column, "kind"] == NUMERIC:
            _densities(ax, reference[column], current[column], bins)
        else:
            _category_shares(ax, reference[column], current[column], max_categories)
        row = table.loc[column]
        verdict = "drift" if row["drifted"] else "no drift"
        ax.set_title(
            f"{column}: {verdict}\n{row['method']} = {row['score']:.3g}", fontsize="medium"
        )
    legend_beside(fig, axes)
    fig.suptitle(f"Reference vs current, most drifted first ({len(shown)} of {len(table)} columns)")
    return closed(fig, "drift_distributions")


def _densities(ax, reference: pd.Series, current: pd.Series, bins: int) -> None:
    values = [pd.to_numeric(s, errors="coerce").astype(float) for s in (reference, current)]
    values = [v[np.isfinite(v)] for v in values]
    edges = np.histogram_bin_edges(pd.concat(values), bins=bins)
    for label, data in zip(("reference", "current"), values, strict=True):
        ax.hist(data, bins=edges, density=True, histtype="stepfilled", alpha=0.5, label=label)
    ax.set_ylabel("density")


def _category_shares(ax, reference: pd.Series, current: pd.Series, max_categories: int) -> None:
    shares = pd.DataFrame(
        {
            name: top_values(values, max_categories)[0].value_counts(normalize=True)
            for name, values in (("reference", reference), ("current", current))
        }
    ).fillna(0.0)
    shares = shares.sort_index()
    top = (shares["reference"] + shares["current"]).sort_values(ascending=False, kind="stable")
    shares.loc[top.index[:max_categories]].plot.barh(ax=ax, width=0.8)
    ax.invert_yaxis()
    ax.set(xlabel="share of rows", ylabel="")


def _as_text(values: pd.Series) -> pd.Series:
    # Class labels as text: a categorical palette and legend even for 0/1 targets.
    return values.astype(str) if not pd.api.types.is_string_dtype(values) else values
