"""Runs on this machine: up to N `nbops run` child processes at a time, one process group each."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from nbops.sweep import task as task_mod
from nbops.sweep.task import Outcome, Task

_POLL_S = 0.2


class LocalExecutor:
    """Execute tasks as local child processes; `wait` returns those that ended."""

    def __init__(self, notebook: Path, runs_dir: Path, root: Path, relative_notebook: str):
        self.notebook, self.runs_dir, self.root = notebook, runs_dir, root
        self.relative_notebook = relative_notebook
        self.scratch = Path(tempfile.mkdtemp(prefix="nbops-sweep-"))
        self.running: dict[int, tuple[Task, subprocess.Popen]] = {}

    @property
    def where(self) -> str:
        return "local processes"

    def submit(self, task: Task) -> None:
        proc = task_mod.start_run(self.notebook, self.runs_dir, task, self.scratch, self.root)
        self.running[task.index] = (task, proc)

    def wait(self, timeout: float) -> list[Outcome]:
        """The outcomes of the runs that ended within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            ended = [idx for idx, (_, proc) in self.running.items() if proc.poll() is not None]
            if ended or time.monotonic() >= deadline:
                return [self._collect(*self.running.pop(idx)) for idx in ended]
            time.sleep(_POLL_S)

    def _collect(self, task: Task, proc: subprocess.Popen) -> Outcome:
        run_dir = task_mod.find_run_folder(self.runs_dir, task)
        if run_dir is not None:
            return task_mod.outcome_from_folder(task, run_dir)
        reason = task_mod.stderr_reason(self.scratch, task, proc.returncode)
        return task_mod.lost_run(self.runs_dir, self.relative_notebook, task, reason)

    def interrupt(self) -> None:
        """Interrupt every running run (each records itself as interrupted)."""
        for _, proc in self.running.values():
            task_mod.interrupt_run(proc)

    def drain(self, grace: float = task_mod.STOP_GRACE_S) -> list[Outcome]:
        """Wait for the interrupted runs; kill the process groups of those that do not stop."""
        procs = [proc for _, proc in self.running.values()]
        task_mod.wait_all(procs, time.monotonic() + grace)
        for proc in procs:
            if proc.poll() is None:
                task_mod.kill_group(proc)
                proc.wait()
        outcomes = [self._collect(task, proc) for task, proc in self.running.values()]
        self.running.clear()
        return outcomes

    def close(self) -> None:
        self.drain(grace=0)
        shutil.rmtree(self.scratch, ignore_errors=True)
