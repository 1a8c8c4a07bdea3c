"""Commands piped into a reader that stops early (`nbops runs | head -1`): no error, no noise."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBOPS = Path(sys.executable).with_name("nbops")
SAMPLES = Path(__file__).parent / "notebooks"


def many_runs(runs_dir: Path, count: int) -> Path:
    """`count` finished run folders: a listing far longer than a pipe's 64 KiB buffer."""
    for number in range(count):
        folder = runs_dir / f"20260101-{number:06d}-demo"
        folder.mkdir(parents=True)
        record = {"id": folder.name, "status": "succeeded", "duration_s": 1.5}
        record["notebook"] = "notebooks/demo.ipynb"
        (folder / "run.json").write_text(json.dumps(record))
    return runs_dir


def test_runs_piped_into_head_prints_the_first_line_and_exits_0(tmp_path: Path) -> None:
    if shutil.which("head") is None:
        pytest.skip("head is not installed")
    runs_dir = many_runs(tmp_path / "runs", 1500)
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f'"{NBOPS}" runs --runs-dir "{runs_dir}" | head -1'],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.stderr == ""
    assert done.returncode == 0
    assert done.stdout.startswith("ID ") and done.stdout.count("\n") == 1  # the header line


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["runs", "--runs-dir", "{runs}"], id="runs"),
        pytest.param(["new", "--list"], id="new-list"),
        pytest.param(["check", str(SAMPLES / "unseeded_random.ipynb")], id="check-findings"),
        pytest.param(["check", "--explain", "NB201"], id="check-explain"),
        pytest.param(["--help"], id="help"),
    ],
)
def test_a_listing_into_a_closed_pipe_exits_0_without_a_word(args, tmp_path: Path) -> None:
    runs_dir = many_runs(tmp_path / "runs", 3)
    argv = [str(NBOPS), *(arg.replace("{runs}", str(runs_dir)) for arg in args)]
    reader_gone = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    reader_gone.stdout.close()  # before nbops has printed anything: every write meets EPIPE
    _out, err = reader_gone.communicate(timeout=60)
    expected = 1 if args[0] == "check" and "--explain" not in args else 0  # findings: exit 1
    assert (reader_gone.returncode, err) == (expected, "")
