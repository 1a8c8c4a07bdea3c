"""Error analysis of a fitted classifier: segment metrics, fairness gaps, calibration, worst rows.

Plots return closed matplotlib figures: show as a cell's last expression, save with `save_figure`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import accuracy_score, brier_score_loss, recall_score

from nbops.kit.data import DataError
from nbops.kit.figures import closed
from nbops.kit.record import MODEL_SUFFIX, load_model

Size = tuple[float, float] | list[float]
MISSING = "<missing>"
MLFLOW_SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/")
GAP_METRICS = ("selection_rate", "accuracy", "recall")


def load_trained_model(uri: str | os.PathLike):
    """A fitted pipeline from a `.skops` file, a run folder holding `model.skops`, or MLflow."""
    text = str(uri)
    if text.startswith(MLFLOW_SCHEMES):
        import mlflow.sklearn

        return mlflow.sklearn.load_model(text)
    path = Path(uri)
    if path.is_dir():
        path = path / f"model{MODEL_SUFFIX}"
    if not path.is_file():
        raise DataError(
            f"MODEL_URI {text!r}: no model there; give a run folder with model.skops, a .skops "
            "file, or a models:/ or runs:/ MLflow URI (empty: fit the fallback model)"
        )
    return load_model(path)


def positive_label(classes: Sequence, positive: str):
    """The class whose selection rate and recall are compared: `positive`, or the last class."""
    classes = list(classes)
    if positive == "":
        return classes[-1]
    for label in classes:
        if str(label) == positive:
            return label
    raise DataError(f"POSITIVE_CLASS {positive!r} is not a class of the model: {classes}")


def segment_metrics(
    y_true: pd.Series, y_pred: Sequence, segments: pd.Series, *, positive, min_rows: int
) -> pd.DataFrame:
    """Per segment: rows, accuracy, macro and positive-class recall, selection rate; worst first.

    Segments with fewer than `min_rows` rows are marked `reliable = False`: their scores move a
    lot with one or two rows, so the gaps below leave them out.
    """
    frame = pd.DataFrame(
        {
            "true": np.asarray(y_true),
            "pred": np.asarray(y_pred),
            "segment": segments.astype("string").fillna(MISSING).to_numpy(),
        }
    )
    labels = sorted(frame["true"].unique().tolist())
    rows = []
    for segment, group in frame.groupby("segment", sort=True):
        is_positive = group["true"] == positive
        rows.append(
            {
                "segment": segment,
                "rows": len(group),
                "share": len(group) / len(frame),
                "accuracy": accuracy_score(group["true"], group["pred"]),
                "recall_macro": recall_score(
                    group["true"], group["pred"], labels=labels, average="macro", zero_division=0
                ),
                "recall": (group["pred"][is_positive] == positive).mean()
                if is_positive.any()
                else np.nan,
                "selection_rate": (group["pred"] == positive).mean(),
                "reliable": len(group) >= min_rows,
            }
        )
    table = pd.DataFrame(rows).set_index("segment")
    return table.sort_values(["accuracy", "rows"], ascending=[True, False], kind="stable")


def fairness_gaps(table: pd.DataFrame) -> dict[str, float]:
    """Best minus worst reliable segment for selection rate, accuracy and positive-class recall."""
    reliable = table[table["reliable"]]
    if len(reliable) < 2:
        raise DataError(
            f"{len(reliable)} segment(s) have enough rows to compare: lower MIN_SEGMENT_ROWS or "
            "choose a SEGMENT_COLUMN with larger groups"
        )
    gaps = {}
    for metric in GAP_METRICS:
        values = reliable[metric].dropna()
        gaps[f"{metric}_gap"] = float(values.max() - values.min()) if len(values) > 1 else 0.0
    gaps["worst_segment_accuracy"] = float(reliable["accuracy"].min())
    gaps["n_segments"] = len(table)
    return gaps


def plot_segment_metrics(table: pd.DataFrame, *, metrics: list[str], figsize: Size) -> Figure:
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
    return closed(fig)


def calibration_summary(
    y_true: Sequence, proba: np.ndarray, *, positive, n_bins: int
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Reliability bins for the positive class, with expected calibration error and Brier score."""
    hit = np.asarray(y_true) == positive
    edges = np.linspace(0, 1, n_bins + 1)
    bins = np.clip(np.digitize(proba, edges[1:-1]), 0, n_bins - 1)
    table = (
        pd.DataFrame({"bin": bins, "predicted": proba, "observed": hit})
        .groupby("bin")
        .agg(
            rows=("observed", "size"),
            predicted=("predicted", "mean"),
            observed=("observed", "mean"),
        )
    )
    ece = float((table["rows"] * (table["predicted"] - table["observed"]).abs()).sum() / len(hit))
    return table, {"ece": ece, "brier_score": float(brier_score_loss(hit, proba))}


def plot_calibration(
    y_true: Sequence, proba: np.ndarray, *, positive, n_bins: int, figsize: Size
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
    return closed(fig)


def largest_errors(
    X: pd.DataFrame, y_true: pd.Series, proba: np.ndarray, *, classes: Sequence, top: int
) -> pd.DataFrame:
    """The `top` rows where the model gave the true class the lowest probability, with features."""
    classes = list(classes)
    index = np.array([classes.index(label) for label in y_true])
    p_true = proba[np.arange(len(index)), index]
    table = X.assign(
        true=np.asarray(y_true),
        predicted=np.asarray(classes, dtype=object)[proba.argmax(axis=1)],
        p_true=p_true,
        confidence=proba.max(axis=1),
    )
    return table.sort_values("p_true", kind="stable").head(top)
