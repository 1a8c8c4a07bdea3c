"""model_card.md from a run's records, and the kit's tracking helpers when tracking is off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbops.kit import tracking as kit_tracking
from nbops.run import model_card

RECORD = {
    "id": "20260101-000000-churn",
    "notebook": "notebooks/churn.ipynb",
    "status": "succeeded",
    "finished_at": "2026-01-01T00:01:00.000Z",
    "git": {"commit": "abc123", "dirty": False},
    "python": "3.11.7",
    "packages": {"scikit-learn": "1.9.1"},
    "data": [{"path": "data/churn.csv", "sha256": "f" * 64, "rows": 500}],
    "mlflow": {"tracking_uri": "sqlite:///x.db", "run_id": "0" * 32},
}
METRICS = {
    "accuracy": 0.8,
    "baseline_accuracy": 0.85,
    "f1_macro": 0.7,
    "n_train": 400,
    "n_test": 100,
    "duplicate_rows": 3,
    "split_overlap_rows": 2,
}


def run_folder(tmp_path: Path, metrics: dict, status: str = "succeeded") -> Path:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "per_class.csv").write_text(
        ",precision,support\nyes,0.5,20\nno,0.9,80\n", encoding="utf-8"
    )
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    (tmp_path / "params.json").write_text(json.dumps({"TARGET": "churned", "TEST_SIZE": 0.2}))
    nb = {"cells": [{"cell_type": "markdown", "source": "# Churn\nWho leaves, and why.\n\nMore."}]}
    (tmp_path / "notebook.ipynb").write_text(json.dumps(nb))
    return tmp_path


def test_card_reports_data_metrics_against_baseline_and_limitations(tmp_path):
    folder = run_folder(tmp_path, METRICS)
    path = model_card.write(folder, RECORD)
    card = path.read_text()
    assert card.startswith("# Model card: Churn\n") and "Who leaves, and why." in card
    assert "Predicts `churned`" in card
    assert "| `data/churn.csv` | `ffffffffffffffff` | 500 |" in card
    assert "- Training rows: 400" in card and "- Held out at random: 0.200 of the rows" in card
    assert "| accuracy | 0.800 |  | 0.850 | -0.050 (NOT better) |  |" in card
    assert "| f1_macro | 0.700 |  | not recorded |  |  |" in card
    assert "| yes | 0.500 | 20 |" in card
    assert "3 exact duplicate rows" in card
    assert "2 of 100 test rows are identical to a training row" in card
    assert "`accuracy` is no better than the baseline's" in card
    assert "`abc123` (dirty: False)" in card and "0" * 32 in card


@pytest.mark.parametrize(
    ("metrics", "status"),
    [
        pytest.param({"accuracy": 0.9}, "succeeded", id="not-a-training-run"),
        pytest.param(METRICS, "failed", id="failed-run"),
    ],
)
def test_no_card_without_a_finished_training(tmp_path, metrics, status):
    folder = run_folder(tmp_path, metrics)
    assert model_card.write(folder, {**RECORD, "status": status}) is None
    assert not (folder / "model_card.md").exists()


def test_kit_output_does_not_depend_on_tracking(capsys, tmp_path, monkeypatch):
    """With tracking off nothing is logged or registered, and the cell prints the same verdict;
    the gate's outcome is noted in the run folder's verdicts.json all the same."""
    monkeypatch.setenv("NBOPS_RUN_DIR", str(tmp_path))
    assert kit_tracking.log_model(object(), None) is None
    result = kit_tracking.register_if_passes(
        None,
        {"accuracy": 0.75},
        register=True,
        name="m",
        gate_metric="accuracy",
        gate_threshold=0.5,
    )
    assert result.version is None and result.alias is None
    assert "tracking is off" in result.reason
    out = capsys.readouterr().out
    verdict = "accuracy=0.7500 >= GATE_THRESHOLD=0.5"
    assert out == f"gate passed ({verdict}): the registered version gets @challenger\n"
    gate = json.loads((tmp_path / "verdicts.json").read_text())["gate"]
    assert gate["passed"] is True and gate["metric"] == "accuracy" and gate["version"] is None


def test_the_gate_can_judge_the_intervals_lower_bound(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NBOPS_RUN_DIR", str(tmp_path))
    metrics = {"accuracy": 0.82, "accuracy_ci_low": 0.74, "accuracy_ci_high": 0.9}
    gate = {"register": True, "name": "m", "gate_metric": "accuracy", "gate_threshold": 0.8}
    assert kit_tracking.register_if_passes(None, metrics, **gate).passed
    assert "accuracy=0.8200 [0.7400, 0.9000] >= GATE_THRESHOLD=0.8" in capsys.readouterr().out
    result = kit_tracking.register_if_passes(None, metrics, use_ci_low=True, **gate)
    assert not result.passed
    out = capsys.readouterr().out
    assert "gate failed (accuracy_ci_low=0.7400 (accuracy=0.8200 [0.7400, 0.9000]) <" in out
    recorded = json.loads((tmp_path / "verdicts.json").read_text())["gate"]
    assert recorded["uses_ci_low"] is True and recorded["value"] == 0.74


def test_a_failing_gate_says_why(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NBOPS_RUN_DIR", str(tmp_path))
    kit_tracking.register_if_passes(
        None,
        {"accuracy": 0.25},
        register=True,
        name="m",
        gate_metric="accuracy",
        gate_threshold=0.5,
    )
    assert "gate failed (accuracy=0.2500 < GATE_THRESHOLD=0.5)" in capsys.readouterr().out


def test_default_store_lives_in_the_runs_folder(tmp_path, monkeypatch):
    assert kit_tracking.tracking_uri(tmp_path) == f"sqlite:///{tmp_path.as_posix()}/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert kit_tracking.tracking_uri(tmp_path) == "http://127.0.0.1:5000"
