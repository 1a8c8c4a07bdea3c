"""MLflow for a sweep: one parent run for the sweep or study, the runs nested under it.

Local runs open their own MLflow run (the runner tags it with `mlflow.parentRunId` from the
run's sweep entry); runs that come back from a Dask worker without a tracking server are
mirrored here into the embedded store. mlflow is imported inside the functions; a tracking
failure never costs the sweep, it is said in one line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbops.files import read_json, write_json_atomic
from nbops.mlflow import store
from nbops.mlflow.runs import STATUSES
from nbops.project import RunFolder


@dataclass(frozen=True)
class Parent:
    """The MLflow parent run of a sweep."""

    uri: str
    run_id: str
    experiment_id: str


def _client(uri: str) -> Any:
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    return mlflow.MlflowClient(uri)


def open_parent(
    runs_dir: Path, experiment: str, name: str, tags: Mapping[str, str], resume: str | None = None
) -> Parent | None:
    """Open (or, for a resumed study, reopen) the parent run; None when tracking is off."""
    from nbops.mlflow.store import ensure_experiment, tracking_uri
    from nbops.project import tracking_enabled

    if not tracking_enabled():
        return None
    uri = tracking_uri(runs_dir)
    try:
        client = _client(uri)
        if resume and _reopen(client, resume):
            run = client.get_run(resume)
            return Parent(uri, resume, run.info.experiment_id)
        experiment_id = ensure_experiment(client, experiment, runs_dir)
        run = client.create_run(experiment_id, run_name=name, tags=dict(tags))
        return Parent(uri, run.info.run_id, experiment_id)
    except Exception as exc:
        _warn("opening the sweep's parent run", exc)
        return None


def _reopen(client: Any, run_id: str) -> bool:
    try:
        client.update_run(run_id, status="RUNNING")
        return True
    except Exception:  # deleted, or another store: open a new parent
        return False


def close_parent(
    parent: Parent | None,
    status: str,
    metrics: Mapping[str, float],
    files: list[Path],
    tags: Mapping[str, str] | None = None,
) -> None:
    """Log the sweep's summary files and best metric into the parent run, then end it."""
    if parent is None:
        return
    try:
        client = _client(parent.uri)
        for name, value in metrics.items():
            client.log_metric(parent.run_id, name, float(value))
        for key, value in (tags or {}).items():
            client.set_tag(parent.run_id, key, value)
        for path in files:
            if path.is_file():
                client.log_artifact(parent.run_id, str(path))
        client.set_tag(parent.run_id, "nbops.status", status)
        client.set_terminated(parent.run_id, STATUSES.get(status, "FAILED"))
    except Exception as exc:
        _warn("closing the sweep's parent run", exc)


def log_parent_params(parent: Parent | None, params: Mapping[str, str]) -> None:
    """The sweep's spec as parameters of its parent run."""
    if parent is None or not params:
        return
    try:
        from mlflow.entities import Param

        client = _client(parent.uri)
        logged = client.get_run(parent.run_id).data.params
        fresh = [Param(k, str(v)[:6000]) for k, v in params.items() if k not in logged]
        if fresh:
            client.log_batch(parent.run_id, params=fresh)
    except Exception as exc:
        _warn("logging the sweep's parameters", exc)


def mirror_run(run_dir: Path, runs_dir: Path, root: Path) -> None:
    """Mirror a run folder that came back from a worker into the embedded store."""
    from nbops.mlflow import runs as mirror

    folder = RunFolder(run_dir)
    record = read_json(folder.record, {}) or {}
    if not record or (record.get("mlflow") or {}).get("run_id"):
        return
    params = read_json(folder.params, {}) or {}
    tracked = mirror.start(run_dir, runs_dir, root, record, params)
    if tracked.run_id is None:
        return
    record["mlflow"] = tracked.record
    mirror.finish(tracked, run_dir, root, record)
    write_json_atomic(folder.record, record)


def children(parent: Parent) -> list[Any]:
    """The runs nested under `parent` (for tests and summaries)."""
    client = _client(parent.uri)
    query = f"tags.`mlflow.parentRunId` = '{parent.run_id}'"
    return client.search_runs([parent.experiment_id], filter_string=query, max_results=10_000)


def _warn(when: str, exc: BaseException) -> None:
    lines = str(exc).strip().splitlines()
    reason = f"{type(exc).__name__}: {lines[0][:300] if lines else ''}".rstrip(": ")
    print(f"nbops: warning: MLflow tracking failed {when} ({reason})", file=sys.stderr)


def register_best(
    uri: str, run_id: str, name: str, gate_words: str, model_name: str = "model"
) -> str:
    """Register the model logged by MLflow run `run_id` as a new version of `name`, tag its gate
    and give it the alias `challenger`; return the version (raises on a tracking failure)."""

    from nbops.mlflow.notebook import CHALLENGER

    client = _client(uri)
    with store.global_tracking_uri(uri):  # the registry resolves the model's source through it
        run = client.get_run(run_id)
        found = client.search_logged_models(
            experiment_ids=[run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'"
        )
        named = [model for model in found if model.name == model_name] or list(found)
        if not named:
            raise LookupError(f"MLflow run {run_id} logged no model")
        if not _has_registered(client, name):
            client.create_registered_model(name)
        model = named[0]
        version = client.create_model_version(
            name, model.model_uri, run_id=run_id, model_id=model.model_id
        ).version
        client.set_model_version_tag(name, version, "gate", f"passed: {gate_words}")
        client.set_registered_model_alias(name, CHALLENGER, version)
    return str(version)


def registered_versions(uri: str, name: str) -> list[Any]:
    """Every version of registered model `name` (empty when there is none)."""
    client = _client(uri)
    if not _has_registered(client, name):
        return []
    return list(client.search_model_versions(f"name = '{name}'"))


def _has_registered(client: Any, name: str) -> bool:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
        return True
    except MlflowException:
        return False
