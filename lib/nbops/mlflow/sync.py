"""`nbops sync`: push run folders to a tracking server later; end the MLflow runs of crashed runs.

A run whose server was down (run.json `tracking.status` skipped or partial) is kept whole in the
embedded store and its run folder; so is every run of a project that never had a server. `sync`
pushes such runs to a server: the run folder's records and files, the notebook's own MLflow
metrics and parameters, its logged models and their registry versions (gate tag and aliases).
It matches runs on the nbops run id (tag `nbops.run_id`), so a run synced twice exists once on
the server, and a run the server got half of (killed mid-run) is completed, not duplicated.
mlflow is imported inside the functions.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbops import runs as run_records
from nbops.errors import BadInputError
from nbops.files import read_json, write_json_atomic
from nbops.mlflow import store, transfer
from nbops.mlflow.runs import (
    COMPLETE,
    EXPERIMENT_PARAMETER,
    RUN_ID_TAG,
    STATUS_TAG,
    Tracked,
    describe,
    epoch_ms,
    log_run,
    run_tags,
)
from nbops.project import MLFLOW_URI_ENV, TRACKING_ENV, RunFolder

PUSHED, COMPLETED, ALREADY, NOT_FINISHED, OFF = (
    "pushed",
    "completed",
    "already there",
    "not finished",
    "untracked (tracking was off)",
)


@dataclass
class Synced:
    """What `sync` did with one run folder."""

    run: str
    outcome: str
    mlflow_run_id: str | None = None
    error: str | None = None


def target_uri(given: str | None, runs_dir: Path) -> str:
    """The server to push to: --to, else MLFLOW_TRACKING_URI; never the embedded store itself."""
    uri = given or os.environ.get(MLFLOW_URI_ENV)
    if not uri:
        raise BadInputError("give --to URI or set MLFLOW_TRACKING_URI: the server to push runs to")
    if uri == store.default_tracking_uri(runs_dir):
        raise BadInputError(f"{uri} is the project's embedded store: give a server with --to")
    return uri


def sync_runs(runs_dir: Path, root: Path, refs: list[str], uri: str) -> Iterator[Synced]:
    """Push the runs `refs` (default: every finished run tracked or meant to be) to `uri`."""
    folders = [run_records.find(runs_dir, ref) for ref in refs]
    if not refs and runs_dir.is_dir():
        folders = [p for p in sorted(runs_dir.iterdir()) if _is_run(p)]
    client = store.client(uri)
    for folder in folders:
        record = run_records.read_record(folder)
        if record.get("status") in ("running", run_records.CRASHED):
            yield Synced(folder.name, NOT_FINISHED)
            continue
        if not refs and _tracking_was_off(record):
            yield Synced(folder.name, OFF)
            continue
        try:
            yield sync_run(client, folder, root, record)
        except Exception as exc:  # one run's failure does not stop the others
            yield Synced(folder.name, "failed", error=describe(exc))


def _is_run(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and RunFolder(path).is_run()


def _tracking_was_off(record: dict[str, Any]) -> bool:
    reason = (record.get("tracking") or {}).get("reason") or ""
    return record.get("mlflow") is None and (not record.get("tracking") or TRACKING_ENV in reason)


def sync_run(client: Any, run_dir: Path, root: Path, record: dict[str, Any]) -> Synced:
    """Push one run folder to `client`'s store unless it is already there; update run.json."""
    folder = RunFolder(run_dir)
    params = read_json(folder.params, {}) or {}
    name = str(params.get(EXPERIMENT_PARAMETER) or Path(record["notebook"]).stem)
    experiment_id = store.ensure_experiment(client, name)
    query = f"tags.`{RUN_ID_TAG}` = '{record['id']}'"
    existing = client.search_runs([experiment_id], filter_string=query, max_results=1)
    if existing and STATUS_TAG in existing[0].data.tags:
        return Synced(run_dir.name, ALREADY, existing[0].info.run_id)
    if existing:
        run_id, outcome = existing[0].info.run_id, COMPLETED
    else:
        start = epoch_ms(record.get("started_at"))
        tags = run_tags(run_dir, root, record)
        run = client.create_run(experiment_id, start_time=start, run_name=run_dir.name, tags=tags)
        run_id, outcome = run.info.run_id, PUSHED
    tracked = Tracked(client.tracking_uri, run_id, experiment_id, experiment=name)
    source = record.get("mlflow") or {}
    source = source.get("local") or source  # a run synced before: its copy in the embedded store

    def copy_source(target: Any) -> None:
        if source.get("run_id") and source.get("tracking_uri") != client.tracking_uri:
            _copy_run(store.client(source["tracking_uri"]), source["run_id"], target, tracked)

    problem = log_run(tracked, run_dir, root, record, before_end=copy_source)
    if problem:
        return Synced(run_dir.name, "failed", run_id, problem)
    _note_synced(folder, client.tracking_uri, run_id, source)
    return Synced(run_dir.name, outcome, run_id)


