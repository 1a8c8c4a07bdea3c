"""Describe a table before modeling it: columns, missing values, statistics, outliers, signal.

Tables only; the matching plots are in `nbops.kit.data_plots`. Every helper works on any table,
with or without a target.
"""

from __future__ import annotations

import pandas as pd
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

from nbops.kit.data import MISSING, column_kind, is_numeric


def column_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per column: dtype, kind, missing and distinct values, share distinct, top value.

    Each column is counted once (distinct values and the top one come from the same counts), so
    the summary stays cheap on a million rows.
    """
    counts = {column: frame[column].value_counts(dropna=True, sort=False) for column in frame}
    distinct = pd.Series({column: len(values) for column, values in counts.items()}, dtype=int)
    return pd.DataFrame(
        {
            "dtype": [str(frame[column].dtype) for column in frame.columns],
            "kind": [column_kind(frame[column]) for column in frame.columns],
            "missing": frame.isna().sum().to_numpy(),
            "distinct": distinct.to_numpy(),
            "distinct_share": (distinct / max(len(frame), 1)).to_numpy(),
            "top_value": [_top_value(counts[column]) for column in frame.columns],
        },
        index=pd.Index(frame.columns, name="column"),
    )


def missing_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values per column (count and share), most missing first."""
    counts = frame.isna().sum()
    table = pd.DataFrame({"missing": counts, "share": counts / max(len(frame), 1)})
    table.index.name = "column"
    return table.sort_values("missing", ascending=False, kind="stable")


def numeric_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """count, mean, std, min, quartiles, max and skew of each numeric column (one row each)."""
    numeric = frame[[c for c in frame.columns if is_numeric(frame[c])]]
    if numeric.empty:
        return pd.DataFrame()
    table = numeric.describe().T
    table["skew"] = numeric.skew()
    table.index.name = "column"
    return table


def outlier_table(frame: pd.DataFrame, columns: list[str], *, iqr_factor: float) -> pd.DataFrame:
    """Per numeric column: values beyond `iqr_factor` interquartile ranges outside Q1..Q3."""
    records = {}
    for column in columns:
        values = frame[column].dropna().astype(float)
        q1, q3 = values.quantile([0.25, 0.75])
        low, high = q1 - iqr_factor * (q3 - q1), q3 + iqr_factor * (q3 - q1)
        outside = int(((values < low) | (values > high)).sum())
        records[column] = {
            "low_fence": low,
            "high_fence": high,
            "outliers": outside,
            "share": outside / max(len(values), 1),
        }
    table = pd.DataFrame.from_dict(
        records, orient="index", columns=["low_fence", "high_fence", "outliers", "share"]
    )
    table.index.name = "column"
    return table.sort_values("outliers", ascending=False, kind="stable")


def quality_summary(frame: pd.DataFrame, *, iqr_factor: float) -> dict[str, float | int]:
    """Data-quality figures of a table, ready for `record_metrics`."""
    numeric = [c for c in frame.columns if is_numeric(frame[c])]
    outliers = outlier_table(frame, numeric, iqr_factor=iqr_factor)
    numeric_cells = max(int(frame[numeric].notna().sum().sum()), 1) if numeric else 1
    return {
        "rows": len(frame),
        "columns": frame.shape[1],
        "numeric_columns": len(numeric),
        "categorical_columns": frame.shape[1] - len(numeric),
        "missing_cells_share": float(frame.isna().to_numpy().mean()) if frame.size else 0.0,
        "rows_with_missing": int(frame.isna().any(axis=1).sum()),
        "columns_with_missing": int(frame.isna().any().sum()),
        "all_missing_columns": int(frame.isna().all().sum()) if len(frame) else 0,
        "constant_columns": int((frame.nunique(dropna=True) <= 1).sum()),
        "duplicate_rows": int(frame.duplicated().sum()),
        "outlier_cells_share": float(outliers["outliers"].sum() / numeric_cells),
    }


def mutual_information(frame: pd.DataFrame, target: str, *, random_state: int) -> pd.DataFrame:
    """Mutual information between each column and the target (categoricals as codes), largest first.

    A model-free ranking: it catches non-linear and non-monotonic dependence that a correlation
    misses, and costs one pass over the data. Missing values are filled (median / own category).
    """
    X = frame.drop(columns=[target])
    discrete = []
    for column in X.columns:
        if is_numeric(X[column]):
            X[column] = X[column].fillna(X[column].median()).astype(float)
            discrete.append(False)
        else:
            X[column] = X[column].astype("string").fillna(MISSING)
            X[column] = pd.Categorical(X[column]).codes
            discrete.append(True)
    y = frame[target]
    if is_numeric(y):
        scores = mutual_info_regression(X, y, discrete_features=discrete, random_state=random_state)
    else:
        scores = mutual_info_classif(
            X, y.astype(str), discrete_features=discrete, random_state=random_state
        )
    table = pd.DataFrame({"mutual_information": scores}, index=pd.Index(X.columns, name="column"))
    return table.sort_values("mutual_information", ascending=False, kind="stable")


def _top_value(counts: pd.Series) -> str:
    """The most frequent value of a column's value counts; among ties, the first in sort order."""
    if counts.empty:
        return ""
    tied = counts.index[counts.to_numpy() == counts.max()]
    return str(tied.sort_values()[0])
