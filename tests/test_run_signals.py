"""A signal at any stage of `nbops run` ends it with a true record and nothing left behind.

Real `nbops run` processes, real signals, a real MLflow sqlite store. A run is paused at a named
stage with the test-only hook (NBOPS_TEST_PAUSE_AT, which creates NBOPS_TEST_PAUSE_READY when the
run gets there) so each signal lands deterministically. Every test checks the exit code, the one
stderr line, run.json, the MLflow status and that no process is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import nbformat
import pytest
from run_support import (
    NBOPS,
    ROOT,
    SAMPLES,
    WAIT_S,
    Run,
    assert_mlflow_matches,
    assert_no_temp_files,
    mlflow_run,
    mlflow_tag,
    only_run,
    record_of,
    write_notebook,
)

pytestmark = pytest.mark.kernel

# Both signals during a cell (Ctrl-C and a scheduler's TERM are most likely there); elsewhere one
# signal per stage, alternating, so each signal is seen before the kernel and after it has ended.
# The signal-after-failure test below adds TERM during MLflow logging.
STAGES = [
    ("before-kernel", signal.SIGINT),
    ("cell", signal.SIGINT),
    ("cell", signal.SIGTERM),
    ("report", signal.SIGTERM),
    ("mlflow", signal.SIGINT),
]


@pytest.mark.parametrize(
    ("stage", "signum"), STAGES, ids=[f"{stage}-{signum.name[3:]}" for stage, signum in STAGES]
)
def test_a_signal_at_any_stage_ends_interrupted(tracked, tmp_path, stage, signum):
    runs_dir, env = tracked
    ready = tmp_path / "ready"
    seconds = "60" if stage == "cell" else "0"
    if stage != "cell":
        env |= {"NBOPS_TEST_PAUSE_AT": stage, "NBOPS_TEST_PAUSE_READY": str(ready)}
    run = Run([SAMPLES / "sleeps.ipynb", "--runs-dir", runs_dir, "-p", "SECONDS", seconds], env)
    if stage == "cell":

        def sleeping() -> bool:  # the cell before the sleep has printed: the sleep is running
            notebooks = list(runs_dir.glob("*/notebook.ipynb"))
            return bool(notebooks) and '"started\\n"' in notebooks[0].read_text()

        run.wait_for(sleeping, "the sleeping cell")
        assert run.kernels()
    else:
        run.wait_for(ready.exists, f"stage {stage}")
    run.proc.send_signal(signum)
    code, err = run.finish()

    assert code == 130
    assert len(err) == 1 and "interrupted" in err[0], err
    record = record_of(runs_dir)
    assert record["status"] == "interrupted"
    assert record["finished_at"] and record["duration_s"] is not None
    if stage in ("before-kernel", "report"):
        assert "report.html" in record["missing"]
    assert_mlflow_matches(runs_dir, record, "KILLED")
    assert_no_temp_files(only_run(runs_dir))
    run.assert_nothing_left()


def test_a_signal_after_the_notebook_failed_keeps_failed_and_it_reproduces(tracked, tmp_path):
    runs_dir, env = tracked
    ready = tmp_path / "ready"
    env |= {"NBOPS_TEST_PAUSE_AT": "mlflow", "NBOPS_TEST_PAUSE_READY": str(ready)}
    run = Run([SAMPLES / "fails_at_cell_4.ipynb", "--runs-dir", runs_dir], env)
    run.wait_for(ready.exists, "stage mlflow")
    run.proc.send_signal(signal.SIGTERM)
    code, err = run.finish()

    assert code == 130
    assert len(err) == 1 and "interrupted" in err[0] and "failed" in err[0], err
    record = record_of(runs_dir)
    assert record["status"] == "failed" and record["error"]["ename"] == "ZeroDivisionError"
    assert_mlflow_matches(runs_dir, record, "FAILED")
    run.assert_nothing_left()

    # reproducing a failed run: the same error again is reproduced, never an empty diff
    done = subprocess.run(
        [NBOPS, "reproduce", str(only_run(runs_dir)), "--runs-dir", str(runs_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NBOPS_TRACKING": "off"},
        timeout=WAIT_S * 2,
    )
    assert "differs:\n\n" not in done.stdout
    assert done.returncode == 0, done.stdout + done.stderr


def test_kill_9_takes_the_kernel_down_and_the_record_reads_crashed(tracked):
    runs_dir, env = tracked
    run = Run([SAMPLES / "sleeps.ipynb", "--runs-dir", runs_dir], env)
    run.wait_for(lambda: bool(run.kernels()), "the kernel")
    run.wait_for(lambda: (record_of(runs_dir)["mlflow"] or {}).get("run_id"), "the MLflow run")
    run.proc.kill()
    run.finish()
    run.assert_nothing_left()

    assert record_of(runs_dir)["status"] == "running"  # nothing could write it: shown as crashed
    done = subprocess.run(
        [NBOPS, "runs", "--runs-dir", str(runs_dir)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "crashed" in done.stdout and "running" not in done.stdout
    crashed = only_run(runs_dir) / "run.json"

    # the next `nbops run` meets the crashed record and ends its MLflow run as KILLED
    again = Run([SAMPLES / "records_metrics.ipynb", "--runs-dir", runs_dir], env)
    assert again.finish()[0] == 0
    crashed = json.loads(crashed.read_text())
    assert crashed["mlflow"]["ended"] == "KILLED"
    status, end_time = mlflow_run(runs_dir, crashed)
    assert status == "KILLED" and end_time
    assert mlflow_tag(runs_dir, crashed, "nbops.status") == "crashed"


def test_an_early_signal_does_not_wait_for_mlflow_nor_the_report(tracked):
    """A signal while mlflow is still loading: the run ends at once, with no MLflow run opened."""
    runs_dir, env = tracked
    run = Run([ROOT / "templates" / "classification.ipynb", "--runs-dir", runs_dir], env)
    run.wait_for(lambda: any(runs_dir.glob("*/run.json")), "the run folder")
    run.proc.send_signal(signal.SIGINT)
    code, err = run.finish()

    assert code == 130 and len(err) == 1 and "interrupted" in err[0], err
    record = record_of(runs_dir)
    assert record["status"] == "interrupted"
    assert record["mlflow"] is None, record
    assert record["tracking"] == {
        "status": "skipped",
        "reason": "the run was interrupted before its MLflow run was opened",
    }
    assert record["missing"]["report.html"].startswith("not rendered: SIGINT")
    assert "report_warm_s" not in record["timings"]  # the report renderer was not waited for
    assert_no_temp_files(only_run(runs_dir))
    run.assert_nothing_left()


BIG_OUTPUTS = ('print("x" * 30_000_000)', *(f"{n}" for n in range(30)))


def test_a_signal_during_a_notebook_save_leaves_no_temp_file(tmp_path):
    """Each save of a notebook with 30 MB of output takes a while: signal nbops in the middle."""
    runs_dir = tmp_path / "runs"
    notebook = write_notebook(tmp_path / "big_outputs.ipynb", *BIG_OUTPUTS)
    run = Run([notebook, "--runs-dir", runs_dir], {**os.environ})

    def saving() -> bool:
        return any(runs_dir.glob("*/.notebook.ipynb.*.tmp"))

    run.wait_for(saving, "a save of notebook.ipynb in progress", poll_s=0.002)
    run.proc.send_signal(signal.SIGTERM)
    code, err = run.finish()

    assert code == 130, err
    folder = only_run(runs_dir)
    assert_no_temp_files(folder)
    nbformat.read(folder / "notebook.ipynb", as_version=4)  # complete, valid JSON
    assert record_of(runs_dir)["status"] == "interrupted"
    run.assert_nothing_left()
