"""Forecasting on a time-ordered table: time checks, past-only features, baselines, backtests.

Every feature of the row at time t uses values at least `horizon` steps before t, so a model
trained on them could have made the forecast at t - horizon. The held-out period comes from
`nbops.kit.data.split_by_time`; the plots from `data_plots` and `model_plots`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import TimeSeriesSplit

from nbops.kit.data import require_column
from nbops.kit.errors import DataError
from nbops.kit.metrics import regression_metrics, rmse_where_known


def parse_time(frame: pd.DataFrame, time_column: str) -> pd.DataFrame:
    """Parse `time_column` as datetimes and sort rows by it; duplicate timestamps are an error."""
    require_column(frame, time_column, "TIME_COLUMN")
    try:
        times = pd.to_datetime(frame[time_column])
    except (ValueError, TypeError) as exc:
        raise DataError(f"TIME_COLUMN {time_column!r} does not parse as dates: {exc}") from None
    if times.isna().any():
        raise DataError(f"TIME_COLUMN {time_column!r} has {int(times.isna().sum())} missing times")
    repeated = times[times.duplicated()]
    if not repeated.empty:
        raise DataError(
            f"TIME_COLUMN {time_column!r} repeats {len(repeated)} timestamps (first "
            f"{repeated.iloc[0]}): aggregate to one row per time, or forecast each series apart"
        )
    ordered = frame.assign(**{time_column: times}).sort_values(time_column, kind="stable")
    return ordered.reset_index(drop=True)


def time_index_report(frame: pd.DataFrame, time_column: str) -> pd.Series:
    """First and last time, rows, the usual step between rows and how many steps differ from it."""
    steps = frame[time_column].diff().dropna()
    usual = steps.mode().iloc[0] if not steps.empty else pd.NaT
    return pd.Series(
        {
            "first": frame[time_column].iloc[0],
            "last": frame[time_column].iloc[-1],
            "rows": len(frame),
            "usual_step": usual,
            "irregular_steps": int((steps != usual).sum()),
        },
        name=time_column,
        dtype=object,
    )


@dataclass(frozen=True)
class FeatureSpec:
    """How to build past-only features for forecasting `target` `horizon` steps ahead."""

    time_column: str
    target: str
    horizon: int
    lags: list[int]
    windows: list[int]
    exogenous: list[str]
    calendar: list[str]


def make_forecast_features(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """Past-only features of each row: target lags, rolling stats, lagged exogenous, calendar.

    `lag_k` is the target k steps before t (only lags >= horizon are known at the forecast origin
    t - horizon); rolling windows end at the origin (shift first, then roll); exogenous columns are
    taken at the origin; calendar parts of t itself (month, dayofweek, ...) are known in advance.
    """
    if spec.horizon < 1:
        raise DataError(f"HORIZON must be at least 1, got {spec.horizon}")
    y = frame[spec.target].astype(float)
    origin = y.shift(spec.horizon)
    columns: dict[str, pd.Series] = {}
    for lag in usable_lags(spec):
        columns[f"lag_{lag}"] = y.shift(lag)
    for window in spec.windows:
        rolling = origin.rolling(window, min_periods=window)
        columns[f"rolling_mean_{window}"] = rolling.mean()
        columns[f"rolling_std_{window}"] = rolling.std()
    for column in spec.exogenous:
        if column not in frame.columns:
            raise DataError(f"EXOGENOUS_COLUMNS names unknown column {column!r}")
        columns[f"{column}_at_origin"] = frame[column].astype(float).shift(spec.horizon)
    times = frame[spec.time_column].dt
    for part in spec.calendar:
        if not hasattr(times, part):
            raise DataError(f"CALENDAR_FEATURES: {part!r} is not a pandas .dt attribute")
        columns[part] = getattr(times, part).astype(float)
    return pd.DataFrame(columns, index=frame.index)


def usable_lags(spec: FeatureSpec) -> list[int]:
    """The lags known at the forecast origin: those of at least `horizon` steps."""
    usable = sorted(lag for lag in set(spec.lags) if lag >= spec.horizon)
    if spec.lags and not usable:
        raise DataError(f"every lag in LAGS={spec.lags} is shorter than HORIZON={spec.horizon}")
    return usable


def lookahead_rows(
    frame: pd.DataFrame, features: pd.DataFrame, spec: FeatureSpec, *, cut: int
) -> int:
    """Rows before `cut + horizon` whose features change when every value from `cut` on is blanked.

    Zero shows that the features of those rows use nothing at or after position `cut`.
    """
    blanked = frame.copy()
    values = [spec.target, *spec.exogenous]
    blanked[values] = blanked[values].astype(float)
    blanked.loc[blanked.index[cut:], values] = np.nan
    again = make_forecast_features(blanked, spec)
    end = cut + spec.horizon
    before, after = features.iloc[:end], again.iloc[:end]
    changed = ~((before == after) | (before.isna() & after.isna())).all(axis=1)
    return int(changed.sum())


def seasonal_naive(series: pd.Series, *, season_length: int, horizon: int) -> pd.Series:
    """Forecast each step with the value one season earlier (whole seasons back >= horizon)."""
    seasons_back = math.ceil(horizon / season_length)
    return series.shift(season_length * seasons_back)


def backtest(
    pipeline,
    X: pd.DataFrame,
    y: pd.Series,
    baselines: Mapping[str, pd.Series],
    *,
    times: pd.Series,
    n_folds: int,
    fold_steps: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Refit `pipeline` on each expanding window and forecast the next `fold_steps` rows.

    Returns one row of scores per fold and the out-of-fold predictions (with the baselines).
    """
    folds = TimeSeriesSplit(n_splits=n_folds, test_size=fold_steps)
    scores, predictions = [], []
    for fold, (train_rows, test_rows) in enumerate(folds.split(X), start=1):
        model = clone(pipeline).fit(X.iloc[train_rows], y.iloc[train_rows])
        actual = y.iloc[test_rows]
        predicted = pd.Series(model.predict(X.iloc[test_rows]), index=actual.index)
        row = {
            "fold": fold,
            "train_until": times.iloc[train_rows[-1]],
            "test_from": times.iloc[test_rows[0]],
            "test_until": times.iloc[test_rows[-1]],
            "n_train": len(train_rows),
            "n_test": len(test_rows),
            **regression_metrics(actual, predicted, n_resamples=0),
        }
        for name, forecast in baselines.items():
            row[f"{name}_rmse"] = rmse_where_known(actual, forecast.loc[actual.index], name)
        scores.append(row)
        predictions.append(pd.DataFrame({"fold": fold, "actual": actual, "predicted": predicted}))
    return pd.DataFrame(scores).set_index("fold"), pd.concat(predictions)
