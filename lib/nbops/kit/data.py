"""Load a table, check its columns and target, sample it, and split it without leaking rows.

The split family: `split_stratified` for a class target, `split_by_time` for time-ordered rows
(for a numeric target, call scikit-learn's `train_test_split` directly). Every check raises
`DataError` with a message that names the parameter to change.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from sklearn.model_selection import train_test_split

from nbops.kit.errors import DataError, did_you_mean
from nbops.kit.record import project_root, record_dataset

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
NUMERIC, CATEGORICAL = "numeric", "categorical"
MISSING = "<missing>"  # how a missing value is shown among categories
PLOT_MAX_ROWS = 5000  # rows a plot draws at most (a seeded sample beyond that)


class FeatureTypes(NamedTuple):
    """The feature columns by kind, each list in column order."""

    numeric: list[str]
    categorical: list[str]
    empty: list[str]


class UnreadableTableError(DataError):
    """The file at a data parameter exists but is not a readable table (ragged, binary...)."""


def load_table(path: str | os.PathLike, parameter: str = "DATA_PATH") -> pd.DataFrame:
    """Read a CSV or parquet file and note it (path, sha256, rows) in the run record.

    A relative path is read from the working directory or, failing that, from the project root,
    so the same DATA_PATH works under `nbops run` and in a notebook opened from a subfolder.
    A file that is not a readable table raises UnreadableTableError naming `parameter` and the
    file.
    """
    path = Path(path)
    if not path.is_absolute() and not path.exists() and (project_root() / path).exists():
        path = project_root() / path
    if not path.is_file():
        raise DataError(
            f"data file {path.as_posix()!r} not found: set {parameter} to an existing file"
        )
    suffix = path.suffix.lower()
    if suffix not in PARQUET_SUFFIXES + CSV_SUFFIXES:
        known = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES)
        raise DataError(f"cannot read {path.name!r}: expected one of {known}")
    try:
        if suffix in PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableTableError(
            f"{parameter} {path.as_posix()!r} is not a readable {suffix.lstrip('.')} table "
            f"({type(exc).__name__}: {reason[:200]}): fix the file or point {parameter} elsewhere"
        ) from None
    if frame.empty and not len(frame):
        raise DataError(
            f"{parameter} {path.as_posix()!r} has no rows (a header at most): "
            f"point {parameter} at a table with data"
        )
    record_dataset(path, len(frame))
    return frame


def is_numeric(column: pd.Series) -> bool:
    """True for numeric, non-boolean columns (booleans are treated as categories)."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def column_kind(column: pd.Series) -> str:
    """'numeric' or 'categorical': how the preprocessing will treat the column."""
    return NUMERIC if is_numeric(column) else CATEGORICAL


def require_column(frame: pd.DataFrame, name: str, what: str) -> None:
    """Raise DataError naming `what` (e.g. 'TIME_COLUMN') when `name` is not a column."""
    if name not in frame.columns:
        raise DataError(f"{what} {name!r} not found{did_you_mean(name, frame.columns)}")


def validate_target(frame: pd.DataFrame, target: str) -> pd.Series:
    """Check the target column exists with at least two classes; return the rows per class."""
    require_column(frame, target, "target column")
    counts = frame[target].value_counts(dropna=True).sort_index()
    if counts.empty:
        why = "the table has no rows" if frame.empty else "every row is missing"
        raise DataError(f"target column {target!r} has no values: {why}")
    if len(counts) < 2:
        raise DataError(
            f"target column {target!r} has one class ({counts.index[0]!r}): "
            "a classifier needs at least two"
        )
    return counts.rename("rows")


def validate_numeric_target(frame: pd.DataFrame, target: str) -> pd.Series:
    """Check the target exists, is numeric and varies; return its summary statistics."""
    require_column(frame, target, "target column")
    values = frame[target]
    if not is_numeric(values):
        raise DataError(
            f"target column {target!r} has dtype {values.dtype}: regression needs numbers "
            "(use the classification template for categories)"
        )
    if values.nunique(dropna=True) < 2:
        raise DataError(f"target column {target!r} has fewer than two distinct values")
    return values.describe().rename(target)


