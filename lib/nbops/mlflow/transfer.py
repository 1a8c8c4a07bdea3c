"""Move models and registry versions into a tracking store without loading them.

A logged model is a folder in MLflow's model format (MLmodel, the pickled or skops files, the
signature and input example). When a tracking server failed while the kernel logged one, the
kernel saves that folder into the run folder (`pending_*`); the runner then adds it to the run's
copy in the embedded store, and `nbops sync` copies models from there to a server. Either way the
folder is uploaded as it is (`copy_model`), so no model is unpickled outside the kernel, and the
gate's registration follows it (`register`). mlflow is imported inside the functions.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops.files import read_json, write_json_atomic
from nbops.mlflow import store
from nbops.project import RunFolder

CHALLENGER = "challenger"
GATE_TAG = "gate"
_MODELS = "models"
_REGISTRATIONS = "registrations.json"
_REASON = "reason.txt"


# ---------------------------------------------------------------- what the kernel left behind


def save_pending_model(run_dir: Path, name: str, save: Any, reason: str) -> Path:
    """Save a model the server did not take into the run folder: `save(path)` writes it."""
    pending = RunFolder(run_dir).tracking_pending
    target = pending / _MODELS / name
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    save(str(target))
    (pending / _REASON).write_text(reason + "\n", encoding="utf-8")
    return target


def add_pending_registration(run_dir: Path, entry: Mapping[str, Any], reason: str) -> None:
    """Note a registration the server did not take: {name, model, passed, verdict}."""
    pending = RunFolder(run_dir).tracking_pending
    pending.mkdir(parents=True, exist_ok=True)
    entries = read_json(pending / _REGISTRATIONS, []) or []
    write_json_atomic(pending / _REGISTRATIONS, [*entries, dict(entry)])
    if not (pending / _REASON).is_file():
        (pending / _REASON).write_text(reason + "\n", encoding="utf-8")


def pending_reason(run_dir: Path) -> str | None:
    """Why the kernel could not track something (None when it tracked everything)."""
    path = RunFolder(run_dir).tracking_pending / _REASON
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def pending_models(run_dir: Path) -> dict[str, Path]:
    """The model folders the kernel saved, by name."""
    folder = RunFolder(run_dir).tracking_pending / _MODELS
    if not folder.is_dir():
        return {}
    return {path.name: path for path in sorted(folder.iterdir()) if (path / "MLmodel").is_file()}


def pending_registrations(run_dir: Path) -> list[dict[str, Any]]:
    """The registrations the kernel could not make, in order."""
    return read_json(RunFolder(run_dir).tracking_pending / _REGISTRATIONS, []) or []


def clear_pending(run_dir: Path) -> None:
    """Forget what the kernel left behind, once a store holds it."""
    shutil.rmtree(RunFolder(run_dir).tracking_pending, ignore_errors=True)


# ---------------------------------------------------------------- copying into a store


def copy_model(client: Any, run_id: str, experiment_id: str, folder: Path, name: str) -> str:
    """Log the MLflow model in `folder` as model `name` of run `run_id`; return its model id."""
    from mlflow.entities import LoggedModelOutput, LoggedModelStatus
    from mlflow.models import Model

    source = Model.load(str(folder / "MLmodel"))
    flavor = next((f for f in source.flavors if f != "python_function"), "custom")
    model = client.create_logged_model(
        experiment_id=experiment_id, name=name, source_run_id=run_id, tags={"flavor": flavor}
    )
    client.log_outputs(run_id, [LoggedModelOutput(model.model_id, step=0)])
    with tempfile.TemporaryDirectory(prefix="nbops-model-") as scratch:
        copy = Path(scratch, name)
        shutil.copytree(folder, copy)
        source.run_id, source.model_id = run_id, model.model_id
        source.artifact_path, source.model_uuid = model.artifact_location, model.model_id
        source.save(str(copy / "MLmodel"))
        client.log_model_artifacts(model.model_id, str(copy))
    client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    return model.model_id


def download_model(client: Any, model_id: str, target: Path) -> Path:
    """The files of logged model `model_id` downloaded into `target`."""
    import mlflow.artifacts

    location = client.get_logged_model(model_id).artifact_location
    path = mlflow.artifacts.download_artifacts(
        artifact_uri=location, dst_path=str(target), tracking_uri=client.tracking_uri
    )
    return Path(path)


def logged_models(client: Any, experiment_id: str, run_id: str) -> list[Any]:
    """The models logged by run `run_id`."""
    found = client.search_logged_models(
        experiment_ids=[experiment_id], filter_string=f"source_run_id = '{run_id}'"
    )
    return list(found)


def register(
    client: Any,
    name: str,
    model_id: str,
    run_id: str,
    *,
    tags: Mapping[str, str] | None = None,
    aliases: list[str] | tuple[str, ...] = (),
) -> str:
    """A new version of registered model `name` for logged model `model_id`, tagged and aliased."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name)
    with store.global_tracking_uri(client.tracking_uri):
        version = client.create_model_version(
            name, f"models:/{model_id}", run_id=run_id, tags=dict(tags or {}), model_id=model_id
        )
    for alias in aliases:
        client.set_registered_model_alias(name, alias, version.version)
    return str(version.version)


def register_pending(client: Any, run_id: str, models: Mapping[str, str], entries: list) -> None:
    """Make the registrations the kernel noted, for the models now logged (`models`: name -> id)."""
    for entry in entries:
        model_id = models.get(entry.get("model") or "")
        if model_id is None:
            continue
        passed = bool(entry.get("passed"))
        tags = {GATE_TAG: f"{'passed' if passed else 'failed'}: {entry.get('verdict', '')}"}
        register(
            client,
            entry["name"],
            model_id,
            run_id,
            tags=tags,
            aliases=[CHALLENGER] if passed else [],
        )
