"""A pytest plugin for `nbops reproduce`: record each nbval cell's outcome and both outputs.

Loaded with `-p nbops.nbval_capture`; writes one JSON line per code cell to the file named by
NBOPS_NBVAL_CAPTURE: the cell's position, whether it passed, and its sanitized reference and
re-executed outputs as text, so the caller can print a unified diff of the cells that differ.
NBOPS_NBVAL_CELLS, when set, names the only cells to re-execute (those the run executed).
"""

from __future__ import annotations

import json
import os

import pytest

CAPTURE_ENV = "NBOPS_NBVAL_CAPTURE"
CELLS_ENV = "NBOPS_NBVAL_CELLS"  # when set: the code cells to re-execute (0-based, comma-separated)


def outputs_text(outputs, sanitize) -> list[str]:
    """The comparable text of a cell's outputs, sanitized: plain text first, then other formats.

    Images are named but not compared (as nbval does without nbdime); HTML and other text
    formats follow under a `[mime/type]` line, so a diff shows where they differ too.
    """
    lines: list[str] = []
    for output in outputs or []:
        kind = output.get("output_type")
        if kind == "stream":
            lines.extend(sanitize(_joined(output.get("text", ""))).splitlines())
        elif kind == "error":
            lines.append(sanitize(f"{output.get('ename')}: {output.get('evalue')}"))
        else:
            data = output.get("data", {})
            lines.extend(sanitize(_joined(data.get("text/plain", ""))).splitlines())
            for mime in sorted(data):
                if mime == "text/plain":
                    continue
                if mime.startswith("image/"):
                    lines.append(f"[{mime}]")
                else:
                    lines.append(f"[{mime}]")
                    lines.extend(sanitize(_joined(data[mime])).splitlines())
    return lines


def _joined(text) -> str:
    if isinstance(text, list):
        return "".join(text)
    return text if isinstance(text, str) else json.dumps(text, sort_keys=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """After each nbval cell runs, append its outcome and outputs to the capture file."""
    outcome = yield
    report = outcome.get_result()
    path = os.environ.get(CAPTURE_ENV)
    if not path or report.when != "call" or not hasattr(item, "cell_num"):
        return
    entry = {
        "cell_num": item.cell_num,
        "passed": report.passed,
        "expected": outputs_text(item.cell.get("outputs"), item.sanitize),
        "got": outputs_text(getattr(item, "test_outputs", None), item.sanitize),
    }
    if report.failed and not entry["got"]:
        entry["got"] = [line for line in str(report.longrepr).splitlines() if line.strip()][-5:]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")


def pytest_collection_modifyitems(config, items):
    """Keep only the cells NBOPS_NBVAL_CELLS lists (those the run executed), when it is set."""
    wanted = os.environ.get(CELLS_ENV)
    if wanted is None:
        return
    keep = {int(number) for number in wanted.split(",") if number}
    selected = [item for item in items if getattr(item, "cell_num", None) in keep]
    deselected = [item for item in items if getattr(item, "cell_num", None) not in keep]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
