"""The summary atop `report.html`: what the run was, what it found, how sure, where to look.

Drawn from the run's own records (run.json, params.json, metrics.json, verdicts.json, via
`nbops.verdicts`), never from the notebook's printed output, so it reads the same for every
template: a template that records no model still gets the run, data and verdict parts.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops.files import read_json_object
from nbops.project import RunFolder
from nbops.verdicts import BASELINE_PREFIX, CI_HIGH, CI_LOW, Outcome, fmt, read_outcome

SHA_SHOWN = 12  # hex digits of a data digest shown
VALIDATION = "val_"  # prefix of a score measured inside the training split (what sweeps rank on)
# Parameters that change what is shown or where it is logged, never the model.
DISPLAY_KNOBS = frozenset(
    {
        "EDA_SAMPLE_ROWS",
        "EDA_MAX_COLUMNS",
        "HIST_BINS",
        "TOP_FEATURES",
        "TOP_COLUMNS",
        "FIGURE_SIZE",
        "EXPERIMENT_NAME",
        "PERMUTATION_REPEATS",
        "PERMUTATION_MAX_ROWS",
    }
)


def render_summary(
    run_dir: Path, record: Mapping[str, Any], outcome: Outcome | None = None
) -> tuple[str, Outcome]:
    """The summary's HTML and the outcome it shows, for the run in `run_dir` (`outcome` when
    the caller has read it already)."""
    folder = RunFolder(run_dir)
    outcome = outcome or read_outcome(run_dir, record)
    params = read_json_object(folder.params)
    metrics = read_json_object(folder.metrics)
    changed = changed_parameters(params, notebook_defaults(folder.notebook))
    parts = [
        _heading(record, outcome),
        _badges(outcome),
        '<div class="nbops-grid">',
        _run_facts(record, params, changed),
        _metrics_table(outcome, metrics),
        "</div>",
        _findings(outcome),
        _links(folder, record),
    ]
    body = "\n".join(part for part in parts if part)
    return f'<section class="nbops-summary" id="nbops-summary">\n{body}\n</section>', outcome


def notebook_defaults(executed: Path) -> dict[str, Any]:
    """The values of the executed notebook's own `parameters` cell (papermill keeps it)."""
    from nbops.params import declared_parameters

    try:
        declared = declared_parameters(read_json_object(executed), executed)
    except Exception:  # no notebook, no parameters cell: nothing to compare against
        return {}
    return {name: parameter.default for name, parameter in declared.items()}


def changed_parameters(params: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The effective parameters whose value differs from the notebook's default."""
    return {
        name: value
        for name, value in params.items()
        if name in defaults and defaults[name] != value
    }


def _heading(record: Mapping[str, Any], outcome: Outcome) -> str:
    name = Path(str(record.get("notebook") or "notebook")).stem
    return (
        f'<h1 class="nbops-title">{_e(name)} <span class="nbops-id">{_e(outcome.run_id)}'
        f"</span></h1>"
    )


def _badges(outcome: Outcome) -> str:
    badges = [_badge(f"status: {outcome.status}", _tone_of_status(outcome.status), "status")]
    if outcome.gate:
        gate = outcome.gate
        text = gate.words()
        if gate.passed and gate.registered_name:
            text += f" ({gate.registered_name})"
        if not gate.passed:
            text = text.replace("gate failed", "gate failed: threshold not reached")
        if gate.uses_ci_low:
            text += ", judged on the interval's bound"
        badges.append(_badge(text, "good" if gate.passed else "bad", "gate"))
    if outcome.drift:
        drift = outcome.drift
        badges.append(_badge(drift.words(), "bad" if drift.detected else "good", "drift"))
    if outcome.data_checks:
        checks = outcome.data_checks
        badges.append(_badge(checks.words(), "good" if checks.clean else "warn", "data"))
    if outcome.checked:
        leaks = outcome.leakage
        if leaks:
            codes = ", ".join(sorted({f.code for f in leaks}))
            badges.append(_badge(f"leakage: {codes}", "bad", "check"))
        elif outcome.findings:
            badges.append(_badge(f"checker: {len(outcome.findings)} findings", "warn", "check"))
        else:
            badges.append(_badge("checker: no findings", "good", "check"))
    return '<p class="nbops-badges">' + " ".join(badges) + "</p>"


def _run_facts(record: Mapping, params: Mapping, changed: Mapping) -> str:
    git = record.get("git") or {}
    commit = str(git.get("commit") or "")[:10] or "not a git checkout"
    if git.get("dirty"):
        commit += " (uncommitted changes)"
    rows = [
        ("started", str(record.get("started_at") or "")),
        ("duration", f"{fmt(record.get('duration_s'))} s" if record.get("duration_s") else ""),
        ("notebook", str(record.get("notebook") or "")),
        ("git commit", commit),
    ]
    for entry in record.get("data") or []:
        digest = str(entry.get("sha256") or "")[:SHA_SHOWN]
        count = f"{fmt(entry['rows'])} rows, " if entry.get("rows") is not None else ""
        rows.append(("data", f"{entry.get('path')} ({count}sha256 {digest})"))
    if "MODEL" in params:
        rows.append(("model", str(params["MODEL"])))
    shown = {k: v for k, v in changed.items() if k != "MODEL"}
    rows.append(
        (
            "changed parameters",
            ", ".join(f"{k} = {json.dumps(v, default=str)}" for k, v in shown.items())
            or "none (the notebook's defaults)",
        )
    )
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v)
    return f'<table class="nbops-facts"><caption>Run</caption>{body}</table>'


