"""Optuna over a notebook's parameters: a seeded study kept under runs/, resumed by the same
command."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sweep_support import NOTEBOOK, ROOT, read, run_folders, summary_rows

from nbops.cli import main

pytestmark = pytest.mark.kernel

SPACE = """\
X: {float: [-2.0, 3.0]}
DEPTH: {int: [1, 4]}
MODEL: {choice: [a, b]}
"""


def test_a_study_runs_four_trials_then_resumes_to_six(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(ROOT)
    runs_dir, space = tmp_path / "runs", tmp_path / "space.yaml"
    space.write_text(SPACE, encoding="utf-8")
    argv = ["tune", NOTEBOOK, "--space", str(space), "--metric", "score", "--jobs", "2"]
    argv += ["--runs-dir", str(runs_dir), "--study", "demo", "--no-progress"]

    assert main([*argv, "--trials", "4"]) == 0, capsys.readouterr().err
    assert main([*argv, "--trials", "2"]) == 0, capsys.readouterr().err

    import optuna

    study = optuna.load_study(study_name="demo", storage=f"sqlite:///{runs_dir / 'optuna.db'}")
    assert [t.number for t in study.trials] == list(range(6))
    assert {t.state.name for t in study.trials} == {"COMPLETE"}
    assert study.direction.name == "MAXIMIZE"
    runs = run_folders(runs_dir)
    assert len(runs) == 6
    assert {t.user_attrs["nbops.run_id"] for t in study.trials} == {p.name for p in runs}
    first, second = sorted(p for p in runs_dir.iterdir() if (p / "sweep.json").is_file())
    assert len(read(first / "sweep.json")["runs"]) == 4
    assert len(read(second / "sweep.json")["runs"]) == 2
    rows = summary_rows(second)  # the resumed sweep summarises the whole study
    assert [int(row["trial"]) for row in rows] == list(range(6))
    best = yaml.safe_load((second / "best.yaml").read_text(encoding="utf-8"))
    best_run = next(p for p in runs if p.name == study.best_trial.user_attrs["nbops.run_id"])
    assert best == read(best_run / "params.json")
    for trial in study.trials:  # every value is the declared type, inside the space
        assert -2.0 <= trial.params["X"] <= 3.0 and trial.params["DEPTH"] in range(1, 5)
    page = (second / "summary.html").read_text(encoding="utf-8")
    assert "optimisation history" in page
    # 6 trials cannot rank 3 parameters: the page says why instead of drawing noise
    assert "importances are not shown: 6 finished trial(s) for 3 parameter(s)" in page
    assert page.count("<svg") == 4  # score against X, DEPTH, MODEL; history


def test_a_study_refuses_another_direction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(ROOT)
    import optuna

    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    storage = f"sqlite:///{runs_dir / 'optuna.db'}"
    optuna.create_study(study_name="demo", storage=storage, direction="minimize")
    space = tmp_path / "space.yaml"
    space.write_text(SPACE, encoding="utf-8")
    argv = ["tune", NOTEBOOK, "--space", str(space), "--metric", "score", "--trials", "1"]
    code = main([*argv, "--runs-dir", str(runs_dir), "--study", "demo"])
    assert code == 2
    assert "pass --direction minimize or use another --study" in capsys.readouterr().err
