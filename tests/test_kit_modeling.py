"""nbops.kit.models: preprocessing by column kind, named classifiers and regressors, the grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from nbops.kit.data import feature_types
from nbops.kit.errors import KitError
from nbops.kit.models import (
    MODELS,
    grid_search_results,
    make_classifier,
    make_param_grid,
    make_preprocessor,
    make_regressor,
    predict_with_proba,
)

pytestmark = pytest.mark.filterwarnings("error")

PENGUINS = Path(__file__).resolve().parents[1] / "data" / "penguins.csv"


@pytest.fixture
def penguins() -> pd.DataFrame:
    return pd.read_csv(PENGUINS)


def _preprocessor_for(frame: pd.DataFrame, target: str, max_categories: int = 20):
    features = feature_types(frame, target)
    return make_preprocessor(features.numeric, features.categorical, max_categories=max_categories)


def test_preprocessor_imputes_scales_and_encodes(penguins: pd.DataFrame) -> None:
    X = penguins.drop(columns="species")
    encoded = _preprocessor_for(penguins, "species").fit_transform(X)
    assert X.isna().any().any()
    assert not np.isnan(encoded).any()
    # 5 numeric columns + 3 islands + 2 sexes (missing sex imputed with the most frequent)
    assert encoded.shape == (344, 10)
    assert encoded[:, :5].mean(axis=0) == pytest.approx(np.zeros(5), abs=1e-9)


def test_preprocessor_tolerates_unseen_categories_and_missing_values(
    penguins: pd.DataFrame,
) -> None:
    X = penguins.drop(columns="species")
    preprocessor = _preprocessor_for(penguins, "species").fit(X)
    new = X.head(2).copy()
    new.loc[0, "island"] = "Atlantis"
    new.loc[1, ["bill_length_mm", "sex"]] = [np.nan, np.nan]
    encoded = pd.DataFrame(
        preprocessor.transform(new), columns=preprocessor.get_feature_names_out()
    )
    island_columns = [name for name in encoded.columns if name.startswith("island_")]
    assert encoded.loc[0, island_columns].sum() == 0  # unseen island: all zeros, no error
    assert not encoded.isna().any().any()


def test_preprocessor_caps_one_hot_width_of_identifier_like_columns() -> None:
    frame = pd.DataFrame({"id": [f"row{i}" for i in range(50)], "x": range(50), "y": [0, 1] * 25})
    encoded = _preprocessor_for(frame, "y", max_categories=5).fit_transform(frame)
    assert encoded.shape == (50, 1 + 5)


def test_preprocessor_keeps_a_column_that_is_empty_in_a_fold() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "sparse": [np.nan, np.nan, np.nan], "y": [0, 1, 0]})
    preprocessor = make_preprocessor(["x", "sparse"], [], max_categories=5)
    assert preprocessor.fit_transform(frame).shape == (3, 2)


def test_boosting_preprocessor_gives_one_code_column_per_categorical_feature(
    penguins: pd.DataFrame,
) -> None:
    X = penguins.drop(columns="species")
    features = feature_types(penguins, "species")
    preprocessor = make_preprocessor(
        features.numeric, features.categorical, max_categories=20, model="hist_gradient_boosting"
    ).fit(X)
    new = X.head(2).copy()
    new.loc[0, "island"] = "Atlantis"
    new.loc[1, ["bill_length_mm", "sex"]] = [np.nan, np.nan]
    encoded = preprocessor.transform(new)
    # 5 numeric columns as they are, then island and sex as codes, under their own names
    assert encoded.columns.tolist() == [*features.numeric, "island", "sex"]
    assert encoded.loc[0, "bill_length_mm"] == X.loc[0, "bill_length_mm"]
    assert np.isnan(encoded.loc[0, "island"])  # unseen island: missing, no error
    assert encoded.loc[1, ["bill_length_mm", "sex"]].isna().all()  # gaps stay gaps
    assert set(preprocessor.transform(X)["island"]) == {0.0, 1.0, 2.0}


@pytest.mark.slow
def test_boosting_splits_on_the_categorical_columns_natively(penguins: pd.DataFrame) -> None:
    X, y = penguins.drop(columns="species"), penguins["species"]
    features = feature_types(penguins, "species")
    name = "hist_gradient_boosting"
    preprocessor = make_preprocessor(
        features.numeric, features.categorical, max_categories=20, model=name
    )
    classifier = make_classifier(
        name,
        n_estimators=20,
        max_depth=None,
        c=1.0,
        max_iter=1,
        random_state=0,
        categorical=features.categorical,
    )
    model = Pipeline([("preprocess", preprocessor), ("classifier", classifier)]).fit(X, y)
    flags = dict(zip(classifier.feature_names_in_, classifier.is_categorical_, strict=True))
    assert flags == {**dict.fromkeys(features.numeric, False), "island": True, "sex": True}
    assert model.score(X, y) > 0.9


def test_boosting_refuses_more_categories_than_it_can_split_on() -> None:
    with pytest.raises(KitError, match="MAX_CATEGORIES=300 .* at most 255"):
        make_preprocessor(["x"], ["c"], max_categories=300, model="hist_gradient_boosting")
    make_preprocessor(["x"], ["c"], max_categories=300, model="random_forest")  # one-hot: no limit


@pytest.mark.parametrize("name", MODELS)
def test_predict_with_proba_predicts_as_the_model_does(penguins: pd.DataFrame, name: str) -> None:
    X, y = penguins.drop(columns="species"), penguins["species"]
    features = feature_types(penguins, "species")
    classifier = make_classifier(
        name,
        n_estimators=10,
        max_depth=3,
        c=1.0,
        max_iter=500,
        random_state=0,
        categorical=features.categorical,
    )
    preprocessor = make_preprocessor(
        features.numeric, features.categorical, max_categories=20, model=name
    )
    model = Pipeline([("preprocess", preprocessor), ("classifier", classifier)]).fit(X, y)
    y_pred, y_proba = predict_with_proba(model, X)
    assert y_pred.tolist() == model.predict(X).tolist()
    assert y_proba == pytest.approx(model.predict_proba(X))


@pytest.mark.parametrize(
    ("name", "kind", "size_param"),
    [
        pytest.param("random_forest", RandomForestClassifier, "n_estimators", id="forest"),
        pytest.param(
            "hist_gradient_boosting", HistGradientBoostingClassifier, "max_iter", id="boosting"
        ),
        pytest.param("logistic_regression", LogisticRegression, None, id="logistic"),
    ],
)
def test_make_classifier_builds_the_named_model(name: str, kind: type, size_param) -> None:
    model = make_classifier(name, n_estimators=17, max_depth=3, c=0.5, max_iter=99, random_state=7)
    assert isinstance(model, kind)
    assert model.random_state == 7
    if size_param:
        assert model.get_params()[size_param] == 17
        assert model.max_depth == 3
    else:
        assert (model.C, model.max_iter) == (0.5, 99)


def test_make_classifier_lists_the_choices_for_an_unknown_name() -> None:
    with pytest.raises(ValueError, match="random_forest, hist_gradient_boosting"):
        make_classifier("svm", n_estimators=1, max_depth=None, c=1.0, max_iter=1, random_state=0)
    assert set(MODELS) == {"random_forest", "hist_gradient_boosting", "logistic_regression"}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        pytest.param("random_forest", RandomForestRegressor, id="forest"),
        pytest.param("hist_gradient_boosting", HistGradientBoostingRegressor, id="boosting"),
        pytest.param("ridge", Ridge, id="ridge"),
    ],
)
def test_make_regressor_builds_the_named_model(name: str, kind: type) -> None:
    model = make_regressor(name, n_estimators=17, max_depth=3, alpha=0.5, random_state=7)
    assert isinstance(model, kind) and model.random_state == 7
    with pytest.raises(KitError, match="unknown MODEL 'svr': choose one of random_forest"):
        make_regressor("svr", n_estimators=1, max_depth=None, alpha=1.0, random_state=0)


def test_make_param_grid_addresses_the_classifier_step() -> None:
    values = {"n_estimators": [10, 20], "max_depth": [None, 3], "c": [0.1, 1.0]}
    assert make_param_grid("random_forest", **values) == {
        "classifier__n_estimators": [10, 20],
        "classifier__max_depth": [None, 3],
    }
    assert make_param_grid("hist_gradient_boosting", **values) == {
        "classifier__max_iter": [10, 20],
        "classifier__max_depth": [None, 3],
    }
    assert make_param_grid("logistic_regression", **values) == {"classifier__C": [0.1, 1.0]}
    with pytest.raises(ValueError, match="unknown MODEL"):
        make_param_grid("svm", **values)


@pytest.mark.slow
def test_grid_search_fits_on_training_rows_and_ranks_candidates(penguins: pd.DataFrame) -> None:
    X, y = penguins.drop(columns="species"), penguins["species"]
    classifier = make_classifier(
        "logistic_regression", n_estimators=1, max_depth=None, c=1.0, max_iter=500, random_state=0
    )
    pipeline = Pipeline(
        [("preprocess", _preprocessor_for(penguins, "species")), ("classifier", classifier)]
    )
    grid = make_param_grid("logistic_regression", n_estimators=[], max_depth=[], c=[0.001, 1.0])
    # as the classification template builds it: shuffled stratified folds, best refitted
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    search = GridSearchCV(pipeline, grid, scoring="f1_macro", cv=folds, refit=True)
    search.fit(X, y)
    results = grid_search_results(search)
    assert results.columns.tolist() == ["C", "mean_score", "std_score", "rank"]
    assert results["rank"].tolist() == [1, 2]
    assert results.loc[0, "C"] == search.best_params_["classifier__C"] == 1.0
    assert search.cv.shuffle and search.cv.random_state == 0
