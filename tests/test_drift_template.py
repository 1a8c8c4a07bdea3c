"""`nbops run templates/drift.ipynb` end to end on a real kernel: verdicts, failures, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_drift import customers, inject_shift, random_halves

from nbops.cli import main

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "drift.ipynb"

pytestmark = pytest.mark.kernel


def write_pair(tmp_path: Path, shift: bool = False, drop: str | None = None) -> list[str]:
    reference, current = random_halves(customers())
    if shift:
        current = inject_shift(current)
    if drop:
        current = current.drop(columns=[drop])
    paths = {"REFERENCE_PATH": tmp_path / "reference.csv", "CURRENT_PATH": tmp_path / "current.csv"}
    reference.to_csv(paths["REFERENCE_PATH"], index=False)
    current.to_csv(paths["CURRENT_PATH"], index=False)
    return [f"{name}={path}" for name, path in paths.items()]


def run(tmp_path: Path, assignments: list[str], capsys) -> tuple[int, str, Path]:
    argv = ["run", str(TEMPLATE), "--runs-dir", str(tmp_path / "runs"), "--set", "TIME_COLUMN="]
    for assignment in assignments:
        argv += ["--set", assignment]
    code = main(argv)
    return code, capsys.readouterr().err, (tmp_path / "runs" / "latest").resolve()


def test_random_halves_run_succeeds_without_drift(tmp_path, capsys):
    code, err, run_dir = run(tmp_path, [*write_pair(tmp_path), "FAIL_ON_DRIFT=True"], capsys)
    assert code == 0, err
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["drifted_columns"] == 0 and metrics["drift_share"] == 0.0
    assert metrics["n_columns"] == 6
    assert (run_dir / "drift_report.html").stat().st_size > 0
    assert (run_dir / "figures" / "drift_distributions.png").is_file()
    record = json.loads((run_dir / "run.json").read_text())
    assert [entry["rows"] for entry in record["data"]] == [2000, 2000]


def test_fail_on_drift_fails_the_run_naming_the_drifted_columns(tmp_path, capsys):
    assignments = [
        *write_pair(tmp_path, shift=True),
        "FAIL_ON_DRIFT=True",
        "DRIFT_SHARE_THRESHOLD=0.3",
    ]
    code, err, run_dir = run(tmp_path, assignments, capsys)
    assert code == 1
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "failed"
    assert record["error"]["ename"] == "DriftDetectedError"
    lines = [line for line in err.splitlines() if "DriftDetectedError" in line]
    assert len(lines) == 1, err
    assert "2 of 6 columns drifted" in lines[0]
    assert "drifted columns: " in lines[0] and "age" in lines[0] and "plan" in lines[0]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    drifted = {name for name, value in metrics.items() if name.startswith("drift_score__")}
    assert len(drifted) == 6 and metrics["drifted_columns"] == 2


def test_a_column_missing_from_current_fails_with_a_clear_message(tmp_path, capsys):
    code, err, run_dir = run(tmp_path, write_pair(tmp_path, drop="income"), capsys)
    assert code == 1
    assert "DataError" in err and "missing from the current data: income" in err
    assert json.loads((run_dir / "run.json").read_text())["status"] == "failed"
