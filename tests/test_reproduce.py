"""`nbops reproduce`: strict nbval re-execution of a run, with a real kernel."""

from __future__ import annotations

import json
import shutil

import pytest

from nbops.cli import main

pytestmark = pytest.mark.kernel


def run_once(sample_notebook, tmp_path, name: str, *args: str):
    runs_dir = tmp_path / "runs"
    assert main(["run", str(sample_notebook(name)), "--runs-dir", str(runs_dir), *args]) == 0
    return runs_dir, (runs_dir / "latest").resolve()


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


def test_unseeded_randomness_does_not_reproduce(sample_notebook, tmp_path, capsys):
    runs_dir, run_dir = run_once(sample_notebook, tmp_path, "unseeded_random")
    assert main(["reproduce", str(run_dir)]) == 1
    assert "cell 4 differs" in capsys.readouterr().out


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


def test_a_template_without_its_seed_does_not_reproduce(project_root, tmp_path, capsys):
    """Drop RANDOM_STATE from a copy of the classification template: reproduce must catch it."""
    template = json.loads((project_root / "templates/classification.ipynb").read_text())
    removed = 0
    for cell in template["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "random_state=RANDOM_STATE" in source:
            removed += source.count("random_state=RANDOM_STATE")
            cell["source"] = source.replace("random_state=RANDOM_STATE", "random_state=None")
    assert removed >= 3  # split, EDA sample, model, permutation importance...
    copy = tmp_path / "notebooks" / "unseeded_classification.ipynb"
    copy.parent.mkdir()
    copy.write_text(json.dumps(template))
    runs_dir = tmp_path / "runs"
    args = ["--runs-dir", str(runs_dir), "--set", "REGISTER_MODEL=False"]
    assert main(["run", str(copy), *args]) == 0
    capsys.readouterr()
    assert main(["reproduce", "latest", "--runs-dir", str(runs_dir)]) == 1
    captured = capsys.readouterr()
    assert "not reproduced" in captured.err
    assert "differs:" in captured.out
