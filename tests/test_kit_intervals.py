"""The 95% bootstrap intervals of nbops.kit.metrics: honest coverage, exact resampling, seeds.

No kernel. The coverage test draws test sets from a generated binary problem whose
accuracy is known exactly, and counts how often the interval contains it.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from nbops.kit import bootstrap
from nbops.kit.metrics import classification_metrics, regression_metrics

# Off the lattice of attainable accuracies (k / TEST_ROWS), so no interval bound equals it exactly
# (on the lattice, bounds that land on it count as covering: 0.85 gives 0.97, 0.853 gives 0.943).
TRUE_ACCURACY = 0.853
TEST_ROWS = 300
SEEDS = 300
RESAMPLES = 1000


def _binary_test_set(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels with a 30/70 class mix and predictions right with probability TRUE_ACCURACY in
    each class, so the population accuracy is TRUE_ACCURACY whatever the mix of a sample."""
    rng = np.random.default_rng(seed)
    y = (rng.random(TEST_ROWS) < 0.7).astype(int)
    right = rng.random(TEST_ROWS) < TRUE_ACCURACY
    pred = np.where(right, y, 1 - y)
    score = np.clip(0.5 + (2 * pred - 1) * rng.random(TEST_ROWS) / 2, 0, 1)
    return y, pred, np.column_stack([1 - score, score])


@pytest.mark.slow  # 300 bootstraps of 1,000 resamples: tens of seconds, no kernel
def test_the_95_interval_covers_a_known_accuracy_92_to_98_percent_of_the_time() -> None:
    covered = 0
    for seed in range(SEEDS):
        y, pred, proba = _binary_test_set(seed)
        metrics = classification_metrics(
            y, pred, proba, classes=[0, 1], n_resamples=RESAMPLES, random_state=seed
        )
        covered += metrics["accuracy_ci_low"] <= TRUE_ACCURACY <= metrics["accuracy_ci_high"]
    assert 0.92 <= covered / SEEDS <= 0.98, f"coverage {covered / SEEDS:.3f} over {SEEDS} seeds"


def test_confusion_resampling_matches_a_row_by_row_bootstrap() -> None:
    """The multinomial shortcut gives the spread of redrawing rows within each class."""
    y, pred, _ = _binary_test_set(7)
    rng = np.random.default_rng(0)
    shortcut = bootstrap.confusion_resamples(y, pred, [0, 1], 4000, rng)["f1_macro"]
    strata = [np.flatnonzero(y == label) for label in (0, 1)]
    slow = []
    for _ in range(4000):
        rows = np.concatenate([rng.choice(s, size=len(s), replace=True) for s in strata])
        slow.append(_f1_macro(y[rows], pred[rows]))
    assert slow[-1] == pytest.approx(f1_score(y[rows], pred[rows], average="macro"))
    assert np.std(shortcut) == pytest.approx(np.std(slow), rel=0.08)
    assert np.mean(shortcut) == pytest.approx(np.mean(slow), abs=0.003)


def _f1_macro(y: np.ndarray, pred: np.ndarray) -> float:
    """Macro F1 of a binary 0/1 problem, from the row counts (scikit-learn's, 100x faster)."""
    scores = []
    for label in (0, 1):
        tp = np.sum((pred == label) & (y == label))
        scores.append(2 * tp / (np.sum(pred == label) + np.sum(y == label)))
    return float(np.mean(scores))


def test_resampled_auc_with_unit_weights_is_scikit_learns_with_ties() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 400)
    proba = np.round(rng.dirichlet([1, 1, 1], 400), 1)  # many ties
    exact = bootstrap.auc_resamples(y, proba, [0, 1, 2], 0, rng, exact=True)[0]
    expected = np.mean([roc_auc_score(y == c, proba[:, c]) for c in range(3)])
    assert exact == pytest.approx(expected, abs=1e-9)


def test_above_max_rows_the_scaled_interval_matches_the_full_bootstrap(monkeypatch) -> None:
    rng = np.random.default_rng(5)
    n = 8000
    y = rng.integers(0, 2, n)
    score = rng.random(n) + 0.4 * y
    proba = np.column_stack([1 - score, score])
    pred = (score > 0.7).astype(int)
    full = classification_metrics(y, pred, proba, classes=[0, 1])
    monkeypatch.setattr(bootstrap, "MAX_ROWS", 2000)
    scaled = classification_metrics(y, pred, proba, classes=[0, 1])
    width = full["roc_auc_ci_high"] - full["roc_auc_ci_low"]
    assert scaled["roc_auc_ci_high"] - scaled["roc_auc_ci_low"] == pytest.approx(width, rel=0.15)
    assert scaled["roc_auc_ci_low"] < full["roc_auc"] < scaled["roc_auc_ci_high"]


def test_intervals_are_seeded_and_can_be_turned_off() -> None:
    y, pred, proba = _binary_test_set(11)
    first = classification_metrics(y, pred, proba, classes=[0, 1], random_state=4)
    again = classification_metrics(y, pred, proba, classes=[0, 1], random_state=4)
    other = classification_metrics(y, pred, proba, classes=[0, 1], random_state=5)
    assert first == again and first != other
    bare = classification_metrics(y, pred, proba, classes=[0, 1], n_resamples=0)
    assert not any(name.endswith(("_ci_low", "_ci_high")) for name in bare)


def test_regression_intervals_bracket_the_point_values() -> None:
    rng = np.random.default_rng(2)
    y = rng.normal(size=500)
    pred = y + rng.normal(scale=0.5, size=500)
    metrics = regression_metrics(y, pred, n_resamples=500)
    for name in ("rmse", "mae", "r2"):
        assert metrics[f"{name}_ci_low"] < metrics[name] < metrics[f"{name}_ci_high"]
    # the standard error of the mean absolute error, by the textbook formula
    se = np.std(np.abs(pred - y)) / np.sqrt(len(y))
    width = metrics["mae_ci_high"] - metrics["mae_ci_low"]
    assert width == pytest.approx(2 * 1.96 * se, rel=0.15)
