"""Compare a current table with a reference one: check they compare, run Evidently, judge drift.

Evidently is slow to import and chatty under pandas 3, so it is imported only by the functions
that run it, and its warnings and log lines are kept out of the notebook: a run's outputs are
then the same every time, as `nbops reproduce` requires.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import math
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nbops.kit.data import DataError, load_table
from nbops.kit.record import run_dir

NUMERIC, CATEGORICAL, DATETIME = "numeric", "categorical", "datetime"
TASKS = ("auto", "classification", "regression")
REPORT_NAME = "drift_report"
MISSING_LABEL = "<missing>"
_VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
_QUALITY_KEYS = ("classification_name=", "regression_name=")
_LIST_PARAMETERS = ("NUMERIC_COLUMNS", "CATEGORICAL_COLUMNS", "DROP_COLUMNS")
_TRACKING_OFF = {"off", "0", "false", "no"}


class DriftDetectedError(RuntimeError):
    """The share of drifted columns reached the threshold and the run was asked to fail on it."""


@dataclass(frozen=True)
class DriftColumns:
    """The compared columns with their kind, and the roles the optional columns play."""

    kinds: dict[str, str]
    target: str | None = None
    prediction: str | None = None
    time: str | None = None
    task: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def compared(self) -> list[str]:
        """Every compared column: the features, then the target and the prediction."""
        return list(self.kinds)

    def of_kind(self, kind: str) -> list[str]:
        """The compared columns of one kind (numeric or categorical)."""
        return [column for column, found in self.kinds.items() if found == kind]

    def role(self, column: str) -> str:
        """'target', 'prediction' or 'feature'."""
        return {self.target: "target", self.prediction: "prediction"}.get(column, "feature")

    def table(self, reference: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
        """One row per compared column: role, kind and dtype in each table."""
        return pd.DataFrame(
            {
                "role": [self.role(column) for column in self.compared],
                "kind": list(self.kinds.values()),
                "dtype_reference": [str(reference[column].dtype) for column in self.compared],
                "dtype_current": [str(current[column].dtype) for column in self.compared],
            },
            index=pd.Index(self.compared, name="column"),
        )


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


def given(name: str | None) -> str | None:
    """An optional column name: None and an empty string both mean 'not given'."""
    return (name.strip() or None) if isinstance(name, str) else name


def load_drift_tables(
    reference_path: str | Path, current_path: str | Path, *, time_column: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read both tables (noting each in the run record), refuse empty ones, parse the dates."""
    frames = []
    for what, parameter, path in (
        ("reference", "REFERENCE_PATH", Path(reference_path)),
        ("current", "CURRENT_PATH", Path(current_path)),
    ):
        if not path.is_file():
            raise DataError(
                f"{parameter} {path.as_posix()!r} is not a file: point it at the {what} table "
                "(CSV or parquet, relative to the project root)"
            )
        frame = load_table(path)
        check_not_empty(frame, what, parameter)
        frames.append(parse_time_column(frame, time_column, what))
    return frames[0], frames[1]


def check_not_empty(frame: pd.DataFrame, what: str, parameter: str) -> None:
    """Raise DataError when `frame` has no rows or no columns."""
    rows, columns = frame.shape
    if rows == 0 or columns == 0:
        raise DataError(
            f"the {what} data has {rows} rows and {columns} columns: "
            f"point {parameter} at a non-empty table"
        )


def parse_time_column(frame: pd.DataFrame, column: str | None, what: str) -> pd.DataFrame:
    """`frame` with `column` parsed as dates (unchanged when no time column is given)."""
    column = given(column)
    if column is None or column not in frame.columns:
        return frame
    if pd.api.types.is_datetime64_any_dtype(frame[column]):
        return frame
    try:
        parsed = pd.to_datetime(frame[column])
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"TIME_COLUMN {column!r} of the {what} data cannot be read as dates ({exc}); "
            "fix the column or set TIME_COLUMN to an empty string"
        ) from None
    return frame.assign(**{column: parsed})


