"""Issue 23: tracking never costs a run. The real classification template through `nbops run`
against a closed port, a listener that accepts and never answers, and a real tracking server
killed while the kernel logs the model; then `nbops sync` pushes what the server missed to the
real team server (PostgreSQL behind `nbops server`), once however often it is called."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from server_support import NBOPS, ROOT, TrackingServer, free_port
from sweep_support import run_folders

from nbops.cli import main

pytestmark = [pytest.mark.kernel, pytest.mark.server]
TEMPLATE = ROOT / "templates" / "classification.ipynb"
LIMIT_S = 30  # the bound on what a failing server may add to a run


class TemplateRun:
    """`nbops run` of the classification template in a subprocess, under its own model name."""

    def __init__(self, tmp_path: Path, tracking_uri: str) -> None:
        self.runs_dir = tmp_path / "runs"
        self.model = f"faults-{uuid.uuid4().hex[:6]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        self.env = env | {"NBOPS_TRACKING": "on", "MLFLOW_TRACKING_URI": tracking_uri}
        command = [NBOPS, "run", TEMPLATE, "--runs-dir", self.runs_dir, "--no-progress"]
        command += ["-p", "REGISTERED_MODEL_NAME", self.model]
        self.proc = subprocess.Popen(
            list(map(str, command)),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self) -> tuple[int, list[str], dict]:
        _out, err = self.proc.communicate(timeout=600)
        lines = [line for line in err.splitlines() if line.strip()]
        (run_dir,) = run_folders(self.runs_dir)
        self.run_dir = run_dir
        return self.proc.returncode, lines, json.loads((run_dir / "run.json").read_text())


def local_client(record: dict):
    import mlflow

    assert record["mlflow"]["tracking_uri"].startswith("sqlite:///")  # the embedded store
    return mlflow.MlflowClient(record["mlflow"]["tracking_uri"])


def assert_tracked_locally(record: dict, model: str) -> None:
    """The whole run, model and gate included, is in the embedded store, and the kernel made no
    `interactive` experiment anywhere."""
    client = local_client(record)
    run = client.get_run(record["mlflow"]["run_id"])
    assert run.info.status == "FINISHED" and run.data.metrics["f1_macro"] > 0.8
    assert "report.html" in {a.path for a in client.list_artifacts(run.info.run_id)}
    assert client.get_model_version_by_alias(model, "challenger").run_id == run.info.run_id
    assert "interactive" not in {e.name for e in client.search_experiments()}


def assert_synced(server, record: dict, model: str, runs_dir: Path, capsys) -> None:
    """`nbops sync` puts the run, its model and @challenger on the server, exactly once."""
    import mlflow

    for attempt in range(2):
        assert main(["sync", record["id"], "--to", server.uri, "--runs-dir", str(runs_dir)]) == 0
        said = capsys.readouterr().out
        assert ("already there" in said) == (attempt == 1), said
    client = mlflow.MlflowClient(server.uri)
    found = client.search_runs(
        [e.experiment_id for e in client.search_experiments()],
        filter_string=f"tags.`nbops.run_id` = '{record['id']}'",
    )
    assert len(found) == 1 and found[0].info.status == "FINISHED"
    version = client.get_model_version_by_alias(model, "challenger")
    assert version.run_id == found[0].info.run_id
    assert version.tags["gate"].startswith("passed: f1_macro=")
    synced = json.loads((runs_dir / record["id"] / "run.json").read_text())
    assert synced["tracking"]["status"] == "complete"
    assert synced["mlflow"]["run_id"] == found[0].info.run_id


def test_a_closed_port_costs_one_warning_and_sync_pushes_the_run_later(
    team_server, tmp_path, capsys
):
    closed = f"http://127.0.0.1:{free_port()}"
    run = TemplateRun(tmp_path, closed)
    code, err, record = run.finish()
    assert code == 0, err
    assert len(err) == 1 and err[0].startswith("nbops: warning: ") and "nbops sync" in err[0], err
    assert record["status"] == "succeeded"
    assert record["tracking"]["status"] == "skipped" and record["tracking"]["server"] == closed
    assert "unreachable" in record["tracking"]["reason"]
    assert_tracked_locally(record, run.model)
    assert_synced(team_server, record, run.model, run.runs_dir, capsys)


def test_a_server_that_never_answers_is_given_up_in_seconds(tmp_path):
    with socket.socket() as silent:  # the kernel completes connections; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        run = TemplateRun(tmp_path, f"http://127.0.0.1:{silent.getsockname()[1]}")
        code, err, record = run.finish()
    assert code == 0, err
    assert len(err) == 1 and "did not answer" in err[0], err
    assert record["tracking"]["status"] == "skipped"
    # the MLflow thread gave up on the server within the bound, beside the kernel (the issue saw
    # a cell hang for 20 minutes); then it opened the run in the embedded store
    assert record["tracking"]["gave_up_after_s"] < LIMIT_S
    assert_tracked_locally(record, run.model)


def test_a_server_killed_during_the_model_upload_leaves_a_partial_run_sync_completes(
    team_server, tmp_path, capsys
):
    doomed = TrackingServer(team_server.postgres.uri, tmp_path / "artifacts").start()
    try:
        run = TemplateRun(tmp_path, doomed.uri)
        deadline = time.monotonic() + 600
        while not _logging_the_model(run.runs_dir):
            assert run.proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        doomed.kill()
        code, err, record = run.finish()
    finally:
        doomed.stop()
    assert code == 0, err
    assert len(err) == 1 and err[0].startswith("nbops: warning: tracking server"), err
    assert record["status"] == "succeeded"
    assert record["tracking"]["status"] == "partial" and record["tracking"]["server"] == doomed.uri
    assert not (run.run_dir / ".tracking-pending").exists()  # handed to the embedded store
    assert_tracked_locally(record, run.model)
    # the team server shares the killed server's database: sync completes the run it began
    assert_synced(team_server, record, run.model, run.runs_dir, capsys)


def _logging_the_model(runs_dir: Path) -> bool:
    """True once papermill has started the template's cell that logs the model."""
    for notebook in runs_dir.glob("*/notebook.ipynb"):
        try:
            cells = json.loads(notebook.read_text())["cells"]
        except (OSError, ValueError):
            return False
        for cell in cells:
            if "log_model(" in "".join(cell["source"]):
                return cell["metadata"].get("papermill", {}).get("status") == "running"
    return False
