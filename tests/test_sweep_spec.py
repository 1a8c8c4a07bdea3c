"""Sweep and tune input is checked before anything runs: one line, exit 2, no folder."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from sweep_support import NOTEBOOK, ROOT

from nbops.cli import main
from nbops.sweep import spec
from nbops.sweep.selection import rank
from nbops.sweep.summary import Row, default_direction


@pytest.fixture(autouse=True)
def _in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--grid", "X=0,a"], "parameter X expects float, got 'a'", id="bad-value"),
        pytest.param(["--grid", "DEPHT=1,2"], "did you mean DEPTH?", id="unknown-name"),
        pytest.param(["--grid", "X=1,1.0"], "grid X lists 1.0 twice", id="duplicate"),
        pytest.param(["--grid", "X=1", "-p", "X", "2"], "both swept and fixed", id="swept-fixed"),
        pytest.param(["--grid", "X"], "is not NAME=V1,V2", id="no-values"),
        pytest.param([], "nothing to sweep", id="no-grid"),
        pytest.param(["--grid", "X=1", "--jobs", "0"], "--jobs must be at least 1", id="jobs"),
        pytest.param(["--grid", "X=1", "--name", "a/b"], "run name 'a/b'", id="bad-name"),
    ],
)
def test_a_bad_sweep_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    code = main(["sweep", NOTEBOOK, "--runs-dir", str(tmp_path / "runs"), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("nbops: error:") and message in err and "\n" not in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


@pytest.mark.parametrize(
    ("space", "message"),
    [
        pytest.param("DEPTH: {float: [1, 2]}", "DEPTH is declared int: use int", id="float-int"),
        pytest.param("MODEL: {int: [1, 2]}", "MODEL is declared str: use choice", id="int-str"),
        pytest.param("X: {float: [2, 1]}", "needs [low, high] with low < high", id="bounds"),
        pytest.param("X: {float: [0, 1], log: true}", "log: true needs a low", id="log-zero"),
        pytest.param("DEPHT: {int: [1, 3]}", "did you mean DEPTH?", id="unknown"),
        pytest.param("DEPTH: {choice: [1, x]}", "DEPTH expects int, got 'x'", id="choice-type"),
        pytest.param("X: {uniform: [0, 1]}", "X must be one of", id="unknown-kind"),
        pytest.param("X: {float: [0, 1]", "search space file", id="not-yaml"),
        pytest.param("- X", "must be a mapping of NAME: value", id="not-a-mapping"),
    ],
)
def test_a_bad_space_is_one_line_and_exit_2(
    space: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    space_file = tmp_path / "space.yaml"
    space_file.write_text(space + "\n", encoding="utf-8")
    argv = ["tune", NOTEBOOK, "--space", str(space_file), "--trials", "2", "--metric", "score"]
    code = main([*argv, "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and "\n" not in err
    assert "params file" not in err  # the space is not a params file


def test_an_unreachable_scheduler_is_one_line_within_10_s(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    started = time.monotonic()
    argv = ["sweep", NOTEBOOK, "--grid", "X=0,1", "--scheduler", "tcp://127.0.0.1:9"]
    code = main([*argv, "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and time.monotonic() - started < 10
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "\n" not in err


def test_grid_values_come_from_the_command_line_and_the_params_file(tmp_path: Path) -> None:
    params_file = tmp_path / "sweep.yaml"
    params_file.write_text("SLEEP_S: 0.5\ngrid:\n  MODEL: [a, b]\n", encoding="utf-8")
    base, file_grid = spec.load_base(ROOT / NOTEBOOK, params_file, {"DEPTH": "3"})
    grid = spec.build_grid(base, {**file_grid, **spec.parse_grid_options(["X=0,1.5"])})
    assert grid.combinations() == [
        {"SLEEP_S": 0.5, "DEPTH": 3, "MODEL": "a", "X": 0.0},
        {"SLEEP_S": 0.5, "DEPTH": 3, "MODEL": "a", "X": 1.5},
        {"SLEEP_S": 0.5, "DEPTH": 3, "MODEL": "b", "X": 0.0},
        {"SLEEP_S": 0.5, "DEPTH": 3, "MODEL": "b", "X": 1.5},
    ]


def test_commas_inside_brackets_belong_to_one_value() -> None:
    assert spec.split_values("a,[1,2],b") == ["a", "[1,2]", "b"]


def test_the_best_run_follows_the_direction() -> None:
    rows = [Row(f"r{i}", "succeeded", 1.0, {}, {"rmse": v}) for i, v in enumerate([3, 1, 2])]
    rows.append(Row("r9", "failed", 1.0, {}, {"rmse": 0.0}))
    assert default_direction("rmse") == "minimize" and default_direction("f1_macro") == "maximize"
    assert rank(rows, "rmse", "minimize").best.run_id == "r1"
    assert rank(rows, "rmse", "maximize").best.run_id == "r0"


def test_make_passes_variables_as_data_never_as_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    grid = f'X=0,1 MODEL=$(shell touch {marker}),"a;touch {marker}"'
    result = subprocess.run(
        ["make", "-s", "sweep", f"NB={NOTEBOOK}", f"GRID={grid}", "NAME=it's"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert 'run name "it\'s" is not allowed' in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("tty", [pytest.param(True, id="terminal"), pytest.param(False, id="pipe")])
def test_progress_counts_done_failed_running_with_an_eta(tty: bool) -> None:
    import io

    from nbops.sweep.progress import Progress
    from nbops.sweep.task import Outcome, Task

    stream = io.StringIO()
    progress = Progress(total=4, jobs=2, stream=stream, tty=tty)
    tasks = [Task(i, f"sweep-{i:03d}", {"X": float(i)}, {"id": "s"}) for i in range(1, 5)]
    for task in tasks[:2]:
        progress.started(task)
    progress.finished(Outcome(tasks[0], "succeeded", Path("r1"), {"duration_s": 10.0}))
    progress.finished(Outcome(tasks[1], "failed", Path("r2"), {"duration_s": 6.0}, error="E: x"))
    text = stream.getvalue()
    assert (
        "2/4  done 1  failed 1  running 0" in text and "ETA 0:08" in text
    )  # 2 left x 8 s / 2 jobs
    assert ("\r\033[K[############------------]" in text) is tty
    assert "r2 failed in 6.0 s (X=2): E: x" in text  # a failure always gets its own line
    assert ("r1 succeeded" in text) is not tty