def drift_columns(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    exclude: Sequence[str] = (),
    target: str | None = None,
    prediction: str | None = None,
    time_column: str | None = None,
    task: str = "auto",
) -> DriftColumns:
    """Decide which columns are compared and how; raise DataError on anything that prevents it."""
    check_not_empty(reference, "reference", "REFERENCE_PATH")
    check_not_empty(current, "current", "CURRENT_PATH")
    if task not in TASKS:
        raise DataError(f"TASK must be one of {', '.join(map(repr, TASKS))}, got {task!r}")
    target, prediction, time_column = given(target), given(prediction), given(time_column)
    lists = dict(zip(_LIST_PARAMETERS, (numeric, categorical, exclude), strict=True))
    _check_names(reference, current, lists)
    singles = {"TARGET": target, "PREDICTION_COLUMN": prediction, "TIME_COLUMN": time_column}
    _check_names(reference, current, {name: [value] for name, value in singles.items() if value})
    if time_column:
        _require_in_both(reference, current, [time_column])
    notes: list[str] = []
    target = _role_in_both(reference, current, target, "TARGET", notes)
    prediction = _role_in_both(reference, current, prediction, "PREDICTION_COLUMN", notes)
    roles = [column for column in (target, prediction) if column]
    if numeric or categorical:
        features = [column for column in [*numeric, *categorical] if column not in roles]
    else:
        skipped = {time_column, *roles, *exclude}
        union = [*reference.columns, *(c for c in current.columns if c not in reference.columns)]
        features = [column for column in union if column not in skipped]
    _require_in_both(reference, current, features)
    declared = {**dict.fromkeys(numeric, NUMERIC), **dict.fromkeys(categorical, CATEGORICAL)}
    kinds = {}
    for column in features:
        kind = _compared_kind(reference, current, column, declared.get(column))
        if kind == DATETIME:
            notes.append(f"column {column!r} holds dates: not compared (set TIME_COLUMN to use it)")
        else:
            kinds[column] = kind
    task = _task(reference, current, target, prediction, task, notes)
    for column in roles:
        kinds[column] = _role_kind(reference, current, column, task)
    if not kinds:
        raise DataError(
            "no column left to compare: check NUMERIC_COLUMNS, CATEGORICAL_COLUMNS and DROP_COLUMNS"
        )
    return DriftColumns(kinds, target, prediction, time_column, task, notes)


def _check_names(reference: pd.DataFrame, current: pd.DataFrame, lists: dict) -> None:
    """Every listed name is a column of at least one table; a list is a list of names."""
    known = [*reference.columns, *(c for c in current.columns if c not in reference.columns)]
    for parameter, names in lists.items():
        if isinstance(names, str) or not all(isinstance(name, str) for name in names):
            raise DataError(f"{parameter} must be a list of column names, got {names!r}")
        unknown = [name for name in names if name not in known]
        if unknown:
            raise DataError(
                f"{parameter} names {unknown[0]!r}, a column of neither table"
                + _closest(unknown[0], known)
            )
    overlap = sorted(
        set(lists.get("NUMERIC_COLUMNS", ())) & set(lists.get("CATEGORICAL_COLUMNS", ()))
    )
    if overlap:
        raise DataError(f"{', '.join(overlap)} listed as both numeric and categorical: keep one")


def _require_in_both(reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]) -> None:
    """Raise DataError listing the compared columns either table lacks."""
    gaps = []
    for what, frame in (("current", current), ("reference", reference)):
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            gaps.append(f"missing from the {what} data: {', '.join(map(str, missing))}")
    if gaps:
        raise DataError(
            f"the tables do not share the compared columns ({'; '.join(gaps)}): fix the data, "
            "leave those columns out with DROP_COLUMNS, or list the columns to compare"
        )


def _role_in_both(
    reference, current, column: str | None, parameter: str, notes: list
) -> str | None:
    """The target/prediction column if both tables have it; otherwise a note and None."""
    if column is None:
        return None
    for what, frame in (("current", current), ("reference", reference)):
        if column not in frame.columns:
            notes.append(f"{parameter} {column!r} is missing from the {what} data: not compared")
            return None
    return column


