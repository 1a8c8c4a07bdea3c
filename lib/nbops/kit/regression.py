"""Regression: check a numeric target, split, build a regressor, and judge it with residual plots.

Plots return closed matplotlib figures: show as a cell's last expression, save with `save_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.base import RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error
from sklearn.model_selection import train_test_split

from nbops.kit.data import DataError
from nbops.kit.exploration import is_numeric
from nbops.kit.figures import closed, grid, message_figure

Size = tuple[float, float] | list[float]
REGRESSORS = ("random_forest", "hist_gradient_boosting", "ridge")


def validate_numeric_target(frame: pd.DataFrame, target: str) -> pd.Series:
    """Check the target exists, is numeric and varies; return its summary statistics."""
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise DataError(f"target column {target!r} not found (columns: {columns})")
    values = frame[target]
    if not is_numeric(values):
        raise DataError(
            f"target column {target!r} has dtype {values.dtype}: regression needs numbers "
            "(use the classification template for categories)"
        )
    if values.nunique(dropna=True) < 2:
        raise DataError(f"target column {target!r} has fewer than two distinct values")
    return values.describe().rename(target)


def split_random(
    frame: pd.DataFrame, *, test_size: float, random_state: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows at random (seeded) into train and test."""
    train, test = train_test_split(frame, test_size=test_size, random_state=random_state)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def target_split_report(train: pd.DataFrame, test: pd.DataFrame, target: str) -> pd.DataFrame:
    """Summary statistics of the target in each split, side by side (they should look alike)."""
    return pd.DataFrame({"train": train[target].describe(), "test": test[target].describe()})


def make_regressor(
    name: str,
    *,
    n_estimators: int,
    max_depth: int | None,
    alpha: float,
    random_state: int,
) -> RegressorMixin:
    """The regressor called `name` (one of REGRESSORS) with the given hyperparameters."""
    if name == "random_forest":
        return RandomForestRegressor(
            n_estimators=n_estimators, max_depth=max_depth, random_state=random_state
        )
    if name == "hist_gradient_boosting":
        return HistGradientBoostingRegressor(
            max_iter=n_estimators, max_depth=max_depth, random_state=random_state
        )
    if name == "ridge":
        return Ridge(alpha=alpha, random_state=random_state)
    raise ValueError(f"unknown MODEL {name!r}: choose one of {', '.join(REGRESSORS)}")


def regression_metrics(y_true: Sequence, y_pred: Sequence) -> dict[str, float]:
    """RMSE, MAE and R² of predictions."""
    return {
        "rmse": float(root_mean_squared_error(y_true, y_pred)),
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "r2": float(r2_score(y_true, y_pred)),
    }


def plot_target_histogram(frame: pd.DataFrame, target: str, *, bins: int, figsize: Size) -> Figure:
    """The distribution of a numeric target, with its mean and median marked."""
    values = frame[target].dropna().astype(float)
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.hist(values, bins=bins)
    ax.axvline(values.mean(), color="black", linestyle="--", label=f"mean {values.mean():.3g}")
    ax.axvline(values.median(), color="grey", linestyle=":", label=f"median {values.median():.3g}")
    ax.legend()
    ax.set(xlabel=target, ylabel="rows", title=f"Distribution of {target}")
    return closed(fig)


def plot_actual_vs_predicted(
    y_true: Sequence, y_pred: Sequence, *, target: str, figsize: Size
) -> Figure:
    """Predicted against actual values; points on the diagonal are perfect predictions."""
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.scatter(y_true, y_pred, s=12, alpha=0.6)
    ax.plot([low, high], [low, high], color="grey", linewidth=0.8, label="perfect prediction")
    ax.legend()
    ax.set(xlabel=f"actual {target}", ylabel=f"predicted {target}", title="Actual vs predicted")
    return closed(fig)


def plot_residuals(y_true: Sequence, y_pred: Sequence, *, target: str, figsize: Size) -> Figure:
    """Residuals (actual - predicted) against the prediction, and their distribution."""
    y_pred = np.asarray(y_pred, dtype=float)
    residuals = np.asarray(y_true, dtype=float) - y_pred
    fig, (left, right) = plt.subplots(1, 2, figsize=(figsize[0] * 1.5, figsize[1]))
    left.scatter(y_pred, residuals, s=12, alpha=0.6)
    left.axhline(0, color="grey", linewidth=0.8)
    left.set(xlabel=f"predicted {target}", ylabel="residual (actual - predicted)")
    right.hist(residuals, bins="auto")
    right.axvline(0, color="grey", linewidth=0.8)
    right.set(xlabel="residual", ylabel="rows")
    fig.suptitle("Residuals (test split)")
    fig.set_layout_engine("constrained")
    return closed(fig)


def plot_residuals_by_feature(
    X: pd.DataFrame,
    residuals: Sequence,
    columns: list[str],
    *,
    max_columns: int,
    max_categories: int,
    figsize: Size,
) -> Figure:
    """Residuals against each feature: a trend or a shifted category is structure missed."""
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no feature columns", figsize)
    residuals = pd.Series(np.asarray(residuals, dtype=float), index=X.index)
    fig, axes = grid(len(shown), figsize)
    for ax, column in zip(axes, shown, strict=False):
        if is_numeric(X[column]):
            ax.scatter(X[column], residuals, s=8, alpha=0.5)
        else:
            values = X[column].astype("string").fillna("<missing>")
            top = values.value_counts().sort_index(kind="stable").nlargest(max_categories).index
            labels = sorted(top)
            ax.boxplot(
                [residuals[values == label] for label in labels],
                tick_labels=labels,
                orientation="vertical",
            )
            ax.tick_params(axis="x", labelrotation=45)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set(title=column, ylabel="residual")
    fig.suptitle("Residuals by feature (test split)")
    return closed(fig)
