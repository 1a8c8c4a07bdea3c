"""Helpers for the sweep tests: the sample notebook, reading sweep folders, MLflow children."""

from __future__ import annotations

import contextlib
import csv
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "tests/notebooks/scores_parameters.ipynb"  # inside the project: workers find it too


def sweep_folders(runs_dir: Path) -> list[Path]:
    return sorted(p for p in runs_dir.iterdir() if p.is_dir() and (p / "sweep.json").is_file())


def only_sweep(runs_dir: Path) -> Path:
    (folder,) = sweep_folders(runs_dir)
    return folder


def run_folders(runs_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in runs_dir.iterdir()
        if p.is_dir() and not p.is_symlink() and (p / "run.json").is_file()
    )


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def summary_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "summary.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def mlflow_children(folder: Path) -> tuple[Any, list[Any]]:
    """The sweep's MLflow parent run and the runs nested under it."""
    from mlflow import MlflowClient

    entry = read(folder / "sweep.json")["mlflow"]
    client = MlflowClient(entry["tracking_uri"])
    parent = client.get_run(entry["run_id"])
    children = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'",
    )
    return parent, children


class LocalCluster:
    """A real `dask scheduler` and `dask worker --nworkers N` on 127.0.0.1, each in a session
    of its own (a worker's nanny can outlive a signal to the command's PID alone)."""

    def __init__(self, workers: int = 2) -> None:
        self.workers, self.procs = workers, []
        self.address = ""

    def start(self, timeout: float = 120) -> LocalCluster:
        import socket
        import subprocess
        import sys

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        dask = str(Path(sys.executable).with_name("dask"))
        commands = [
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            [dask, "worker", self.address, "--nworkers", str(self.workers), "--nthreads", "1"]
            + ["--no-dashboard", "--host", "127.0.0.1"],
        ]
        for command in commands:
            self.procs.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,  # the workers' project root
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        self._wait_for_workers(timeout)
        return self

    def _wait_for_workers(self, timeout: float) -> None:
        import time

        from distributed import Client

        deadline = time.monotonic() + timeout
        while True:
            try:
                with Client(self.address, timeout=10, set_as_default=False) as client:
                    left = max(1.0, deadline - time.monotonic())
                    client.wait_for_workers(self.workers, timeout=left)
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def worker_processes(self) -> list[Any]:
        """Every process of the worker command's session (nannies, workers, their children)."""
        import psutil

        try:
            return psutil.Process(self.procs[1].pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """Stop every process group: SIGTERM, then SIGKILL after 15 s."""
        import os
        import signal
        import subprocess

        for proc in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