def _dtype_kind(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return CATEGORICAL
    if pd.api.types.is_numeric_dtype(values):
        return NUMERIC
    if pd.api.types.is_datetime64_any_dtype(values):
        return DATETIME
    return CATEGORICAL


def _compared_kind(reference, current, column: str, declared: str | None) -> str:
    """The kind a column is compared as; DataError if it is empty or its types disagree."""
    found = {}
    for what, frame in (("reference", reference), ("current", current)):
        if frame[column].isna().all():
            raise DataError(
                f"column {column!r} has no values in the {what} data: nothing to compare; "
                "leave it out with DROP_COLUMNS"
            )
        found[what] = (_dtype_kind(frame[column]), str(frame[column].dtype))
        if declared == NUMERIC and found[what][0] != NUMERIC:
            raise DataError(
                f"NUMERIC_COLUMNS lists {column!r} but it is {found[what][1]} in the {what} "
                "data: list it in CATEGORICAL_COLUMNS or fix the data"
            )
    (ref_kind, ref_dtype), (cur_kind, cur_dtype) = found["reference"], found["current"]
    if ref_kind != cur_kind:
        raise DataError(
            f"column {column!r} has mismatched dtypes: {ref_dtype} ({ref_kind}) in the reference "
            f"data, {cur_dtype} ({cur_kind}) in the current data: make them agree or leave it "
            "out with DROP_COLUMNS"
        )
    return declared or ref_kind


def _task(reference, current, target, prediction, task: str, notes: list) -> str | None:
    """classification, regression, or None when the tables lack a target or a prediction."""
    if not (target and prediction):
        if target or prediction:
            notes.append("model quality not evaluated: it needs TARGET and PREDICTION_COLUMN")
        return None
    kinds = {_dtype_kind(frame[c]) for frame in (reference, current) for c in (target, prediction)}
    if task == "auto":
        task = "regression" if kinds == {NUMERIC} else "classification"
    if task == "regression" and kinds != {NUMERIC}:
        raise DataError(
            f"TASK 'regression' needs numeric {target!r} and {prediction!r} in both tables: "
            "set TASK to 'classification' for labels"
        )
    if len(kinds) > 1:
        raise DataError(
            f"TARGET {target!r} and PREDICTION_COLUMN {prediction!r} hold different kinds of "
            f"values ({', '.join(sorted(kinds))}): labels must compare equal"
        )
    return task


def _role_kind(reference, current, column: str, task: str | None) -> str:
    kind = _compared_kind(reference, current, column, None)
    if kind == DATETIME:
        raise DataError(f"{column!r} holds dates: a target or prediction must hold values")
    return CATEGORICAL if task == "classification" else kind


def sample_rows(frame: pd.DataFrame, max_rows: int, *, random_state: int) -> pd.DataFrame:
    """A seeded sample of at most `max_rows` rows in their original order (0: every row)."""
    if not max_rows or len(frame) <= max_rows:
        return frame
    return frame.sample(n=max_rows, random_state=random_state).sort_index()


def time_span(
    reference: pd.DataFrame, current: pd.DataFrame, time_column: str | None
) -> pd.DataFrame:
    """Rows of each table and, with a time column, the first and last time it covers."""
    spans = {}
    for what, frame in (("reference", reference), ("current", current)):
        span = {"rows": len(frame)}
        if given(time_column):
            span |= {"first": frame[time_column].min(), "last": frame[time_column].max()}
        spans[what] = span
    return pd.DataFrame.from_dict(spans, orient="index").rename_axis("table")


def numeric_summary(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]
) -> pd.DataFrame:
    """Mean, standard deviation and median of each numeric column in both tables."""
    stats = {}
    for what, frame in (("reference", reference), ("current", current)):
        values = frame[columns].astype(float)
        stats |= {
            f"mean_{what}": values.mean(),
            f"std_{what}": values.std(),
            f"median_{what}": values.median(),
        }
    table = pd.DataFrame(stats, index=pd.Index(columns, name="column"))
    return table[
        [
            f"{stat}_{what}"
            for stat in ("mean", "std", "median")
            for what in ("reference", "current")
        ]
    ]


