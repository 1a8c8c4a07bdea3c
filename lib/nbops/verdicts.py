"""What a run found, read from its folder: status, headline metric with its interval, verdicts.

One reader for every page and line that states a run's result (the report's summary, the model
card, the closing lines of `nbops run`, `nbops runs`, the gallery), so they never disagree.
Sources, all in the run folder: run.json (status, error, the checker's findings), metrics.json
(scores, `M_ci_low`/`M_ci_high`, baselines, data checks), params.json (the drift threshold of
runs recorded before verdicts.json existed) and verdicts.json (the registry gate and the drift
verdict, written by `nbops.kit` in the kernel). A missing or unreadable file leaves its part
empty; `read_outcome` never raises on a run folder's content.

Public API (stable): `read_outcome(folder) -> Outcome`, `headline_metrics(metrics)`, the
dataclasses `Outcome`, `Metric`, `Gate`, `Drift`, `DataChecks`, `Finding`, and the constants
`CI_LOW`, `CI_HIGH`, `BASELINE_PREFIX`, `HEADLINE_ORDER`, `LEAKAGE_PREFIX`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops.files import read_json_object
from nbops.project import RunFolder

CI_LOW, CI_HIGH = "_ci_low", "_ci_high"  # suffixes of a metric's 95% interval bounds
BASELINE_PREFIX = "baseline_"  # the baseline of metric M is recorded as baseline_M
# Test-split scores, in the order a run's headline metric is chosen (the gate's metric first).
HEADLINE_ORDER = (
    "f1_macro",
    "accuracy",
    "f1_weighted",
    "precision_macro",
    "recall_macro",
    "roc_auc",
    "roc_auc_ovr",
    "rmse",
    "mae",
    "r2",
)
LOWER_IS_BETTER = frozenset({"rmse", "mae"})
LEAKAGE_PREFIX = "NB3"  # checker codes of the leakage rules


@dataclass(frozen=True)
class Metric:
    """A test-split score with its 95% interval and its baseline (None when not recorded)."""

    name: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    baseline: float | None = None

    @property
    def greater_is_better(self) -> bool:
        return self.name not in LOWER_IS_BETTER


@dataclass(frozen=True)
class Gate:
    """The registry gate of `register_if_passes`: the rule, its outcome, and what was registered."""

    passed: bool
    metric: str
    threshold: float
    value: float
    greater_is_better: bool = True
    uses_ci_low: bool = False  # judged on the interval's pessimistic bound
    registered: bool = False  # a new version exists in the registry
    registered_name: str | None = None
    version: str | None = None
    alias: str | None = None
    reason: str = ""

    def words(self) -> str:
        """'gate passed @challenger v3' / 'gate failed (f1_macro 0.71 < 0.8)'."""
        if self.passed:
            where = " ".join(
                part for part in (f"@{self.alias}" if self.alias else "", _v(self.version)) if part
            )
            return f"gate passed {where}".rstrip()
        relation = "<" if self.greater_is_better else ">"
        return f"gate failed ({self.metric} {fmt(self.value)} {relation} {self.threshold:g})"


@dataclass(frozen=True)
class Drift:
    """The dataset drift verdict: detected when the drifted share reaches the threshold."""

    detected: bool
    drifted: int
    total: int
    share: float
    threshold: float | None = None
    columns: tuple[str, ...] = ()

    def words(self) -> str:
        """'drift detected: 3 of 5 columns' / 'no drift: 1 of 5 columns'."""
        head = "drift detected" if self.detected else "no drift"
        return f"{head}: {self.drifted} of {self.total} columns"


@dataclass(frozen=True)
class DataChecks:
    """Counts of rows that make test scores optimistic (None when the notebook did not count)."""

    duplicate_rows: int | None = None
    split_overlap_rows: int | None = None

    @property
    def clean(self) -> bool:
        return not (self.duplicate_rows or self.split_overlap_rows)

    def words(self) -> str:
        """'data checks clean' / '12 duplicate rows, 3 test rows in train'."""
        parts = []
        if self.duplicate_rows:
            parts.append(f"{self.duplicate_rows} duplicate rows")
        if self.split_overlap_rows:
            parts.append(f"{self.split_overlap_rows} test rows also in train")
        return ", ".join(parts) or "data checks clean"


@dataclass(frozen=True)
class Finding:
    """One finding of the notebook checker on the executed notebook."""

    code: str
    message: str
    cell: int | None = None

    @property
    def is_leakage(self) -> bool:
        return self.code.startswith(LEAKAGE_PREFIX)


@dataclass(frozen=True)
class Outcome:
    """What a run found. `verdict` is the short phrase for a page title or a terminal line."""

    run_id: str
    status: str
    notebook: str | None = None
    verdict: str = ""
    headline: Metric | None = None
    metrics: tuple[Metric, ...] = ()  # every recorded headline-kind score, headline first
    gate: Gate | None = None
    drift: Drift | None = None
    data_checks: DataChecks | None = None
    findings: tuple[Finding, ...] = ()
    checked: bool = False  # the checker ran on the notebook (findings may still be empty)
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def leakage(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_leakage)

    def headline_words(self) -> str:
        """'f1_macro 0.983 [0.95, 1.00]' or '' without a headline metric."""
        return metric_words(self.headline) if self.headline else ""


def read_outcome(folder: str | Path, record: Mapping[str, Any] | None = None) -> Outcome:
    """What the run in `folder` found, from its records (a missing file leaves its part empty).

    `record` stands in for run.json while the runner still holds it in memory."""
    folder = Path(folder)
    files = RunFolder(folder)
    record = read_json_object(files.record) if record is None else record
    metrics = _numbers(read_json_object(files.metrics))
    params = read_json_object(files.params)
    verdicts = read_json_object(files.verdicts)  # {"gate": {...}, "drift": {...}} from nbops.kit
    gate = _gate(verdicts.get("gate"))
    drift = _drift(verdicts.get("drift"), metrics, params)
    scores = headline_metrics(metrics, first=gate.metric if gate else None)
    checks = _data_checks(metrics)
    findings, checked = _findings(record.get("check"))
    status = str(record.get("status") or "unknown")
    error = _error(record.get("error"))
    outcome = Outcome(
        run_id=str(record.get("id") or folder.name),
        status=status,
        notebook=record.get("notebook"),
        headline=scores[0] if scores else None,
        metrics=tuple(scores),
        gate=gate,
        drift=drift,
        data_checks=checks,
        findings=findings,
        checked=checked,
        error=error,
    )
    return _with_verdict(outcome)


def headline_metrics(metrics: Mapping[str, Any], first: str | None = None) -> list[Metric]:
    """The recorded scores of HEADLINE_ORDER (`first` leading), with intervals and baselines."""
    order = [first] if first and first in metrics else []
    order += [name for name in HEADLINE_ORDER if name in metrics and name not in order]
    return [
        Metric(
            name,
            float(metrics[name]),
            _float(metrics.get(name + CI_LOW)),
            _float(metrics.get(name + CI_HIGH)),
            _float(metrics.get(BASELINE_PREFIX + name)),
        )
        for name in order
        if _float(metrics.get(name)) is not None
    ]


def metric_words(metric: Metric) -> str:
    """'accuracy 0.986 [0.957, 1.000]' (see `fmt`; the interval when recorded)."""
    text = f"{metric.name} {fmt(metric.value)}"
    if metric.ci_low is not None and metric.ci_high is not None:
        text += f" [{fmt(metric.ci_low)}, {fmt(metric.ci_high)}]"
    return text


def fmt(value: Any) -> str:
    """A number for people: integers with thousands separators; floats below 10 with three
    decimals (0.983, 1.000), larger ones with three significant digits or whole (41.2, 5,234)."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) < 10:
            return f"{value:.3f}"
        return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _with_verdict(outcome: Outcome) -> Outcome:
    from dataclasses import replace

    return replace(outcome, verdict=verdict_words(outcome))


