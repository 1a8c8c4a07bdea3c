"""Build and load models: preprocessing by column kind, named classifiers and regressors, the
grid of hyperparameters to search, the search's results, a trained model from a run or MLflow,
and a classifier's predictions.

Histogram gradient boosting splits on categories itself: its preprocessing only numbers the
categories (one column per feature), where the other models get scaled numbers and one-hot columns.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from nbops.kit.errors import DataError, KitError
from nbops.kit.record import load_model
from nbops.project import RunFolder

MODELS = ("random_forest", "hist_gradient_boosting", "logistic_regression")
REGRESSORS = ("random_forest", "hist_gradient_boosting", "ridge")
# Models that split on a categorical column natively: given category codes, not one-hot columns.
NATIVE_CATEGORICAL = ("hist_gradient_boosting",)
MAX_NATIVE_CATEGORIES = 255  # histogram gradient boosting's limit: one bin per category
CLASSIFIER_STEP = "classifier"
MLFLOW_SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/")


def make_preprocessor(
    numeric: list[str], categorical: list[str], *, max_categories: int, model: str = ""
) -> ColumnTransformer:
    """The preprocessing `model` needs: category codes for NATIVE_CATEGORICAL models, else
    imputed and scaled numbers and one-hot columns (see `one_hot_preprocessor`)."""
    if model in NATIVE_CATEGORICAL:
        if max_categories > MAX_NATIVE_CATEGORIES:
            raise KitError(
                f"MAX_CATEGORIES={max_categories} is more than {model} can split on: "
                f"set it to at most {MAX_NATIVE_CATEGORIES}"
            )
        return ordinal_preprocessor(numeric, categorical, max_categories=max_categories)
    return one_hot_preprocessor(numeric, categorical, max_categories=max_categories)


def ordinal_preprocessor(
    numeric: list[str], categorical: list[str], *, max_categories: int
) -> ColumnTransformer:
    """Numeric columns as they are, each categorical column as one column of category codes.

    For models that handle missing values and categories themselves (histogram gradient
    boosting): missing and unseen values become NaN, categories beyond the `max_categories - 1`
    most frequent share one code. The output is a DataFrame, so the model finds the categorical
    columns by name.
    """
    codes = OrdinalEncoder(
        handle_unknown="use_encoded_value",
        unknown_value=np.nan,
        encoded_missing_value=np.nan,
        max_categories=max_categories,
    )
    return ColumnTransformer(
        [("numeric", "passthrough", numeric), ("categorical", codes, categorical)],
        remainder="drop",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")


def one_hot_preprocessor(
    numeric: list[str], categorical: list[str], *, max_categories: int
) -> ColumnTransformer:
    """Impute and scale numeric columns, impute and one-hot encode categorical ones; drop the rest.

    Unseen categories at prediction time encode as all zeros; categories beyond the
    `max_categories - 1` most frequent share one "infrequent" column.
    """
    numeric_steps = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]
    )
    categorical_steps = Pipeline(
        [
            ("impute", SimpleImputer(strategy="most_frequent", keep_empty_features=True)),
            (
                "one_hot",
                OneHotEncoder(
                    handle_unknown="ignore", max_categories=max_categories, sparse_output=False
                ),
            ),
        ]
    )
    return ColumnTransformer(
        [("numeric", numeric_steps, numeric), ("categorical", categorical_steps, categorical)],
        remainder="drop",
        verbose_feature_names_out=False,
    )


def make_classifier(
    name: str,
    *,
    n_estimators: int,
    max_depth: int | None,
    c: float,
    max_iter: int,
    random_state: int,
    categorical: Sequence[str] = (),
) -> ClassifierMixin:
    """The classifier called `name` (one of MODELS) with the given hyperparameters.

    `categorical` names the columns a NATIVE_CATEGORICAL model splits on as categories (they
    must reach it as codes, as `make_preprocessor` gives them); the other models ignore it.
    """
    if name == "random_forest":
        return RandomForestClassifier(
            n_estimators=n_estimators, max_depth=max_depth, random_state=random_state
        )
    if name == "hist_gradient_boosting":
        return HistGradientBoostingClassifier(
            max_iter=n_estimators,
            max_depth=max_depth,
            categorical_features=_categorical_features(categorical),
            random_state=random_state,
        )
    if name == "logistic_regression":
        return LogisticRegression(C=c, max_iter=max_iter, random_state=random_state)
    raise KitError(f"unknown MODEL {name!r}: choose one of {', '.join(MODELS)}")


def make_regressor(
    name: str,
    *,
    n_estimators: int,
    max_depth: int | None,
    alpha: float,
    random_state: int,
    categorical: Sequence[str] = (),
) -> RegressorMixin:
    """The regressor called `name` (one of REGRESSORS) with the given hyperparameters;
    `categorical` as in `make_classifier`."""
    if name == "random_forest":
        return RandomForestRegressor(
            n_estimators=n_estimators, max_depth=max_depth, random_state=random_state
        )
    if name == "hist_gradient_boosting":
        return HistGradientBoostingRegressor(
            max_iter=n_estimators,
            max_depth=max_depth,
            categorical_features=_categorical_features(categorical),
            random_state=random_state,
        )
    if name == "ridge":
        return Ridge(alpha=alpha, random_state=random_state)
    raise KitError(f"unknown MODEL {name!r}: choose one of {', '.join(REGRESSORS)}")


def make_param_grid(
    name: str, *, n_estimators: list[int], max_depth: list[int | None], c: list[float]
) -> dict[str, list]:
    """The grid to search for the classifier called `name`, keyed by pipeline parameter."""
    trees = {"max_depth": list(max_depth)}
    grids = {
        "random_forest": {"n_estimators": list(n_estimators), **trees},
        "hist_gradient_boosting": {"max_iter": list(n_estimators), **trees},
        "logistic_regression": {"C": list(c)},
    }
    if name not in grids:
        raise KitError(f"unknown MODEL {name!r}: choose one of {', '.join(MODELS)}")
    return {f"{CLASSIFIER_STEP}__{key}": values for key, values in grids[name].items()}


def grid_search_results(search: GridSearchCV) -> pd.DataFrame:
    """The searched candidates, best first: parameters, mean and spread of the CV score."""
    results = pd.DataFrame(search.cv_results_)
    params = pd.DataFrame(list(results["params"])).rename(columns=_short_param_name)
    table = params.assign(
        mean_score=results["mean_test_score"],
        std_score=results["std_test_score"],
        rank=results["rank_test_score"],
    )
    return table.sort_values("rank", kind="stable").reset_index(drop=True)


def predict_with_proba(model, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A classifier's predicted classes and class probabilities (columns follow `model.classes_`).

    The model runs once: the class is the one of highest probability, which is how scikit-learn
    classifiers predict, so this halves the cost of `predict` then `predict_proba` on large tables.
    """
    proba = model.predict_proba(X)
    return np.asarray(model.classes_)[proba.argmax(axis=1)], proba


def load_trained_model(uri: str | os.PathLike):
    """A fitted pipeline from a `.skops` file, a run folder holding `model.skops`, or MLflow."""
    text = str(uri)
    if text.startswith(MLFLOW_SCHEMES):
        from nbops.mlflow.notebook import load_logged_model

        return load_logged_model(text)
    path = Path(uri)
    if path.is_dir():
        path = RunFolder(path).model()
    if not path.is_file():
        raise DataError(
            f"MODEL_URI {text!r}: no model there; give a run folder with model.skops, a .skops "
            "file, or a models:/ or runs:/ MLflow URI (empty: fit the fallback model)"
        )
    return load_model(path)


def _categorical_features(categorical: Sequence[str]) -> list[str] | str:
    """Boosting's `categorical_features`: the names given, else scikit-learn's default."""
    return list(categorical) or "from_dtype"


def _short_param_name(name: str) -> str:
    return name.removeprefix(f"{CLASSIFIER_STEP}__")
