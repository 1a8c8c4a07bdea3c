"""Explore any table: data-quality summary, missingness, distributions, outliers, relationships.

Task-neutral counterparts of `nbops.kit.eda` (which colours everything by a class target).
Plots return closed matplotlib figures: show as a cell's last expression, save with `save_figure`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

from nbops.kit.figures import Size, closed, grid, message_figure, title_grid


def is_numeric(column: pd.Series) -> bool:
    """True for numeric, non-boolean columns."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def dtypes_and_cardinality(frame: pd.DataFrame) -> pd.DataFrame:
    """Per column: dtype, kind, distinct values, share distinct, missing, most frequent value."""
    rows = max(len(frame), 1)
    table = pd.DataFrame(
        {
            "dtype": [str(frame[c].dtype) for c in frame.columns],
            "kind": ["numeric" if is_numeric(frame[c]) else "categorical" for c in frame.columns],
            "distinct": frame.nunique(dropna=True).to_numpy(),
            "distinct_share": (frame.nunique(dropna=True) / rows).to_numpy(),
            "missing": frame.isna().sum().to_numpy(),
            "top_value": [_top_value(frame[c]) for c in frame.columns],
        },
        index=pd.Index(frame.columns, name="column"),
    )
    return table


def numeric_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """count, mean, std, min, quartiles, max and skew of each numeric column (one row each)."""
    numeric = frame[[c for c in frame.columns if is_numeric(frame[c])]]
    if numeric.empty:
        return pd.DataFrame()
    table = numeric.describe().T
    table["skew"] = numeric.skew()
    table.index.name = "column"
    return table


def outlier_table(frame: pd.DataFrame, columns: list[str], *, iqr_factor: float) -> pd.DataFrame:
    """Per numeric column: values beyond `iqr_factor` interquartile ranges outside Q1..Q3."""
    records = {}
    for column in columns:
        values = frame[column].dropna().astype(float)
        q1, q3 = values.quantile([0.25, 0.75])
        low, high = q1 - iqr_factor * (q3 - q1), q3 + iqr_factor * (q3 - q1)
        outside = int(((values < low) | (values > high)).sum())
        records[column] = {
            "low_fence": low,
            "high_fence": high,
            "outliers": outside,
            "share": outside / max(len(values), 1),
        }
    table = pd.DataFrame.from_dict(
        records, orient="index", columns=["low_fence", "high_fence", "outliers", "share"]
    )
    table.index.name = "column"
    return table.sort_values("outliers", ascending=False, kind="stable")


def quality_summary(frame: pd.DataFrame, *, iqr_factor: float) -> dict[str, float | int]:
    """Data-quality figures of a table, ready for `record_metrics`."""
    numeric = [c for c in frame.columns if is_numeric(frame[c])]
    outliers = outlier_table(frame, numeric, iqr_factor=iqr_factor)
    numeric_cells = max(int(frame[numeric].notna().sum().sum()), 1) if numeric else 1
    return {
        "rows": len(frame),
        "columns": frame.shape[1],
        "numeric_columns": len(numeric),
        "categorical_columns": frame.shape[1] - len(numeric),
        "missing_cells_share": float(frame.isna().to_numpy().mean()) if frame.size else 0.0,
        "rows_with_missing": int(frame.isna().any(axis=1).sum()),
        "columns_with_missing": int(frame.isna().any().sum()),
        "all_missing_columns": int(frame.isna().all().sum()) if len(frame) else 0,
        "constant_columns": int((frame.nunique(dropna=True) <= 1).sum()),
        "duplicate_rows": int(frame.duplicated().sum()),
        "outlier_cells_share": float(outliers["outliers"].sum() / numeric_cells),
    }


