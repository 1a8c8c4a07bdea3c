"""`nbops reproduce`: re-execute a run's notebook with nbval (strict) and compare every output.

The executed `notebook.ipynb` of a run is the reference. nbval re-runs it in a fresh kernel with
the project root as working directory (as `nbops run` did), the run's hash seed and thread caps,
tracking off and results written to a scratch folder, so a reproduction creates no run folder,
no MLflow run and no registry version. Outputs are compared after the sanitizers of
`sanitize.cfg`; the result goes to the run folder's `reproduce.json` (`RunFolder.reproduce_record`).
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops import runs
from nbops.errors import BadInputError
from nbops.files import file_sha256, write_json_atomic
from nbops.nbval_capture import CAPTURE_ENV, CELLS_ENV
from nbops.project import (
    MLFLOW_EXPERIMENT_ID_ENV,
    MLFLOW_EXPERIMENT_NAME_ENV,
    MLFLOW_RUN_ID_ENV,
    ROOT_ENV,
    RUN_DIR_ENV,
    RUN_ID_ENV,
    THREAD_VARIABLES,
    TRACKING_ENV,
    RunFolder,
)
from nbops.run import provenance

SANITIZER = Path(__file__).with_name("sanitize.cfg")
MAX_DIFF_LINES = 24


@dataclass
class Reproduction:
    """The outcome of re-executing one run."""

    run_dir: Path
    cells_compared: int
    differing: list[dict[str, Any]] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)
    cells_not_run: int = 0  # code cells the run never reached (it failed or was interrupted)

    @property
    def reproduced(self) -> bool:
        """True when every compared cell gave the same outputs."""
        return self.cells_compared > 0 and not self.differing


def environment_differences(record: dict[str, Any], root: Path) -> list[str]:
    """Where this machine differs from the run: Python, key packages, data files' sha256."""
    now = provenance.versions()
    notes = []
    if record.get("python") != now["python"]:
        notes.append(f"python {record.get('python')} in the run, {now['python']} here")
    for name, version in (record.get("packages") or {}).items():
        if name != "nbops" and now["packages"].get(name) != version:
            notes.append(f"{name} {version} in the run, {now['packages'].get(name)} here")
    for entry in record.get("data") or []:
        path = root / entry["path"]
        if not path.is_file():
            notes.append(f"data file {entry['path']} is missing")
        elif file_sha256(path) != entry["sha256"]:
            notes.append(f"data file {entry['path']} changed (sha256 differs from the run)")
    return notes


def _kernel_env(
    record: dict[str, Any], root: Path, scratch: Path, capture: Path, threads: int | None
) -> dict:
    env = dict(os.environ)
    for name in (MLFLOW_RUN_ID_ENV, MLFLOW_EXPERIMENT_ID_ENV, MLFLOW_EXPERIMENT_NAME_ENV):
        env.pop(name, None)
    env.update({name: value for name, value in (record.get("environment") or {}).items() if value})
    env.update(
        {
            RUN_DIR_ENV: str(scratch),
            ROOT_ENV: str(root),
            RUN_ID_ENV: record["id"],
            TRACKING_ENV: "off",
            CAPTURE_ENV: str(capture),
        }
    )
    if threads:
        env.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    return env


