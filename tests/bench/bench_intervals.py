"""Benchmark the 95% bootstrap intervals of `classification_metrics` / `regression_metrics`.

Run: `python tests/bench/bench_intervals.py [ROWS]` (default 100,000 test rows). For a binary
and a 3-class classifier and a regressor, times the metrics without intervals (the baseline,
`n_resamples=0`) and with the default 1,000 resamples, and prints the extra seconds and the ratio.
The issue's budget is at most 2 s extra at 100,000 test rows. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from nbops.kit.bootstrap import MAX_ROWS, N_RESAMPLES
from nbops.kit.metrics import classification_metrics, regression_metrics

REPEATS = 3


def best_of(function) -> float:
    """The fastest of REPEATS calls, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def classifier_output(rows: int, n_classes: int, seed: int = 0):
    """Labels, predictions and probabilities of a plausible classifier (about 80% right)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, rows)
    logits = rng.normal(size=(rows, n_classes))
    logits[np.arange(rows), y] += 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, proba.argmax(axis=1), proba


def main(rows: int) -> None:
    print(f"{rows:,} test rows, {N_RESAMPLES} resamples, row-level metrics on <= {MAX_ROWS:,} rows")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    cases = []
    for n_classes in (2, 3):
        y, pred, proba = classifier_output(rows, n_classes)
        classes = list(range(n_classes))
        cases.append(
            (
                f"classification, {n_classes} classes",
                lambda y=y, p=pred, q=proba, c=classes, n=N_RESAMPLES: classification_metrics(
                    y, p, q, classes=c, n_resamples=n
                ),
                lambda y=y, p=pred, q=proba, c=classes: classification_metrics(
                    y, p, q, classes=c, n_resamples=0
                ),
            )
        )
    rng = np.random.default_rng(1)
    truth = rng.normal(size=rows)
    guess = truth + rng.normal(scale=0.5, size=rows)
    cases.append(
        (
            "regression",
            lambda: regression_metrics(truth, guess),
            lambda: regression_metrics(truth, guess, n_resamples=0),
        )
    )
    for name, with_ci, without in cases:
        base, full = best_of(without), best_of(with_ci)
        print(
            f"{name:<28} metrics {base:6.3f} s, with intervals {full:6.3f} s: "
            f"+{full - base:.3f} s ({full / base:.1f}x)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
