"""Tests run untracked unless they ask for an MLflow store: no test touches the project's runs/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

MLFLOW_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID")


@pytest.fixture(autouse=True)
def _untracked_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """NBOPS_TRACKING=off and no inherited MLflow variables, for every test."""
    monkeypatch.setenv("NBOPS_TRACKING", "off")
    for name in MLFLOW_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def empty_mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, fully migrated MLflow sqlite database, created once per test process."""
    import mlflow

    path = tmp_path_factory.mktemp("mlflow-store") / "mlflow.db"
    mlflow.MlflowClient(f"sqlite:///{path.as_posix()}").search_experiments()
    return path


@pytest.fixture
def tracked_runs_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_mlflow_store: Path
) -> Path:
    """A runs folder with tracking on and its embedded store (runs/mlflow.db) ready."""
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    shutil.copy(empty_mlflow_store, runs_dir / "mlflow.db")
    monkeypatch.setenv("NBOPS_TRACKING", "on")
    return runs_dir


@pytest.fixture
def tracked(tracked_runs_dir: Path) -> tuple[Path, dict[str, str]]:
    """A tracked runs folder, and the environment of an `nbops run` child process tracking there."""
    return tracked_runs_dir, dict(os.environ)


@pytest.fixture(scope="session")
def team_server(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL and `nbops server` (MLflow, artifacts served) in front of it, shared by
    the tests of one test process; skipped only when PostgreSQL is not installed at all."""
    from server_support import Postgres, TrackingServer, postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed: `make postgres-deps` installs Debian's package")
    postgres = Postgres().start()
    server = TrackingServer(postgres.uri, tmp_path_factory.mktemp("team") / "artifacts")
    server.postgres = postgres
    try:
        yield server.start()
    finally:
        server.stop()
        postgres.stop()
