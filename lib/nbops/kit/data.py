"""Load a table, check its target, and split it into train and test without leaking between them."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from sklearn.model_selection import train_test_split

from nbops.kit.record import project_root, record_dataset

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")


class DataError(ValueError):
    """The data cannot be used as given: the message says what is wrong and what to change."""


class FeatureTypes(NamedTuple):
    """The feature columns by kind, each list in column order."""

    numeric: list[str]
    categorical: list[str]
    empty: list[str]


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV or parquet file and note it (path, sha256, rows) in the run record.

    A relative path is read from the working directory or, failing that, from the project root,
    so the same DATA_PATH works under `nbops run` and in a notebook opened from a subfolder.
    """
    path = Path(path)
    if not path.is_absolute() and not path.exists() and (project_root() / path).exists():
        path = project_root() / path
    if not path.is_file():
        raise DataError(
            f"data file {path.as_posix()!r} not found: set DATA_PATH to an existing file"
        )
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        frame = pd.read_parquet(path)
    elif suffix in CSV_SUFFIXES:
        frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    else:
        known = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES)
        raise DataError(f"cannot read {path.name!r}: expected one of {known}")
    record_dataset(path, len(frame))
    return frame


def column_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per column: dtype, kind (numeric or categorical), missing and distinct values."""
    return pd.DataFrame(
        {
            "dtype": [str(frame[column].dtype) for column in frame.columns],
            "kind": [_kind(frame[column]) for column in frame.columns],
            "missing": frame.isna().sum().to_numpy(),
            "distinct": frame.nunique(dropna=True).to_numpy(),
        },
        index=pd.Index(frame.columns, name="column"),
    )


def validate_target(frame: pd.DataFrame, target: str) -> pd.Series:
    """Check the target column exists with at least two classes; return the rows per class."""
    if target not in frame.columns:
        raise DataError(f"target column {target!r} not found{_closest(target, frame.columns)}")
    counts = frame[target].value_counts(dropna=True).sort_index()
    if counts.empty:
        raise DataError(f"target column {target!r} has no values: every row is missing")
    if len(counts) < 2:
        raise DataError(
            f"target column {target!r} has one class ({counts.index[0]!r}): "
            "a classifier needs at least two"
        )
    return counts.rename("rows")


def drop_columns(frame: pd.DataFrame, columns: list[str], *, target: str) -> pd.DataFrame:
    """Drop the named columns (ids, leaks); an unknown name or the target is an error."""
    if isinstance(columns, str) or not all(isinstance(column, str) for column in columns):
        raise DataError(f"DROP_COLUMNS must be a list of column names, got {columns!r}")
    if target in columns:
        raise DataError(f"DROP_COLUMNS contains the target {target!r}: remove it from the list")
    unknown = [column for column in columns if column not in frame.columns]
    if unknown:
        raise DataError(
            f"DROP_COLUMNS names unknown column {unknown[0]!r}{_closest(unknown[0], frame.columns)}"
        )
    return frame.drop(columns=columns)


def drop_missing_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, int]:
    """Drop the rows whose target is missing; return the rest and how many were dropped."""
    keep = frame[target].notna()
    return frame.loc[keep].reset_index(drop=True), int((~keep).sum())


def count_duplicate_rows(frame: pd.DataFrame) -> int:
    """The number of rows identical to an earlier row (missing values compare equal)."""
    return int(frame.duplicated().sum())


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


def count_overlap_rows(train: pd.DataFrame, test: pd.DataFrame) -> int:
    """The number of test rows identical to some training row (a leak that inflates test scores)."""
    if list(train.columns) != list(test.columns):
        raise DataError("train and test must have the same columns to compare rows")
    seen = set(pd.util.hash_pandas_object(train, index=False))
    return int(pd.util.hash_pandas_object(test, index=False).isin(seen).sum())


def feature_types(frame: pd.DataFrame, target: str) -> FeatureTypes:
    """Sort the non-target columns into numeric, categorical and entirely-missing ones."""
    kinds: dict[str, list[str]] = {"numeric": [], "categorical": [], "empty": []}
    for column in frame.columns:
        if column == target:
            continue
        kind = "empty" if frame[column].isna().all() else _kind(frame[column])
        kinds[kind].append(column)
    return FeatureTypes(**kinds)


def features_and_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    """Separate the feature columns (X) from the target column (y)."""
    return frame.drop(columns=[target]), frame[target]


def _kind(column: pd.Series) -> str:
    is_numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    return "numeric" if is_numeric else "categorical"


def _closest(name: str, choices) -> str:
    match = difflib.get_close_matches(name, [str(choice) for choice in choices], n=1)
    if match:
        return f" (did you mean {match[0]!r}?)"
    return f" (columns: {', '.join(map(str, choices))})"
