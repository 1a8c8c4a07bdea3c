"""CI executes every template and every notebook top to bottom, then proves each run reproduces.

Each notebook runs twice with its defaults, with 1 and 2 BLAS/OpenMP threads: the metrics must be
identical to the last digit. The first run is then re-executed by `nbops reproduce` (strict nbval).
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
    second = _run(notebook, tmp_path / "runs", 2, capsys)
    metrics = json.loads((first / "metrics.json").read_text())
    again = json.loads((second / "metrics.json").read_text())
    assert metrics, f"{notebook.name} recorded no metrics"
    differences = {
        k: (metrics.get(k), again.get(k))
        for k in metrics.keys() | again.keys()
        if metrics.get(k) != again.get(k)
    }
    assert differences == {}, f"metrics differ between 1 and 2 threads: {differences}"
    code = main(["reproduce", str(first)])
    captured = capsys.readouterr()
    assert code == 0, (
        f"{notebook.relative_to(ROOT)} did not reproduce:\n{captured.out}{captured.err}"
    )
