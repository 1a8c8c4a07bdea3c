"""The timeseries template on a generated series: weekly season, trend, an exogenous driver."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from templates_support import run_template

from nbops.kit.timeseries import FeatureSpec, lookahead_rows, make_forecast_features

DAYS = 730
TEST_STEPS = 60


def seasonal_series(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(DAYS)
    driver = rng.normal(size=DAYS).cumsum() / 10
    weekly = np.array([0.0, 1.0, 2.0, 3.0, 2.0, 6.0, 8.0])[t % 7]
    y = 10 + 0.01 * t + weekly + 0.8 * np.roll(driver, 1) + rng.normal(scale=0.5, size=DAYS)
    times = pd.date_range("2021-03-01", periods=DAYS, freq="D")
    return pd.DataFrame({"when": times.strftime("%Y-%m-%d"), "sales": y, "driver": driver})


def test_features_never_look_ahead():
    frame = seasonal_series()
    frame["when"] = pd.to_datetime(frame["when"])
    spec = FeatureSpec("when", "sales", 3, [1, 3, 7], [7], ["driver"], ["dayofweek"])
    features = make_forecast_features(frame, spec)
    assert "lag_1" not in features  # not known 3 steps ahead
    assert features["lag_3"].iloc[10] == frame["sales"].iloc[7]
    assert features["lag_7"].iloc[10] == frame["sales"].iloc[3]
    assert features["rolling_mean_7"].iloc[10] == pytest.approx(frame["sales"].iloc[1:8].mean())
    assert features["driver_at_origin"].iloc[10] == frame["driver"].iloc[7]
    for cut in (20, 300, DAYS - 1):
        assert lookahead_rows(frame, features, spec, cut=cut) == 0


@pytest.mark.kernel
def test_timeseries_on_a_generated_weekly_series(tmp_path, capsys):
    path = tmp_path / "sales.parquet"
    seasonal_series().to_parquet(path)

    metrics, run = run_template(
        "timeseries",
        tmp_path / "runs",
        capsys,
        DATA_PATH=path,
        TIME_COLUMN="when",
        TARGET="sales",
        HORIZON=2,
        LAGS="[1, 2, 7]",
        ROLLING_WINDOWS="[7]",
        EXOGENOUS_COLUMNS="[driver]",
        CALENDAR_FEATURES="[dayofweek]",
        SEASON_LENGTH=7,
        TEST_STEPS=TEST_STEPS,
        N_FOLDS=3,
        FOLD_STEPS=30,
        MODEL="ridge",
    )

    assert metrics["n_folds"] == 3
    assert {f"fold_{k}_rmse" for k in (1, 2, 3)} <= set(metrics)
    assert {"rmse", "mae", "baseline_rmse", "naive_rmse", "cv_rmse", "cv_mae"} <= set(metrics)
    assert metrics["n_test"] == TEST_STEPS
    assert metrics["n_train"] == DAYS - TEST_STEPS - 8  # warm-up: horizon 2 + window 7 - 1
    assert metrics["duplicate_rows"] == 0 and metrics["split_overlap_rows"] == 0
    assert metrics["rmse"] < metrics["baseline_rmse"]
    assert metrics["rmse"] < metrics["naive_rmse"]
    assert (run / "figures" / "forecast_vs_actual.png").is_file()
