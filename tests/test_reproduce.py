"""`nbops reproduce`: strict nbval re-execution of a run, with a real kernel."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nbops.cli import main

SAMPLES = Path(__file__).parent / "notebooks"


def run_once(sample_notebook, tmp_path, name: str, *args: str):
    runs_dir = tmp_path / "runs"
    assert main(["run", str(sample_notebook(name)), "--runs-dir", str(runs_dir), *args]) == 0
    return runs_dir, (runs_dir / "latest").resolve()


@pytest.mark.kernel
def test_a_run_reproduces_and_says_so(sample_notebook, tmp_path, capsys):
    runs_dir, run_dir = run_once(sample_notebook, tmp_path, "records_metrics", "--set", "LABEL=x")
    before = {p.name for p in runs_dir.iterdir()}
    capsys.readouterr()
    assert main(["reproduce", "latest", "--runs-dir", str(runs_dir)]) == 0
    out = capsys.readouterr().out
    assert "reproduced: 5 cells compared, 5 identical" in out
    result = json.loads((run_dir / "reproduce.json").read_text())
    assert result["result"] == "reproduced" and result["differing_cells"] == []
    assert result["cells_compared"] == result["cells_identical"] == 5
    assert {p.name for p in runs_dir.iterdir()} == before  # no new run folder
    # the reproduction wrote its results elsewhere: the run's own metrics are untouched
    assert json.loads((run_dir / "metrics.json").read_text())["count"] == 3


@pytest.mark.kernel
def test_a_changed_output_fails_with_that_cells_diff(sample_notebook, tmp_path, capsys):
    runs_dir, run_dir = run_once(sample_notebook, tmp_path, "records_metrics", "--set", "LABEL=x")
    copy = runs_dir / f"{run_dir.name}-tampered"
    shutil.copytree(run_dir, copy)
    notebook = json.loads((copy / "notebook.ipynb").read_text())
    numbers = [
        i for i, c in enumerate(notebook["cells"], 1) if "print(LABEL" in "".join(c["source"])
    ]
    cell = notebook["cells"][numbers[0] - 1]
    cell["outputs"][0]["text"] = ["y None\n"]
    (copy / "notebook.ipynb").write_text(json.dumps(notebook))
    capsys.readouterr()
    assert main(["reproduce", str(copy)]) == 1
    captured = capsys.readouterr()
    assert f"cell {numbers[0]} differs" in captured.out
    assert "-y None" in captured.out and "+x None" in captured.out
    assert "not reproduced: 5 cells compared, 4 identical" in captured.err
    result = json.loads((copy / "reproduce.json").read_text())
    assert result["result"] == "differs"
    assert [c["cell"] for c in result["differing_cells"]] == numbers


@pytest.mark.kernel
def test_a_failed_run_compares_only_the_cells_it_executed(sample_notebook, tmp_path, capsys):
    runs_dir = tmp_path / "runs"
    notebook = str(sample_notebook("fails_at_cell_4"))
    assert main(["run", notebook, "--runs-dir", str(runs_dir), "--no-progress"]) == 1
    run_dir = (runs_dir / "latest").resolve()
    capsys.readouterr()
    assert main(["reproduce", str(run_dir)]) == 0
    out = capsys.readouterr().out
    # 4 code cells: the run executed 3 (the third failed, and fails again); the 4th never ran
    assert out == (
        "reproduced: 3 cells compared, 3 identical; "
        f"1 code cell the run never reached, not compared ({run_dir.name})\n"
    )
    result = json.loads((run_dir / "reproduce.json").read_text())
    assert (result["cells_compared"], result["cells_not_run"]) == (3, 1)


@pytest.mark.kernel
def test_unseeded_randomness_does_not_reproduce(sample_notebook, tmp_path, capsys):
    runs_dir, run_dir = run_once(sample_notebook, tmp_path, "unseeded_random")
    assert main(["reproduce", str(run_dir)]) == 1
    assert "cell 4 differs" in capsys.readouterr().out


@pytest.mark.kernel
def test_changed_data_is_reported_before_running(sample_notebook, tmp_path, capsys):
    runs_dir, run_dir = run_once(sample_notebook, tmp_path, "records_metrics")
    record = json.loads((run_dir / "run.json").read_text())
    record["data"][0]["sha256"] = "0" * 64
    record["packages"]["pandas"] = "0.0.1"
    (run_dir / "run.json").write_text(json.dumps(record))
    capsys.readouterr()
    main(["reproduce", str(run_dir)])
    err = capsys.readouterr().err
    assert "data file data/penguins.csv changed" in err
    assert "pandas 0.0.1 in the run" in err


def test_unknown_run_is_bad_input(tmp_path, capsys):
    assert main(["reproduce", "nope", "--runs-dir", str(tmp_path)]) == 2
    assert "no run 'nope'" in capsys.readouterr().err


def test_reproduce_refuses_when_a_data_file_is_missing(tmp_path, capsys):
    folder = tmp_path / "runs" / "20260101-000000-x"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLES / "sleeps.ipynb", folder / "notebook.ipynb")
    record = {"id": folder.name, "status": "succeeded", "notebook": "x.ipynb"}
    record["data"] = [{"path": "data/gone.csv", "sha256": "0", "rows": 1}]
    (folder / "run.json").write_text(json.dumps(record))
    code = main(["reproduce", str(folder)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "data/gone.csv" in err[0], err
