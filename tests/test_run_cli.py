"""`nbops run` end to end on small sample notebooks: a real papermill kernel, real run folders."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from run_support import Run, record_of, write_notebook

from nbops.cli import main

ARTIFACTS = {"notebook.ipynb", "report.html", "params.json", "metrics.json", "run.json"}


def only_run(runs_dir: Path) -> Path:
    folders = [p for p in runs_dir.iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(folders) == 1, folders
    return folders[0]


def record(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


@pytest.mark.kernel
def test_run_injects_coerced_parameters_and_keeps_every_artifact(sample_notebook, tmp_path, capsys):
    nb = sample_notebook("records_metrics")
    runs_dir = tmp_path / "runs"
    code = main(
        [
            "run",
            str(nb),
            "-p",
            "COUNT",
            "7",
            "--set",
            "COLUMNS=x,y,z",
            "--set",
            "VERBOSE=yes",
            "--runs-dir",
            str(runs_dir),
            "--name",
            "check",
        ]
    )
    assert code == 0
    run_dir = only_run(runs_dir)
    assert run_dir.name.endswith("-records_metrics-check")
    assert {p.name for p in run_dir.iterdir()} >= ARTIFACTS
    assert (runs_dir / "latest").resolve() == run_dir.resolve()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics == {"count": 7, "rate": 0.5, "n_columns": 3, "verbose": 1, "rows": 344}
    effective = json.loads((run_dir / "params.json").read_text())
    assert effective["COUNT"] == 7 and effective["LABEL"] == "demo" and effective["LIMIT"] is None
    run = record(run_dir)
    assert run["status"] == "succeeded" and run["error"] is None
    assert run["duration_s"] > 0 and run["started_at"] < run["finished_at"]
    assert run["python"] and run["packages"]["papermill"]
    assert set(run["git"]) == {"commit", "dirty"}
    assert run["environment"]["PYTHONHASHSEED"] == "0"
    [data] = run["data"]
    assert data["path"] == "data/penguins.csv" and data["rows"] == 344 and len(data["sha256"]) == 64
    report = (run_dir / "report.html").read_text()
    assert f"<title>records_metrics {run_dir.name} — succeeded</title>" in report
    assert "Records metrics" in report
    assert "succeeded" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["-p", "COUNT", "abc"], "parameter COUNT expects int, got 'abc'", id="bad-int"
        ),
        pytest.param(["-p", "COUNTS", "3"], "did you mean COUNT?", id="typo"),
        pytest.param(["--set", "RATE"], "is not NAME=VALUE", id="no-equals"),
        pytest.param(["--name", "../../etc"], "run name '../../etc' is not allowed", id="name"),
        pytest.param(["-f", "absent.yaml"], "params file not found", id="missing-file"),
    ],
)
def test_bad_input_exits_2_with_one_line_before_any_kernel(
    sample_notebook, tmp_path, capsys, args, expected
):
    nb = sample_notebook("records_metrics")
    runs_dir = tmp_path / "runs"
    started = time.monotonic()
    code = main(["run", str(nb), "--runs-dir", str(runs_dir), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("nbops: error: ") and expected in err
    assert not runs_dir.exists()  # nothing allocated, no kernel started
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("no_parameters_cell", "no code cell tagged 'parameters'", id="no-params"),
        pytest.param("absent", "notebook not found", id="missing"),
    ],
)
def test_unusable_notebook_exits_2(sample_notebook, tmp_path, capsys, name, expected):
    nb = sample_notebook(name) if name != "absent" else tmp_path / "absent.ipynb"
    assert main(["run", str(nb), "--runs-dir", str(tmp_path / "runs")]) == 2
    assert expected in capsys.readouterr().err


@pytest.mark.kernel
def test_failing_cell_keeps_partial_run_and_names_the_cell(sample_notebook, tmp_path, capsys):
    nb = sample_notebook("fails_at_cell_4")
    runs_dir = tmp_path / "runs"
    assert main(["run", str(nb), "--runs-dir", str(runs_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cell 4 (In [3]) failed with ZeroDivisionError: division by zero" in err
    run_dir = only_run(runs_dir)
    assert {p.name for p in run_dir.iterdir()} >= ARTIFACTS
    run = record(run_dir)
    assert run["status"] == "failed"
    assert run["error"]["cell"] == 4 and run["error"]["ename"] == "ZeroDivisionError"
    # metrics recorded before the failure survive; the partial notebook shows the error
    assert json.loads((run_dir / "metrics.json").read_text()) == {"before_failure": 1}
    executed = json.loads((run_dir / "notebook.ipynb").read_text())
    statuses = [c["metadata"].get("papermill", {}).get("status") for c in executed["cells"]]
    assert "failed" in statuses and statuses[-1] == "pending"
    assert "ZeroDivisionError" in (run_dir / "report.html").read_text()


@pytest.mark.kernel
def test_a_run_on_a_ragged_table_fails_in_one_line_naming_data_path(tmp_path):
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b\n1,2\n3,4,5,6\n")
    notebook = write_notebook(
        tmp_path / "loads.ipynb", f"from nbops.kit.data import load_table\nload_table({str(bad)!r})"
    )
    run = Run([notebook, "--runs-dir", tmp_path / "runs"], {**os.environ})
    code, err = run.finish()
    assert code == 1
    assert len(err) == 1 and "DATA_PATH" in err[0] and "ragged.csv" in err[0], err
    assert record_of(tmp_path / "runs")["status"] == "failed"
    run.assert_nothing_left()
