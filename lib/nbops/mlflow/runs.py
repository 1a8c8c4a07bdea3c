"""The MLflow mirror of a run folder: open the MLflow run before the kernel, fill it at the end.

The run folder stays the source of truth; MLflow mirrors it. `start` opens the run (experiment =
`EXPERIMENT_NAME` or the notebook's name) and returns the variables that make the notebook's own
`mlflow` calls land in it; `finish` logs parameters, metrics, the input data as datasets and the
run's files as artifacts, then ends the run FINISHED, FAILED or KILLED. A tracking failure never
costs the run: it is noted in run.json and in one line on stderr. mlflow is imported inside the
functions.
"""

from __future__ import annotations

import getpass
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops.files import read_json_object
from nbops.mlflow import store
from nbops.mlflow.store import ensure_experiment, first_line, tracking_uri
from nbops.project import (
    MLFLOW_EXPERIMENT_ID_ENV,
    MLFLOW_RUN_ID_ENV,
    MLFLOW_URI_ENV,
    TRACKING_ENV,
    RunFolder,
    relative_to,
    tracking_enabled,
)

EXPERIMENT_PARAMETER = "EXPERIMENT_NAME"
PARENT_TAG = "mlflow.parentRunId"  # MLflow nests a run under the run this tag names
STATUSES = {"succeeded": "FINISHED", "failed": "FAILED", "interrupted": "KILLED"}
_DIGEST_CHARS = 16  # MLflow stores at most 36 characters of a dataset digest
_MAX_PARAM = 6000
_BATCH = 100


@dataclass
class Tracked:
    """An MLflow run opened for a run folder (or none: tracking off or failed)."""

    uri: str | None = None
    run_id: str | None = None
    experiment_id: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    record: dict[str, Any] | None = None  # run.json's `mlflow` entry


def start(
    run_dir: Path,
    runs_dir: Path,
    root: Path,
    record: Mapping,
    params: Mapping[str, Any],
    proceed: Callable[[], bool] = lambda: True,
) -> Tracked:
    """Open the MLflow run of `run_dir`; never raises for a tracking failure.

    `proceed()` is asked once mlflow is loaded, before the store is opened (which creates and
    migrates a new one): False leaves the store untouched (the run was interrupted meanwhile).
    """
    if not tracking_enabled():
        return Tracked(env={TRACKING_ENV: "off"})
    uri = tracking_uri(runs_dir)
    try:
        if uri.startswith(("http://", "https://")):  # down: say so before seconds of loading
            store.check_reachable(uri)
        import mlflow  # noqa: F401 - seconds of loading, before anything touches the store

        if not proceed():
            return Tracked(env={TRACKING_ENV: "off"})
        logging.getLogger("mlflow").setLevel(logging.WARNING)  # no store-creation chatter
        client = store.client(uri)
        name = str(params.get(EXPERIMENT_PARAMETER) or Path(record["notebook"]).stem)
        experiment_id = ensure_experiment(client, name, runs_dir)
        run = client.create_run(
            experiment_id, run_name=run_dir.name, tags=_tags(run_dir, root, record)
        )
    except Exception as exc:  # the run goes on untracked (the kit's helpers too); say why
        return Tracked(env={TRACKING_ENV: "off"}, record=_failure(uri, None, "start", exc))
    run_id = run.info.run_id
    env = {MLFLOW_URI_ENV: uri, MLFLOW_RUN_ID_ENV: run_id, MLFLOW_EXPERIMENT_ID_ENV: experiment_id}
    return Tracked(uri, run_id, experiment_id, env, {"tracking_uri": uri, "run_id": run_id})


def _tags(run_dir: Path, root: Path, record: Mapping) -> dict[str, str]:
    git = record.get("git") or {}
    tags = {
        "mlflow.source.name": record["notebook"],
        "mlflow.source.type": "NOTEBOOK",
        "mlflow.user": _user(),
        "nbops.notebook": record["notebook"],
        "nbops.run_id": record["id"],
        "nbops.run_dir": relative_to(run_dir, root),
        "nbops.git_dirty": str(git.get("dirty")),
    }
    if git.get("commit"):
        tags["mlflow.source.git.commit"] = git["commit"]
    tags.update(parent_tags(record))
    return tags


