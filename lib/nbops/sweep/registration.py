"""The registry in a sweep: child runs never register, the best run is registered once at the end.

Each run of a sweep gets `REGISTER_MODEL = False` (when the notebook declares it), so no child
run creates a version or moves an alias: their models are only logged. When the sweep ends, the
best run (by the ranking metric) is registered as one new version of the notebook's
`REGISTERED_MODEL_NAME`, with the alias `challenger`, if it passes the notebook's gate
(`GATE_METRIC` against `GATE_THRESHOLD`, as the run's own gate judged it). `--no-register`, the
notebook's `REGISTER_MODEL = False`, tracking off or a failed gate register nothing; the sweep
says which in its summary and sweep.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nbops.files import read_json
from nbops.project import RunFolder
from nbops.sweep.selection import GATE_METRIC_PARAMETER
from nbops.sweep.summary import MAXIMIZE, Row, default_direction

REGISTER_PARAMETER = "REGISTER_MODEL"
NAME_PARAMETER = "REGISTERED_MODEL_NAME"
GATE_THRESHOLD_PARAMETER = "GATE_THRESHOLD"


@dataclass(frozen=True)
class Registration:
    """What the sweep did with the registry at its end."""

    registered: bool
    reason: str
    name: str | None = None
    version: str | None = None
    alias: str | None = None

    def as_record(self) -> dict[str, Any]:
        return asdict(self)


def child_overrides(declared: Mapping[str, Any]) -> dict[str, Any]:
    """Values every run of the sweep gets so that it never registers a model itself."""
    return {REGISTER_PARAMETER: False} if REGISTER_PARAMETER in declared else {}


def register_best_run(
    best: Row | None, runs_dir: Path, effective: Mapping[str, Any], *, enabled: bool
) -> Registration:
    """Register `best` once, with @challenger, if registration is on and it passes the gate."""
    if not enabled:
        return Registration(False, "not registered: --no-register")
    if REGISTER_PARAMETER not in effective:
        return Registration(False, "not registered: the notebook declares no REGISTER_MODEL")
    if not effective.get(REGISTER_PARAMETER):
        return Registration(False, "not registered: the notebook's REGISTER_MODEL is False")
    if best is None or best.run_id is None:
        return Registration(False, "not registered: no best run")
    folder = RunFolder(runs_dir / best.run_id)
    params = read_json(folder.params, {}) or {}
    name = str(params.get(NAME_PARAMETER) or effective.get(NAME_PARAMETER) or "")
    passed, words = gate(folder, params)
    if passed is None or not name:
        return Registration(False, f"not registered: {words or 'no REGISTERED_MODEL_NAME'}")
    if not passed:
        return Registration(False, f"not registered: {best.run_id} fails the gate ({words})", name)
    mlflow_run = (read_json(folder.record, {}) or {}).get("mlflow") or {}
    if not mlflow_run.get("run_id"):
        return Registration(False, f"not registered: {best.run_id} was not tracked", name)
    from nbops.mlflow.sweep import register_best

    try:
        version = register_best(mlflow_run["tracking_uri"], mlflow_run["run_id"], name, words)
    except Exception as exc:  # tracking never costs the sweep: say it in one line
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return Registration(False, f"not registered: MLflow failed ({reason})", name)
    return Registration(
        True,
        f"{name} v{version} is @challenger: {best.run_id} ({words})",
        name,
        version,
        "challenger",
    )


def gate(folder: RunFolder, params: Mapping[str, Any]) -> tuple[bool | None, str]:
    """The run's gate verdict (as `nbops.verdicts` reads the run's own gate) and its words;
    judged here from GATE_METRIC and GATE_THRESHOLD when the run noted none; (None, why) when
    it cannot be judged."""
    from nbops.verdicts import read_outcome

    found = read_outcome(folder.path).gate
    noted = (
        {
            "metric": found.metric,
            "threshold": found.threshold,
            "value": found.value,
            "greater_is_better": found.greater_is_better,
            "passed": found.passed,
        }
        if found
        else {}
    )
    metric = noted.get("metric") or params.get(GATE_METRIC_PARAMETER)
    threshold = noted.get("threshold", params.get(GATE_THRESHOLD_PARAMETER))
    if not metric or not isinstance(threshold, int | float):
        return None, "the notebook declares no GATE_METRIC and GATE_THRESHOLD"
    value = noted.get("value")
    if not isinstance(value, int | float):
        value = (read_json(folder.metrics, {}) or {}).get(metric)
    if not isinstance(value, int | float):
        return None, f"the gate metric {metric} was not recorded"
    greater = noted.get("greater_is_better", default_direction(metric) == MAXIMIZE)
    passed = noted.get("passed")
    if not isinstance(passed, bool):
        passed = value >= threshold if greater else value <= threshold
    relation = (">=" if passed else "<") if greater else ("<=" if passed else ">")
    return passed, f"{metric}={value:.4f} {relation} GATE_THRESHOLD={threshold}"
