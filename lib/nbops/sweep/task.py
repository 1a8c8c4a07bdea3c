"""One run of a sweep: what to run (`Task`), how it ended (`Outcome`), and the `nbops run` child
process that executes it, in a process group of its own so it can be interrupted alone.

Local processes and Dask workers both start runs through `start_run` and stop them through
`stop_run`: SIGINT reaches the child's `nbops run`, which interrupts its kernel and records the
run as interrupted, exactly as Ctrl-C does for a single run; SIGKILL to the group after a grace.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nbops import runs
from nbops.files import read_json, write_json_atomic, write_text_atomic
from nbops.project import SWEEP_ENV, RunFolder, encode_sweep_membership

STOP_GRACE_S = 45.0  # nbops run itself gives its kernel 30 s to stop
FAILED, SUCCEEDED, INTERRUPTED, CANCELLED = "failed", "succeeded", "interrupted", "cancelled"


@dataclass(frozen=True)
class Task:
    """One run to execute: its index in the sweep, run name, parameter values and membership."""

    index: int
    name: str
    params: dict[str, Any]
    membership: dict[str, Any]


@dataclass
class Outcome:
    """How one run ended: its run folder (when one exists), status, metrics and error line."""

    task: Task
    status: str
    run_dir: Path | None = None
    record: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def run_id(self) -> str | None:
        return self.run_dir.name if self.run_dir else None

    @property
    def duration_s(self) -> float | None:
        return self.record.get("duration_s")


def command(notebook: Path, runs_dir: Path, task: Task, params_file: Path) -> list[str]:
    """The `nbops run` command line of a task."""
    return [
        sys.executable,
        "-m",
        "nbops",
        "run",
        str(notebook),
        "--runs-dir",
        str(runs_dir),
        "--name",
        task.name,
        "-f",
        str(params_file),
        "--no-progress",
    ]


def start_run(
    notebook: Path,
    runs_dir: Path,
    task: Task,
    scratch: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen:
    """Start `nbops run` for `task` in its own process group; its stderr goes to scratch."""
    params_file = scratch / f"{task.name}.yaml"
    write_text_atomic(params_file, yaml.safe_dump(task.params, sort_keys=False))
    child_env = dict(os.environ if env is None else env)
    child_env[SWEEP_ENV] = encode_sweep_membership(task.membership)
    with open(scratch / f"{task.name}.stderr", "wb") as stderr:
        return subprocess.Popen(
            command(notebook, runs_dir, task, params_file),
            cwd=cwd,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )


def _die_with_parent() -> None:
    """In the child, before exec: get SIGINT when the thread that started it dies (Linux
    PR_SET_PDEATHSIG), so a run never outlives a killed sweep or Dask worker: it ends
    `interrupted` and stops its kernel."""
    import ctypes

    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)  # 1 = PR_SET_PDEATHSIG


def interrupt_run(proc: subprocess.Popen) -> None:
    """Ask a running `nbops run` to stop as Ctrl-C would (it records `interrupted`)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGINT)


def stop_run(proc: subprocess.Popen, grace: float = STOP_GRACE_S) -> int:
    """Interrupt a run, wait up to `grace` seconds, then kill its process group."""
    interrupt_run(proc)
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        return proc.wait()


def kill_group(proc: subprocess.Popen) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def find_run_folder(runs_dir: Path, task: Task) -> Path | None:
    """The run folder `nbops run` made for `task` (its name and run.json's sweep entry match)."""
    for candidate in sorted(runs_dir.glob(f"*-{task.name}*"), reverse=True):
        sweep = (read_json(RunFolder(candidate).record, {}) or {}).get("sweep") or {}
        if sweep.get("id") == task.membership["id"] and sweep.get("index") == task.index:
            return candidate
    return None


def outcome_from_folder(task: Task, run_dir: Path) -> Outcome:
    """Read a finished run folder into an Outcome."""
    record = read_json(RunFolder(run_dir).record, {}) or {}
    metrics = read_json(RunFolder(run_dir).metrics, {}) or {}
    status = record.get("status") or FAILED
    error = record.get("error") or {}
    message = None
    if status == FAILED:
        message = f"{error.get('ename')}: {str(error.get('evalue') or '').strip()[:300]}"
    return Outcome(task, status, run_dir, record, metrics, message)


def stderr_reason(scratch: Path, task: Task, returncode: int | None) -> str:
    """The last `nbops:` line a child printed, else its exit code."""
    path = scratch / f"{task.name}.stderr"
    lines = path.read_text(errors="replace").splitlines() if path.is_file() else []
    said = [line for line in lines if line.startswith("nbops:")]
    return said[-1] if said else f"nbops run exited with code {returncode}"


def lost_run(
    runs_dir: Path, notebook: str, task: Task, reason: str, status: str = FAILED
) -> Outcome:
    """Record a run that left no folder of its own (its worker died, its process was killed)."""
    run_dir = runs.allocate(runs_dir, Path(notebook).stem, task.name)
    now = runs.iso(runs.utc_now())
    record = {
        "id": run_dir.name,
        "notebook": notebook,
        "status": status,
        "started_at": now,
        "finished_at": now,
        "duration_s": None,
        "error": {"cell": None, "ename": "RunLost", "evalue": reason},
        "mlflow": None,
        "sweep": task.membership,
    }
    write_json_atomic(RunFolder(run_dir).params, task.params)
    write_json_atomic(RunFolder(run_dir).metrics, {})
    write_json_atomic(RunFolder(run_dir).record, record)
    return Outcome(task, status, run_dir, record, {}, f"RunLost: {reason}")


def wait_all(procs: list[subprocess.Popen], deadline: float) -> None:
    """Wait for every process until `deadline` (time.monotonic)."""
    for proc in procs:
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
