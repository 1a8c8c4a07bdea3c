"""nbops.verdicts: what a run found, read from its folder; and the run folder's file modes.

Fast lane: folders written by the same functions a run uses (record_metrics, record_verdict,
drift_verdict, write_json_atomic), no kernel.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from nbops.files import write_json_atomic, write_text_atomic
from nbops.kit.drift import drift_verdict
from nbops.kit.record import record_metrics, record_verdict
from nbops.verdicts import read_outcome

RECORD = {"id": "20260101-000000-churn", "notebook": "notebooks/churn.ipynb"}


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A managed run's folder: the kit writes into it."""
    monkeypatch.setenv("NBOPS_RUN_DIR", str(tmp_path))
    return tmp_path


def test_a_training_run_reads_as_its_gate_headline_and_checks(run_dir: Path) -> None:
    record_metrics(
        {
            "accuracy": 0.9,
            "accuracy_ci_low": 0.85,
            "accuracy_ci_high": 0.94,
            "baseline_accuracy": 0.6,
            "f1_macro": 0.8,
            "duplicate_rows": 4,
            "split_overlap_rows": 0,
        }
    )
    gate = {"passed": True, "metric": "f1_macro", "value": 0.8, "threshold": 0.7}
    record_verdict("gate", gate | {"version": "3", "alias": "challenger", "registered_name": "c"})
    write_json_atomic(run_dir / "run.json", RECORD | {"status": "succeeded"})
    outcome = read_outcome(run_dir)
    assert outcome.headline.name == "f1_macro"  # the gate's metric leads
    accuracy = outcome.metrics[1]
    assert (accuracy.value, accuracy.ci_low, accuracy.ci_high, accuracy.baseline) == (
        0.9,
        0.85,
        0.94,
        0.6,
    )
    assert outcome.verdict == "gate passed @challenger v3; 4 duplicate rows"
    assert not outcome.checked and outcome.findings == ()


def test_leakage_findings_and_a_failed_gate_make_the_verdict(run_dir: Path) -> None:
    record_metrics({"accuracy": 0.5})
    record_verdict("gate", {"passed": False, "metric": "accuracy", "value": 0.5, "threshold": 0.8})
    finding = {"code": "NB301", "cell": 7, "message": "the scaler is fitted before the split"}
    check = {"findings": [finding, {"code": "NB201", "cell": 9, "message": "magic"}], "error": None}
    write_json_atomic(run_dir / "run.json", RECORD | {"status": "succeeded", "check": check})
    outcome = read_outcome(run_dir)
    assert outcome.verdict == "gate failed (accuracy 0.500 < 0.8); leakage NB301"
    assert [f.code for f in outcome.leakage] == ["NB301"] and len(outcome.findings) == 2


def test_the_drift_verdict_is_recorded_by_the_kit(run_dir: Path) -> None:
    table = pd.DataFrame({"drifted": [True, True, False]}, index=["a", "b", "c"])
    assert drift_verdict(table, 0.5).detected
    write_json_atomic(run_dir / "run.json", RECORD | {"status": "succeeded"})
    drift = read_outcome(run_dir).drift
    assert (drift.detected, drift.drifted, drift.total, drift.columns) == (True, 2, 3, ("a", "b"))
    assert read_outcome(run_dir).verdict == "drift detected: 2 of 3 columns"


def test_an_older_drift_run_is_judged_from_its_metrics_and_threshold(tmp_path: Path) -> None:
    write_json_atomic(
        tmp_path / "metrics.json", {"drift_share": 0.2, "drifted_columns": 1, "n_columns": 5}
    )
    write_json_atomic(tmp_path / "params.json", {"DRIFT_SHARE_THRESHOLD": 0.5})
    write_json_atomic(tmp_path / "run.json", RECORD | {"status": "succeeded"})
    assert read_outcome(tmp_path).verdict == "no drift: 1 of 5 columns"


def test_a_failed_or_empty_folder_still_reads(tmp_path: Path) -> None:
    assert read_outcome(tmp_path).status == "unknown"
    error = {"cell": 4, "ename": "ZeroDivisionError", "evalue": "division by zero"}
    write_json_atomic(tmp_path / "run.json", RECORD | {"status": "failed", "error": error})
    assert read_outcome(tmp_path).verdict == "failed (cell 4: ZeroDivisionError)"


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_honour_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        path = write_text_atomic(tmp_path / "run.json", "{}")
        write_text_atomic(path, "{}\n")  # a replaced file takes the new temp file's mode
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temp file left behind
