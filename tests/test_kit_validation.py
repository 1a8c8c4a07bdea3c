"""nbops.kit.validation: val_<metric> measured inside the training split, never on the test rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from nbops.kit.data import feature_types
from nbops.kit.errors import DataError
from nbops.kit.metrics import classification_metrics, regression_metrics
from nbops.kit.models import make_classifier, make_preprocessor, make_regressor
from nbops.kit.validation import (
    classification_validation,
    regression_validation,
    validation_names,
)

pytestmark = pytest.mark.filterwarnings("error")

DATA = Path(__file__).resolve().parents[1] / "data"


def _pipeline(frame: pd.DataFrame, target: str, task: str) -> Pipeline:
    kinds = feature_types(frame, target)
    model = "random_forest"
    preprocess = make_preprocessor(kinds.numeric, kinds.categorical, max_categories=20, model=model)
    shape = {"n_estimators": 20, "max_depth": None, "random_state": 0}
    if task == "classification":
        estimator = make_classifier(model, c=1.0, max_iter=100, **shape)
    else:
        estimator = make_regressor(model, alpha=1.0, **shape)
    return Pipeline([("preprocess", preprocess), ("model", estimator)])


@pytest.fixture
def penguins() -> tuple[Pipeline, pd.DataFrame, pd.Series]:
    frame = pd.read_csv(DATA / "penguins.csv")
    return (
        _pipeline(frame, "species", "classification"),
        frame.drop(columns="species"),
        frame["species"],
    )


@pytest.fixture
def cars() -> tuple[Pipeline, pd.DataFrame, pd.Series]:
    frame = pd.read_csv(DATA / "cars.csv").drop(columns="Name")
    frame = frame[frame["Miles_per_Gallon"].notna()].reset_index(drop=True)
    target = "Miles_per_Gallon"
    return _pipeline(frame, target, "regression"), frame.drop(columns=target), frame[target]


def test_classification_holdout_names_every_headline_metric_val(penguins) -> None:
    pipeline, X, y = penguins
    scores = classification_validation(pipeline, X, y, folds=1, holdout_size=0.25, random_state=0)
    names = {f"val_{name}" for name in ("accuracy", "f1_macro", "f1_weighted")}
    names |= {"val_precision_macro", "val_recall_macro", "val_roc_auc_ovr", "n_val"}
    assert names == set(scores) and scores["n_val"] == 86  # a quarter of 344 rows
    assert all(0 <= value <= 1 for name, value in scores.items() if name != "n_val")


def test_holdout_equals_a_manual_fit_on_the_stratified_rest(cars) -> None:
    pipeline, X, y = cars
    scores = regression_validation(pipeline, X, y, folds=1, holdout_size=0.3, random_state=7)
    fit, val = train_test_split(np.arange(len(y)), test_size=0.3, random_state=7)
    fit, val = np.sort(fit), np.sort(val)
    manual = pipeline.fit(X.iloc[fit], y.iloc[fit]).predict(X.iloc[val])
    assert scores["val_rmse"] == pytest.approx(root_mean_squared_error(y.iloc[val], manual))
    assert set(scores) == {"val_rmse", "val_mae", "val_r2", "n_val"} and scores["n_val"] == len(val)


def test_the_model_passed_in_is_neither_refitted_nor_changed(cars) -> None:
    pipeline, X, y = cars
    fitted = pipeline.fit(X, y)
    before = fitted.predict(X)
    regression_validation(fitted, X, y, folds=3, holdout_size=0.2, random_state=0)
    np.testing.assert_array_equal(fitted.predict(X), before)


def test_k_folds_average_each_metric_over_the_folds(penguins) -> None:
    pipeline, X, y = penguins
    one = classification_validation(pipeline, X, y, folds=1, holdout_size=0.2, random_state=0)
    five = classification_validation(pipeline, X, y, folds=5, holdout_size=0.2, random_state=0)
    assert set(one) == set(five) and five["n_val"] == len(y)  # every row scored once
    assert 0.9 <= five["val_accuracy"] <= 1


def test_a_large_training_split_fits_on_a_bounded_sample(cars) -> None:
    pipeline, X, y = cars
    bounded = regression_validation(
        pipeline, X, y, folds=1, holdout_size=0.2, random_state=0, max_fit_rows=50
    )
    full = regression_validation(pipeline, X, y, folds=1, holdout_size=0.2, random_state=0)
    assert bounded["val_rmse"] > full["val_rmse"]


def test_zero_folds_is_a_data_error_naming_the_parameter(cars) -> None:
    pipeline, X, y = cars
    with pytest.raises(DataError, match="VALIDATION_FOLDS=0"):
        regression_validation(pipeline, X, y, folds=0, holdout_size=0.2, random_state=0)


def test_validation_names_prefix_every_metric() -> None:
    y = np.array([1.0, 2.0, 3.0])
    assert validation_names(regression_metrics(y, y, n_resamples=0)) == {
        "val_rmse": 0.0,
        "val_mae": 0.0,
        "val_r2": 1.0,
    }
    proba = np.array([[0.9, 0.1], [0.2, 0.8]])
    named = validation_names(
        classification_metrics(["a", "b"], ["a", "b"], proba, classes=["a", "b"], n_resamples=0)
    )
    assert named["val_roc_auc"] == 1.0
