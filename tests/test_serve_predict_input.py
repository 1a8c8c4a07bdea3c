"""`nbops serve` and `nbops predict` check their input first: one line, exit 2, nothing written."""

from __future__ import annotations

import pytest

from nbops.cli import main


def test_predict_on_a_garbage_csv_is_one_line(tmp_path, capsys):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\xff\xfe\x89" * 100)
    code = main(["predict", str(tmp_path / "model"), str(garbage), str(tmp_path / "out.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "garbage.csv" in err[0], err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.slow
def test_serve_without_the_alias_checks_first(tracked_runs_dir, capsys):
    import mlflow

    runs_dir = tracked_runs_dir
    mlflow.MlflowClient(f"sqlite:///{runs_dir / 'mlflow.db'}").create_registered_model("penguins")
    for model in ("models:/penguins-species@champion", "models:/penguins@champion"):
        code = main(["serve", model, "--runs-dir", str(runs_dir)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and "champion" in err[0], err
        assert ".:" not in err[0] and ": promote a version first" in err[0]
    assert err[0] == (
        "nbops: error: cannot serve models:/penguins@champion: Registered model alias champion "
        "not found: promote a version first (make promote MODEL_NAME=penguins VERSION=N)"
    )


def test_predict_without_input_or_output_says_what_is_missing(capsys):
    code = main(["predict", "models:/penguins-species@champion", "", ""])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "INPUT and OUTPUT" in err[0], err