def verdict_words(outcome: Outcome) -> str:
    """The short phrase of a page title or terminal line: status, then each verdict found."""
    if outcome.status != "succeeded":
        return outcome.status + (f" ({outcome.error})" if outcome.error else "")
    parts = []
    if outcome.gate:
        parts.append(outcome.gate.words())
    if outcome.drift:
        parts.append(outcome.drift.words())
    if outcome.leakage:
        codes = sorted({f.code for f in outcome.leakage})
        parts.append(f"leakage {', '.join(codes)}")
    if outcome.data_checks and not outcome.data_checks.clean:
        parts.append(outcome.data_checks.words())
    return "; ".join(parts) or "succeeded"


def _gate(raw: Any) -> Gate | None:
    if not isinstance(raw, Mapping) or "passed" not in raw or not raw.get("metric"):
        return None
    return Gate(
        passed=bool(raw["passed"]),
        metric=str(raw["metric"]),
        threshold=_float(raw.get("threshold")) or 0.0,
        value=_float(raw.get("value")) or 0.0,
        greater_is_better=bool(raw.get("greater_is_better", True)),
        uses_ci_low=bool(raw.get("uses_ci_low", False)),
        registered=bool(raw.get("version")),
        registered_name=raw.get("registered_name"),
        version=None if raw.get("version") is None else str(raw["version"]),
        alias=raw.get("alias"),
        reason=str(raw.get("reason") or ""),
    )


def _drift(raw: Any, metrics: Mapping[str, float], params: Mapping[str, Any]) -> Drift | None:
    if isinstance(raw, Mapping) and "detected" in raw:
        return Drift(
            detected=bool(raw["detected"]),
            drifted=int(raw.get("drifted") or 0),
            total=int(raw.get("total") or 0),
            share=_float(raw.get("share")) or 0.0,
            threshold=_float(raw.get("threshold")),
            columns=tuple(str(c) for c in raw.get("columns") or ()),
        )
    # Runs recorded before verdicts.json: the same rule from the recorded share and the threshold.
    threshold = _float(params.get("DRIFT_SHARE_THRESHOLD"))
    if "drift_share" not in metrics or threshold is None:
        return None
    share = metrics["drift_share"]
    return Drift(
        share >= threshold,
        int(metrics.get("drifted_columns", 0)),
        int(metrics.get("n_columns", 0)),
        share,
        threshold,
    )


def _data_checks(metrics: Mapping[str, float]) -> DataChecks | None:
    found = {name: metrics.get(name) for name in ("duplicate_rows", "split_overlap_rows")}
    if all(value is None for value in found.values()):
        return None
    return DataChecks(**{k: None if v is None else int(v) for k, v in found.items()})


def _findings(raw: Any) -> tuple[tuple[Finding, ...], bool]:
    if not isinstance(raw, Mapping):
        return (), False
    findings = tuple(
        Finding(str(item.get("code")), str(item.get("message") or ""), item.get("cell"))
        for item in raw.get("findings") or ()
        if isinstance(item, Mapping) and item.get("code")
    )
    return findings, raw.get("error") is None


def _error(raw: Any) -> str | None:
    if not isinstance(raw, Mapping) or not raw.get("ename"):
        return None
    where = f"cell {raw['cell']}: " if raw.get("cell") else ""
    return f"{where}{raw['ename']}"


def _numbers(metrics: Mapping[str, Any]) -> dict[str, float]:
    return {
        name: value
        for name, value in metrics.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _v(version: str | None) -> str:
    return f"v{version}" if version else ""
