"""`nbops run` mirrored into a real MLflow store: the run, its files, data, model and status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbops.cli import main


def only_run(runs_dir: Path) -> Path:
    folders = [p for p in runs_dir.iterdir() if p.is_dir() and not p.is_symlink()]
    folders = [p for p in folders if (p / "run.json").is_file()]
    assert len(folders) == 1, folders
    return folders[0]


def record(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


def mlflow_run(run_dir: Path):
    import mlflow

    entry = record(run_dir)["mlflow"]
    client = mlflow.MlflowClient(entry["tracking_uri"])
    return client, client.get_run(entry["run_id"])


@pytest.mark.kernel
def test_tracked_run_logs_params_metrics_files_data_and_a_gated_model(
    sample_notebook, tracked_runs_dir, capsys, monkeypatch
):
    nb = sample_notebook("trains_penguins")
    code = main(["run", str(nb), "--runs-dir", str(tracked_runs_dir)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "warning" not in captured.err
    run_dir = only_run(tracked_runs_dir)
    entry = record(run_dir)["mlflow"]
    assert entry["tracking_uri"] == f"sqlite:///{(tracked_runs_dir / 'mlflow.db').as_posix()}"
    client, run = mlflow_run(run_dir)

    assert run.info.status == "FINISHED" and run.info.run_name == run_dir.name
    # opened while the kernel started, handed over (nbops.run.kernel_handoff), the handoff file gone
    assert not (run_dir / ".tracking.json").exists()
    timings = record(run_dir)["timings"]
    assert {"tracking_start_s", "execute_s", "report_s", "finish_s"} <= set(timings)
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == "trains_penguins"
    assert run.info.artifact_uri.startswith((tracked_runs_dir / "mlartifacts").as_uri())
    tags = run.data.tags
    assert tags["nbops.notebook"].endswith("trains_penguins.ipynb")
    assert tags["nbops.run_dir"].endswith(run_dir.name)
    # the sample is a copy in tmp_path, outside git: its state is "untracked", never a clean False
    assert tags["nbops.git_dirty"] == "untracked" and "mlflow.source.git.commit" in tags
    assert run.data.params["N_ESTIMATORS"] == "5" and run.data.params["TARGET"] == "species"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert run.data.metrics == pytest.approx({k: float(v) for k, v in metrics.items()})

    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"notebook.ipynb", "report.html", "model_card.md", "run.json", "tables"} <= artifacts
    [data] = run.inputs.dataset_inputs
    [local] = record(run_dir)["data"]
    assert data.dataset.name == "data/penguins.csv"
    assert data.dataset.digest == local["sha256"][:16]
    assert {t.key: t.value for t in data.tags}["sha256"] == local["sha256"]

    [version] = client.search_model_versions("name = 'penguins-test'")
    version = client.get_model_version("penguins-test", version.version)
    assert version.run_id == run.info.run_id and version.aliases == ["challenger"]
    assert version.tags["gate"].startswith("passed: accuracy=")
    # the model carries the signature and input example of the training rows
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", entry["tracking_uri"])
    info = mlflow.models.get_model_info(f"models:/penguins-test/{version.version}")
    assert {"island", "bill_length_mm"} <= set(info.signature.inputs.input_names())
    assert info.saved_input_example_info is not None
    card = (run_dir / "model_card.md").read_text()
    assert "## Per-class metrics" in card and "| Gentoo |" in card
    assert "accuracy | 0.9" in card and "(better)" in card


@pytest.mark.kernel
def test_failed_run_is_failed_in_mlflow_with_the_partial_notebook(
    sample_notebook, tracked_runs_dir, capsys
):
    nb = sample_notebook("fails_at_cell_4")
    assert main(["run", str(nb), "--runs-dir", str(tracked_runs_dir)]) == 1
    assert capsys.readouterr().err.count("\n") == 1  # the failure line only
    run_dir = only_run(tracked_runs_dir)
    client, run = mlflow_run(run_dir)
    assert run.info.status == "FAILED"
    assert run.data.tags["nbops.error"] == "cell 4: ZeroDivisionError: division by zero"
    assert run.data.metrics == {"before_failure": 1.0}
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"notebook.ipynb", "report.html"} <= artifacts and "model_card.md" not in artifacts


@pytest.mark.kernel
def test_tracking_off_leaves_no_store_and_no_mlflow_entry(sample_notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("NBOPS_TRACKING", "off")
    runs_dir = tmp_path / "runs"
    assert main(["run", str(sample_notebook("records_metrics")), "--runs-dir", str(runs_dir)]) == 0
    assert record(only_run(runs_dir))["mlflow"] is None
    assert not (runs_dir / "mlflow.db").exists() and not (runs_dir / "mlartifacts").exists()


@pytest.mark.kernel
def test_a_broken_tracking_store_costs_one_warning_not_the_run(
    sample_notebook, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("NBOPS_TRACKING", "on")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "nosuchscheme://nowhere")
    runs_dir = tmp_path / "runs"
    assert main(["run", str(sample_notebook("records_metrics")), "--runs-dir", str(runs_dir)]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        "nbops: warning: tracking store nosuchscheme://nowhere failed"
    )
    assert "`nbops sync` pushes it" in err
    run = record(only_run(runs_dir))
    assert run["status"] == "succeeded"
    assert run["tracking"]["status"] == "skipped"
    assert run["tracking"]["server"] == "nosuchscheme://nowhere"
    # the run went to the embedded store instead, for `nbops sync` to push later
    assert run["mlflow"]["tracking_uri"] == f"sqlite:///{(runs_dir / 'mlflow.db').as_posix()}"
    assert mlflow_run(only_run(runs_dir))[1].info.status == "FINISHED"


@pytest.mark.slow
def test_nothing_mlflow_writes_lands_outside_its_store(tmp_path, monkeypatch):
    """A store filled in-process (as an interactive notebook, the registry tests and `nbops sync`
    do) keeps every file beside its database: no ./mlruns, no ./mlflow.db in the working folder
    (the registry looks a `models:/` source up through MLflow's global store)."""
    import mlflow
    import pandas as pd
    from sklearn.dummy import DummyClassifier

    from nbops.kit.tracking import log_model, register_if_passes
    from nbops.mlflow import transfer

    work, store = tmp_path / "cwd", tmp_path / "store"
    work.mkdir(), store.mkdir()
    monkeypatch.chdir(work)
    uri = f"sqlite:///{(store / 'mlflow.db').as_posix()}"
    monkeypatch.setenv("NBOPS_TRACKING", "on")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    frame = pd.read_csv(Path(__file__).parents[1] / "data" / "penguins.csv").dropna()
    X, y = frame[["bill_length_mm", "body_mass_g"]], frame["species"]
    info = log_model(DummyClassifier().fit(X, y), X, experiment_name="hygiene")
    register_if_passes(
        info, {"accuracy": 0.9}, register=True, name="hygiene", gate_metric="accuracy",
        gate_threshold=0.5,
    )  # fmt: skip
    run_id = mlflow.active_run().info.run_id
    mlflow.end_run()
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(None)
    client = mlflow.MlflowClient(uri)
    assert transfer.register(client, "hygiene-copy", info.model_id, run_id, aliases=["x"]) == "1"

    assert list(work.iterdir()) == []
    assert sorted(p.name for p in store.iterdir()) == ["mlartifacts", "mlflow.db"]
    experiment = client.get_experiment_by_name("hygiene")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    assert experiment.artifact_location == (store / "mlartifacts" / "hygiene").as_uri()


@pytest.mark.slow
def test_a_registry_call_leaves_mlflow_following_the_environment_again(tmp_path, monkeypatch):
    """The registry's source lookup sets MLflow's global tracking URI for a while; afterwards a
    later call in the same process follows MLFLOW_TRACKING_URI again, not the store it used."""
    import mlflow

    from nbops.mlflow.store import global_tracking_uri

    first = f"sqlite:///{(tmp_path / 'first.db').as_posix()}"
    second = f"sqlite:///{(tmp_path / 'second.db').as_posix()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", first)
    with global_tracking_uri(second):
        assert mlflow.get_tracking_uri() == second
    assert mlflow.get_tracking_uri() == first
    monkeypatch.setenv("MLFLOW_TRACKING_URI", second)  # the next test's own store
    assert mlflow.get_tracking_uri() == second
