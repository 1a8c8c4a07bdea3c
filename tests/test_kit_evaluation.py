"""nbops.kit.metrics and model_plots: metric names for binary and multiclass targets, plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from nbops.kit.metrics import (
    classification_metrics,
    classification_report_table,
    permutation_importances,
)
from nbops.kit.model_plots import (
    plot_confusion_matrix,
    plot_permutation_importance,
    plot_precision_recall_curves,
    plot_roc_curves,
)

pytestmark = pytest.mark.filterwarnings("error")

COMMON = {"accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro"}


def with_intervals(names: set[str]) -> set[str]:
    """The metric names and their 95% interval bounds."""
    return names | {f"{name}_ci_{bound}" for name in names for bound in ("low", "high")}


SIZE = [4.0, 3.0]


@pytest.fixture(scope="module")
def iris():
    frame = load_iris(as_frame=True).frame
    X = frame.drop(columns="target")
    y = frame["target"].map(dict(enumerate(["setosa", "versicolor", "virginica"])))
    model = LogisticRegression(max_iter=500).fit(X, y)
    return model, X, y


def test_multiclass_metrics_use_one_vs_rest_auc(iris) -> None:
    model, X, y = iris
    metrics = classification_metrics(
        y, model.predict(X), model.predict_proba(X), classes=model.classes_
    )
    assert set(metrics) == with_intervals(COMMON | {"roc_auc_ovr"})
    assert all(isinstance(value, float) and 0 <= value <= 1 for value in metrics.values())
    assert metrics["accuracy"] > 0.9


def test_binary_metrics_use_the_second_class_as_positive() -> None:
    y = np.array(["no", "yes", "no", "yes"])
    proba_yes = np.array([0.1, 0.8, 0.4, 0.9])
    proba = np.column_stack([1 - proba_yes, proba_yes])
    metrics = classification_metrics(y, y, proba, classes=["no", "yes"])
    assert set(metrics) == with_intervals(COMMON | {"roc_auc"})
    assert metrics["roc_auc"] == 1.0
    flipped = classification_metrics(y, y, proba[:, ::-1], classes=["no", "yes"])
    assert flipped["roc_auc"] == 0.0


def test_metrics_do_not_warn_when_a_class_is_never_predicted() -> None:
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 0, 1, 1, 1, 1])
    proba = np.eye(3)[[0, 0, 1, 1, 2, 2]] * 0.8 + 0.2 / 3
    metrics = classification_metrics(y_true, y_pred, proba, classes=[0, 1, 2])
    assert metrics["precision_macro"] == pytest.approx((1 + 0.5 + 0) / 3)


def test_classification_report_table_lists_classes_and_averages(iris) -> None:
    model, X, y = iris
    table = classification_report_table(y, model.predict(X))
    assert table.index.tolist() == [
        "setosa",
        "versicolor",
        "virginica",
        "macro avg",
        "weighted avg",
    ]
    assert table.loc["setosa", "support"] == 50


def test_curves_draw_one_line_per_class_plus_chance(iris) -> None:
    model, X, y = iris
    proba = model.predict_proba(X)
    roc = plot_roc_curves(y, proba, classes=model.classes_, figsize=SIZE)
    assert isinstance(roc, Figure)
    assert len(roc.axes[0].get_lines()) == 3 + 1
    pr = plot_precision_recall_curves(y, proba, classes=model.classes_, figsize=SIZE)
    assert len(pr.axes[0].get_lines()) == 3


def test_binary_curves_draw_the_positive_class_only() -> None:
    y = np.array(["no", "yes", "no", "yes"])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.1, 0.9]])
    roc = plot_roc_curves(y, proba, classes=["no", "yes"], figsize=SIZE)
    assert [line.get_label() for line in roc.axes[0].get_lines()][0].startswith("yes")
    assert "positive class 'yes'" in roc.axes[0].get_title()


def test_confusion_matrix_counts_true_against_predicted(iris) -> None:
    model, X, y = iris
    fig = plot_confusion_matrix(y, model.predict(X), labels=model.classes_, figsize=SIZE)
    counts = [int(text.get_text()) for text in fig.axes[0].texts]
    assert sum(counts) == len(y) and len(counts) == 9


def test_permutation_importances_rank_columns(iris) -> None:
    model, X, y = iris
    noisy = X.assign(noise=np.random.default_rng(0).normal(size=len(X)))
    refit = LogisticRegression(max_iter=500).fit(noisy, y)
    table = permutation_importances(
        refit, noisy, y, scoring="accuracy", n_repeats=3, random_state=0
    )
    assert sorted(table.index) == sorted(noisy.columns)
    assert table["importance_mean"].is_monotonic_decreasing
    assert table.index[-1] != "petal length (cm)"
    again = permutation_importances(
        refit, noisy, y, scoring="accuracy", n_repeats=3, random_state=0
    )
    pd.testing.assert_frame_equal(table, again)
    fig = plot_permutation_importance(table, top=3, scoring="accuracy", figsize=SIZE)
    assert len(fig.axes[0].patches) == 3


def test_permutation_importances_sample_at_most_max_rows(iris) -> None:
    model, X, y = iris
    scored = []
    scorer = "accuracy"

    def counting(estimator, X_part, y_part):
        scored.append(len(X_part))
        return (estimator.predict(X_part) == y_part).mean()

    table = permutation_importances(
        model, X, y, scoring=counting, n_repeats=2, random_state=0, max_rows=50
    )
    assert set(scored) == {50} and sorted(table.index) == sorted(X.columns)
    again = permutation_importances(
        model, X, y, scoring=scorer, n_repeats=2, random_state=0, max_rows=50
    )
    pd.testing.assert_frame_equal(
        again,
        permutation_importances(
            model, X, y, scoring=scorer, n_repeats=2, random_state=0, max_rows=50
        ),
    )
