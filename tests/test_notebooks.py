"""CI executes every template and every notebook top to bottom, then proves each run reproduces.

Each notebook runs once with its defaults and 1 BLAS/OpenMP thread, then
`nbops reproduce --threads 2` re-executes it with 2 threads under strict nbval: every output,
metrics included, must be identical to the last digit. One re-execution proves both that the run
reproduces and that its results do not depend on the thread count.
A notebook opts out only with a reason in its metadata: {"nbops": {"skip_ci": "<reason>"}}.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbops.cli import main

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("templates/*.ipynb"), *ROOT.glob("notebooks/*.ipynb")])


def _param(path: Path):
    reason = json.loads(path.read_text()).get("metadata", {}).get("nbops", {}).get("skip_ci")
    marks = [pytest.mark.skip(reason=f"opted out of CI: {reason}")] if reason else []
    return pytest.param(path, id=path.relative_to(ROOT).as_posix(), marks=marks)


def _run(notebook: Path, runs_dir: Path, threads: int, capsys) -> Path:
    code = main(["run", str(notebook), "--runs-dir", str(runs_dir), "--threads", str(threads)])
    err = capsys.readouterr().err
    assert code == 0, f"{notebook.relative_to(ROOT)}: {err.strip()}"
    return (runs_dir / "latest").resolve()


@pytest.mark.kernel
@pytest.mark.parametrize("notebook", [_param(path) for path in NOTEBOOKS])
def test_notebook_runs_deterministically_and_reproduces(notebook, tmp_path, capsys):
    first = _run(notebook, tmp_path / "runs", 1, capsys)
    assert json.loads((first / "metrics.json").read_text()), f"{notebook.name} recorded no metrics"
    code = main(["reproduce", str(first), "--threads", "2"])
    captured = capsys.readouterr()
    assert code == 0, (
        f"{notebook.relative_to(ROOT)} did not reproduce with 2 threads:\n"
        f"{captured.out}{captured.err}"
    )
    reproduction = json.loads((first / "reproduce.json").read_text())
    assert reproduction["result"] == "reproduced"
    note = "2 BLAS/OpenMP threads here (--threads), 1 in the run"
    assert note in reproduction["environment_differences"]
