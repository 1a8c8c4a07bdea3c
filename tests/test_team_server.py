"""Issue 23, the team path: a real PostgreSQL, a real `nbops server` (MLflow) in front of it, and
everything a team does through HTTP: a template run, the gate's @challenger, promote, predict,
serve, and a Dask sweep whose every run lands on the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pandas as pd
import pytest
from server_support import NBOPS, ROOT, free_port
from sweep_support import NOTEBOOK, LocalCluster, mlflow_children, only_sweep, run_folders

from nbops.cli import main

pytestmark = [pytest.mark.kernel, pytest.mark.server]
TEMPLATE = ROOT / "templates" / "classification.ipynb"


def team_env(server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    return env | {"NBOPS_TRACKING": "on", "MLFLOW_TRACKING_URI": server.uri}


def only_run(runs_dir: Path) -> Path:
    (folder,) = run_folders(runs_dir)
    return folder


def test_a_template_run_promote_predict_and_serve_through_the_team_server(
    team_server, tmp_path, monkeypatch
):
    import mlflow

    name = f"team-{uuid.uuid4().hex[:6]}"
    runs_dir = tmp_path / "runs"
    env = team_env(team_server)
    command = [NBOPS, "run", TEMPLATE, "--runs-dir", runs_dir, "--no-progress"]
    command += ["-p", "REGISTERED_MODEL_NAME", name]
    done = subprocess.run(
        list(map(str, command)), cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no MLflow INFO lines, no "View run at" links, no warning
    assert "View run" not in done.stdout and "INFO" not in done.stdout
    run_dir = only_run(runs_dir)
    record = json.loads((run_dir / "run.json").read_text())
    assert record["tracking"] == {"status": "complete", "reason": None}
    assert record["mlflow"]["tracking_uri"] == team_server.uri

    client = mlflow.MlflowClient(team_server.uri)
    run = client.get_run(record["mlflow"]["run_id"])
    assert run.info.status == "FINISHED"
    started = pd.Timestamp(record["started_at"]).value // 1_000_000
    finished = pd.Timestamp(record["finished_at"]).value // 1_000_000
    assert (run.info.start_time, run.info.end_time) == (started, finished)
    kind = client.get_experiment(run.info.experiment_id).tags["mlflow.experimentKind"]
    assert kind == "custom_model_development"
    assert run.data.params["MODEL"] == "hist_gradient_boosting"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert run.data.metrics["f1_macro"] == pytest.approx(metrics["f1_macro"])
    assert run.inputs.dataset_inputs[0].dataset.name == "data/penguins.csv"
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.html", "notebook.ipynb", "figures", "model_card.md"} <= artifacts
    figures = {Path(a.path).name for a in client.list_artifacts(run.info.run_id, "figures")}
    assert any("confusion" in figure and figure.endswith(".png") for figure in figures), figures
    version = client.get_model_version_by_alias(name, "challenger")  # the gate set it there
    assert version.run_id == run.info.run_id
    # the artifacts went through the server, into its own artifact folder, not ours
    assert not (runs_dir / "mlartifacts").exists() and not (runs_dir / "mlflow.db").exists()

    monkeypatch.setenv("MLFLOW_TRACKING_URI", team_server.uri)
    assert main(["registry", "promote", name, version.version, "--runs-dir", str(runs_dir)]) == 0
    assert client.get_model_version_by_alias(name, "champion").version == version.version
    rows = pd.read_csv(ROOT / "data" / "penguins.csv").dropna().head(5)
    rows.drop(columns=["species"]).to_csv(tmp_path / "in.csv", index=False)
    model = f"models:/{name}@champion"
    out = tmp_path / "out.csv"
    assert main(["predict", model, str(tmp_path / "in.csv"), str(out)]) == 0
    assert list(pd.read_csv(out)["prediction"]) == list(rows["species"])

    port = free_port()
    serve = subprocess.Popen(
        [str(NBOPS), "serve", model, "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        payload = {"dataframe_split": json.loads(rows.drop(columns=["species"]).to_json(
            orient="split", index=False
        ))}  # fmt: skip
        answer = _post_when_up(f"http://127.0.0.1:{port}/invocations", payload, serve)
        assert answer["predictions"] == list(rows["species"])
    finally:
        os.killpg(serve.pid, 2)
        serve.wait(timeout=30)


def _post_when_up(url: str, payload: dict, proc: subprocess.Popen, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    body = json.dumps(payload).encode()
    while time.monotonic() < deadline:
        assert proc.poll() is None, "nbops serve exited"
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(1)
    raise AssertionError(f"{url} did not answer in {timeout} s")


def test_a_dask_sweep_logs_every_run_to_the_team_server(team_server, tmp_path, monkeypatch):
    for key, value in team_env(team_server).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)  # the workers' project
    cluster = LocalCluster(workers=2).start()  # started with the team's MLFLOW_TRACKING_URI
    try:
        runs_dir = tmp_path / "runs"
        argv = ["sweep", NOTEBOOK, "--grid", "X=0,1", "--jobs", "2", "--no-progress"]
        argv += ["--scheduler", cluster.address, "--name", uuid.uuid4().hex[:6]]
        assert main([*argv, "--runs-dir", str(runs_dir)]) == 0
    finally:
        cluster.stop()
    folder = only_sweep(runs_dir)
    parent, children = mlflow_children(folder)
    assert json.loads((folder / "sweep.json").read_text())["mlflow"]["tracking_uri"] == (
        team_server.uri
    )
    assert parent.info.status == "FINISHED" and len(children) == 2
    records = [json.loads((run / "run.json").read_text()) for run in run_folders(runs_dir)]
    assert {r["mlflow"]["tracking_uri"] for r in records} == {team_server.uri}
    assert {c.info.run_id for c in children} == {r["mlflow"]["run_id"] for r in records}
    assert all(c.info.status == "FINISHED" for c in children)
    assert not (runs_dir / "mlflow.db").exists()  # nothing went to the embedded store


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
