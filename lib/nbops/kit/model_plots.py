"""Plots of a model's predictions against the truth: confusion, ROC and precision-recall curves,
permutation importance, residuals, calibration, metrics per segment, forecasts and backtest folds.

Every plot returns a closed matplotlib figure (show as a cell's last expression, save with
`save_figure`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay, RocCurveDisplay

from nbops.kit.data import is_numeric
from nbops.kit.figures import (
    FIGURE_SIZE,
    MAX_CATEGORIES_SHOWN,
    MAX_COLUMNS,
    TOP_FEATURES,
    Size,
    closed,
    grid,
    message_figure,
    top_values,
)
from nbops.kit.metrics import ERROR_SCORERS


def plot_confusion_matrix(
    y_true: Sequence, y_pred: Sequence, *, labels: Sequence, figsize: Size = FIGURE_SIZE
) -> Figure:
    """Counts of true (rows) against predicted (columns) classes."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=list(labels), ax=ax, colorbar=False, cmap="Blues"
    )
    ax.set_title("Confusion matrix (test split)")
    return closed(fig, "confusion_matrix")


def plot_roc_curves(
    y_true: Sequence, y_proba: np.ndarray, *, classes: Sequence, figsize: Size = FIGURE_SIZE
) -> Figure:
    """ROC curve of the positive class (binary) or of each class against the rest."""
    fig, ax = _curves(RocCurveDisplay, y_true, y_proba, classes, figsize, chance_level=True)
    ax.set(
        xlabel="False positive rate",
        ylabel="True positive rate",
        title=_curve_title("ROC", classes),
    )
    return closed(fig, "roc_curve")


def plot_precision_recall_curves(
    y_true: Sequence, y_proba: np.ndarray, *, classes: Sequence, figsize: Size = FIGURE_SIZE
) -> Figure:
    """Precision-recall curve of the positive class (binary) or of each class against the rest."""
    fig, ax = _curves(PrecisionRecallDisplay, y_true, y_proba, classes, figsize)
    ax.set(xlabel="Recall", ylabel="Precision", title=_curve_title("Precision-recall", classes))
    return closed(fig, "precision_recall_curve")


def plot_permutation_importance(
    importances: pd.DataFrame, *, top: int = TOP_FEATURES, scoring: str, figsize: Size = FIGURE_SIZE
) -> Figure:
    """Horizontal bars of the `top` largest permutation importances, with their spread;
    `scoring` as given to `permutation_importances`."""
    shown = importances.head(top)
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.barh(
        shown.index.astype(str),
        shown["importance_mean"],
        xerr=shown["importance_std"],
        capsize=3,
    )
    ax.invert_yaxis()
    ax.axvline(0, color="grey", linewidth=0.8)
    change = "rise" if scoring in ERROR_SCORERS else "drop"
    ax.set(
        xlabel=f"{change} in {scoring} when shuffled", title="Permutation importance (test split)"
    )
    return closed(fig, "permutation_importance")


def plot_actual_vs_predicted(
    y_true: Sequence, y_pred: Sequence, *, target: str = "", figsize: Size = FIGURE_SIZE
) -> Figure:
    """Predicted against actual values; points on the diagonal are perfect predictions.
    `target` names the axes (default: the name of the `y_true` series)."""
    target = target or _series_name(y_true)
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.scatter(y_true, y_pred, s=12, alpha=0.6)
    ax.plot([low, high], [low, high], color="grey", linewidth=0.8, label="perfect prediction")
    ax.legend()
    ax.set(xlabel=f"actual {target}", ylabel=f"predicted {target}", title="Actual vs predicted")
    return closed(fig, "actual_vs_predicted")


def plot_residuals(
    y_true: Sequence, y_pred: Sequence, *, target: str = "", figsize: Size = FIGURE_SIZE
) -> Figure:
    """Residuals (actual - predicted) against the prediction, and their distribution; `target`
    as in `plot_actual_vs_predicted`."""
    target = target or _series_name(y_true)
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
    return closed(fig, "residuals")


