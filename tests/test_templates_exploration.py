"""The exploration template on penguins (no time column) and on a generated parquet table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from templates_support import ROOT, run_template

QUALITY = {
    "rows",
    "columns",
    "numeric_columns",
    "categorical_columns",
    "missing_cells_share",
    "rows_with_missing",
    "columns_with_missing",
    "all_missing_columns",
    "constant_columns",
    "duplicate_rows",
    "outlier_cells_share",
}


@pytest.mark.kernel
def test_exploration_on_penguins_without_a_time_column(tmp_path, capsys):
    metrics, run = run_template(
        "exploration",
        tmp_path / "runs",
        capsys,
        DATA_PATH=ROOT / "data" / "penguins.csv",
        TARGET="species",
        TIME_COLUMN="",
    )
    frame = pd.read_csv(ROOT / "data" / "penguins.csv")
    assert set(metrics) == QUALITY
    assert metrics["rows"] == len(frame) and metrics["columns"] == frame.shape[1]
    assert metrics["missing_cells_share"] == pytest.approx(frame.isna().to_numpy().mean())
    assert metrics["rows_with_missing"] == int(frame.isna().any(axis=1).sum())
    assert metrics["duplicate_rows"] == 0 and metrics["constant_columns"] == 0
    figures = {path.stem for path in (run / "figures").glob("*.png")}
    assert {"missing_matrix", "against_target", "mutual_information"} <= figures
    assert "over_time" not in figures


@pytest.mark.kernel
def test_exploration_counts_quality_problems_in_a_parquet_table(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = 200
    frame = pd.DataFrame(
        {
            "day": pd.date_range("2024-01-01", periods=rows, freq="D"),
            "amount": rng.normal(size=rows),
            "constant": 1.0,
            "empty": np.nan,
            "shop": rng.choice(["north", "south"], size=rows),
        }
    )
    frame.loc[3, "amount"] = 40.0  # an outlier
    frame = pd.concat([frame, frame.iloc[[5]]], ignore_index=True)  # a duplicate row
    path = tmp_path / "shops.parquet"
    frame.to_parquet(path)

    metrics, run = run_template(
        "exploration",
        tmp_path / "runs",
        capsys,
        DATA_PATH=path,
        TARGET="",
        TIME_COLUMN="day",
        EDA_SAMPLE_ROWS=100,
    )
    assert metrics["rows"] == rows + 1
    assert metrics["duplicate_rows"] == 1
    assert metrics["constant_columns"] == 2  # "constant" and the all-missing "empty"
    assert metrics["all_missing_columns"] == 1
    assert metrics["missing_cells_share"] == pytest.approx(1 / frame.shape[1])
    assert metrics["outlier_cells_share"] > 0
    figures = {path.stem for path in (run / "figures").glob("*.png")}
    assert "over_time" in figures and "against_target" not in figures
