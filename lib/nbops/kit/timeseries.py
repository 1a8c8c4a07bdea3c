"""Forecasting on a time-ordered table: time checks, past-only features, time-ordered validation.

Every feature of the row at time t uses values at least `horizon` steps before t, so a model
trained on them could have made the forecast at t - horizon. Plots return closed figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.base import clone
from sklearn.model_selection import TimeSeriesSplit

from nbops.kit.data import DataError
from nbops.kit.figures import closed
from nbops.kit.regression import regression_metrics

Size = tuple[float, float] | list[float]


def parse_time(frame: pd.DataFrame, time_column: str) -> pd.DataFrame:
    """Parse `time_column` as datetimes and sort rows by it; duplicate timestamps are an error."""
    if time_column not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise DataError(f"TIME_COLUMN {time_column!r} not found (columns: {columns})")
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


def split_by_time(frame: pd.DataFrame, test_steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out the last `test_steps` rows (the most recent period) as the test split."""
    if not 0 < test_steps < len(frame):
        raise DataError(f"TEST_STEPS={test_steps} must be between 1 and {len(frame) - 1}")
    return frame.iloc[:-test_steps], frame.iloc[-test_steps:]


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


def last_value(series: pd.Series, *, horizon: int) -> pd.Series:
    """Forecast each step with the last value known at the forecast origin (persistence)."""
    return series.shift(horizon)


def rmse_where_known(y_true: pd.Series, forecast: pd.Series, name: str) -> float:
    """RMSE of a baseline forecast over the rows where it exists (an error if none do)."""
    known = forecast.notna()
    if not known.any():
        raise DataError(
            f"the {name} baseline has no value in this period: the history is too short"
        )
    return regression_metrics(y_true[known], forecast[known])["rmse"]


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
            **regression_metrics(actual, predicted),
        }
        for name, forecast in baselines.items():
            row[f"{name}_rmse"] = rmse_where_known(actual, forecast.loc[actual.index], name)
        scores.append(row)
        predictions.append(pd.DataFrame({"fold": fold, "actual": actual, "predicted": predicted}))
    return pd.DataFrame(scores).set_index("fold"), pd.concat(predictions)


def plot_seasonal_profile(
    frame: pd.DataFrame, time_column: str, target: str, *, parts: list[str], figsize: Size
) -> Figure:
    """Mean and interquartile range of the target per calendar part (month, dayofweek, ...)."""
    if not parts:
        fig, ax = plt.subplots(figsize=tuple(figsize))
        ax.set_axis_off()
        return closed(fig)
    fig, axes = plt.subplots(1, len(parts), figsize=(figsize[0] * len(parts) / 2, figsize[1]))
    for ax, part in zip(np.atleast_1d(axes), parts, strict=False):
        groups = frame[target].groupby(getattr(frame[time_column].dt, part))
        quartiles = groups.quantile([0.25, 0.75]).unstack()
        ax.fill_between(quartiles.index, quartiles.iloc[:, 0], quartiles.iloc[:, 1], alpha=0.3)
        ax.plot(groups.mean().index, groups.mean().to_numpy())
        ax.set(xlabel=part, ylabel=target)
    fig.suptitle(f"{target} by calendar period (mean and interquartile range)")
    fig.set_layout_engine("constrained")
    return closed(fig)


def plot_autocorrelation(series: pd.Series, *, max_lag: int, figsize: Size) -> Figure:
    """Correlation of the series with itself k steps earlier, for k = 1..max_lag."""
    lags = np.arange(1, min(max_lag, len(series) - 2) + 1)
    values = [series.autocorr(int(lag)) for lag in lags]
    fig, ax = plt.subplots(figsize=tuple(figsize))
    ax.vlines(lags, 0, values, linewidth=0.8)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set(
        xlabel="lag (steps)", ylabel="autocorrelation", title=f"Autocorrelation of {series.name}"
    )
    return closed(fig)


def plot_forecast(
    times: pd.Series,
    actual: pd.Series,
    forecasts: Mapping[str, pd.Series],
    *,
    title: str,
    figsize: Size,
) -> Figure:
    """The actual series and each forecast over the same period."""
    fig, ax = plt.subplots(figsize=(figsize[0] * 1.5, figsize[1]))
    ax.plot(times, actual.to_numpy(), color="black", linewidth=1.2, label="actual")
    for name, forecast in forecasts.items():
        ax.plot(times, forecast.to_numpy(), linewidth=0.9, alpha=0.8, label=name)
    ax.legend()
    ax.set(ylabel=str(actual.name), title=title)
    fig.autofmt_xdate()
    return closed(fig)


def plot_fold_scores(scores: pd.DataFrame, *, columns: list[str], figsize: Size) -> Figure:
    """RMSE of the model and of each baseline, fold by fold."""
    fig, ax = plt.subplots(figsize=tuple(figsize))
    scores[columns].plot.bar(ax=ax, rot=0)
    ax.set(xlabel="fold (later folds forecast later periods)", ylabel="RMSE", title="RMSE per fold")
    return closed(fig)