def _copy_run(source: Any, source_run_id: str, target: Any, tracked: Tracked) -> None:
    """The notebook's own metrics and parameters, its models and their registry versions."""
    from mlflow.entities import Metric, Param

    original = source.get_run(source_run_id)
    present = target.get_run(tracked.run_id).data
    params = [Param(k, v) for k, v in original.data.params.items() if k not in present.params]
    now = int(time.time() * 1000)
    metrics = [
        Metric(k, v, now, 0) for k, v in original.data.metrics.items() if k not in present.metrics
    ]
    if params or metrics:
        target.log_batch(tracked.run_id, metrics=metrics, params=params)
    have = {m.name for m in transfer.logged_models(target, tracked.experiment_id, tracked.run_id)}
    copied = {}
    experiment = original.info.experiment_id
    for model in transfer.logged_models(source, experiment, source_run_id):
        if model.name in have:
            continue
        with tempfile.TemporaryDirectory(prefix="nbops-sync-") as scratch:
            files = transfer.download_model(source, model.model_id, Path(scratch))
            copied[model.model_id] = transfer.copy_model(
                target, tracked.run_id, tracked.experiment_id, files, model.name
            )
    for found in source.search_model_versions(f"run_id = '{source_run_id}'"):
        version = source.get_model_version(found.name, found.version)
        model_id = version.model_id or str(version.source).removeprefix("models:/")
        if model_id in copied:
            transfer.register(
                target,
                version.name,
                copied[model_id],
                tracked.run_id,
                tags=version.tags,
                aliases=list(version.aliases or []),
            )


def _note_synced(folder: RunFolder, uri: str, run_id: str, source: dict[str, Any]) -> None:
    """run.json now names the server's run; the local copy it came from is kept beside it."""
    record = read_json(folder.record, {}) or {}
    record["mlflow"] = {"tracking_uri": uri, "run_id": run_id}
    if source.get("run_id") and source.get("tracking_uri") != uri:  # kept for a later sync
        record["mlflow"]["local"] = {k: source.get(k) for k in ("tracking_uri", "run_id")}
    record["tracking"] = {
        "status": COMPLETE,
        "reason": None,
        "synced_at": run_records.iso(run_records.utc_now()),
    }
    write_json_atomic(folder.record, record)


def end_crashed_runs(runs_dir: Path) -> list[str]:
    """End as KILLED the MLflow run of every record whose nbops process died (kill -9); one
    killed before run.json named its MLflow run is found by its `nbops.run_id` tag."""
    ended = []
    folders = [p for p in sorted(runs_dir.iterdir()) if _is_run(p)] if runs_dir.is_dir() else []
    for folder in folders:
        raw = read_json(RunFolder(folder).record, {}) or {}
        entry = raw.get("mlflow") or {}
        if raw.get("status") != "running" or entry.get("ended"):
            continue
        with contextlib.suppress(Exception):
            if run_records.read_record(folder)["status"] != run_records.CRASHED:
                continue
            uri = entry.get("tracking_uri") or store.tracking_uri(runs_dir)
            client = store.client(uri)
            run_id = entry.get("run_id") or _tagged_run(client, raw["id"])
            if run_id:
                client.set_tag(run_id, STATUS_TAG, run_records.CRASHED)
                client.set_terminated(run_id, "KILLED")
                ended.append(folder.name)
            raw["mlflow"] = {"tracking_uri": uri, "run_id": run_id, "ended": "KILLED"}
            write_json_atomic(RunFolder(folder).record, raw)
    return ended


def _tagged_run(client: Any, nbops_id: str) -> str | None:
    """The MLflow run tagged with nbops run id `nbops_id`, in any experiment."""
    experiments = [e.experiment_id for e in client.search_experiments()]
    query = f"tags.`{RUN_ID_TAG}` = '{nbops_id}'"
    found = client.search_runs(experiments, filter_string=query, max_results=1)
    return found[0].info.run_id if found else None
