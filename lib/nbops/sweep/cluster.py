"""Runs on a Dask distributed cluster: each task runs `nbops run` on a worker into a temporary
runs folder and returns that run folder as bytes, which the client unpacks into the local runs/.

Workers run in the project's environment (same code, same lock) and resolve relative paths
against their own project root (NBOPS_PROJECT_ROOT, else the folder they were started in); a
worker whose copy of the notebook differs from the client's refuses the run. No shared file
system is needed. Two scheduler-side primitives make faults explicit:
- a per-sweep `Event` asks running tasks to interrupt their run (Ctrl-C on the client);
- a per-task `Event` marks a task as started: if its worker dies and Dask reschedules the task,
  the second attempt sees the mark and reports the run as failed instead of running it again.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import shutil
import socket
import tarfile
import tempfile
import time
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

from nbops import runs
from nbops.errors import BadInputError
from nbops.files import write_json_atomic
from nbops.project import RunFolder, find_project_root
from nbops.sweep import task as task_mod
from nbops.sweep.task import CANCELLED, Outcome, Task

CONNECT_TIMEOUT_S = 5  # the whole "unreachable scheduler" answer stays under 10 s
_CHECK_S = 1.0
_POLL_S = 0.1


def connect(address: str) -> Any:
    """A Dask client for `address`, or BadInputError within CONNECT_TIMEOUT_S."""
    import logging

    from distributed import Client

    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # one line of ours, not theirs
    try:
        _probe(address)  # dask retries a refused connection until its timeout; fail at once
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except Exception as exc:  # refused, timed out, not a Dask scheduler at all
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if not isinstance(exc, OSError | TimeoutError):
            reason = f"it did not answer as a Dask scheduler: {reason[:120]}"
        raise BadInputError(
            f"cannot reach the Dask scheduler at {address} ({reason[:200]}): "
            "start it with `dask scheduler` or check --scheduler"
        ) from exc


def _probe(address: str) -> None:
    """Open and close a TCP connection to a tcp://HOST:PORT address (other schemes: skip)."""
    scheme, _, rest = address.partition("://")
    if scheme != "tcp" or not rest:
        return
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{address} is not tcp://HOST:PORT")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
        pass
    asyncio.run(_handshake(address))


async def _handshake(address: str) -> None:
    """Dask's own handshake: something that is not a scheduler fails here, not in a Client
    (a Client that fails to start spends another 10 s closing itself)."""
    from distributed.comm import connect

    comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT_S), CONNECT_TIMEOUT_S)
    await comm.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class DaskExecutor:
    """Execute tasks on a Dask cluster; `wait` unpacks the run folders that came back."""

    def __init__(self, address: str, notebook: Path, runs_dir: Path, root: Path, rel: str):
        self.address, self.runs_dir, self.relative_notebook = address, runs_dir, rel
        self.notebook_sha256 = sha256(notebook)
        self.client = connect(address)
        self.futures: dict[Any, Task] = {}
        self.stop_name = ""
        self.worker_env = _worker_environment(runs_dir)

    @property
    def where(self) -> str:
        workers = len(self.client.scheduler_info().get("workers", {}))
        return f"Dask cluster {self.address} ({workers} workers)"

    def submit(self, task: Task) -> None:
        self.stop_name = f"nbops-stop-{task.membership['id']}"
        payload = {
            "notebook": self.relative_notebook,
            "sha256": self.notebook_sha256,
            "task": task,
            "env": self.worker_env,
            "stop_event": self.stop_name,
            "started_event": f"nbops-started-{task.membership['id']}-{task.index}",
        }
        key = f"nbops-run-{task.membership['id']}-{task.index}"
        future = self.client.submit(run_on_worker, payload, key=key, pure=False, retries=0)
        self.futures[future] = task

    def wait(self, timeout: float) -> list[Outcome]:
        """The outcomes of the tasks that came back within `timeout` seconds."""
        done = _poll(self.futures, timeout, until_all=False)
        return [self._collect(future, self.futures.pop(future)) for future in done]

    def _collect(self, future: Any, task: Task) -> Outcome:
        try:
            answer = future.result()
        except Exception as exc:  # KilledWorker, a lost connection: the run never came back
            reason = f"the run did not come back from the cluster ({type(exc).__name__}: {exc})"
            return task_mod.lost_run(self.runs_dir, self.relative_notebook, task, reason[:500])
        if answer["status"] == CANCELLED:
            return Outcome(task, CANCELLED)
        if answer.get("archive") is None:
            return task_mod.lost_run(
                self.runs_dir, self.relative_notebook, task, answer["reason"], answer["status"]
            )
        run_dir = unpack(answer["archive"], self.runs_dir)
        outcome = task_mod.outcome_from_folder(task, run_dir)
        outcome.record.setdefault("worker", answer.get("worker"))
        return outcome

    def interrupt(self) -> None:
        """Tell every task on the cluster to interrupt its run (and pending ones not to start)."""
        from distributed import Event

        if self.stop_name:
            with suppress(Exception):
                Event(self.stop_name, client=self.client).set()

    def drain(self, grace: float = task_mod.STOP_GRACE_S + 15) -> list[Outcome]:
        """Wait for the interrupted runs to come back; give up on the rest after `grace`."""
        _poll(self.futures, grace, until_all=True)
        outcomes = []
        for future, task in list(self.futures.items()):
            if future.done():
                outcomes.append(self._collect(future, task))
            else:
                future.cancel()
                reason = "interrupted; the worker did not send the run back in time"
                outcomes.append(
                    task_mod.lost_run(
                        self.runs_dir, self.relative_notebook, task, reason, "interrupted"
                    )
                )
        self.futures.clear()
        return outcomes

    def close(self) -> None:
        if self.futures:
            self.interrupt()
            self.drain(grace=5)
        if self.stop_name:
            with suppress(Exception):
                from distributed import Event

                Event(self.stop_name, client=self.client).clear()
        with suppress(Exception):
            self.client.close(timeout=5)