def category_summary(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]
) -> pd.DataFrame:
    """Per categorical column: distinct values, the most frequent, and values new in current."""
    rows = {}
    for column in columns:
        ref, cur = (frame[column].dropna().astype(str) for frame in (reference, current))
        new = sorted(set(cur) - set(ref))
        rows[column] = {
            "distinct_reference": ref.nunique(),
            "distinct_current": cur.nunique(),
            "top_reference": _most_frequent(ref),
            "top_current": _most_frequent(cur),
            "new_in_current": ", ".join(new) if new else "",
            "new_share_current": float(cur.isin(new).mean()) if len(cur) else 0.0,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "column"
    return table


def _most_frequent(values: pd.Series) -> str:
    counts = values.value_counts().sort_index(kind="stable")
    return str(counts.idxmax()) if len(counts) else ""


def missing_share(frame: pd.DataFrame, columns: list[str]) -> float:
    """The share of missing cells among `columns`."""
    return float(frame[columns].isna().to_numpy().mean()) if columns and len(frame) else 0.0


def missing_table(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]
) -> pd.DataFrame:
    """Missing values per compared column, as a share of rows in each table."""
    table = pd.DataFrame(
        {"reference": reference[columns].isna().mean(), "current": current[columns].isna().mean()}
    )
    table.index.name = "column"
    return table.assign(change=table["current"] - table["reference"])


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
    tracking = os.environ.get("NBOPS_TRACKING", "on").strip().lower() not in _TRACKING_OFF
    if mlflow is not None and tracking and mlflow.active_run() is not None:
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
    """Drift is detected when the share of drifted columns reaches `threshold`."""
    drifted = [str(column) for column in table.index[table["drifted"].to_numpy(dtype=bool)]]
    share = len(drifted) / len(table)
    return DriftVerdict(share >= threshold, share, threshold, drifted, len(table))


def fail_on_drift(verdict: DriftVerdict, fail: bool) -> None:
    """Raise DriftDetectedError naming the drifted columns when `fail` and drift was detected."""
    if fail and verdict.detected:
        raise DriftDetectedError(str(verdict))


def plot_drift_distributions(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    table: pd.DataFrame,
    *,
    top: int,
    bins: int,
    max_categories: int,
    figsize: tuple[float, float] | list[float],
) -> Figure:
    """Reference against current distribution of the `top` most drifted columns."""
    shown = list(table.index[:top])
    ncols = min(len(shown), 3)
    nrows = math.ceil(len(shown) / ncols)
    width, height = figsize
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols / 2, height * nrows / 2 + 0.5))
    axes = list(np.atleast_1d(axes).flat)
    for ax in axes[len(shown) :]:
        ax.set_visible(False)
    for ax, column in zip(axes, shown, strict=False):
        if table.loc[column, "kind"] == NUMERIC:
            _histograms(ax, reference[column], current[column], bins)
        else:
            _category_shares(ax, reference[column], current[column], max_categories)
        row = table.loc[column]
        verdict = "drift" if row["drifted"] else "no drift"
        ax.set_title(
            f"{column}: {verdict}\n{row['method']} = {row['score']:.3g}", fontsize="medium"
        )
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    fig.set_layout_engine("constrained")
    fig.legend(handles, labels, loc="outside right upper")
    fig.suptitle(f"Reference vs current, most drifted first ({len(shown)} of {len(table)} columns)")
    plt.close(fig)
    return fig


def _histograms(ax, reference: pd.Series, current: pd.Series, bins: int) -> None:
    values = [pd.to_numeric(s, errors="coerce").astype(float) for s in (reference, current)]
    values = [v[np.isfinite(v)] for v in values]
    edges = np.histogram_bin_edges(pd.concat(values), bins=bins)
    for label, data in zip(("reference", "current"), values, strict=True):
        ax.hist(data, bins=edges, density=True, histtype="stepfilled", alpha=0.5, label=label)
    ax.set_ylabel("density")


def _category_shares(ax, reference: pd.Series, current: pd.Series, max_categories: int) -> None:
    shares = pd.DataFrame(
        {
            name: values.astype("string").fillna(MISSING_LABEL).value_counts(normalize=True)
            for name, values in (("reference", reference), ("current", current))
        }
    ).fillna(0.0)
    shares = shares.sort_index()
    top = (shares["reference"] + shares["current"]).sort_values(ascending=False, kind="stable")
    shares.loc[top.index[:max_categories]].plot.barh(ax=ax, width=0.8)
    ax.invert_yaxis()
    ax.set(xlabel="share of rows", ylabel="")


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


def _closest(name: str, choices: list) -> str:
    match = difflib.get_close_matches(name, [str(choice) for choice in choices], n=1)
    return (
        f" (did you mean {match[0]!r}?)" if match else f" (columns: {', '.join(map(str, choices))})"
    )
