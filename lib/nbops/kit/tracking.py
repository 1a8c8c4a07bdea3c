"""MLflow from a notebook cell: log the fitted pipeline, gate its registration, keep tables.

Thin calls into `nbops.mlflow` (which does the MLflow work and imports mlflow only when used),
under the names the templates import. Under `nbops run` they log into the run nbops opened;
opened interactively, into a run of their own in the project's store (`mlflow.db` in the runs
folder, or MLFLOW_TRACKING_URI). NBOPS_TRACKING=off turns them into silent no-ops.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops.files import write_text_atomic
from nbops.kit.record import record_verdict, run_dir
from nbops.mlflow.notebook import (
    CHALLENGER,
    MODEL_REQUIREMENTS,
    Registration,
    active_run,
    load_logged_model,
    log_model,
    model_signature,
    pip_requirements,
)
from nbops.mlflow.notebook import (
    register_if_passes as _register_if_passes,
)
from nbops.mlflow.store import (
    ARTIFACTS_DIR,
    STORE_FILE,
    default_tracking_uri,
    ensure_experiment,
    is_embedded,
    quiet_mlflow,
)
from nbops.mlflow.store import tracking_uri as _tracking_uri
from nbops.project import Project, RunFolder, tracking_enabled

__all__ = [
    "ARTIFACTS_DIR",
    "CHALLENGER",
    "MODEL_REQUIREMENTS",
    "STORE_FILE",
    "Registration",
    "active_run",
    "default_tracking_uri",
    "ensure_experiment",
    "is_embedded",
    "load_logged_model",
    "log_model",
    "model_signature",
    "pip_requirements",
    "quiet_mlflow",
    "record_table",
    "register_if_passes",
    "tracking_enabled",
    "tracking_uri",
]


def tracking_uri(runs_dir: Path | None = None) -> str:
    """MLFLOW_TRACKING_URI when set, else the embedded store under `runs_dir` (the project's)."""
    return _tracking_uri(runs_dir or Project.load().runs_dir)


def record_table(table: Any, name: str) -> Path:
    """Save a table (e.g. per-class scores) as tables/<name>.csv in the run folder."""
    if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ValueError(f"table name {name!r} must be a plain file name such as 'per_class'")
    folder = RunFolder(run_dir()).tables
    folder.mkdir(exist_ok=True)
    return write_text_atomic(folder / f"{name}.csv", table.to_csv())


def register_if_passes(model_info: Any, metrics: Mapping[str, float], **gate: Any) -> Registration:
    """`nbops.mlflow.notebook.register_if_passes`, its outcome noted in the run's verdicts.json."""
    registration = _register_if_passes(model_info, metrics, **gate)
    record_verdict("gate", registration.as_record())
    return registration
