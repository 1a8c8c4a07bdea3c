"""A sweep's table: one row per run (id, status, duration, swept parameters, metrics), written
as summary.csv, and the best run's parameters as best.yaml (usable as PARAMS_FILE)."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nbops.files import read_json, write_text_atomic
from nbops.project import RunFolder
from nbops.sweep.task import Outcome

MAXIMIZE, MINIMIZE = "maximize", "minimize"
# Metric names read as errors or losses: lower is better unless --direction says otherwise.
_LOWER_IS_BETTER = re.compile(r"(^|_)(rmse|mse|mae|mape|loss|error|err)($|_)")


def default_direction(metric: str) -> str:
    """minimize for error-like names (rmse, mae, loss...), else maximize."""
    return MINIMIZE if _LOWER_IS_BETTER.search(metric.lower()) else MAXIMIZE


@dataclass
class Row:
    """One run in the summary."""

    run_id: str | None
    status: str
    duration_s: float | None
    params: dict[str, Any]
    metrics: dict[str, Any]
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the Optuna trial number

    def value(self, metric: str | None) -> float | None:
        value = self.metrics.get(metric) if metric else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value) if math.isfinite(value) else None


def row_from_outcome(outcome: Outcome, swept: Sequence[str]) -> Row:
    """A summary row for a run that ended in this sweep."""
    params = read_json(RunFolder(outcome.run_dir).params, {}) if outcome.run_dir else {}
    params = {**outcome.task.params, **(params or {})}
    return Row(
        outcome.run_id,
        outcome.status,
        outcome.duration_s,
        {name: params.get(name) for name in swept},
        dict(outcome.metrics),
        outcome.error,
    )


def metric_names(rows: Sequence[Row]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row.metrics))
    return list(names)


def write_csv(path: Path, rows: Sequence[Row], swept: Sequence[str]) -> None:
    """summary.csv: run_id, status, duration_s, the swept parameters, every metric, error."""
    metrics = metric_names(rows)
    extras = list(dict.fromkeys(key for row in rows for key in row.extra))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run_id", "status", "duration_s", *extras, *swept, *metrics, "error"])
    for row in rows:
        writer.writerow(
            [
                row.run_id or "",
                row.status,
                "" if row.duration_s is None else row.duration_s,
                *(row.extra.get(key, "") for key in extras),
                *(_cell(row.params.get(name)) for name in swept),
                *(_cell(row.metrics.get(name)) for name in metrics),
                row.error or "",
            ]
        )
    write_text_atomic(path, buffer.getvalue())


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return (
        yaml.safe_dump(value, default_flow_style=True).strip() if isinstance(value, list) else value
    )


def write_best(
    path: Path,
    best: Row | None,
    runs_dir: Path,
    metric: str | None,
    direction: str,
    sweep_id: str,
    restore: Mapping[str, Any] | None = None,
) -> None:
    """best.yaml: every effective parameter of the best run, with a comment saying why;
    `restore` gives back the values the sweep set for its runs only (REGISTER_MODEL)."""
    if best is None or best.run_id is None:
        path.unlink(missing_ok=True)
        return
    params = read_json(RunFolder(runs_dir / best.run_id).params, {}) or best.params
    params = {**params, **{k: v for k, v in (restore or {}).items() if k in params}}
    header = (
        f"# Best run of sweep {sweep_id}: {best.run_id}\n"
        f"# {metric} = {best.value(metric):.6g} ({direction})\n"
        f"# Use it as a params file: nbops run NOTEBOOK -f {path.name}\n"
    )
    write_text_atomic(path, header + yaml.safe_dump(dict(params), sort_keys=False))
