"""Score predictions: classification and regression metrics, per-class and per-segment tables,
fairness gaps, calibration, permutation importance and the rows with the largest errors.

Metric names are the ones the templates record (see DESIGN's list); every function returns plain
numbers or a table, ready for `record_metrics` or display. The headline scores come with their 95%
bootstrap interval, `M_ci_low` and `M_ci_high` (see `nbops.kit.bootstrap`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    classification_report,
    f1_score,
    mean_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)

from nbops.kit.bootstrap import (
    N_RESAMPLES,
    RANDOM_STATE,
    classification_intervals,
    regression_intervals,
)
from nbops.kit.data import MISSING
from nbops.kit.errors import DataError

GAP_METRICS = ("selection_rate", "accuracy", "recall")
PERMUTATION_REPEATS = 5  # shuffles per column for permutation importance
PERMUTATION_MAX_ROWS = 5000  # rows permutation importance scores at most (seeded sample beyond)
# Recorded error metrics and the scikit-learn scorer that measures them (negated: higher is better).
ERROR_SCORERS = {"rmse": "neg_root_mean_squared_error", "mae": "neg_mean_absolute_error"}


def classification_metrics(
    y_true: Sequence,
    y_pred: Sequence,
    y_proba: np.ndarray,
    *,
    classes: Sequence,
    n_resamples: int = N_RESAMPLES,
    random_state: int = RANDOM_STATE,
) -> dict[str, float]:
    """Accuracy, macro/weighted F1, macro precision and recall, and ROC AUC, each with its 95%
    interval (`M_ci_low`, `M_ci_high`: a seeded bootstrap of `n_resamples` class-stratified
    resamples of the rows; `n_resamples=0` leaves the intervals out).

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
    point = {name: float(value) for name, value in metrics.items()}
    if n_resamples <= 0:
        return point
    intervals = classification_intervals(
        y_true,
        y_pred,
        y_proba,
        classes,
        point,
        n_resamples=n_resamples,
        random_state=random_state,
    )
    return point | intervals


def classification_report_table(y_true: Sequence, y_pred: Sequence) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, then the macro and weighted averages."""
    report = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    report.pop("accuracy", None)
    table = pd.DataFrame(report).T.astype({"support": int})
    table.index.name = "class"
    return table


def regression_metrics(
    y_true: Sequence,
    y_pred: Sequence,
    *,
    n_resamples: int = N_RESAMPLES,
    random_state: int = RANDOM_STATE,
) -> dict[str, float]:
    """RMSE, MAE and R² of predictions, each with its 95% interval (`M_ci_low`, `M_ci_high`:
    a seeded bootstrap of `n_resamples` resamples of the rows; `n_resamples=0` leaves them out)."""
    point = {
        "rmse": float(root_mean_squared_error(y_true, y_pred)),
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "r2": float(r2_score(y_true, y_pred)),
    }
    if n_resamples <= 0:
        return point
    intervals = regression_intervals(
        y_true, y_pred, point, n_resamples=n_resamples, random_state=random_state
    )
    return point | intervals


def rmse_where_known(y_true: pd.Series, forecast: pd.Series, name: str) -> float:
    """RMSE of a baseline forecast over the rows where it exists (an error if none do)."""
    known = forecast.notna()
    if not known.any():
        raise DataError(
            f"the {name} baseline has no value in this period: the history is too short"
        )
    return float(root_mean_squared_error(y_true[known], forecast[known]))


def permutation_importances(
    model,
    X: pd.DataFrame,
    y: Sequence,
    *,
    scoring: str,
    random_state: int,
    n_repeats: int = PERMUTATION_REPEATS,
    max_rows: int = PERMUTATION_MAX_ROWS,
) -> pd.DataFrame:
    """How much the score drops when each input column is shuffled (mean and std), largest first.

    `scoring` is a scikit-learn scorer name or a recorded error metric (`rmse`, `mae`: then the
    importance is how much the error rises). With `max_rows`, a seeded sample of at most that
    many rows is scored (0: every row): the cost is columns x repeats predictions, so on a large
    test split the sample keeps it bounded while the ranking of the columns stays the same.
    """
    scoring = ERROR_SCORERS.get(scoring, scoring)
    if max_rows and len(X) > max_rows:
        rows = np.sort(np.random.default_rng(random_state).choice(len(X), max_rows, replace=False))
        X, y = X.iloc[rows], np.asarray(y)[rows]
    result = permutation_importance(
        model, X, y, scoring=scoring, n_repeats=n_repeats, random_state=random_state
    )
    table = pd.DataFrame(
        {"importance_mean": result.importances_mean, "importance_std": result.importances_std},
        index=pd.Index(X.columns, name="feature"),
    )
    return table.sort_values("importance_mean", ascending=False, kind="stable")


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


def largest_errors(
    X: pd.DataFrame, y_true: pd.Series, proba: np.ndarray, *, classes: Sequence, top: int = 10
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
