"""Helpers for the sweep tests: the sample notebook, reading sweep folders, MLflow children."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "tests/notebooks/scores_parameters.ipynb"  # inside the project: workers find it too


def sweep_folders(runs_dir: Path) -> list[Path]:
    return sorted(p for p in runs_dir.iterdir() if p.is_dir() and (p / "sweep.json").is_file())


def only_sweep(runs_dir: Path) -> Path:
    (folder,) = sweep_folders(runs_dir)
    return folder


def run_folders(runs_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in runs_dir.iterdir()
        if p.is_dir() and not p.is_symlink() and (p / "run.json").is_file()
    )


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def summary_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "summary.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def mlflow_children(folder: Path) -> tuple[Any, list[Any]]:
    """The sweep's MLflow parent run and the runs nested under it."""
    from mlflow import MlflowClient

    entry = read(folder / "sweep.json")["mlflow"]
    client = MlflowClient(entry["tracking_uri"])
    parent = client.get_run(entry["run_id"])
    children = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'",
    )
    return parent, children
