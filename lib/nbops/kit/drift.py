"""Run Evidently on the two tables of a drift check, read its results, and judge drift.

The tables and their compared columns come from `nbops.kit.drift_data`; the distribution plot of
the most drifted columns is `nbops.kit.data_plots.plot_drift_distributions`. Evidently is slow to
import and chatty under pandas 3, so it is imported only by the functions that run it, and its
warnings and log lines are kept out of the notebook: a run's outputs are then the same every
time, as `nbops reproduce` requires.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nbops.kit.data import CATEGORICAL, NUMERIC
from nbops.kit.drift_data import DriftColumns, given, missing_share
from nbops.kit.errors import DataError, DriftDetectedError
from nbops.kit.record import record_verdict, run_dir
from nbops.project import tracking_enabled

REPORT_NAME = "drift_report"
_VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
_QUALITY_KEYS = ("classification_name=", "regression_name=")


@dataclass(frozen=True)
class DriftVerdict:
    """Whether the share of drifted columns reached the threshold, and which columns drifted."""

    detected: bool
    share: float
    threshold: float
    drifted: list[str]
    n_columns: int

    def __str__(self) -> str:
        head = "drift detected" if self.detected else "no dataset drift"
        relation = ">=" if self.detected else "<"
        names = ", ".join(self.drifted) or "none"
        return (
            f"{head}: {len(self.drifted)} of {self.n_columns} columns drifted (share "
            f"{self.share:.2f} {relation} DRIFT_SHARE_THRESHOLD {self.threshold:g}); "
            f"drifted columns: {names}"
        )


def run_drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: DriftColumns,
    *,
    drift_share: float,
    method: str | None = None,
    threshold: float | None = None,
    positive_label: str | None = None,
) -> Any:
    """Run Evidently's drift and summary presets (and model quality when it applies)."""
    with quiet():
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import (
            ClassificationPreset,
            DataDriftPreset,
            DataSummaryPreset,
            RegressionPreset,
        )

        definition = DataDefinition(
            numerical_columns=columns.of_kind(NUMERIC),
            categorical_columns=columns.of_kind(CATEGORICAL),
            timestamp=columns.time,
            **_task_definition(reference, current, columns, positive_label),
        )
        presets = [
            DataDriftPreset(
                columns=columns.compared,
                drift_share=drift_share,
                method=given(method),
                threshold=threshold,
            ),
            DataSummaryPreset(columns=columns.compared),
        ]
        if columns.task:
            preset = ClassificationPreset if columns.task == "classification" else RegressionPreset
            presets.append(preset())
        kept = [*columns.compared, *([columns.time] if columns.time else [])]
        ref, cur = (
            Dataset.from_pandas(frame[kept], data_definition=definition)
            for frame in (reference, current)
        )
        return Report(presets, include_tests=True).run(current_data=cur, reference_data=ref)


def _task_definition(reference, current, columns: DriftColumns, positive_label) -> dict:
    from evidently import BinaryClassification, MulticlassClassification, Regression

    target, prediction = columns.target, columns.prediction
    if columns.task == "regression":
        return {"regression": [Regression(target=target, prediction=prediction)]}
    if columns.task != "classification":
        return {}
    values = pd.concat([frame[c] for frame in (reference, current) for c in (target, prediction)])
    labels = sorted(values.dropna().unique().tolist(), key=str)
    if len(labels) > 2:
        task = MulticlassClassification(target=target, prediction_labels=prediction)
    else:
        positive = _positive_label(labels, given(positive_label))
        task = BinaryClassification(target=target, prediction_labels=prediction, pos_label=positive)
    return {"classification": [task]}


def _positive_label(labels: list, wanted: str | None) -> Any:
    """POSITIVE_LABEL matched by its text; by default 1 (or True) if present, else the last."""
    if wanted is not None:
        for label in labels:
            if str(label) == wanted:
                return label
        raise DataError(f"POSITIVE_LABEL {wanted!r} is not a label: the labels are {labels}")
    for label in labels:
        if label is True or (not isinstance(label, str) and label == 1):
            return label
    return labels[-1]


def save_report(snapshot: Any, name: str = REPORT_NAME) -> Path:
    """Save the Evidently report as <name>.html in the run folder (and in an open MLflow run)."""
    path = run_dir() / f"{name}.html"
    with quiet():
        snapshot.save_html(str(path))
    mlflow = sys.modules.get("mlflow")  # already imported by the notebook, or not worth importing
    if mlflow is not None and tracking_enabled() and mlflow.active_run() is not None:
        mlflow.log_artifact(str(path))
    return path


