"""The two tables of a drift check: load them, decide which columns compare and how, compare them.

Everything here runs before Evidently: reading the reference and current tables, refusing what
cannot be compared (with a message that says what to fix), and the side-by-side `compare_*`
tables that show how the tables differ. `nbops.kit.drift` runs the report on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nbops.kit.data import CATEGORICAL, NUMERIC, column_kind, load_table
from nbops.kit.errors import DataError, did_you_mean
from nbops.kit.record import given_parameters

DATETIME = "datetime"
TASKS = ("auto", "classification", "regression")
_LIST_PARAMETERS = ("NUMERIC_COLUMNS", "CATEGORICAL_COLUMNS", "DROP_COLUMNS")


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
        frame = load_table(path, parameter)
        check_not_empty(frame, what, parameter)
        frames.append(frame)
    time_column = implicit_time_column(frames, time_column)
    return tuple(
        parse_time_column(frame, time_column, what)
        for frame, what in zip(frames, ("reference", "current"), strict=True)
    )


def implicit_time_column(frames: Sequence[pd.DataFrame], time_column: str | None) -> str | None:
    """`time_column`, or None when it is the notebook's default and a table lacks it.

    A TIME_COLUMN the user set (`nbops run -p TIME_COLUMN ...`, named in NBOPS_GIVEN_PARAMS)
    must exist; the default (e.g. "date") only applies when both tables have it.
    """
    column = given(time_column)
    if column is None or "TIME_COLUMN" in given_parameters():
        return column
    return column if all(column in frame.columns for frame in frames) else None


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
    target, prediction = given(target), given(prediction)
    time_column = implicit_time_column((reference, current), time_column)
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
                + did_you_mean(unknown[0], known)
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
    if pd.api.types.is_datetime64_any_dtype(values):
        return DATETIME
    return column_kind(values)


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


def time_span(
    reference: pd.DataFrame, current: pd.DataFrame, time_column: str | None
) -> pd.DataFrame:
    """Rows of each table and, with a time column, the first and last time it covers."""
    spans = {}
    for what, frame in (("reference", reference), ("current", current)):
        span = {"rows": len(frame)}
        if implicit_time_column((reference, current), time_column):
            span |= {"first": frame[time_column].min(), "last": frame[time_column].max()}
        spans[what] = span
    return pd.DataFrame.from_dict(spans, orient="index").rename_axis("table")


def compare_numeric(
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


def compare_categories(
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


def compare_missing(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]
) -> pd.DataFrame:
    """Missing values per compared column, as a share of rows in each table."""
    table = pd.DataFrame(
        {"reference": reference[columns].isna().mean(), "current": current[columns].isna().mean()}
    )
    table.index.name = "column"
    return table.assign(change=table["current"] - table["reference"])
