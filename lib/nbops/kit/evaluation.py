"""Judge a fitted classifier on held-out rows: metrics, per-class report, curves, importances.

Plots return closed matplotlib figures (show as a cell's last expression, save with `save_figure`).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.inspection import permutation_importance
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    PrecisionRecallDisplay,
    RocCurveDisplay,
    accuracy_score,
    classification_report,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from nbops.kit.figures import closed

Size = tuple[float, float] | list[float]


def classification_metrics(
    y_true: Sequence, y_pred: Sequence, y_proba: np.ndarray, *, classes: Sequence
) -> dict[str, float]:
    """Accuracy, macro/weighted F1, macro precision and recall, and ROC AUC.

    ROC AUC is `roc_auc` for a binary target (positive class = `classes[1]`) and `roc_auc_ovr`
    (macro average of one-vs-rest) for more classes; `y_proba` columns follow `classes`.
    """
    classes = list(classes)
    metrics = {
        "accuracy": accuracy_score(y_true, y_pred),
        "f1_macro": f1_score(y_true, y_pred, average="macro", labels=classes, zero_division=0),
        "f1_weighted": f1_score(
            y_true, y_pred, average="weighted", labels=classes, zero_division=0
        ),
        "precision_macro": precision_score(
            y_true, y_pred, average="macro", labels=classes, zero_division=0
        ),
        "recall_macro": recall_score(
            y_true, y_pred, average="macro", labels=classes, zero_division=0
        ),
    }
    if len(classes) == 2:
        metrics["roc_auc"] = roc_auc_score(np.asarray(y_true) == classes[1], y_proba[:, 1])
    else:
        metrics["roc_auc_ovr"] = roc_auc_score(y_true, y_proba, multi_class="ovr", labels=classes)
    return {name: float(value) for name, value in metrics.items()}


def classification_report_table(y_true: Sequence, y_pred: Sequence) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, then the macro and weighted averages."""
    report = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    report.pop("accuracy", None)
    table = pd.DataFrame(report).T.astype({"support": int})
    table.index.name = "class"
    return table


def plot_confusion_matrix(
    y_true: Sequence, y_pred: Sequence, *, labels: Sequence, figsize: Size
) -> Figure:
    """Counts of true (rows) against predicted (columns) classes."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=list(labels), ax=ax, colorbar=False, cmap="Blues"
    )
    ax.set_title("Confusion matrix (test split)")
    return closed(fig)


def plot_roc_curves(
    y_true: Sequence, y_proba: np.ndarray, *, classes: Sequence, figsize: Size
) -> Figure:
    """ROC curve of the positive class (binary) or of each class against the rest."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    for index, label in _curve_classes(classes):
        RocCurveDisplay.from_predictions(
            np.asarray(y_true) == label,
            y_proba[:, index],
            name=str(label),
            ax=ax,
            plot_chance_level=index == len(classes) - 1,
        )
    ax.set(
        xlabel="False positive rate",
        ylabel="True positive rate",
        title=_curve_title("ROC", classes),
    )
    return closed(fig)


def plot_precision_recall_curves(
    y_true: Sequence, y_proba: np.ndarray, *, classes: Sequence, figsize: Size
) -> Figure:
    """Precision-recall curve of the positive class (binary) or of each class against the rest."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    for index, label in _curve_classes(classes):
        PrecisionRecallDisplay.from_predictions(
            np.asarray(y_true) == label, y_proba[:, index], name=str(label), ax=ax
        )
    ax.set(xlabel="Recall", ylabel="Precision", title=_curve_title("Precision-recall", classes))
    return closed(fig)


def permutation_importances(
    model,
    X: pd.DataFrame,
    y: Sequence,
    *,
    scoring: str,
    n_repeats: int,
    random_state: int,
) -> pd.DataFrame:
    """How much the score drops when each input column is shuffled (mean and std), largest first."""
    result = permutation_importance(
        model, X, y, scoring=scoring, n_repeats=n_repeats, random_state=random_state
    )
    table = pd.DataFrame(
        {"importance_mean": result.importances_mean, "importance_std": result.importances_std},
        index=pd.Index(X.columns, name="feature"),
    )
    return table.sort_values("importance_mean", ascending=False, kind="stable")


def plot_permutation_importance(
    importances: pd.DataFrame, *, top: int, scoring: str, figsize: Size
) -> Figure:
    """Horizontal bars of the `top` largest permutation importances, with their spread."""
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
    ax.set(xlabel=f"drop in {scoring} when shuffled", title="Permutation importance (test split)")
    return closed(fig)


def _curve_classes(classes: Sequence) -> list[tuple[int, object]]:
    classes = list(classes)
    return [(1, classes[1])] if len(classes) == 2 else list(enumerate(classes))


def _curve_title(kind: str, classes: Sequence) -> str:
    scope = f"positive class '{classes[1]}'" if len(classes) == 2 else "one-vs-rest"
    return f"{kind} curves, {scope} (test split)"