def reproduce(
    run_dir: Path, root: Path, timeout: float = 1800, threads: int | None = None
) -> Reproduction:
    """Re-execute a run with nbval and compare its outputs cell by cell; write reproduce.json.

    `threads` replaces the run's BLAS/OpenMP thread caps: the same outputs with more threads show
    the results do not depend on how many cores computed them.
    """
    record = runs.read_record(run_dir)
    folder = RunFolder(run_dir)
    notebook = folder.notebook
    if not notebook.is_file():
        raise BadInputError(f"{run_dir} has no {notebook.name} to reproduce")
    if record.get("status") == "running":
        raise BadInputError(f"run {record.get('id')} is still running: reproduce it once it ends")
    started, when = time.monotonic(), runs.iso(runs.utc_now())
    differences = environment_differences(record, root)
    recorded = (record.get("environment") or {}).get(THREAD_VARIABLES[0])
    if threads and str(threads) != recorded:
        differences.append(f"{threads} BLAS/OpenMP threads here (--threads), {recorded} in the run")
    absent = [
        entry["path"] for entry in record.get("data") or [] if not (root / entry["path"]).is_file()
    ]
    if absent:
        raise BadInputError(
            f"data file {absent[0]} of run {record.get('id')} is missing: restore it to reproduce "
            "the run (nothing can be learnt from a comparison without it)"
        )
    if record.get("status") == runs.CRASHED:
        differences.append("the run crashed (its nbops process is gone): comparing what it left")
    executed, code_cells = executed_cells(notebook)
    if not executed:
        raise BadInputError(
            f"run {record.get('id')} executed no cell ({record.get('status')}): "
            "nothing to reproduce"
        )
    # nbval starts its kernel in the notebook's folder: a link in the project root makes that
    # the root, the working directory the run had.
    link = root / f".nbops-reproduce-{os.getpid()}-{run_dir.name}.ipynb"
    with tempfile.TemporaryDirectory(prefix="nbops-reproduce-") as scratch:
        capture = Path(scratch) / "cells.jsonl"
        try:
            link.symlink_to(notebook.resolve())
            env = _kernel_env(record, root, Path(scratch), capture, threads)
            if len(executed) < code_cells:  # only what the run executed has a reference
                env[CELLS_ENV] = ",".join(map(str, executed))
            done = _run_nbval(link, root, env, timeout)
        finally:
            link.unlink(missing_ok=True)
        cells = _read_capture(capture)
    if not cells:
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        raise BadInputError(f"nbval could not execute {notebook}: {' / '.join(tail)}")
    numbers = _cell_numbers(notebook)
    # A cell nbval failed whose outputs are the same (the run's own error, raised again) is
    # reproduced: only a real difference is reported, never an empty diff.
    differing = [
        {"cell": numbers[cell["cell_num"]], "diff": diff}
        for cell in cells
        if not cell["passed"] and (diff := _diff(cell["expected"], cell["got"]))
    ]
    result = Reproduction(run_dir, len(cells), differing, differences, code_cells - len(executed))
    write_json_atomic(
        folder.reproduce_record,
        {
            "when": when,
            "result": "reproduced" if result.reproduced else "differs",
            "cells_compared": result.cells_compared,
            "cells_identical": result.cells_compared - len(differing),
            "cells_not_run": result.cells_not_run,
            "differing_cells": differing,
            "environment_differences": differences,
            "duration_s": round(time.monotonic() - started, 3),
        },
    )
    return result


def _run_nbval(link: Path, root: Path, env: dict, timeout: float) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(link),
        "--nbval",
        "--nbval-sanitize-with",
        str(SANITIZER),
        "--nbval-current-env",
        "--nbval-cell-timeout",
        str(int(timeout)),
        "-p",
        "nbops.nbval_capture",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--rootdir",
        str(root),
        "-q",
    ]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)


def _read_capture(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return sorted((json.loads(line) for line in lines if line), key=lambda c: c["cell_num"])


def executed_cells(notebook: Path) -> tuple[list[int], int]:
    """The code cells (nbval's 0-based count) the run executed, and how many code cells there are.

    A failed or interrupted run stops early: papermill marks the cells it never reached `pending`
    (without papermill's marks, a cell never run has no execution count). Those have no reference
    output, so they are neither re-executed nor counted as reproduced.
    """
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell.get("cell_type") == "code"]
    executed = []
    for index, cell in enumerate(code):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        ran = status != "pending" if status else cell.get("execution_count") is not None
        if ran:
            executed.append(index)
    return executed, len(code)


def _cell_numbers(notebook: Path) -> list[int]:
    """Map nbval's code-cell index to the 1-based cell number in the notebook (as ruff counts)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [index + 1 for index, cell in enumerate(cells) if cell.get("cell_type") == "code"]


def _diff(expected: list[str], got: list[str]) -> str:
    lines = list(difflib.unified_diff(expected, got, "expected", "got", lineterm="", n=1))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... ({len(lines) - MAX_DIFF_LINES} more lines)"]
    return "\n".join(lines)
