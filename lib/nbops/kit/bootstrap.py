"""95% bootstrap intervals of test metrics: seeded, stratified by class, vectorised.

A test score measured on a few hundred rows moves by a point or more when one row changes; the
interval says how far. Each resample draws as many test rows as there are, with replacement
(within each true class for classification, so every class keeps its size), recomputes the
metric, and the interval is the 2.5th and 97.5th percentile of the resampled values.

No Python loop runs per resample:
- scores computed from the confusion matrix (accuracy, F1, precision, recall) depend on the
  resampled rows only through their counts per (true, predicted) cell, so each class's row
  of the matrix is resampled as one multinomial draw: exact, and independent of the row count;
- ROC AUC and the regression errors need the rows' own values: resamples are drawn in blocks as
  per-row counts (weights), and each metric becomes weighted sums over the rows (a cumulative
  sum in score order for the AUC, a matrix product for RMSE, MAE and R²).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

N_RESAMPLES = 1000  # resamples per interval, unless a caller says otherwise
CONFIDENCE = 0.95
RANDOM_STATE = 0  # the default seed: the same data gives the same interval in every run
# Row-level metrics (ROC AUC, RMSE, MAE, R²) resample at most this many rows: above it they
# resample a seeded (stratified) sample of this size and scale the spread by sqrt(rows / n).
MAX_ROWS = 5000
_BLOCK_CELLS = 1 << 22  # resample x row cells per block (32 MB of float64 weights)
CONFUSION_METRICS = ("accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro")


def classification_intervals(
    y_true: Sequence,
    y_pred: Sequence,
    y_proba: np.ndarray,
    classes: Sequence,
    point: dict[str, float],
    *,
    n_resamples: int = N_RESAMPLES,
    random_state: int = RANDOM_STATE,
) -> dict[str, float]:
    """`M_ci_low`/`M_ci_high` for the confusion-matrix scores and the ROC AUC in `point`."""
    rng = np.random.default_rng(random_state)
    resampled = confusion_resamples(y_true, y_pred, classes, n_resamples, rng)
    index = {label: i for i, label in enumerate(classes)}
    true = np.array([index.get(label, -1) for label in np.asarray(y_true).tolist()])
    known = true >= 0
    auc_name = "roc_auc" if len(classes) == 2 else "roc_auc_ovr"
    if auc_name in point and known.any():
        columns = [1] if len(classes) == 2 else list(range(len(classes)))
        rows = _sample(true[known], rng)
        true_rows, proba_rows = true[known][rows], np.asarray(y_proba)[known][rows]
        spread = auc_resamples(true_rows, proba_rows, columns, n_resamples, rng)
        centre = auc_resamples(true_rows, proba_rows, columns, 0, rng, exact=True)
        resampled[auc_name] = _rescaled(spread, centre, point[auc_name], len(rows), known.sum())
    return interval_keys({name: values for name, values in resampled.items() if name in point})


def regression_intervals(
    y_true: Sequence,
    y_pred: Sequence,
    point: dict[str, float],
    *,
    n_resamples: int = N_RESAMPLES,
    random_state: int = RANDOM_STATE,
) -> dict[str, float]:
    """`M_ci_low`/`M_ci_high` for RMSE, MAE and R² in `point`."""
    rng = np.random.default_rng(random_state)
    true, pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    rows = _sample(np.zeros(len(true), dtype=int), rng)
    spread = regression_resamples(true[rows], pred[rows], n_resamples, rng)
    centre = regression_resamples(true[rows], pred[rows], 0, rng, exact=True)
    return interval_keys(
        {
            name: _rescaled(spread[name], centre[name], point[name], len(rows), len(true))
            for name in spread
            if name in point
        }
    )


def _sample(strata_labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """All row positions, or a seeded sample of MAX_ROWS keeping each stratum's share."""
    n = len(strata_labels)
    if n <= MAX_ROWS:
        return np.arange(n)
    keep = []
    for label in np.unique(strata_labels):
        rows = np.flatnonzero(strata_labels == label)
        size = max(1, round(len(rows) * MAX_ROWS / n))
        keep.append(rng.choice(rows, size=min(size, len(rows)), replace=False))
    return np.sort(np.concatenate(keep))


def _rescaled(
    resampled: np.ndarray, centre: np.ndarray, point: float, sampled: int, total: int
) -> np.ndarray:
    """Resampled values around `point`: their deviations from the sample's own value, scaled
    from `sampled` to `total` rows (the m-out-of-n bootstrap); unchanged when all rows were used."""
    scale = np.sqrt(sampled / total)
    return point + (resampled - float(centre[0])) * scale


def interval_keys(resampled: dict[str, np.ndarray]) -> dict[str, float]:
    """`M_ci_low` and `M_ci_high` (the 95% percentile interval) for each resampled metric `M`."""
    tail = (1 - CONFIDENCE) / 2 * 100
    keys: dict[str, float] = {}
    for name, values in resampled.items():
        finite = values[np.isfinite(values)]
        if len(finite) == 0:
            continue
        low, high = np.percentile(finite, [tail, 100 - tail])
        keys[f"{name}_ci_low"] = float(low)
        keys[f"{name}_ci_high"] = float(high)
    return keys


