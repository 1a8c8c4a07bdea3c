"""A model a notebook logs under `nbops run`, handed to the runner to log into MLflow.

Importing mlflow costs seconds of CPU in every process that does it, so under `nbops run` only
the runner imports it. The notebook's `log_model` saves the fitted pipeline (skops) and the rows
its signature is inferred from into the run folder's `.pending-models/<name>/`, and
`register_if_passes` adds the registration it decided on. Once the kernel has ended, the runner
logs each pending model into the run's MLflow run with the same signature, input example and
requirements as an interactive `log_model`, registers it, records the outcome in run.json and
removes the folder. The kernel side of this module imports neither mlflow nor scikit-learn.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbops.files import read_json_object, write_bytes_atomic, write_json_atomic
from nbops.mlflow.model_log import log_fitted, pip_requirements, register_version
from nbops.project import RunFolder

MODEL_FILE = "pipeline.skops"
ROWS_FILE = "rows.pkl"  # pandas pickle: keeps every dtype; written by this run's own kernel
REQUEST_FILE = "request.json"  # written last: a folder without it is an unfinished save


@dataclass
class PendingModel:
    """What `log_model` returns under `nbops run`: the model waiting in the run folder."""

    folder: Path
    name: str
    registered_model_name: str | None = None
    model_uri: str | None = None  # unknown until the runner has logged it


def save(
    run_dir: Path, model: Any, rows: Any, *, name: str, registered_model_name: str | None
) -> PendingModel:
    """Save `model` and its signature `rows` (a DataFrame) for the runner; return the handle."""
    folder = RunFolder(run_dir).pending_models / name
    folder.mkdir(parents=True, exist_ok=True)
    import skops.io

    write_bytes_atomic(folder / MODEL_FILE, skops.io.dumps(model))
    buffer = io.BytesIO()
    rows.to_pickle(buffer, compression=None)
    write_bytes_atomic(folder / ROWS_FILE, buffer.getvalue())
    request = {"name": name, "registered_model_name": registered_model_name, "register": None}
    write_json_atomic(folder / REQUEST_FILE, request)
    return PendingModel(folder, name, registered_model_name)


def request_registration(pending: PendingModel, name: str, passed: bool, verdict: str) -> None:
    """Ask the runner to register `pending` as a version of `name` (aliased if it `passed`)."""
    request = read_json_object(pending.folder / REQUEST_FILE)
    request["register"] = {"name": name, "passed": passed, "verdict": verdict}
    write_json_atomic(pending.folder / REQUEST_FILE, request)


def log_all(run_dir: Path, uri: str, run_id: str) -> list[dict[str, Any]]:
    """In the runner: log every pending model of `run_dir` into run `run_id`; what happened to
    each (model URI, registered version or the error) is returned for run.json."""
    outcomes = []
    root = RunFolder(run_dir).pending_models
    folders = sorted(root.iterdir()) if root.is_dir() else []
    for folder in folders:
        if (folder / REQUEST_FILE).is_file():
            outcomes.append(_log_one(folder, uri, run_id))
    return outcomes


def warm() -> None:
    """Import what `log_all` needs (mlflow's scikit-learn flavor, skops: seconds), so the runner
    can do it while the cells run rather than after them."""
    try:
        import mlflow.pyfunc  # noqa: F401  (checks the logged model serves its input example)
        import mlflow.sklearn  # noqa: F401
        import skops.io  # noqa: F401
        from mlflow.utils.requirements_utils import warn_dependency_requirement_mismatches

        from nbops.mlflow.store import errors_only

        with errors_only():  # maps every installed module to its package once (seconds)
            warn_dependency_requirement_mismatches(pip_requirements())
    except Exception:  # logging imports them again and reports the failure there
        pass


def discard(run_dir: Path) -> None:
    """Remove the pending models (logged, or not to be logged: tracking off or failed)."""
    shutil.rmtree(RunFolder(run_dir).pending_models, ignore_errors=True)


def _log_one(folder: Path, uri: str, run_id: str) -> dict[str, Any]:
    request = read_json_object(folder / REQUEST_FILE)
    outcome: dict[str, Any] = {"name": request["name"]}
    try:
        import mlflow
        import pandas as pd
        import skops.io
        from mlflow.utils.logging_utils import disable_logging
        from threadpoolctl import threadpool_limits

        disable_logging()  # the runner's terminal gets no "Created version" chatter
        mlflow.set_tracking_uri(uri)
        model_path = folder / MODEL_FILE
        model = skops.io.load(model_path, trusted=skops.io.get_untrusted_types(file=model_path))
        rows = pd.read_pickle(folder / ROWS_FILE, compression=None)
        with threadpool_limits(limits=1):  # predicting five rows needs no thread pool
            info = log_fitted(
                model,
                rows,
                name=request["name"],
                registered_model_name=request.get("registered_model_name"),
                run_id=run_id,
            )
        outcome["model_uri"] = info.model_uri
        wanted = request.get("register")
        if wanted:
            version = register_version(
                info.model_uri, wanted["name"], wanted["passed"], wanted["verdict"]
            )
            outcome["registered"] = {"name": wanted["name"], "version": version}
            outcome["gate"] = wanted["verdict"]
    except Exception as exc:  # one model that cannot be logged must not cost the others
        outcome["error"] = f"{type(exc).__name__}: {str(exc).strip()[:300]}"
    return outcome
