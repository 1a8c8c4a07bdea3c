"""What the gallery and `nbops runs` show of one run or sweep folder, read from its records.

A run's outcome (status, verdict words, headline metric, gate, drift, leakage, data checks)
comes from `nbops.verdicts.read_outcome`, the one reader of a run's results; the parameters
that differ from the notebook's defaults and the figures come from the folder itself. Every
value is plain JSON, so an entry can be cached and embedded in the page as is. Nothing here
raises on a folder's content: a missing or unreadable file leaves its part empty.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from nbops.files import read_json_object
from nbops.project import RunFolder

SWEEP_RECORD = "sweep.json"
# The files of a run folder the gallery reads, by the names RunFolder gives them.
_NAMES = RunFolder(Path("run"))
RUN_RECORD, PARAMS_FILE, METRICS_FILE = (
    _NAMES.record.name,
    _NAMES.params.name,
    _NAMES.metrics.name,
)
REPORT, MODEL_CARD, FIGURES = _NAMES.report.name, _NAMES.model_card.name, _NAMES.figures.name
RUNNING, CRASHED = "running", "crashed"  # CRASHED: as nbops.runs shows a dead runner's record
SIGNIFICANT = 6  # digits kept of each metric in an entry (keeps a 10,000-run page small)


def outcome(folder: Path, record: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What a run found, from `nbops.verdicts.read_outcome` (the one reader of a run's results):
    status (a dead runner's `running` record reads `crashed`), verdict words, headline metric,
    and badges for the status, the gate, drift, leakage findings and the data checks."""
    from nbops.verdicts import read_outcome

    record = read_json_object(folder / RUN_RECORD) if record is None else record
    found = read_outcome(folder, record)
    status = found.status
    if status == RUNNING:
        from nbops.run import process  # psutil: only for the records that still say running

        status = CRASHED if process.is_gone(record.get("runner")) else status
    badges = [[status, status]]
    if status == "succeeded":
        if found.gate:
            badges.append([found.gate.words(), _ok(found.gate.passed)])
        if found.drift:
            badges.append([found.drift.words(), _ok(not found.drift.detected)])
        if found.leakage:
            codes = ", ".join(sorted({finding.code for finding in found.leakage}))
            badges.append([f"leakage {codes}", "bad"])
        if found.data_checks:
            badges.append([found.data_checks.words(), _ok(found.data_checks.clean)])
    verdict = found.verdict if status == found.status else status
    headline = found.headline.name if found.headline else ""
    return {"status": status, "verdict": verdict, "headline": headline, "badges": badges}


def _ok(passed: bool) -> str:
    return "ok" if passed else "bad"


def run_entry(folder: Path, defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    """One run's gallery entry (see page.py for the short keys)."""
    return entry_from_files(str(folder), set(os.listdir(folder)), lambda _notebook: defaults)


def entry_from_files(
    folder: str, present: set[str], defaults_of: Callable[[str], Mapping[str, Any] | None]
) -> dict[str, Any]:
    """`run_entry` for a folder whose file names are known, with the defaults of its notebook
    from `defaults_of`: each file is read once, with plain string paths (the gallery reads
    10,000 folders; pathlib's parsing would double the time)."""
    record = _load(folder, RUN_RECORD, present)
    params = _load(folder, PARAMS_FILE, present)
    metrics = _numbers(_load(folder, METRICS_FILE, present))
    found = outcome(Path(folder), record)
    notebook = str(record.get("notebook") or "")
    sweep = record.get("sweep") or {}
    figures = FIGURES in present and sorted(
        name[:-4] for name in os.listdir(os.path.join(folder, FIGURES)) if name.endswith(".png")
    )
    run_id = os.path.basename(folder)
    entry = {
        "id": run_id,
        "k": "run",
        "nb": notebook,
        "name": _name(run_id, notebook),
        "t": record.get("started_at") or "",
        "d": record.get("duration_s"),
        "s": found["status"],
        "v": found["verdict"],
        "b": found["badges"],
        "h": found["headline"],
        "m": {name: _round(value) for name, value in metrics.items()},
        "p": changed_parameters(params, defaults_of(notebook)),
        "f": figures or [],
        "r": REPORT in present,
        "c": MODEL_CARD in present,
    }
    if isinstance(sweep, Mapping) and sweep.get("id"):
        entry["sw"] = str(sweep["id"])
    return entry


def _load(folder: str, name: str, present: set[str]) -> dict[str, Any]:
    """A JSON object file of the folder; {} when absent or unreadable."""
    if name not in present:
        return {}
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


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
