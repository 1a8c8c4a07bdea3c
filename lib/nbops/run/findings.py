"""The notebook checker's findings on the code a run executed, for run.json's `check` entry.

`nbops check` runs in-process on the executed notebook, minus the cell papermill injected (its
values are the run's parameters, not code) and minus the rules about committed outputs and
execution order (an executed notebook has outputs by design). Cell numbers are then those of the
source notebook. A run whose notebook leaks says so at the top of its report and in the terminal.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from nbops.files import read_json_object

INJECTED_TAG = "injected-parameters"  # papermill's tag on the cell it adds
NOT_FOR_EXECUTED = ("NB4", "NB900")  # committed outputs, run order, unused noqa marks


def notebook_findings(executed: Path, source_name: str) -> dict[str, Any]:
    """The findings ({code, cell, line, message}) on `executed`, or an `error` saying why none."""
    from nbops.check import check_notebook, load_config
    from nbops.check.config import config_from_table

    try:
        config = load_config()
    except Exception:  # a broken [tool.nbops.check] table must not cost the run its record
        config = config_from_table({})
    config = config.override(ignore=",".join((*config.ignore, *NOT_FOR_EXECUTED)))
    notebook = read_json_object(executed)
    if not notebook.get("cells"):
        return {"findings": [], "error": "the executed notebook is missing or empty"}
    code = copy.deepcopy(notebook)
    code["cells"] = [
        cell
        for cell in code["cells"]
        if INJECTED_TAG not in cell.get("metadata", {}).get("tags", [])
    ]
    try:
        found = check_notebook(code, config)
    except Exception as exc:  # the checker's own failure is reported, never raised
        return {"findings": [], "error": f"{type(exc).__name__}: {exc}"}
    return {
        "notebook": source_name,
        "findings": [
            {"code": d.code, "cell": d.cell, "line": d.line, "message": d.message} for d in found
        ],
        "error": None,
    }
