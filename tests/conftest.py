"""Tests run untracked unless they ask for an MLflow store: no test touches the project's runs/.

Markers mean what they say: a test that starts a Jupyter kernel without `@pytest.mark.kernel`
fails, naming the marker it needs (its kernels are replaced by one that only says so). The
heaviest tests (kernel, server, browser, slow) are handed to the xdist workers first, so that no
worker is left with a long test at the end while the other one idles.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest

MLFLOW_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID")
HEAVY_MARKERS = ("kernel", "server", "browser", "slow")
KERNEL_STARTED_ENV = "NBOPS_TEST_KERNEL_STARTED"
# The stand-in kernel: notes that a kernel was started, then exits (papermill sees it die).
STAND_IN_KERNEL = (
    "import os, pathlib, sys; pathlib.Path(os.environ['NBOPS_TEST_KERNEL_STARTED']).touch(); "
    "sys.exit('this test starts a Jupyter kernel: mark it @pytest.mark.kernel')"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Heavy tests first (stable order otherwise): they spread over the workers early."""
    items.sort(key=lambda item: not any(item.get_closest_marker(m) for m in HEAVY_MARKERS))


@pytest.fixture(scope="session")
def stand_in_kernels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter data folder whose `python3` kernel is the stand-in (first on JUPYTER_PATH)."""
    folder = tmp_path_factory.mktemp("stand-in-kernels")
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-c", STAND_IN_KERNEL, "{connection_file}"]
    kernel = {"argv": argv, "display_name": "stand-in", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def _kernels_only_where_marked(
    request: pytest.FixtureRequest, stand_in_kernels: Path, monkeypatch: pytest.MonkeyPatch
):
    """A test without the `kernel` marker fails if it starts a kernel."""
    if request.node.get_closest_marker("kernel"):
        yield
        return
    started = stand_in_kernels / f"started-{uuid.uuid4().hex}"
    paths = [str(stand_in_kernels), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join(paths))
    monkeypatch.setenv(KERNEL_STARTED_ENV, str(started))
    yield
    if started.exists():
        pytest.fail("this test starts a Jupyter kernel: mark it @pytest.mark.kernel")


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