def drop_columns(frame: pd.DataFrame, columns: list[str], *, target: str) -> pd.DataFrame:
    """Drop the named columns (ids, leaks); an unknown name or the target is an error."""
    if isinstance(columns, str) or not all(isinstance(column, str) for column in columns):
        raise DataError(f"DROP_COLUMNS must be a list of column names, got {columns!r}")
    if target in columns:
        raise DataError(f"DROP_COLUMNS contains the target {target!r}: remove it from the list")
    unknown = [column for column in columns if column not in frame.columns]
    if unknown:
        raise DataError(
            f"DROP_COLUMNS names unknown column {unknown[0]!r}"
            + did_you_mean(unknown[0], frame.columns)
        )
    return frame.drop(columns=columns)


def feature_types(frame: pd.DataFrame, *exclude: str) -> FeatureTypes:
    """Sort the columns, except `exclude` (blank names ignored), into numeric, categorical and
    entirely-missing ones."""
    kinds: dict[str, list[str]] = {NUMERIC: [], CATEGORICAL: [], "empty": []}
    for column in frame.columns:
        if column in exclude:
            continue
        kind = "empty" if frame[column].isna().all() else column_kind(frame[column])
        kinds[kind].append(column)
    return FeatureTypes(**kinds)


def sample_rows(
    frame: pd.DataFrame, max_rows: int = PLOT_MAX_ROWS, *, random_state: int
) -> pd.DataFrame:
    """A seeded sample of at most `max_rows` rows in their original order (0: every row); the
    default is what a plot draws legibly and quickly whatever the size of the table."""
    if not max_rows or len(frame) <= max_rows:
        return frame
    return frame.sample(n=max_rows, random_state=random_state).sort_index()


def split_stratified(
    frame: pd.DataFrame, target: str, *, test_size: float, random_state: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into train and test keeping each class's share the same in both."""
    counts = frame[target].value_counts()
    rare = counts[counts < 2]
    if not rare.empty:
        raise DataError(
            f"class {rare.index[0]!r} of {target!r} has a single row: a stratified split needs "
            "at least two rows per class (drop or merge rare classes)"
        )
    train, test = train_test_split(
        frame, test_size=test_size, random_state=random_state, stratify=frame[target]
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def split_by_time(frame: pd.DataFrame, test_steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out the last `test_steps` rows (the most recent period) as the test split.

    The rows keep their index, so features built on the whole ordered table line up with them.
    """
    if not 0 < test_steps < len(frame):
        raise DataError(f"TEST_STEPS={test_steps} must be between 1 and {len(frame) - 1}")
    return frame.iloc[:-test_steps], frame.iloc[-test_steps:]


def split_report(train: pd.DataFrame, test: pd.DataFrame, target: str) -> pd.DataFrame:
    """Rows and share of each class in the train and test splits, side by side."""
    columns = {}
    for name, split in (("train", train), ("test", test)):
        counts = split[target].value_counts()
        columns[f"{name}_rows"] = counts
        columns[f"{name}_share"] = counts / len(split)
    report = pd.DataFrame(columns).fillna(0).sort_index()
    report.index.name = target
    return report.astype({"train_rows": int, "test_rows": int})


def target_split_report(train: pd.DataFrame, test: pd.DataFrame, target: str) -> pd.DataFrame:
    """Summary statistics of a numeric target in each split, side by side (they should match)."""
    return pd.DataFrame({"train": train[target].describe(), "test": test[target].describe()})


def count_overlap_rows(train: pd.DataFrame, test: pd.DataFrame) -> int:
    """The number of test rows identical to some training row (a leak that inflates test scores)."""
    if list(train.columns) != list(test.columns):
        raise DataError("train and test must have the same columns to compare rows")
    seen = set(pd.util.hash_pandas_object(train, index=False))
    return int(pd.util.hash_pandas_object(test, index=False).isin(seen).sum())
