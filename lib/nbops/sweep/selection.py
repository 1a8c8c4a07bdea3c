"""Which score a sweep ranks its runs on, and how it picks the best run, ties included.

Honest selection: a sweep chooses on a validation score, measured inside the training split, so
the test split never chooses the model and its scores stay honest estimates. The ranking metric is
`--metric` when given, else the notebook's `SWEEP_METRIC` parameter when it declares one, else
`val_<GATE_METRIC>` (the validation twin of the metric the notebook's registry gate judges).
A test-split score (a headline metric of DESIGN's list, its interval bounds or its baseline)
ranks only with `--allow-test-selection`, and every page then says so.

Ties: two runs are tied when their ranking scores differ by less than the evidence can tell
apart: the best run's recorded interval (`<metric>_ci_low` .. `<metric>_ci_high`) when present,
else one scored row (1/n of the score, n = `n_val` or else `n_test` rows, times the score's size
when it exceeds 1). Among tied runs the best is the first in sweep order (the grid's order, or the
trial number): list simpler values first in `--grid` and the simplest tied run is kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nbops.errors import BadInputError
from nbops.sweep.summary import MAXIMIZE, Row
from nbops.sweep.task import SUCCEEDED
from nbops.verdicts import BASELINE_PREFIX, CI_HIGH, CI_LOW, HEADLINE_ORDER

SWEEP_METRIC_PARAMETER = "SWEEP_METRIC"
GATE_METRIC_PARAMETER = "GATE_METRIC"
VALIDATION_PREFIXES = ("val_", "cv_")
ROW_COUNTS = ("n_val", "n_test")
# Scores measured on the test split (the headline metrics): never a default ranking metric.
TEST_SPLIT_METRICS = frozenset(HEADLINE_ORDER)


@dataclass(frozen=True)
class RankingMetric:
    """The metric a sweep ranks on, where it came from and whether it is a test-split score."""

    name: str
    source: str  # "--metric" | "SWEEP_METRIC" | "GATE_METRIC"
    on_test_split: bool = False

    def words(self) -> str:
        """One sentence saying which score chose the best run."""
        if self.on_test_split:
            return (
                f"The best run was chosen on {self.name}, a TEST-SPLIT score "
                "(--allow-test-selection): its value is optimistic, the test split chose the model."
            )
        return (
            f"The best run was chosen on {self.name} (from {self.source}), a validation score "
            "measured inside the training split; test-split scores are shown for information "
            "and took no part in the choice."
        )


def is_test_split_metric(name: str) -> bool:
    """True for a score measured on the test split (a headline metric, its bounds, a baseline)."""
    if name.startswith(VALIDATION_PREFIXES):
        return False
    stem = name.removesuffix(CI_LOW).removesuffix(CI_HIGH).removeprefix(BASELINE_PREFIX)
    return stem in TEST_SPLIT_METRICS


def choose_metric(
    cli_metric: str | None, effective: Mapping[str, Any], *, allow_test_selection: bool
) -> RankingMetric:
    """The ranking metric (see the module docstring); bad input when none or a test-split one."""
    if cli_metric:
        name, source = cli_metric, "--metric"
    elif effective.get(SWEEP_METRIC_PARAMETER):
        name, source = str(effective[SWEEP_METRIC_PARAMETER]), SWEEP_METRIC_PARAMETER
    elif effective.get(GATE_METRIC_PARAMETER):
        name, source = f"val_{effective[GATE_METRIC_PARAMETER]}", GATE_METRIC_PARAMETER
    else:
        raise BadInputError(
            "give --metric NAME: the notebook declares neither SWEEP_METRIC nor GATE_METRIC "
            "(a sweep ranks on val_<GATE_METRIC> by default)"
        )
    on_test = is_test_split_metric(name)
    if on_test and not allow_test_selection:
        raise BadInputError(
            f"{name} is a test-split score: ranking on it lets the test split choose the model; "
            f"rank on val_{name.removeprefix('baseline_')} or pass --allow-test-selection"
        )
    return RankingMetric(name, source, on_test)


@dataclass
class Ranking:
    """The best run, the runs tied with it and the tolerance that tied them."""

    best: Row | None
    tied: list[Row] = field(default_factory=list)  # other runs tied with the best
    tolerance: float = 0.0
    evidence: str = ""  # how the tolerance was found

    def words(self, metric: str) -> str:
        """'tied with 2 runs (...)' or '' when no run is tied with the best."""
        if not self.tied:
            return ""
        return (
            f"tied with {len(self.tied)} run(s) on {metric} (within {self.tolerance:.3g}, "
            f"{self.evidence}); the first in sweep order is kept"
        )


def rank(rows: Sequence[Row], metric: str | None, direction: str) -> Ranking:
    """The best succeeded run by `metric` and the runs tied with it (module docstring's rule)."""
    scored = [row for row in rows if row.status == SUCCEEDED and row.value(metric) is not None]
    if not scored or metric is None:
        return Ranking(None)
    sign = 1.0 if direction == MAXIMIZE else -1.0
    top = max(sign * row.value(metric) for row in scored)
    leader = next(row for row in scored if sign * row.value(metric) == top)
    tolerance, evidence = tie_tolerance(leader, metric)
    tied = [row for row in scored if top - sign * row.value(metric) < tolerance]
    best = tied[0]  # rows come in sweep order: the first tied run is kept
    return Ranking(best, [row for row in tied if row is not best], tolerance, evidence)


def tie_tolerance(row: Row, metric: str) -> tuple[float, str]:
    """How far below the best a score can be and still be tied with it, and why."""
    low, high = row.value(metric + CI_LOW), row.value(metric + CI_HIGH)
    value = row.value(metric) or 0.0
    if low is not None and high is not None and high >= low:
        return max(high - value, value - low), "the best run's 95% interval"
    for count in ROW_COUNTS:
        rows = row.value(count)
        if rows and rows >= 1:
            return max(1.0, abs(value)) / rows, f"one of {int(rows)} scored rows ({count})"
    return math.ulp(max(1.0, abs(value))) * 4, "equal scores"
