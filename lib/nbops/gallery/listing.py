"""`nbops runs`: every run and sweep of a runs folder, newest first, as a table, JSON or CSV.

Each line carries the run's status, verdict and headline metric (with its interval when
recorded); a sweep line names its ranking metric and best run. The facts are the gallery's,
so the terminal and the page never disagree.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from nbops.errors import BadInputError
from nbops.gallery.index import collect

FORMATS = ("text", "json", "csv")
FIELDS = (
    "id",
    "kind",
    "notebook",
    "name",
    "started_at",
    "duration_s",
    "status",
    "verdict",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "best_run",
    "sweep",
    "changed_parameters",
)


def rows(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Plain records of gallery entries (long names, the headline metric spelled out)."""
    out = []
    for entry in entries:
        metric = entry.get("h") or ""
        metrics = entry.get("m") or {}
        out.append(
            {
                "id": entry["id"],
                "kind": entry["k"],
                "notebook": entry["nb"],
                "name": entry["name"],
                "started_at": entry["t"],
                "duration_s": entry["d"],
                "status": entry["s"],
                "verdict": entry["v"],
                "metric": metric,
                "value": metrics.get(metric),
                "ci_low": metrics.get(f"{metric}_ci_low"),
                "ci_high": metrics.get(f"{metric}_ci_high"),
                "best_run": entry.get("best") or None,
                "sweep": entry.get("sw"),
                "changed_parameters": entry.get("p") or {},
            }
        )
    return out


def select(
    records: list[dict[str, Any]], notebook: str | None, status: str | None
) -> list[dict[str, Any]]:
    """The records of `notebook` (path or stem) and `status` (either may be None)."""
    if notebook:
        records = [
            r for r in records if notebook in (r["notebook"], Path(r["notebook"] or "").stem)
        ]
    if status:
        records = [r for r in records if r["status"] == status]
    return records


def list_runs(
    runs_dir: Path, *, notebook: str | None = None, status: str | None = None, fmt: str = "text"
) -> str:
    """What `nbops runs` prints."""
    if fmt not in FORMATS:
        raise BadInputError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    items, _, _ = collect(runs_dir)
    records = select(rows(item.entry() for item in items), notebook, status)
    if fmt == "json":
        return json.dumps(records, indent=2) + "\n"
    if fmt == "csv":
        return _csv(records)
    return _text(records, runs_dir)


def _csv(records: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        params = record["changed_parameters"]
        writer.writerow({**record, "changed_parameters": json.dumps(params) if params else ""})
    return buffer.getvalue()


def _text(records: list[dict[str, Any]], runs_dir: Path) -> str:
    if not records:
        return f"no runs in {runs_dir}\n"
    table = [("ID", "STATUS", "VERDICT", "HEADLINE", "DURATION", "NOTEBOOK")]
    for r in records:
        took = f"{r['duration_s']:.1f} s" if isinstance(r["duration_s"], int | float) else "-"
        table.append((r["id"], r["status"], _verdict(r), _headline(r), took, r["notebook"] or "-"))
    widths = [min(max(len(row[i]) for row in table), 60) for i in range(len(table[0]) - 1)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)), row[-1]])
        for row in table
    ]
    runs = sum(r["kind"] == "run" for r in records)
    lines.append(f"{runs} run(s), {len(records) - runs} sweep(s) in {runs_dir}")
    return "\n".join(lines) + "\n"


def _verdict(record: Mapping[str, Any]) -> str:
    if record["kind"] != "run":
        return f"{record['kind']}: {record['verdict']}"
    return record["verdict"]


def _headline(record: Mapping[str, Any]) -> str:
    value = record["value"]
    if not record["metric"] or value is None:
        return "-"
    text = f"{record['metric']} {value:.4g}"
    if record["ci_low"] is not None and record["ci_high"] is not None:
        text += f" [{record['ci_low']:.3g}, {record['ci_high']:.3g}]"
    if record["kind"] != "run":
        text = f"best {text} -> {record['best_run'] or '-'}"
    return text
