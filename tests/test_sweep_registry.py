"""Real sweeps of the classification template: the best run is chosen on the validation score,
and the registry gets exactly one version, on the best run's model, only when it passes the gate."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sweep_support import ROOT, only_sweep, read, run_folders, summary_rows

from nbops.cli import main

pytestmark = pytest.mark.kernel

TEMPLATE = "templates/classification.ipynb"
MODEL_NAME = "penguins-species"


@pytest.fixture(autouse=True)
def _in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _versions(runs_dir: Path) -> list:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(f"sqlite:///{runs_dir / 'mlflow.db'}")
    try:
        client.get_registered_model(MODEL_NAME)
    except MlflowException:
        return []
    return [
        client.get_model_version(MODEL_NAME, v.version)
        for v in client.search_model_versions(f"name = '{MODEL_NAME}'")
    ]


def _best_by_validation(rows: list[dict[str, str]], metric: str) -> str:
    """The run summary.csv says scores best on `metric` (the first of equal scores)."""
    top = max(float(row[metric]) for row in rows)
    return next(row["run_id"] for row in rows if float(row[metric]) == top)


def test_the_best_run_by_validation_score_gets_the_one_new_version_and_challenger(
    tracked_runs_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    runs_dir = tracked_runs_dir
    argv = ["sweep", TEMPLATE, "--grid", "MODEL=random_forest,hist_gradient_boosting"]
    code = main([*argv, "--jobs", "2", "--runs-dir", str(runs_dir), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    folder = only_sweep(runs_dir)
    record = read(folder / "sweep.json")
    rows = summary_rows(folder)
    assert record["metric"] == "val_f1_macro" and "val_f1_macro" in rows[0]
    best_id = _best_by_validation(rows, "val_f1_macro")
    assert record["best"]["run_id"] == best_id
    assert "validation score" in record["selection"]
    for run in run_folders(runs_dir):  # children were told not to register
        assert read(run / "params.json")["REGISTER_MODEL"] is False
    assert yaml.safe_load((folder / "best.yaml").read_text())["REGISTER_MODEL"] is True
    (version,) = _versions(runs_dir)
    best_mlflow = read(runs_dir / best_id / "run.json")["mlflow"]["run_id"]
    assert version.run_id == best_mlflow and "challenger" in version.aliases
    assert record["registration"]["registered"] and record["registration"]["version"] == "1"
    page = (folder / "summary.html").read_text(encoding="utf-8")
    assert "chosen on val_f1_macro" in page and "is @challenger" in page
    assert (runs_dir / "index.html").is_file()


def test_tied_runs_keep_the_first_and_a_failed_gate_registers_nothing(
    tracked_runs_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    runs_dir = tracked_runs_dir
    # penguins' categorical columns have 2 or 3 values: both runs score the same, a tie.
    argv = ["sweep", TEMPLATE, "--grid", "MAX_CATEGORIES=20,30", "-p", "GATE_THRESHOLD", "1.01"]
    code = main([*argv, "--jobs", "2", "--runs-dir", str(runs_dir), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    folder = only_sweep(runs_dir)
    record, rows = read(folder / "sweep.json"), summary_rows(folder)
    assert rows[0]["val_f1_macro"] == rows[1]["val_f1_macro"]
    assert record["best"]["run_id"] == rows[0]["run_id"]
    assert record["tied"] == [rows[1]["run_id"]]
    assert _versions(runs_dir) == []
    assert not record["registration"]["registered"]
    assert "fails the gate" in record["registration"]["reason"]
    assert "Tied with 1 run(s)" in (folder / "summary.html").read_text(encoding="utf-8")


def test_a_test_split_ranking_metric_is_refused_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    runs_dir = tmp_path / "runs"
    argv = ["sweep", TEMPLATE, "--grid", "MODEL=random_forest", "--metric", "accuracy"]
    assert main([*argv, "--runs-dir", str(runs_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert "accuracy is a test-split score" in err and "--allow-test-selection" in err
    assert not runs_dir.exists() or not any(runs_dir.iterdir())