def plot_missing_matrix(frame: pd.DataFrame, *, figsize: Size) -> Figure:
    """A dark cell for every missing value: rows down, columns across (patterns show as bands)."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.imshow(frame.isna().to_numpy(), aspect="auto", interpolation="nearest", cmap="Greys")
    ax.set_xticks(range(frame.shape[1]), [str(c) for c in frame.columns], rotation=90)
    ax.set(ylabel="row", title="Missing values (dark = missing)")
    return closed(fig)


def plot_histograms(
    frame: pd.DataFrame, columns: list[str], *, bins: int, max_columns: int, figsize: Size
) -> Figure:
    """A histogram per numeric column (the first `max_columns`)."""
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no numeric columns", figsize)
    fig, axes = grid(len(shown), figsize)
    for ax, column in zip(axes, shown, strict=False):
        ax.hist(frame[column].dropna().astype(float), bins=bins)
        ax.set(title=column, ylabel="rows")
    title_grid(fig, "Numeric distributions", len(shown), len(columns))
    return closed(fig)


def plot_top_categories(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    max_categories: int,
    max_columns: int,
    figsize: Size,
) -> Figure:
    """Row counts of the most frequent values (missing shown as `<missing>`) of each column."""
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no categorical columns", figsize)
    fig, axes = grid(len(shown), figsize)
    for ax, column in zip(axes, shown, strict=False):
        values = frame[column].astype("string").fillna("<missing>")
        counts = values.value_counts().sort_index(kind="stable").nlargest(max_categories)
        ax.barh(counts.index.astype(str), counts.to_numpy())
        ax.invert_yaxis()
        ax.set(title=column, xlabel="rows")
    title_grid(fig, "Most frequent values", len(shown), len(columns))
    return closed(fig)


def plot_boxplots(
    frame: pd.DataFrame, columns: list[str], *, max_columns: int, figsize: Size
) -> Figure:
    """Standardised box plots of numeric columns: points past the whiskers are outliers."""
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no numeric columns", figsize)
    values = frame[shown].astype(float)
    scaled = (values - values.mean()) / values.std(ddof=0).replace(0, 1)
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.boxplot([scaled[c].dropna() for c in shown], tick_labels=shown, orientation="horizontal")
    ax.invert_yaxis()
    ax.set(xlabel="standard deviations from the mean", title="Outliers (standardised values)")
    return closed(fig)


def plot_against_target(
    frame: pd.DataFrame,
    columns: list[str],
    target: str,
    *,
    max_columns: int,
    figsize: Size,
) -> Figure:
    """Each numeric column against a numeric target (scatter) or per target class (box plots)."""
    shown = [c for c in columns if c != target][:max_columns]
    if not shown:
        return message_figure("no numeric columns besides the target", figsize)
    fig, axes = grid(len(shown), figsize)
    numeric_target = is_numeric(frame[target])
    for ax, column in zip(axes, shown, strict=False):
        if numeric_target:
            ax.scatter(frame[column], frame[target], s=8, alpha=0.5)
            ax.set(xlabel=column, ylabel=target)
        else:
            labels = sorted(frame[target].dropna().astype(str).unique())
            groups = [
                frame.loc[frame[target].astype(str) == label, column].dropna() for label in labels
            ]
            ax.boxplot(groups, tick_labels=labels, orientation="horizontal")
            ax.set(xlabel=column, ylabel=target)
    title_grid(fig, f"Numeric columns against {target}", len(shown), len(columns))
    return closed(fig)


def plot_time_series(
    frame: pd.DataFrame,
    time_column: str,
    columns: list[str],
    *,
    max_columns: int,
    figsize: Size,
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


def mutual_information(frame: pd.DataFrame, target: str, *, random_state: int) -> pd.DataFrame:
    """Mutual information between each column and the target (categoricals as codes), largest first.

    A model-free ranking: it catches non-linear and non-monotonic dependence that a correlation
    misses, and costs one pass over the data. Missing values are filled (median / own category).
    """
    X = frame.drop(columns=[target])
    discrete = []
    for column in X.columns:
        if is_numeric(X[column]):
            X[column] = X[column].fillna(X[column].median()).astype(float)
            discrete.append(False)
        else:
            X[column] = X[column].astype("string").fillna("<missing>")
            X[column] = pd.Categorical(X[column]).codes
            discrete.append(True)
    y = frame[target]
    if is_numeric(y):
        scores = mutual_info_regression(X, y, discrete_features=discrete, random_state=random_state)
    else:
        scores = mutual_info_classif(
            X, y.astype(str), discrete_features=discrete, random_state=random_state
        )
    table = pd.DataFrame({"mutual_information": scores}, index=pd.Index(X.columns, name="column"))
    return table.sort_values("mutual_information", ascending=False, kind="stable")


def plot_ranking(
    table: pd.DataFrame, column: str, *, top: int, title: str, figsize: Size
) -> Figure:
    """Horizontal bars of the `top` rows of a ranking table."""
    shown = table.head(top)
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.barh(shown.index.astype(str), shown[column])
    ax.invert_yaxis()
    ax.set(xlabel=column.replace("_", " "), title=title)
    return closed(fig)


def _top_value(column: pd.Series) -> str:
    counts = column.value_counts(dropna=True)
    if counts.empty:
        return ""
    return str(counts.sort_index(kind="stable").idxmax())


def column_kinds(frame: pd.DataFrame, *, exclude: list[str]) -> tuple[list[str], list[str]]:
    """The numeric and the categorical columns, in order, leaving out `exclude` (blanks ignored)."""
    skipped = {name for name in exclude if name}
    columns = [c for c in frame.columns if c not in skipped]
    numeric = [c for c in columns if is_numeric(frame[c])]
    return numeric, [c for c in columns if c not in numeric]