def drift_table(snapshot: Any, columns: DriftColumns) -> pd.DataFrame:
    """One row per compared column: test, threshold, score and verdict, most drifted first."""
    result = snapshot.dict()
    status = {
        test["bound_test"]["metric_fingerprint"]: str(
            getattr(test["status"], "value", test["status"])
        )
        for test in result["tests"]
        if test.get("bound_test", {}).get("type", "").endswith("ValueDriftBoundTest")
    }
    rows = []
    for metric in result["metrics"]:
        config = metric.get("config", {})
        if config.get("type") != _VALUE_DRIFT:
            continue
        column = config["column"]
        if metric["id"] not in status:
            raise RuntimeError(f"Evidently reported no drift test for column {column!r}")
        rows.append(
            {
                "column": column,
                "role": columns.role(column),
                "kind": columns.kinds[column],
                "method": config.get("method"),
                "threshold": float(config.get("threshold")),
                "score": float(metric["value"]),
                "drifted": status[metric["id"]] == "FAIL",
            }
        )
    table = pd.DataFrame(rows).set_index("column")
    order = sorted(table.index, key=lambda column: _rank(table.loc[column]) + (str(column),))
    return table.loc[order]


def _rank(row: pd.Series) -> tuple[bool, float]:
    """Drifted first, then by how far past its threshold the score is, whatever the test."""
    score, threshold, drifted = row["score"], row["threshold"], bool(row["drifted"])
    if not math.isfinite(score):
        return (not drifted, 0.0)
    p_value = (score < threshold) == drifted  # a p-value drifts below, a distance above
    low, high = (score, threshold) if p_value else (threshold, score)
    return (not drifted, -math.inf if low <= 0 else -high / low)


def drift_metrics(
    table: pd.DataFrame, reference: pd.DataFrame, current: pd.DataFrame, columns: DriftColumns
) -> dict[str, float | int]:
    """The metrics a drift run records: shares, counts and one drift score per column."""
    drifted = int(table["drifted"].sum())
    metrics: dict[str, float | int] = {
        "drift_share": drifted / len(table),
        "drifted_columns": drifted,
        "n_columns": len(table),
    }
    for column, score in table["score"].items():
        if math.isfinite(score):
            metrics[f"drift_score__{column}"] = float(score)
    metrics["missing_share_reference"] = missing_share(reference, columns.compared)
    metrics["missing_share_current"] = missing_share(current, columns.compared)
    return metrics


def quality_table(snapshot: Any) -> pd.DataFrame:
    """Model quality on the reference and the current data (empty without target and prediction)."""
    from evidently.core.report import ReferenceMetricNotFound  # a BaseException, not an Exception

    rows = {}
    for metric in snapshot.dict()["metrics"]:
        name = metric.get("metric_name", "")
        current = _single(metric.get("value"))
        if current is None or not any(key in name for key in _QUALITY_KEYS):
            continue
        try:
            result = snapshot.context.get_reference_metric_result(metric["id"])
            reference = _single(result.to_dict()["value"])
        except ReferenceMetricNotFound:
            reference = None
        rows[name.split("(")[0]] = {"reference": reference, "current": current}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["reference", "current"])
    table = table.astype(float)
    table.index.name = "metric"
    return table.assign(change=table["current"] - table["reference"])


def _single(value: Any) -> float | None:
    if isinstance(value, dict):
        value = value.get("mean")
    return float(value) if isinstance(value, int | float | np.number) else None


def drift_verdict(table: pd.DataFrame, threshold: float) -> DriftVerdict:
    """Drift is detected when the share of drifted columns reaches `threshold` (the verdict is
    noted in the run's verdicts.json)."""
    drifted = [str(column) for column in table.index[table["drifted"].to_numpy(dtype=bool)]]
    share = len(drifted) / len(table)
    verdict = DriftVerdict(share >= threshold, share, threshold, drifted, len(table))
    record_verdict(
        "drift",
        {
            "detected": verdict.detected,
            "drifted": len(drifted),
            "total": verdict.n_columns,
            "share": share,
            "threshold": threshold,
            "columns": drifted,
        },
    )
    return verdict


def fail_on_drift(verdict: DriftVerdict, fail: bool) -> None:
    """Raise DriftDetectedError naming the drifted columns when `fail` and drift was detected."""
    if fail and verdict.detected:
        raise DriftDetectedError(str(verdict))


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence Evidently's warnings and log lines (pandas deprecations, numeric edge cases)."""
    logger = logging.getLogger("evidently")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"evidently(\.|$)")
            for category in (FutureWarning, DeprecationWarning, RuntimeWarning, UserWarning):
                warnings.simplefilter("ignore", category)
            yield
    finally:
        logger.setLevel(level)
