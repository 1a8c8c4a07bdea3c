"""Real `nbops run` processes for fault tests: start one, watch every process it starts, read
its records (run.json, the MLflow sqlite store) and prove nothing outlived it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(__file__).parent / "notebooks"
NBOPS = Path(sys.executable).with_name("nbops")
WAIT_S = 90


class Run:
    """One `nbops run` child process, with every process it ever started remembered."""

    def __init__(self, args: list, env: dict[str, str], cwd: Path = ROOT) -> None:
        self.proc = subprocess.Popen(
            [NBOPS, "run", *map(str, args)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.seen: dict[int, float] = {}

    def watch(self) -> None:
        try:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                self.seen.setdefault(child.pid, child.create_time())
        except psutil.NoSuchProcess:
            pass

    def wait_for(self, condition, what: str, poll_s: float = 0.1) -> None:
        """Return once `condition()` holds; fail if nbops ends first or after WAIT_S."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            self.watch()
            if condition():
                return
            assert self.proc.poll() is None, f"nbops ended before {what}: {self.proc.stderr.read()}"
            time.sleep(poll_s)
        raise AssertionError(f"timed out waiting for {what}")

    def finish(self) -> tuple[int, list[str]]:
        _out, err = self.proc.communicate(timeout=WAIT_S)
        return self.proc.returncode, [line for line in err.splitlines() if line.strip()]

    def kernels(self) -> list[int]:
        self.watch()
        found = []
        for pid in self.seen:
            try:
                if "ipykernel" in " ".join(psutil.Process(pid).cmdline()):
                    found.append(pid)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                pass
        return found

    def assert_nothing_left(self) -> None:
        deadline = time.monotonic() + 10
        alive = self._alive()
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = self._alive()
        assert not alive, f"processes left behind: {alive}"

    def _alive(self) -> list[str]:
        alive = []
        for pid, started in self.seen.items():
            try:
                process = psutil.Process(pid)
                if process.create_time() == started and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(" ".join(process.cmdline()))
            except psutil.NoSuchProcess:
                pass
        return alive


def only_run(runs_dir: Path) -> Path:
    """The one run folder under `runs_dir`."""
    folders = [p for p in runs_dir.iterdir() if p.is_dir() and not p.is_symlink()]
    folders = [p for p in folders if (p / "run.json").is_file()]
    assert len(folders) == 1, folders
    return folders[0]


def record_of(runs_dir: Path) -> dict:
    """run.json of the one run under `runs_dir`."""
    return json.loads((only_run(runs_dir) / "run.json").read_text())


def mlflow_run(runs_dir: Path, record: dict) -> tuple[str, int | None]:
    """(status, end_time) of the run's MLflow run, read straight from the sqlite store."""
    with sqlite3.connect(runs_dir / "mlflow.db") as db:
        row = db.execute(
            "select status, end_time from runs where run_uuid = ?", (record["mlflow"]["run_id"],)
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def assert_mlflow_matches(runs_dir: Path, record: dict, status: str) -> None:
    """The run's MLflow run ended `status` with the run's own status as a tag; or, when the signal
    came before it was opened, none was (run.json says so). No MLflow run is left RUNNING."""
    with sqlite3.connect(runs_dir / "mlflow.db") as db:
        running = db.execute("select count(*) from runs where status = 'RUNNING'").fetchone()[0]
    assert running == 0
    if record["mlflow"] is None:
        assert record["tracking"]["status"] == "skipped", record["tracking"]
        assert "interrupted before" in record["tracking"]["reason"]
        return
    ended, end_time = mlflow_run(runs_dir, record)
    assert ended == status and end_time
    assert mlflow_tag(runs_dir, record, "nbops.status") == record["status"]


def mlflow_tag(runs_dir: Path, record: dict, key: str) -> str | None:
    """The value of tag `key` on the run's MLflow run (None when absent)."""
    with sqlite3.connect(runs_dir / "mlflow.db") as db:
        row = db.execute(
            "select value from tags where run_uuid = ? and key = ?",
            (record["mlflow"]["run_id"], key),
        ).fetchone()
    return row[0] if row else None


def assert_no_temp_files(folder: Path) -> None:
    """No temp file of an atomic write is left anywhere under `folder`."""
    assert not [p.name for p in folder.rglob("*.tmp")]


def write_notebook(path: Path, *cells: str) -> Path:
    """A notebook at `path`: a `parameters` cell (SIZE), then one code cell per source."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell("SIZE = 1  # unused")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(source) for source in cells)]
    nbformat.write(nb, path)
    return path