def parent_tags(record: Mapping) -> dict[str, str]:
    """Tags that nest a sweep's run under the sweep's parent run (none outside a sweep)."""
    sweep = record.get("sweep") or {}
    tags = {"nbops.sweep_id": str(sweep["id"])} if sweep.get("id") else {}
    if sweep.get("mlflow_parent_run_id"):
        tags[PARENT_TAG] = str(sweep["mlflow_parent_run_id"])
    return tags


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def finish(
    tracked: Tracked,
    run_dir: Path,
    root: Path,
    record: dict[str, Any],
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Log the run folder into its MLflow run and end it with the run's status; never raises.

    `meanwhile` (the runner's report and model card) runs on this thread while the parameters,
    metrics and datasets are logged on another; the files are logged once it has returned.
    """
    meanwhile = meanwhile or (lambda: None)
    if tracked.run_id is None:
        meanwhile()
        return
    try:
        client = store.client(tracked.uri)
    except Exception as exc:
        meanwhile()
        record["mlflow"] = _failure(tracked.uri, tracked.run_id, "finish", exc)
        return
    failures: list[Exception] = []
    records = threading.Thread(
        target=_log_records,
        args=(client, tracked.run_id, run_dir, root, record.get("data") or [], failures),
        name="nbops-mlflow-records",
    )
    records.start()
    try:
        meanwhile()
    finally:
        records.join()
    try:
        if failures:
            raise failures[0]
        _log_files(client, tracked.run_id, run_dir, record)
    except Exception as exc:
        record["mlflow"] = _failure(tracked.uri, tracked.run_id, "finish", exc)
    finally:
        _end(client, tracked, record)


def _log_records(
    client: Any, run_id: str, run_dir: Path, root: Path, data: list, failures: list[Exception]
) -> None:
    """Log parameters, metrics and datasets; a failure is appended to `failures`."""
    folder = RunFolder(run_dir)
    try:
        _log_params(client, run_id, read_json_object(folder.params))
        _log_metrics(client, run_id, read_json_object(folder.metrics))
        _log_datasets(client, run_id, data, root)
    except Exception as exc:
        failures.append(exc)


def _end(client: Any, tracked: Tracked, record: dict[str, Any]) -> None:
    status = STATUSES.get(record.get("status"), "FAILED")
    try:
        error = record.get("error") or {}
        client.set_tag(tracked.run_id, "nbops.status", str(record.get("status")))
        if error:
            where = f"cell {error['cell']}: " if error.get("cell") else ""
            message = f"{where}{error.get('ename')}: {error.get('evalue')}"
            client.set_tag(tracked.run_id, "nbops.error", message[:_MAX_PARAM])
        client.set_terminated(tracked.run_id, status)
    except Exception as exc:
        record["mlflow"] = _failure(tracked.uri, tracked.run_id, "finish", exc)


def _log_params(client: Any, run_id: str, params: Mapping[str, Any]) -> None:
    from mlflow.entities import Param

    logged = client.get_run(run_id).data.params  # the notebook may have logged some itself
    fresh = [
        Param(name, _param_value(value)) for name, value in params.items() if name not in logged
    ]
    for begin in range(0, len(fresh), _BATCH):
        client.log_batch(run_id, params=fresh[begin : begin + _BATCH])


def _param_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:_MAX_PARAM]


def _log_metrics(client: Any, run_id: str, metrics: Mapping[str, Any]) -> None:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    numbers = [
        Metric(name, float(value), now, 0)
        for name, value in metrics.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    if numbers:
        client.log_batch(run_id, metrics=numbers)


def _log_datasets(client: Any, run_id: str, data: list[Mapping], root: Path) -> None:
    """Each input file as an MLflow dataset: its path as name and source, its sha256 as digest."""
    from mlflow.entities import Dataset, DatasetInput, InputTag

    inputs = []
    for entry in data:
        path = Path(entry["path"])
        source = path if path.is_absolute() else (root / path).resolve()
        dataset = Dataset(
            name=entry["path"],
            digest=str(entry.get("sha256") or "")[:_DIGEST_CHARS] or "unknown",
            source_type="local",
            source=json.dumps({"uri": str(source)}),
            profile=json.dumps({"num_rows": entry.get("rows")}),
        )
        tags = [InputTag("mlflow.data.context", "training")]
        tags += [InputTag(key, str(entry[key])) for key in ("sha256", "rows") if entry.get(key)]
        inputs.append(DatasetInput(dataset, tags))
    if inputs:
        client.log_inputs(run_id, datasets=inputs)


def _log_files(client: Any, run_id: str, run_dir: Path, record: Mapping) -> None:
    folder = RunFolder(run_dir)
    for path in folder.artifact_files:
        if path.is_file():
            client.log_artifact(run_id, str(path))
    for path in folder.artifact_folders:
        if path.is_dir() and any(path.iterdir()):
            client.log_artifacts(run_id, str(path), artifact_path=path.name)
    client.log_dict(run_id, dict(record), folder.record.name)


def _failure(uri: str | None, run_id: str | None, when: str, exc: BaseException) -> dict:
    """run.json's note of a tracking failure, also said in one line on stderr."""
    reason = f"{type(exc).__name__}: {first_line(exc) if str(exc).strip() else ''}".rstrip(": ")
    consequence = "the run goes on untracked" if when == "start" else "the run folder is kept"
    print(
        f"nbops: warning: MLflow tracking failed at {when} ({reason}); {consequence}",
        file=sys.stderr,
    )
    return {"tracking_uri": uri, "run_id": run_id, "error": f"{when}: {reason}"}
