"""The MLflow mirror of a run folder: open the MLflow run before the kernel, fill it at the end.

The run folder stays the source of truth; MLflow mirrors it. `start` opens the run (experiment =
`EXPERIMENT_NAME` or the notebook's name, start time = run.json's) and returns the variables that
make the notebook's own `mlflow` calls land in it; `finish` logs parameters, metrics, the input
data as datasets and the run's files as artifacts, then ends the run FINISHED, FAILED or KILLED at
run.json's finish time. A tracking failure never costs the run: a server that fails at the start
or later is replaced by the embedded store for the rest of the run, run.json's `tracking` says
{status: complete | partial | skipped, reason}, one line on stderr says so, and `nbops sync`
pushes the run to the server later. mlflow is imported inside the functions.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from nbops.errors import NbopsError
from nbops.files import read_json_object
from nbops.mlflow import store, transfer
from nbops.mlflow.store import default_tracking_uri, ensure_experiment, first_line, tracking_uri
from nbops.project import (
    MLFLOW_EXPERIMENT_ID_ENV,
    MLFLOW_HTTP_TIMEOUT_ENV,
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
RUN_ID_TAG = "nbops.run_id"  # the nbops run id: what `nbops sync` matches runs on
STATUS_TAG = "nbops.status"  # set when the run folder has been logged whole
COMPLETE, PARTIAL, SKIPPED = "complete", "partial", "skipped"
# What MLflow's long HTTP errors mean, said in a few words.
_NETWORK_CAUSES = {
    "ReadTimeoutError": "the server did not answer in {timeout} s",
    "ConnectTimeoutError": "no connection in {timeout} s",
    "Connection refused": "connection refused",
    "NewConnectionError": "connection refused",
    "RemoteDisconnected": "the server closed the connection",
    "Connection reset": "the server reset the connection",
    "ProtocolError": "the server dropped the connection",
}
_BATCH = 100


@dataclass
class Tracked:
    """An MLflow run opened for a run folder (or none: tracking off or failed)."""

    uri: str | None = None
    run_id: str | None = None
    experiment_id: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    record: dict[str, Any] | None = None  # run.json's `mlflow` entry
    tracking: dict[str, Any] | None = None  # run.json's `tracking` entry, once known
    experiment: str = ""
    local_uri: str | None = None  # the embedded store, where the run goes when a server fails


def start(
    run_dir: Path,
    runs_dir: Path,
    root: Path,
    record: Mapping,
    params: Mapping[str, Any],
    proceed: Callable[[], bool] = lambda: True,
) -> Tracked:
    """Open the MLflow run of `run_dir`; never raises for a tracking failure.

    A tracking server that does not answer in seconds is given up for this run: the run is
    opened in the embedded store instead (`nbops sync` pushes it later), with one warning line.

    `proceed()` is asked once mlflow is loaded, before the store is opened (which creates and
    migrates a new one): False leaves the store untouched (the run was interrupted meanwhile).
    """
    if not tracking_enabled():
        skipped = {"status": SKIPPED, "reason": f"{TRACKING_ENV}=off"}
        return Tracked(env={TRACKING_ENV: "off"}, tracking=skipped)
    uri, local = tracking_uri(runs_dir), default_tracking_uri(runs_dir)
    name = str(params.get(EXPERIMENT_PARAMETER) or Path(record["notebook"]).stem)
    with contextlib.suppress(ImportError):  # open_run says why mlflow cannot be used
        import mlflow  # noqa: F401 - seconds of loading, before anything touches a store
    if not proceed():
        reason = "the run was interrupted before its MLflow run was opened"
        return Tracked(env={TRACKING_ENV: "off"}, tracking={"status": SKIPPED, "reason": reason})
    began = time.monotonic()
    try:
        return open_run(uri, name, run_dir, root, record, local)
    except Exception as exc:  # the run goes on; say why, in one line
        reason = describe(exc)
    gave_up = {"gave_up_after_s": round(time.monotonic() - began, 3)}
    if uri != local:
        warn(f"{_server_failed(uri, reason)}; {_kept_in(local)}")  # said at once
        try:
            tracked = open_run(local, name, run_dir, root, record, local)
        except Exception as exc:
            reason = f"{reason}; embedded store: {describe(exc)}"
        else:
            tracked.tracking = {"status": SKIPPED, "reason": reason, "server": uri, **gave_up}
            return tracked
    warn(f"MLflow tracking failed at start ({reason}); the run goes on untracked")
    failed = {"tracking_uri": uri, "run_id": None, "error": f"start: {reason}"}
    untracked = {TRACKING_ENV: "off", **store.client_environment()}
    skipped = {"status": SKIPPED, "reason": reason, **gave_up}
    return Tracked(env=untracked, record=failed, tracking=skipped)


def open_run(
    uri: str, name: str, run_dir: Path, root: Path, record: Mapping, local: str | None = None
) -> Tracked:
    """Create the MLflow run of `run_dir` in experiment `name` of store `uri` (may raise)."""
    client = store.client(uri)
    experiment_id = ensure_experiment(client, name)
    run = client.create_run(
        experiment_id,
        start_time=epoch_ms(record.get("started_at")),
        run_name=run_dir.name,
        tags=run_tags(run_dir, root, record),
    )
    run_id = run.info.run_id
    env = {MLFLOW_URI_ENV: uri, MLFLOW_RUN_ID_ENV: run_id, MLFLOW_EXPERIMENT_ID_ENV: experiment_id}
    env.update(store.client_environment())
    entry = {"tracking_uri": uri, "run_id": run_id, "experiment_id": experiment_id}
    return Tracked(uri, run_id, experiment_id, env, entry, None, name, local)


def epoch_ms(moment: str | None) -> int | None:
    """An ISO time of run.json in epoch milliseconds, as MLflow stores times."""
    if not moment:
        return None
    return int(datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp() * 1000)


def run_tags(run_dir: Path, root: Path, record: Mapping) -> dict[str, str]:
    """The tags of a run's MLflow run: source, user, nbops run id and folder, git, sweep."""
    git = record.get("git") or {}
    tags = {
        "mlflow.source.name": record["notebook"],
        "mlflow.source.type": "NOTEBOOK",
        "mlflow.user": _user(),
        "nbops.notebook": record["notebook"],
        RUN_ID_TAG: record["id"],
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
    When the tracking server fails (here, or in the kernel, which then left its model in the
    run folder), the whole run is logged into the embedded store instead, with one warning line;
    run.json's `tracking` says what the server did not get.
    """
    meanwhile = meanwhile or (lambda: None)
    record["mlflow"], record["tracking"] = tracked.record, tracked.tracking
    if tracked.run_id is None:
        meanwhile()
        return
    failure = transfer.pending_reason(run_dir) if store.is_server(tracked.uri) else None
    if failure is None:
        failure = log_run(tracked, run_dir, root, record, meanwhile)
    else:
        meanwhile()
    if failure is None:
        record["tracking"] = tracked.tracking or {"status": COMPLETE, "reason": None}
        return
    record["mlflow"] = {**(tracked.record or {}), "error": f"finish: {failure}"}
    if not store.is_server(tracked.uri) or not tracked.local_uri:
        warn(f"MLflow tracking failed at finish ({failure}); the run folder is kept")
        record["tracking"] = {"status": PARTIAL, "reason": failure}
        return
    _finish_locally(tracked, run_dir, root, record, failure)


def _finish_locally(
    tracked: Tracked, run_dir: Path, root: Path, record: dict[str, Any], failure: str
) -> None:
    """Log the whole run into the embedded store after the server failed."""
    server = {"server": tracked.uri, "server_run_id": tracked.run_id}
    try:
        local = open_run(tracked.local_uri, tracked.experiment, run_dir, root, record)
        problem = log_run(local, run_dir, root, record)
    except Exception as exc:
        problem = describe(exc)
    if problem is None:
        warn(f"{_server_failed(tracked.uri, failure)}; {_kept_in(tracked.local_uri)}")
        record["mlflow"] = local.record
    else:
        warn(f"MLflow tracking failed at finish ({failure}; embedded store: {problem})")
    record["tracking"] = {"status": PARTIAL, "reason": failure, **server}


def log_run(
    tracked: Tracked,
    run_dir: Path,
    root: Path,
    record: Mapping[str, Any],
    meanwhile: Callable[[], None] | None = None,
    before_end: Callable[[Any], None] | None = None,
) -> str | None:
    """Log a run folder (and what its kernel left pending) into `tracked` and end it; return why
    that failed, or None. `meanwhile` runs exactly once, while the records are logged;
    `before_end(client)` adds what else the run should hold before it ends."""
    meanwhile = meanwhile or (lambda: None)
    try:
        client = store.client(tracked.uri)
    except Exception as exc:
        meanwhile()
        return describe(exc)
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
        _log_pending(client, tracked, run_dir)
        if before_end is not None:
            before_end(client)
        end_run(client, tracked.run_id, record)
    except Exception as exc:
        return describe(exc)
    return None


def _log_pending(client: Any, tracked: Tracked, run_dir: Path) -> None:
    """The models and registrations the kernel could not give its server, into this store."""
    models = {
        name: transfer.copy_model(client, tracked.run_id, tracked.experiment_id, folder, name)
        for name, folder in transfer.pending_models(run_dir).items()
    }
    transfer.register_pending(
        client, tracked.run_id, models, transfer.pending_registrations(run_dir)
    )
    transfer.clear_pending(run_dir)


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


def end_run(client: Any, run_id: str, record: Mapping[str, Any]) -> None:
    """End the MLflow run with the run's status, error and finish time (run.json's)."""
    status = STATUSES.get(record.get("status"), "FAILED")
    error = record.get("error") or {}
    client.set_tag(run_id, STATUS_TAG, str(record.get("status")))
    if error:
        where = f"cell {error['cell']}: " if error.get("cell") else ""
        message = f"{where}{error.get('ename')}: {error.get('evalue')}"
        client.set_tag(run_id, "nbops.error", message[:_MAX_PARAM])
    client.set_terminated(run_id, status, end_time=epoch_ms(record.get("finished_at")))


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


def describe(exc: BaseException) -> str:
    """An MLflow or network error in one short line: its type and first line (nbops's own
    errors are already sentences)."""
    text = first_line(exc) if str(exc).strip() else ""
    if isinstance(exc, NbopsError) and text:
        return text
    for cause, said in _NETWORK_CAUSES.items():
        if cause in str(exc):
            return said.format(timeout=store.client_environment()[MLFLOW_HTTP_TIMEOUT_ENV])
    return f"{type(exc).__name__}: {text}".rstrip(": ")


def warn(message: str) -> None:
    """One warning line on stderr."""
    print(f"nbops: warning: {message}", file=sys.stderr, flush=True)


def _server_failed(uri: str | None, reason: str) -> str:
    said = reason.startswith("tracking server ")  # TrackingUnreachableError's own sentence
    what = "tracking server" if store.is_server(uri or "") else "tracking store"
    return reason if said else f"{what} {uri} failed ({reason})"


def _kept_in(local: str | None) -> str:
    where = store.sqlite_folder(local or "")
    shown = where / store.STORE_FILE if where else local
    return f"the run is tracked in {shown}; `nbops sync` pushes it to the server later"
