"""What the gallery and `nbops runs` show of one run or sweep folder, read from its records.

A run's outcome (status, verdict words, headline metric with its interval, gate, data checks)
comes from `outcome`, the one function that reads a run's results; the parameters that differ
from the notebook's defaults and the figures come from the folder itself. Every value is plain
JSON, so an entry can be cached and embedded in the page as is. Nothing here raises on a folder's
content: a missing or unreadable file leaves its part empty.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops.files import read_json_object
from nbops.project import RunFolder
from nbops.run import process
from nbops.runs import CRASHED

SWEEP_RECORD = "sweep.json"
RUNNING = "running"
VERDICTS_FILE = "verdicts.json"
CI_LOW, CI_HIGH = "_ci_low", "_ci_high"
# Test-split scores in the order a run's headline metric is chosen (the gate's metric first).
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
LOWER_IS_BETTER = ("rmse", "mae")
SIGNIFICANT = 6  # digits kept of each metric in an entry (keeps a 10,000-run page small)


def outcome(folder: Path) -> dict[str, Any]:
    """What a run found: status, verdict words, headline metric with interval, badges."""
    record = read_json_object(RunFolder(folder).record)
    metrics = _numbers(read_json_object(RunFolder(folder).metrics))
    params = read_json_object(RunFolder(folder).params)
    status = str(record.get("status") or "unknown")
    if status == RUNNING and process.is_gone(record.get("runner")):
        status = CRASHED
    gate = _gate(read_json_object(folder / VERDICTS_FILE).get("gate"), metrics, params)
    first = gate["metric"] if gate else None
    names = [first] if first in metrics else []
    names += [name for name in HEADLINE_ORDER if name in metrics and name not in names]
    badges = [[status, status]]
    if status == "succeeded" and gate:
        badges.append(["gate passed" if gate["passed"] else "gate failed", _ok(gate["passed"])])
    duplicates = int(metrics.get("duplicate_rows", 0)) + int(metrics.get("split_overlap_rows", 0))
    if status == "succeeded" and ("duplicate_rows" in metrics or "split_overlap_rows" in metrics):
        badges.append(
            ["data clean" if not duplicates else "data: repeated rows", _ok(not duplicates)]
        )
    error = record.get("error") or {}
    verdict = status if status != "succeeded" else "; ".join(b[0] for b in badges[1:]) or status
    if error.get("ename"):
        verdict += f" ({error['ename']})"
    return {"status": status, "verdict": verdict, "headline": names[:1], "badges": badges}


def _gate(noted: Any, metrics: Mapping[str, float], params: Mapping[str, Any]) -> dict | None:
    if isinstance(noted, Mapping) and isinstance(noted.get("passed"), bool):
        return {"metric": noted.get("metric"), "passed": noted["passed"]}
    metric, threshold = params.get("GATE_METRIC"), params.get("GATE_THRESHOLD")
    if metric not in metrics or not isinstance(threshold, int | float):
        return None
    value = metrics[metric]
    lower = str(metric).endswith(LOWER_IS_BETTER)
    return {"metric": metric, "passed": value <= threshold if lower else value >= threshold}


def _ok(passed: bool) -> str:
    return "ok" if passed else "bad"


def run_entry(folder: Path, defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    """One run's gallery entry (see page.py for the short keys)."""
    run = RunFolder(folder)
    record = read_json_object(run.record)
    params = read_json_object(run.params)
    metrics = _numbers(read_json_object(run.metrics))
    found = outcome(folder)
    notebook = str(record.get("notebook") or "")
    sweep = record.get("sweep") or {}
    entry = {
        "id": folder.name,
        "k": "run",
        "nb": notebook,
        "name": _name(folder.name, notebook),
        "t": record.get("started_at") or "",
        "d": record.get("duration_s"),
        "s": found["status"],
        "v": found["verdict"],
        "b": found["badges"],
        "h": found["headline"][0] if found["headline"] else "",
        "m": {name: _round(value) for name, value in metrics.items()},
        "p": changed_parameters(params, defaults),
        "f": sorted(p.stem for p in run.figures.glob("*.png")) if run.figures.is_dir() else [],
        "r": run.report.is_file(),
        "c": run.model_card.is_file(),
    }
    if isinstance(sweep, Mapping) and sweep.get("id"):
        entry["sw"] = str(sweep["id"])
    return entry


def sweep_entry(folder: Path) -> dict[str, Any]:
    """One sweep's (or study invocation's) gallery entry: its best run and ranking metric."""
    record = read_json_object(folder / SWEEP_RECORD)
    best = record.get("best") or {}
    metric = record.get("metric") or ""
    counts = record.get("counts") or {}
    status = str(record.get("status") or "unknown")
    test = bool(record.get("chosen_on_test_split"))
    badges = [[status, status]]
    if test:
        badges.append(["chosen on the test split", "bad"])
    registration = (record.get("registration") or {}).get("reason") or ""
    if (record.get("registration") or {}).get("registered"):
        badges.append(["registered @challenger", "ok"])
    runs = f"{counts.get('succeeded', 0)} of {counts.get('planned', 0)} runs succeeded"
    notebook = str(record.get("notebook") or "")
    return {
        "id": folder.name,
        "k": str(record.get("kind") or "sweep"),
        "nb": notebook,
        "name": _name(folder.name, notebook),
        "t": record.get("started_at") or "",
        "d": record.get("duration_s"),
        "s": status,
        "v": "; ".join([runs, *(b[0] for b in badges[1:])]),
        "b": badges,
        "h": metric,
        "m": {metric: _round(best["value"])} if metric and _finite(best.get("value")) else {},
        "p": {},
        "f": [],
        "best": best.get("run_id") or "",
        "reg": registration,
        "sel": record.get("selection") or "",
    }


def is_sweep(folder: Path) -> bool:
    """True for a sweep folder (it holds sweep.json)."""
    return (folder / SWEEP_RECORD).is_file()


def changed_parameters(
    params: Mapping[str, Any], defaults: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The parameters whose value differs from the notebook's default (all, without defaults)."""
    if defaults is None:
        return dict(params)
    return {name: value for name, value in params.items() if defaults.get(name, ...) != value}


def _name(run_id: str, notebook: str) -> str:
    """The part of an id after `<UTC>-<stem>-`: the run's or sweep's name ('' without one)."""
    stem = Path(notebook).stem
    rest = run_id[16:] if len(run_id) > 16 and run_id[8] == "-" else run_id
    return rest[len(stem) + 1 :] if stem and rest.startswith(stem + "-") else ""


def _numbers(values: Mapping[str, Any]) -> dict[str, float]:
    return {name: value for name, value in values.items() if _finite(value)}


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _round(value: float) -> float:
    return value if isinstance(value, int) else float(f"{value:.{SIGNIFICANT}g}")
