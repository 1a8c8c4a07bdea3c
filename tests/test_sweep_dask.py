"""The same grid through a real Dask scheduler and two workers: runs come back whole."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from sweep_support import (
    NOTEBOOK,
    ROOT,
    LocalCluster,
    mlflow_children,
    only_sweep,
    read,
    run_folders,
    summary_rows,
)

from nbops.cli import main

pytestmark = [pytest.mark.kernel, pytest.mark.server, pytest.mark.xdist_group("dask-cluster")]


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    started = LocalCluster(workers=2).start()
    try:
        yield started
    finally:
        started.stop()
    for proc in started.procs:  # the whole sessions are gone
        assert not psutil.pid_exists(proc.pid) or psutil.Process(proc.pid).status() == "zombie"


@pytest.fixture(autouse=True)
def _in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _nbops_children(cluster: LocalCluster) -> list[str]:
    found = []
    for process in cluster.worker_processes():
        try:
            command = " ".join(process.cmdline())
        except psutil.Error:
            continue
        if "nbops" in command or "ipykernel" in command:
            found.append(command)
    return found


def test_a_grid_on_a_dask_cluster_comes_back_into_the_local_runs_folder(
    cluster: LocalCluster, tracked_runs_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    runs_dir = tracked_runs_dir
    argv = ["sweep", NOTEBOOK, "--grid", "X=0,1", "--grid", "MODEL=a,b", "--jobs", "2"]
    argv += ["--scheduler", cluster.address, "--metric", "score", "--no-progress"]
    code = main([*argv, "--runs-dir", str(runs_dir)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"Dask cluster {cluster.address} (2 workers)" in captured.err
    folder = only_sweep(runs_dir)
    runs = run_folders(runs_dir)
    assert len(runs) == 4
    for run in runs:  # whole run folders, unpacked locally, naming their sweep
        record = read(run / "run.json")
        assert record["status"] == "succeeded" and record["sweep"]["id"] == folder.name
        assert record["notebook"] == NOTEBOOK
        assert (run / "report.html").is_file() and read(run / "metrics.json")["score"] <= 0.3
        assert record["mlflow"]["run_id"]  # mirrored by the client into the embedded store
    assert [row["status"] for row in summary_rows(folder)] == ["succeeded"] * 4
    parent, children = mlflow_children(folder)
    assert parent.info.status == "FINISHED" and len(children) == 4
    assert {c.data.metrics["score"] for c in children} == {-1.2, -0.7, -0.2, 0.3}
    assert _nbops_children(cluster) == []  # nothing left running on the workers


def test_a_worker_that_dies_mid_run_fails_that_run_and_the_sweep_goes_on(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    runs_dir = tmp_path / "runs"
    argv = ["sweep", NOTEBOOK, "--grid", "X=0,1", "-p", "SLEEP_S", "20", "--jobs", "2"]
    argv += ["--scheduler", cluster.address, "--runs-dir", str(runs_dir), "--no-progress"]
    sweep = subprocess.Popen(
        [sys.executable, "-m", "nbops", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    victim, run = _a_worker_running_a_run(cluster)
    time.sleep(3)
    victim.kill()  # the nanny restarts the worker; Dask would retry the task elsewhere
    _, err = sweep.communicate(timeout=300)
    assert sweep.returncode == 1, err
    assert "died mid-run" in err
    statuses = sorted(row["status"] for row in summary_rows(only_sweep(runs_dir)))
    assert statuses == ["failed", "succeeded"]  # one run lost, never run twice
    psutil.wait_procs([run], timeout=30)
    assert not run.is_running()  # the dead worker's run did not outlive it


def _a_worker_running_a_run(cluster: LocalCluster) -> tuple[psutil.Process, psutil.Process]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for worker in cluster.worker_processes():
            try:
                runs = [p for p in worker.children() if "nbops" in " ".join(p.cmdline())]
            except psutil.Error:
                continue
            if runs:
                return worker, runs[0]
        time.sleep(0.5)
    raise AssertionError("no worker started a run")
