"""Build the modeling pipeline: preprocessing by column kind, a named classifier, a grid search."""

from __future__ import annotations

import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

MODELS = ("random_forest", "hist_gradient_boosting", "logistic_regression")
CLASSIFIER_STEP = "classifier"


def make_preprocessor(
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
) -> ClassifierMixin:
    """The classifier called `name` (one of MODELS) with the given hyperparameters."""
    if name == "random_forest":
        return RandomForestClassifier(
            n_estimators=n_estimators, max_depth=max_depth, random_state=random_state
        )
    if name == "hist_gradient_boosting":
        return HistGradientBoostingClassifier(
            max_iter=n_estimators, max_depth=max_depth, random_state=random_state
        )
    if name == "logistic_regression":
        return LogisticRegression(C=c, max_iter=max_iter, random_state=random_state)
    raise ValueError(f"unknown MODEL {name!r}: choose one of {', '.join(MODELS)}")


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
        raise ValueError(f"unknown MODEL {name!r}: choose one of {', '.join(MODELS)}")
    return {f"{CLASSIFIER_STEP}__{key}": values for key, values in grids[name].items()}


def make_grid_search(
    pipeline: Pipeline,
    param_grid: dict[str, list],
    *,
    cv_folds: int,
    scoring: str,
    random_state: int,
) -> GridSearchCV:
    """A grid search with shuffled stratified folds, refitting the best candidate on all rows."""
    folds = StratifiedKFold(n_splits=cv_folds, shuffle=True, random_state=random_state)
    return GridSearchCV(pipeline, param_grid, scoring=scoring, cv=folds, refit=True)


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


def _short_param_name(name: str) -> str:
    return name.removeprefix(f"{CLASSIFIER_STEP}__")