def _metrics_table(outcome: Outcome, metrics: Mapping[str, Any]) -> str:
    if not outcome.metrics and not metrics:
        return ""
    rows = []
    for metric in outcome.metrics:
        interval = ""
        if metric.ci_low is not None and metric.ci_high is not None:
            interval = f"{fmt(metric.ci_low)} – {fmt(metric.ci_high)}"
        baseline = "" if metric.baseline is None else fmt(metric.baseline)
        validation = metrics.get(VALIDATION + metric.name)
        rows.append(
            f'<tr data-metric="{_e(metric.name)}"><th>{_e(metric.name)}</th>'
            f'<td class="nbops-value">{fmt(metric.value)}</td><td>{interval}</td>'
            f"<td>{baseline}</td><td>{fmt(validation)}</td></tr>"
        )
    shown = {m.name for m in outcome.metrics} | {
        BASELINE_PREFIX + m.name for m in outcome.metrics if m.baseline is not None
    }
    shown |= {VALIDATION + m.name for m in outcome.metrics}
    other = [
        (name, value)
        for name, value in metrics.items()
        if name not in shown and not name.endswith((CI_LOW, CI_HIGH))
    ]
    headline = bool(outcome.metrics)
    tail = "<td></td><td></td><td></td>" if headline else ""
    scores = "".join(
        f'<tr data-metric="{_e(name)}"><th>{_e(name)}</th><td class="nbops-value">'
        f"{fmt(value)}</td>{tail}</tr>"
        for name, value in other
        if isinstance(value, float)
    )
    counts = ", ".join(
        f'<span data-metric="{_e(n)}">{_e(n)} {fmt(v)}</span>'
        for n, v in other
        if isinstance(v, int) and not isinstance(v, bool)
    )
    head = (
        "<tr><th>metric</th><th>test split</th><th>95% interval</th><th>baseline</th>"
        "<th>validation</th></tr>"
        if headline
        else "<tr><th>metric</th><th>value</th></tr>"
    )
    table = (
        f'<table class="nbops-metrics"><caption>Results</caption>{head}{"".join(rows)}'
        f"{scores}</table>"
    )
    return table + (f'<p class="nbops-counts">Counts: {counts}</p>' if counts else "")


def _findings(outcome: Outcome) -> str:
    if not outcome.findings:
        return ""
    items = "".join(
        f"<li><b>{_e(f.code)}</b> cell {_e(f.cell)}: {_e(f.message)}</li>" for f in outcome.findings
    )
    title = f"Checker findings on the notebook ({len(outcome.findings)})"
    return (
        f'<details class="nbops-findings" open><summary>{title}</summary><ul>{items}</ul></details>'
    )


def _links(folder: RunFolder, record: Mapping[str, Any]) -> str:
    links = []
    if folder.model_card.is_file():
        links.append(("model card", folder.model_card.name))
    if folder.drift_report.is_file():
        links.append(("Evidently drift report", folder.drift_report.name))
    links.append(("notebook", folder.notebook.name))
    for figure in sorted(folder.figures.glob("*.png")) if folder.figures.is_dir() else []:
        links.append((figure.stem.replace("_", " "), f"{folder.figures.name}/{figure.name}"))
    mlflow = record.get("mlflow") or {}
    uri = str(mlflow.get("tracking_uri") or "")
    if uri.startswith(("http://", "https://")) and mlflow.get("run_id"):
        experiment = mlflow.get("experiment_id")
        path = f"#/experiments/{experiment}/runs/{mlflow['run_id']}" if experiment else ""
        links.append(("MLflow run", f"{uri.rstrip('/')}/{path}"))
    anchors = " · ".join(f'<a href="{_e(href)}">{_e(label)}</a>' for label, href in links)
    toggle = '<button type="button" id="nbops-code-toggle" aria-pressed="false">show code</button>'
    return f'<p class="nbops-links">{anchors}</p><p class="nbops-tools">{toggle}</p>'


def _badge(text: str, tone: str, kind: str) -> str:
    return f'<span class="nbops-badge nbops-{tone}" data-kind="{kind}">{_e(text)}</span>'


def _tone_of_status(status: str) -> str:
    return {"succeeded": "good", "failed": "bad", "interrupted": "warn"}.get(status, "neutral")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))
