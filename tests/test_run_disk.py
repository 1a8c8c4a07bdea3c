"""`nbops run` against a runs folder it cannot write: read-only, not a folder, or full.

Real tmpfs mounts (skipped where mounting is not allowed), real `nbops run` processes.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import nbformat
import pytest
from run_support import SAMPLES, Run, assert_no_temp_files, only_run, write_notebook

from nbops.cli import main


def _mount_tmpfs(target: Path, options: str) -> None:
    """Mount a tmpfs at `target` with `options`, or skip the test where that is not allowed."""
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")


@pytest.fixture
def mounts():
    """The mount points a test appends to; unmounted afterwards."""
    mounted: list[Path] = []
    yield mounted
    for target in reversed(mounted):
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def test_a_read_only_or_impossible_runs_dir_is_one_line_exit_2(tmp_path, mounts, capsys):
    read_only = tmp_path / "ro"
    _mount_tmpfs(read_only, "ro,size=1m")
    mounts.append(read_only)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for runs_dir in (read_only, blocker / "runs"):
        code = main(["run", str(SAMPLES / "sleeps.ipynb"), "--runs-dir", str(runs_dir)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2
        assert len(err) == 1 and str(runs_dir) in err[0], err
        assert "pass --runs-dir" not in err[0]  # it was passed: say what is true
    assert err_read_only(read_only, capsys) == (
        f"nbops: error: the runs folder {read_only} is not writable: make it writable or choose "
        "another (--runs-dir, or runs-dir in [tool.nbops])"
    )
    assert not list(read_only.iterdir())
    assert not (blocker / "runs").exists()


def err_read_only(runs_dir: Path, capsys) -> str:
    """The error line of `nbops run --runs-dir RUNS_DIR` (a read-only folder)."""
    main(["run", str(SAMPLES / "sleeps.ipynb"), "--runs-dir", str(runs_dir)])
    return capsys.readouterr().err.strip()


FILL_DISK = """\
import os
from pathlib import Path

path = Path(os.environ["NBOPS_RUN_DIR"]) / "filler.bin"
try:
    with open(path, "wb") as handle:
        while True:
            handle.write(b"x" * 65536)
            handle.flush()
except OSError as exc:
    print("disk full:", exc.errno)
"""


@pytest.mark.kernel
def test_a_full_disk_leaves_complete_files_and_says_what_is_missing(tracked, tmp_path, mounts):
    runs_dir, env = tracked
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "size=2m")
    mounts.append(disk)
    shutil.copy(runs_dir / "mlflow.db", tmp_path / "mlflow.db")
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp_path / 'mlflow.db'}"
    notebook = write_notebook(tmp_path / "fills_disk.ipynb", FILL_DISK, 'print("y" * 400_000)', "1")
    run = Run([notebook, "--runs-dir", disk], env, cwd=tmp_path)
    code, err = run.finish()

    assert code == 1
    assert len(err) == 1 and "No space left" in err[0], err
    assert "Traceback" not in "\n".join(err)
    folder = only_run(disk)
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "failed"
    assert "report.html" in record["missing"] or "metrics.json" in record["missing"]
    if (folder / "notebook.ipynb").exists():
        nbformat.read(folder / "notebook.ipynb", as_version=4)  # complete, valid JSON
    assert_no_temp_files(folder)
    with sqlite3.connect(tmp_path / "mlflow.db") as db:
        status, end_time = db.execute("select status, end_time from runs").fetchone()
    assert status == "FAILED" and end_time
    run.assert_nothing_left()
