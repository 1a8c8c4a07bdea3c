"""Run a template headless with parameters into a temporary runs folder; read its metrics."""

from __future__ import annotations

import json
from pathlib import Path

from nbops.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_template(name: str, runs_dir: Path, capsys, **params: object) -> tuple[dict, Path]:
    """Run templates/<name>.ipynb with `params` (NAME=value) and return (metrics, run folder)."""
    settings = [f"--set={key}={value}" for key, value in params.items()]
    notebook = ROOT / "templates" / f"{name}.ipynb"
    code = main(["run", str(notebook), "--runs-dir", str(runs_dir), *settings])
    err = capsys.readouterr().err
    assert code == 0, f"{name} failed: {err.strip()}"
    run = (runs_dir / "latest").resolve()
    return json.loads((run / "metrics.json").read_text()), run
