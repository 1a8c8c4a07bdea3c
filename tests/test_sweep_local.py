"""Sweeps on local processes with real kernels: folders, summary, MLflow nesting, faults."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml
from sweep_support import (
    NOTEBOOK,
    ROOT,
    mlflow_children,
    only_sweep,
    read,
    run_folders,
    summary_rows,
)

from nbops.cli import main

pytestmark = pytest.mark.kernel


@pytest.fixture(autouse=True)
def _in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_a_grid_with_two_jobs_leaves_runs_a_summary_and_nested_mlflow_runs(
    tracked_runs_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    runs_dir = tracked_runs_dir
    argv = ["sweep", NOTEBOOK, "--grid", "X=0,1", "--grid", "MODEL=a,b", "--jobs", "2"]
    code = main([*argv, "--metric", "score", "--runs-dir", str(runs_dir), "--name", "demo"])
    out = capsys.readouterr().out
    assert code == 0, out
    folder = only_sweep(runs_dir)
    assert folder.name.endswith("-scores_parameters-sweep-demo")
    record = read(folder / "sweep.json")
    assert record["status"] == "succeeded" and record["counts"]["succeeded"] == 4
    runs = run_folders(runs_dir)
    assert len(runs) == 4 and {r["run_id"] for r in record["runs"]} == {p.name for p in runs}
    for run in runs:
        run_record = read(run / "run.json")
        assert run_record["status"] == "succeeded" and run_record["sweep"]["id"] == folder.name
        assert (run / "notebook.ipynb").is_file() and (run / "report.html").is_file()
    rows = summary_rows(folder)
    assert [(r["X"], r["MODEL"]) for r in rows] == [
        ("0.0", "a"),
        ("0.0", "b"),
        ("1.0", "a"),
        ("1.0", "b"),
    ]
    best = yaml.safe_load((folder / "best.yaml").read_text(encoding="utf-8"))
    assert (best["X"], best["MODEL"]) == (1.0, "b")
    page = (folder / "summary.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and 'id="runs"' in page and "http" not in page.split("<svg")[0]
    parent, children = mlflow_children(folder)
    assert parent.info.status == "FINISHED" and parent.data.metrics["best_score"] == 0.3
    assert len(children) == 4 and {c.info.status for c in children} == {"FINISHED"}
    assert {c.data.tags["nbops.run_id"] for c in children} == {p.name for p in runs}


def test_one_failing_run_does_not_stop_the_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    runs_dir = tmp_path / "runs"
    argv = ["sweep", NOTEBOOK, "--grid", "DEPTH=1,2", "-p", "FAIL_AT_DEPTH", "2"]
    code = main([*argv, "--jobs", "2", "--runs-dir", str(runs_dir), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    assert "1 of 2 runs failed" in captured.err and "ValueError" in captured.err
    folder = only_sweep(runs_dir)
    statuses = {row["DEPTH"]: (row["status"], row["error"]) for row in summary_rows(folder)}
    assert statuses["1"] == ("succeeded", "")
    assert statuses["2"][0] == "failed" and "DEPTH=2 is set to fail" in statuses["2"][1]
    assert read(folder / "sweep.json")["status"] == "failed"
    best = yaml.safe_load((folder / "best.yaml").read_text(encoding="utf-8"))
    assert best["DEPTH"] == 1  # score falls with depth; the failed run is never the best


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _kernels(pid: int) -> list[psutil.Process]:
    found = []
    for process in _descendants(pid):
        try:
            if "ipykernel" in " ".join(process.cmdline()):
                found.append(process)
        except psutil.Error:  # a short-lived helper (git) already gone
            continue
    return found


def test_ctrl_c_interrupts_running_runs_cancels_the_rest_and_leaves_no_process(
    tmp_path: Path,
) -> None:
    runs_dir = tmp_path / "runs"
    argv = ["sweep", NOTEBOOK, "--grid", "X=0,1,2", "-p", "SLEEP_S", "120", "--jobs", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbops", *argv, "--runs-dir", str(runs_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline, kernels = time.monotonic() + 120, []
    while time.monotonic() < deadline and len(kernels) < 2:
        time.sleep(0.5)
        kernels = _kernels(proc.pid)
    assert len(kernels) == 2, "two kernels never started"
    time.sleep(2)  # into the sleeping cell
    family = _descendants(proc.pid)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, [p.cmdline() for p in alive]
    folder = only_sweep(runs_dir)
    record = read(folder / "sweep.json")
    assert record["status"] == "interrupted"
    runs = run_folders(runs_dir)
    assert len(runs) == 2  # the third run was never started
    assert {read(run / "run.json")["status"] for run in runs} == {"interrupted"}
    assert {row["status"] for row in summary_rows(folder)} == {"interrupted"}