def plot_residuals_by_feature(
    X: pd.DataFrame,
    residuals: Sequence,
    columns: list[str] | None = None,
    *,
    max_columns: int = MAX_COLUMNS,
    max_categories: int = MAX_CATEGORIES_SHOWN,
    figsize: Size = FIGURE_SIZE,
) -> Figure:
    """Residuals against each feature: a trend or a shifted category is structure missed.

    `columns` defaults to every column of `X` that holds a value, numeric ones first.
    """
    if columns is None:
        present = [column for column in X.columns if X[column].notna().any()]
        columns = sorted(present, key=lambda column: not is_numeric(X[column]))
    shown = columns[:max_columns]
    if not shown:
        return message_figure("no feature columns", figsize, "residuals_by_feature")
    residuals = pd.Series(np.asarray(residuals, dtype=float), index=X.index)
    fig, axes = grid(len(shown), figsize)
    for ax, column in zip(axes, shown, strict=False):
        if is_numeric(X[column]):
            ax.scatter(X[column], residuals, s=8, alpha=0.5)
        else:
            values, top = top_values(X[column], max_categories)
            labels = sorted(top.index)
            ax.boxplot(
                [residuals[values == label] for label in labels],
                tick_labels=labels,
                orientation="vertical",
            )
            ax.tick_params(axis="x", labelrotation=45)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set(title=column, ylabel="residual")
    fig.suptitle("Residuals by feature (test split)")
    return closed(fig, "residuals_by_feature")


def plot_calibration(
    y_true: Sequence, proba: np.ndarray, *, positive, n_bins: int, figsize: Size = FIGURE_SIZE
) -> Figure:
    """Observed frequency of the positive class against the predicted probability."""
    hit = np.asarray(y_true) == positive
    observed, predicted = calibration_curve(hit, proba, n_bins=n_bins, strategy="uniform")
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, label="perfectly calibrated")
    ax.plot(predicted, observed, marker="o", label="model")
    ax.legend()
    ax.set(
        xlabel=f"predicted probability of {positive!r}",
        ylabel="observed frequency",
        title="Calibration (reliability diagram)",
    )
    return closed(fig, "calibration")


def plot_segment_metrics(
    table: pd.DataFrame, *, metrics: list[str], figsize: Size = FIGURE_SIZE
) -> Figure:
    """Bars of each metric per segment (unreliable segments hatched)."""
    fig, ax = plt.subplots(figsize=(figsize[0] * 1.3, figsize[1]))
    positions = np.arange(len(table))
    width = 0.8 / len(metrics)
    for index, metric in enumerate(metrics):
        bars = ax.bar(positions + index * width, table[metric], width, label=metric)
        for bar, reliable in zip(bars, table["reliable"], strict=True):
            if not reliable:
                bar.set_hatch("//")
    ax.set_xticks(positions + width * (len(metrics) - 1) / 2, table.index.astype(str))
    ax.set(ylim=(0, 1.05), ylabel="score", title="Metrics per segment (hatched: too few rows)")
    ax.legend(loc="lower right")
    return closed(fig, "segment_metrics")


def plot_forecast(
    times: pd.Series,
    actual: pd.Series,
    forecasts: Mapping[str, pd.Series],
    *,
    title: str,
    figsize: Size = FIGURE_SIZE,
) -> Figure:
    """The actual series and each forecast over the same period."""
    fig, ax = plt.subplots(figsize=(figsize[0] * 1.5, figsize[1]))
    ax.plot(times, actual.to_numpy(), color="black", linewidth=1.2, label="actual")
    for name, forecast in forecasts.items():
        ax.plot(times, forecast.to_numpy(), linewidth=0.9, alpha=0.8, label=name)
    ax.legend()
    ax.set(ylabel=str(actual.name), title=title)
    fig.autofmt_xdate()
    return closed(fig)


def plot_fold_scores(
    scores: pd.DataFrame, *, columns: list[str], figsize: Size = FIGURE_SIZE
) -> Figure:
    """RMSE of the model and of each baseline, fold by fold."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    scores[columns].plot.bar(ax=ax, rot=0)
    ax.set(xlabel="fold (later folds forecast later periods)", ylabel="RMSE", title="RMSE per fold")
    return closed(fig, "fold_scores")


def _series_name(values: Sequence) -> str:
    name = getattr(values, "name", None)
    return "" if name is None else str(name)


def _curves(display, y_true, y_proba, classes: Sequence, figsize: Size, *, chance_level=False):
    # One curve per class against the rest, or the positive class's only for a binary target.
    fig, ax = plt.subplots(figsize=tuple(figsize))
    for index, label in _curve_classes(classes):
        extra = {"plot_chance_level": index == len(classes) - 1} if chance_level else {}
        hits = np.asarray(y_true) == label
        display.from_predictions(hits, y_proba[:, index], name=str(label), ax=ax, **extra)
    return fig, ax


def _curve_classes(classes: Sequence) -> list[tuple[int, object]]:
    classes = list(classes)
    return [(1, classes[1])] if len(classes) == 2 else list(enumerate(classes))


def _curve_title(kind: str, classes: Sequence) -> str:
    scope = f"positive class '{classes[1]}'" if len(classes) == 2 else "one-vs-rest"
    return f"{kind} curves, {scope} (test split)"
