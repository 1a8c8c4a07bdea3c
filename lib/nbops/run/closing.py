"""The closing lines of `nbops run`: the run, what it found, how sure, and where to look.

Read from the run folder through `nbops.verdicts`, like the report's summary, so the terminal
and the page never disagree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops.project import RunFolder
from nbops.verdicts import Outcome, fmt, metric_words, read_outcome

MAX_FINDINGS = 3  # checker findings listed one per line; the rest are counted
MAX_METRICS = 3  # headline metrics on the result line


def closing_lines(run_dir: Path, record: Mapping[str, Any]) -> list[str]:
    """The lines printed after a succeeded run."""
    outcome = read_outcome(run_dir, record)
    lines = [f"run {outcome.run_id} {outcome.status} in {fmt(record.get('duration_s'))} s"]
    lines += [f"  verdict: {outcome.verdict}"]
    lines += _result(outcome)
    lines += _verdicts(outcome)
    lines.append(f"  report:  {_shown(RunFolder(run_dir).report)}")
    return lines


def _result(outcome: Outcome) -> list[str]:
    if not outcome.metrics:
        return []
    shown = []
    for metric in outcome.metrics[:MAX_METRICS]:
        text = metric_words(metric)
        if metric.baseline is not None:
            text += f" (baseline {fmt(metric.baseline)})"
        shown.append(text)
    return [f"  result:  {'; '.join(shown)}  (95% intervals)"]


def _verdicts(outcome: Outcome) -> list[str]:
    lines = []
    if outcome.gate:
        gate = outcome.gate
        judged = f"{gate.metric}{'_ci_low' if gate.uses_ci_low else ''}"
        relation = (
            (">=" if gate.passed else "<")
            if gate.greater_is_better
            else ("<=" if gate.passed else ">")
        )
        rule = f"{judged} {fmt(gate.value)} {relation} {fmt(gate.threshold)}"
        if gate.passed and gate.version:
            where = f": {gate.registered_name} v{gate.version}"
            where += f" @{gate.alias}" if gate.alias else ""
        elif gate.version:
            where = f": {gate.registered_name} v{gate.version}, no alias"
        else:
            where = ": not registered"
        lines.append(f"  gate:    {'passed' if gate.passed else 'failed'} ({rule}){where}")
    if outcome.drift:
        drift = outcome.drift
        columns = f" ({', '.join(drift.columns)})" if drift.columns else ""
        lines.append(f"  drift:   {drift.words()} drifted{columns}")
    if outcome.data_checks:
        lines.append(f"  data:    {outcome.data_checks.words()}")
    if outcome.checked:
        lines += _findings(outcome)
    return lines


def _findings(outcome: Outcome) -> list[str]:
    if not outcome.findings:
        return ["  checker: no findings on the notebook"]
    leaks = outcome.leakage
    head = f"{len(leaks)} leakage finding(s), " if leaks else ""
    lines = [f"  checker: {head}{len(outcome.findings)} finding(s) on the notebook"]
    ordered = sorted(outcome.findings, key=lambda f: (not f.is_leakage, f.cell or 0))
    for finding in ordered[:MAX_FINDINGS]:
        lines.append(f"           {finding.code} cell {finding.cell}: {finding.message}")
    if len(ordered) > MAX_FINDINGS:
        lines.append(f"           ... and {len(ordered) - MAX_FINDINGS} more (see the report)")
    return lines


def _shown(path: Path) -> str:
    """`path` relative to the working folder when it is inside it, else as is."""
    here = Path.cwd()
    return os.path.relpath(path, here) if path.resolve().is_relative_to(here) else str(path)