def confusion_resamples(
    y_true: Sequence,
    y_pred: Sequence,
    classes: Sequence,
    n_resamples: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """The confusion-matrix scores of `n_resamples` class-stratified resamples of the rows."""
    classes = list(classes)
    index = {label: i for i, label in enumerate(classes)}
    true = np.array([index.get(label, -1) for label in np.asarray(y_true).tolist()])
    pred = np.array([index.get(label, -1) for label in np.asarray(y_pred).tolist()])
    k = len(classes)
    # A prediction outside `classes` counts as wrong for its true class: one extra column.
    pred = np.where(pred >= 0, pred, k)
    cells = np.zeros((k, k + 1), dtype=np.int64)
    np.add.at(cells, (true[true >= 0], pred[true >= 0]), 1)
    counts = np.zeros((n_resamples, k, k + 1))
    for row, cell_counts in enumerate(cells):
        size = int(cell_counts.sum())
        if size:
            counts[:, row, :] = rng.multinomial(size, cell_counts / size, size=n_resamples)
    return confusion_scores(counts[:, :, :k], counts.sum(axis=2))


def confusion_scores(matrix: np.ndarray, support: np.ndarray) -> dict[str, np.ndarray]:
    """Accuracy and macro/weighted F1, precision, recall of a stack of confusion matrices
    (resample x true x predicted), with scikit-learn's zero_division=0."""
    tp = np.diagonal(matrix, axis1=1, axis2=2)
    predicted = matrix.sum(axis=1)
    total = support.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
        weights = support / total[:, None]
    return {
        "accuracy": tp.sum(axis=1) / total,
        "f1_macro": f1.mean(axis=1),
        "f1_weighted": (f1 * weights).sum(axis=1),
        "precision_macro": precision.mean(axis=1),
        "recall_macro": recall.mean(axis=1),
    }


def stratified_weights(
    strata: list[np.ndarray], n_rows: int, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Per-row counts (resample x row) of resamples that redraw each stratum's rows with
    replacement, keeping each stratum's size."""
    weights = np.zeros((n_resamples, n_rows), dtype=np.float32)  # counts: exact below 2**24
    offsets = (np.arange(n_resamples) * n_rows)[:, None]
    for rows in strata:
        drawn = rows[rng.integers(0, len(rows), size=(n_resamples, len(rows)))]
        flat = np.bincount((drawn + offsets).ravel(), minlength=n_resamples * n_rows)
        weights += flat.reshape(n_resamples, n_rows)
    return weights


def auc_resamples(
    true: np.ndarray,
    proba: np.ndarray,
    columns: Sequence[int],
    n_resamples: int,
    rng: np.random.Generator,
    exact: bool = False,
) -> np.ndarray:
    """The mean one-vs-rest ROC AUC of the classes `columns` (indices into `proba`'s columns;
    `true` holds class indices) in `n_resamples` class-stratified resamples; ties count half.
    With `exact`, one value: the AUC of the rows themselves."""
    strata = [np.flatnonzero(true == label) for label in np.unique(true)]
    orders = [_ScoreOrder(proba[:, column], true == column) for column in columns]
    if exact:
        ones = np.ones((1, len(true)), dtype=np.float32)
        return np.array([sum(float(order.auc(ones)[0]) for order in orders) / len(orders)])
    out = np.zeros(n_resamples)
    for start, size in _blocks(n_resamples, len(true)):
        weights = stratified_weights(strata, len(true), size, rng)
        for order in orders:
            out[start : start + size] += order.auc(weights)
    return out / len(orders)


class _ScoreOrder:
    """One class's scores in increasing order, with each row's tie group, for weighted AUCs."""

    def __init__(self, scores: np.ndarray, is_positive: np.ndarray) -> None:
        self.order = np.argsort(scores, kind="stable")
        ordered = scores[self.order]
        positive = is_positive[self.order]
        self.negative = ~positive
        self.positive_rows = self.order[positive]
        self.tie_start = np.searchsorted(ordered, ordered[positive], side="left")
        self.tie_end = np.searchsorted(ordered, ordered[positive], side="right")
        self.pairs = float(positive.sum()) * float(self.negative.sum())

    def auc(self, weights: np.ndarray) -> np.ndarray:
        """ROC AUC of each resample whose per-row counts are the rows of `weights`."""
        if self.pairs == 0:
            return np.full(len(weights), np.nan)
        below = np.zeros((len(weights), len(self.order) + 1), dtype=weights.dtype)
        np.cumsum(weights[:, self.order] * self.negative, axis=1, out=below[:, 1:])
        wins = below[:, self.tie_start] + below[:, self.tie_end]  # below + half the ties, x2
        won = np.einsum("ij,ij->i", weights[:, self.positive_rows], wins, dtype=np.float64)
        return won / 2 / self.pairs


def regression_resamples(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_resamples: int,
    rng: np.random.Generator,
    exact: bool = False,
) -> dict[str, np.ndarray]:
    """RMSE, MAE and R² of `n_resamples` resamples of the rows (with `exact`, of the rows)."""
    error = y_pred - y_true
    centred = y_true - y_true.mean()  # R²'s total sum of squares without cancellation
    columns = np.column_stack([error**2, np.abs(error), centred, centred**2])
    n = len(y_true)
    if exact:
        sums = columns.sum(axis=0, keepdims=True)
    else:
        sums = np.empty((n_resamples, columns.shape[1]))
        everyone = [np.arange(n)]
        for start, size in _blocks(n_resamples, n):
            weights = stratified_weights(everyone, n, size, rng)
            sums[start : start + size] = weights.astype(np.float64) @ columns
    sse, sae, s1, s2 = sums.T
    sst = s2 - s1**2 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(sst > 0, 1 - sse / sst, np.nan)
    return {"rmse": np.sqrt(sse / n), "mae": sae / n, "r2": r2}


def _blocks(n_resamples: int, n_rows: int) -> list[tuple[int, int]]:
    """(start, size) blocks of resamples whose weight matrices stay near _BLOCK_CELLS cells."""
    size = max(1, min(n_resamples, _BLOCK_CELLS // max(n_rows, 1)))
    return [(start, min(size, n_resamples - start)) for start in range(0, n_resamples, size)]
