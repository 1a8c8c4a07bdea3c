"""Validation scores: the headline metrics measured inside the training split, as `val_<metric>`.

A sweep compares runs and keeps the best; if it compared them on the test split, the test split
would have chosen the model and its score would no longer be an honest estimate. So each run also
records `val_<metric>` for every headline metric, measured on rows of the training split the
scoring model did not learn from, and sweeps rank on those. The test metrics stay for information.

`folds` chooses how: 1 holds out one validation share of the training split and fits a copy of
the pipeline on the rest (one extra fit, the cheap default); k >= 2 runs k-fold cross-validation
(k extra fits) and averages each metric over the folds. Classification folds are stratified.
`n_val` counts the rows scored (a sweep's tie rule reads one row's worth of score from it).
On a large table the copy learns from a seeded sample of at most `max_fit_rows` rows: the score
ranks configurations, and a bounded fit keeps a million-row run within its time budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from nbops.kit.errors import DataError
from nbops.kit.metrics import classification_metrics, regression_metrics
from nbops.kit.models import predict_with_proba

VALIDATION_PREFIX = "val_"
VALIDATION_ROWS = "n_val"  # training rows the validation scores were measured on
# Rows a validation copy of the pipeline learns from at most (a seeded sample beyond that).
VALIDATION_MAX_FIT_ROWS = 200_000

Scorer = Callable[[object, pd.DataFrame, pd.Series], dict[str, float]]


def classification_validation(
    model,
    X: pd.DataFrame,
    y: pd.Series,
    *,
    folds: int,
    holdout_size: float,
    random_state: int,
    max_fit_rows: int = VALIDATION_MAX_FIT_ROWS,
) -> dict[str, float]:
    """`val_<metric>` for every classification metric and `n_val`, from copies of `model`
    fitted and scored within the training split: one stratified holdout (`folds=1`) or k folds."""

    def score(fitted, X_val: pd.DataFrame, y_val: pd.Series) -> dict[str, float]:
        y_pred, y_proba = predict_with_proba(fitted, X_val)
        classes = fitted.classes_
        return classification_metrics(y_val, y_pred, y_proba, classes=classes, n_resamples=0)

    return _validate(
        model, X, y, score, folds, holdout_size, random_state, max_fit_rows, stratify=True
    )


def regression_validation(
    model,
    X: pd.DataFrame,
    y: pd.Series,
    *,
    folds: int,
    holdout_size: float,
    random_state: int,
    max_fit_rows: int = VALIDATION_MAX_FIT_ROWS,
) -> dict[str, float]:
    """`val_<metric>` for every regression metric (RMSE, MAE, R²) and `n_val`, from copies of
    `model` fitted and scored within the training split: one holdout (`folds=1`) or k folds."""

    def score(fitted, X_val: pd.DataFrame, y_val: pd.Series) -> dict[str, float]:
        return regression_metrics(y_val, fitted.predict(X_val), n_resamples=0)

    return _validate(
        model, X, y, score, folds, holdout_size, random_state, max_fit_rows, stratify=False
    )


def validation_names(metrics: dict[str, float]) -> dict[str, float]:
    """The same scores under their validation names (`rmse` -> `val_rmse`)."""
    return {f"{VALIDATION_PREFIX}{name}": float(value) for name, value in metrics.items()}


def _validate(
    model,
    X: pd.DataFrame,
    y: pd.Series,
    score: Scorer,
    folds: int,
    holdout_size: float,
    random_state: int,
    max_fit_rows: int,
    *,
    stratify: bool,
) -> dict[str, float]:
    if folds < 1:
        raise DataError(f"VALIDATION_FOLDS={folds} must be 1 (one holdout) or k >= 2 (k folds)")
    if not 0 < holdout_size < 1:
        raise DataError(f"the validation share {holdout_size} must be between 0 and 1")
    y = pd.Series(np.asarray(y), index=X.index, name=getattr(y, "name", None))
    scores, scored_rows = [], 0
    for fit, val in _splits(y, folds, holdout_size, random_state, stratify):
        fitted = _fit_copy(model, X.iloc[fit], y.iloc[fit], max_fit_rows, random_state)
        scores.append(score(fitted, X.iloc[val], y.iloc[val]))
        scored_rows += len(val)
    averaged = pd.DataFrame(scores).mean(axis=0)
    return {**validation_names(averaged.to_dict()), VALIDATION_ROWS: scored_rows}


def _splits(
    y: pd.Series, folds: int, holdout_size: float, random_state: int, stratify: bool
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Positions (fit, validate) of each split of the training rows."""
    positions = np.arange(len(y))
    if folds == 1:
        fit, val = train_test_split(
            positions,
            test_size=holdout_size,
            random_state=random_state,
            stratify=y.to_numpy() if stratify else None,
        )
        yield np.sort(fit), np.sort(val)
        return
    kind = StratifiedKFold if stratify else KFold
    splitter = kind(n_splits=folds, shuffle=True, random_state=random_state)
    yield from splitter.split(positions, y.to_numpy() if stratify else None)


def _fit_copy(model, X: pd.DataFrame, y: pd.Series, max_rows: int, random_state: int):
    """An unfitted copy of `model` (same hyperparameters) fitted on at most `max_rows` rows."""
    if max_rows and len(X) > max_rows:
        rows = np.sort(np.random.default_rng(random_state).choice(len(X), max_rows, replace=False))
        X, y = X.iloc[rows], y.iloc[rows]
    return clone(model).fit(X, y)