def _poll(futures: Iterable[Any], timeout: float, until_all: bool) -> list[Any]:
    """The futures done within `timeout` (as soon as one is, unless `until_all`)."""
    deadline = time.monotonic() + timeout
    while True:
        done = [future for future in futures if future.done()]
        finished = len(done) == len(list(futures)) if until_all else bool(done)
        if finished or time.monotonic() >= deadline:
            return done
        time.sleep(_POLL_S)


def _worker_environment(runs_dir: Path) -> dict[str, str]:
    """What the worker's `nbops run` must see: the team's MLflow server, or no tracking (the
    client then mirrors the returned run into its embedded store)."""
    from nbops.project import MLFLOW_URI_ENV, TRACKING_ENV, tracking_enabled

    if not tracking_enabled():
        return {TRACKING_ENV: "off"}
    if os.environ.get(MLFLOW_URI_ENV):
        return {MLFLOW_URI_ENV: os.environ[MLFLOW_URI_ENV]}
    return {TRACKING_ENV: "off"}


def client_mirrors() -> bool:
    """True when returned runs must be mirrored into the embedded store by the client."""
    from nbops.project import MLFLOW_URI_ENV, tracking_enabled

    return tracking_enabled() and not os.environ.get(MLFLOW_URI_ENV)


def unpack(archive: bytes, runs_dir: Path) -> Path:
    """Unpack a returned run folder into `runs_dir` under a fresh name; return the folder."""
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=runs_dir))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            tar.extractall(staging, filter="data")
        (source,) = [path for path in staging.iterdir() if path.is_dir()]
        target = runs_dir / source.name
        for attempt in range(2, 1000):
            try:
                source.rename(target)  # fails if a folder of that name exists
                break
            except OSError:
                target = runs_dir / f"{source.name}-{attempt}"
        if target.name != source.name:
            _rename_record(target)
        runs.point_latest(runs_dir, target)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _rename_record(run_dir: Path) -> None:
    record = runs.read_record(run_dir)
    record["id"] = run_dir.name
    write_json_atomic(RunFolder(run_dir).record, record)


def pack(run_dir: Path) -> bytes:
    """A run folder as gzipped tar bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(run_dir, arcname=run_dir.name)
    return buffer.getvalue()


def run_on_worker(payload: dict[str, Any]) -> dict[str, Any]:
    """Executed on a worker: run the task with `nbops run`, return its folder as bytes."""
    from distributed import Event, get_worker

    task: Task = payload["task"]
    worker = get_worker().address
    started, stop = Event(payload["started_event"]), Event(payload["stop_event"])
    if started.is_set():
        return {"status": "failed", "reason": "the worker running it died mid-run (not retried)"}
    started.set()
    if stop.is_set():
        return {"status": CANCELLED}
    root = find_project_root()
    notebook = root / payload["notebook"]
    if not notebook.is_file() or sha256(notebook) != payload["sha256"]:
        state = "differs from the client's" if notebook.is_file() else "is missing"
        reason = f"{payload['notebook']} {state} on worker {worker} (root {root}): sync the code"
        return {"status": "failed", "reason": reason}
    scratch = Path(tempfile.mkdtemp(prefix="nbops-worker-"))
    try:
        runs_dir = scratch / "runs"
        env = {**os.environ, **payload["env"]}
        proc = task_mod.start_run(notebook, runs_dir, task, scratch, root, env)
        while proc.poll() is None:
            if stop.wait(timeout=_CHECK_S):
                task_mod.stop_run(proc)
        run_dir = task_mod.find_run_folder(runs_dir, task)
        if run_dir is None:
            reason = task_mod.stderr_reason(scratch, task, proc.returncode)
            return {"status": "failed", "reason": f"{reason} (on worker {worker})"}
        return {"status": "returned", "archive": pack(run_dir), "worker": worker}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
