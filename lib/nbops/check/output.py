"""Output formats for findings: text (like ruff), json, github annotations, statistics."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from nbops.check.diagnostics import Diagnostic
from nbops.check.registry import all_rules

FORMATS = ("text", "json", "github")


def summary(count: int, unreadable: int = 0) -> str:
    """ruff's last line: `Found 3 errors.` or `All checks passed!` (only when every file was
    read); with unreadable files, how many could not be checked."""
    found = f"Found {count} error{'s' if count != 1 else ''}"
    if unreadable:
        files = "1 file" if unreadable == 1 else f"{unreadable} files"
        return f"{found}; {files} could not be read (not checked)."
    return f"{found}." if count else "All checks passed!"


def text(found: list[Diagnostic], unreadable: int = 0) -> str:
    """One `path:cell N:L:C: CODE message` line per finding, then the summary."""
    return "\n".join([*(d.render() for d in found), summary(len(found), unreadable)])


def statistics(found: list[Diagnostic], unreadable: int = 0) -> str:
    """A count per code with the rule's name, most frequent first, then the summary."""
    rules = all_rules()
    counts = Counter(d.code for d in found)
    rows = [
        f"{count:>5}\t{code}\t{rules[code].name}"
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return "\n".join([*rows, summary(len(found), unreadable)])


def as_json(found: list[Diagnostic]) -> str:
    """A JSON list shaped like ruff's (`filename`, `cell`, `location.row/column`, `code`...)."""
    rules = all_rules()
    items = [
        {
            "code": d.code,
            "name": rules[d.code].name if d.code in rules else d.code,
            "message": d.message,
            "filename": d.path,
            "cell": d.cell,
            "location": {"row": d.line, "column": d.col},
        }
        for d in found
    ]
    return json.dumps(items, indent=2)


def github(found: list[Diagnostic]) -> str:
    """GitHub Actions annotations, placed on the cell's source line inside the .ipynb file."""
    lines = []
    for d in found:
        row = _json_line(d.path, d.cell, d.line)
        lines.append(f"::error title=nbops ({d.code}),file={d.path},line={row},col=1::{d.render()}")
    return "\n".join(lines)


def _json_line(path: str, cell: int, line: int) -> int:
    """The line of the .ipynb file that holds `line` of `cell` (1 when it cannot be told)."""
    try:
        rows = Path(path).read_text(encoding="utf-8").splitlines()
        count = len(json.loads("\n".join(rows))["cells"])
    except (OSError, ValueError, KeyError, TypeError):
        return 1
    sources = [i for i, row in enumerate(rows) if row.lstrip().startswith('"source":')]
    if len(sources) != count or not 0 < cell <= count:
        return 1
    start = sources[cell - 1]
    listed = rows[start].rstrip().endswith("[")
    return start + 1 + (line if listed else 0)


RENDERERS: dict[str, Callable[[list[Diagnostic]], str]] = {
    "text": text,
    "json": as_json,
    "github": github,
}
