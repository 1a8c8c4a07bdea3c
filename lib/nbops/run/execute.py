"""Papermill execution in a child process, with failures and interrupts turned into results.

The parent (`execute`) never imports papermill: it starts `python -m nbops.run.execute SPEC` in a
session of its own, forwards SIGINT/SIGTERM to it once, and reads back a small result file.
The child runs `papermill.execute_notebook`, which saves the output notebook after every cell
(each save atomic, and a signal waits for the save in progress), so a failed or interrupted run
always leaves its partial notebook behind, complete, and no temp file. The child and the kernel
carry a Linux parent-death signal: whatever ends nbops, `kill -9` included, ends them too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops.files import read_json, temp_files_of, write_json_atomic, write_text_atomic
from nbops.project import RunFolder
from nbops.run.process import die_with_parent
from nbops.slow_imports import skip_unused

_GRACE_SECONDS = 30


@dataclass
class Execution:
    """What happened to one execution: status and, on failure, where and why."""

    status: str  # succeeded | failed | interrupted
    error: dict[str, Any] | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def execute(
    input_path: Path,
    output_path: Path,
    parameters: Mapping[str, Any],
    *,
    cwd: Path,
    env: Mapping[str, str],
    kernel_name: str,
    progress_bar: bool,
    timeout: float | None = None,
    kernel_log: Path | None = None,
    kernel_arguments: Sequence[str] = (),
    noted_signal: Callable[[], str | None] = lambda: None,
) -> Execution:
    """Execute a notebook with papermill in a child process and report how it ended.

    `kernel_arguments` are added to the kernel's command line (the import hook of
    `nbops.run.kernel_handoff`). `noted_signal()` names a signal the caller received before the
    child's signal forwarding was in place (it stops the child as one received after).
    """
    with tempfile.TemporaryDirectory(prefix="nbops-exec-") as scratch:
        spec_path, result_path = Path(scratch, "spec.json"), Path(scratch, "result.json")
        spec = {
            "input": str(input_path),
            "output": str(output_path),
            "parameters": dict(parameters),
            "cwd": str(cwd),
            "kernel_name": kernel_name,
            "progress_bar": progress_bar,
            "timeout": timeout,
            "result": str(result_path),
            "kernel_log": str(kernel_log or RunFolder(Path(scratch)).kernel_log),
            "kernel_arguments": list(kernel_arguments),
            "parent": os.getpid(),
        }
        write_json_atomic(spec_path, spec)
        child = subprocess.Popen(
            [sys.executable, "-m", "nbops.run.execute", str(spec_path)],
            env=dict(env),
            start_new_session=True,  # a terminal's Ctrl-C reaches only us; we stop the child once
        )
        with _forward_signals(child, noted_signal) as received:
            returncode = child.wait()
        for leftover in temp_files_of(output_path):  # a save cut short by SIGKILL (grace alarm)
            leftover.unlink(missing_ok=True)
        result = _read_result(result_path, returncode)
    if received:
        return Execution("interrupted", detail={"signal": received[0]})
    if result.get("status") == "succeeded" and returncode == 0:
        return Execution("succeeded")
    error = {key: result.get(key) for key in ("cell_index", "exec_count", "ename", "evalue")}
    return Execution("failed", error=error)


@contextmanager
def _forward_signals(
    child: subprocess.Popen, noted_signal: Callable[[], str | None]
) -> Iterator[list[str]]:
    """While the child runs, stop it on SIGINT/SIGTERM (once) and remember the signal; a signal
    `noted_signal()` names (received before these handlers) stops it the same way.

    The child gets SIGTERM whatever arrived: it ends at once, its notebook saved up to the last
    finished cell, and its kernel gets its parent-death SIGKILL.
    """
    received: list[str] = []

    def stop(name: str) -> None:
        if not received:
            received.append(name)
            child.send_signal(signal.SIGTERM)
            # If the child does not finish in time, stop its whole session.
            signal.signal(signal.SIGALRM, lambda *_: _kill_session(child))
            signal.alarm(_GRACE_SECONDS)

    previous = {
        sig: signal.signal(sig, lambda signum, _frame: stop(signal.Signals(signum).name))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        if name := noted_signal():
            stop(name)
        yield received
    finally:
        signal.alarm(0)
        for sig, old in previous.items():
            signal.signal(sig, old)


def _kill_session(child: subprocess.Popen) -> None:
    with suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)


def _read_result(path: Path, returncode: int) -> dict[str, Any]:
    result = read_json(path)
    if result is None:
        return {"status": "failed", "ename": "ExecutionError", "evalue": f"exit code {returncode}"}
    return result


def _child_main(spec_path: str) -> int:
    """Run papermill as the child process: write the result file and exit 0, 1 or 130."""
    spec = read_json(spec_path)
    die_with_parent(signal.SIGKILL, spec.get("parent"))  # `kill -9 nbops` takes us down too
    _divert_stderr(spec["kernel_log"])
    skip_unused()
    import papermill
    from papermill.exceptions import PapermillExecutionError

    _kernels_die_with_us()
    _write_atomically(spec["output"])
    _STOP.install()

    try:
        papermill.execute_notebook(
            spec["input"],
            spec["output"],
            parameters=spec["parameters"],
            cwd=spec["cwd"],
            kernel_name=spec["kernel_name"],
            progress_bar=spec["progress_bar"],
            execution_timeout=spec["timeout"],
            request_save_on_cell_execute=True,
            **({"extra_arguments": spec["kernel_arguments"]} if spec["kernel_arguments"] else {}),
        )
        result, code = {"status": "succeeded"}, 0
    except PapermillExecutionError as exc:
        result = {
            "status": "failed",
            "cell_index": exc.cell_index,
            "exec_count": exc.exec_count,
            "ename": exc.ename,
            "evalue": exc.evalue,
        }
        code = 1
    except KeyboardInterrupt:
        result, code = {"status": "interrupted"}, 130
    except Exception as exc:  # kernel died, timeout, bad notebook: the cause still gets recorded
        result = {"status": "failed", "ename": type(exc).__name__, "evalue": str(exc)}
        code = 1
    write_json_atomic(spec["result"], result)
    return code


def _kernels_die_with_us() -> None:
    """Start kernels with a parent-death signal: a kernel never outlives this child.

    jupyter_client starts the kernel in a session of its own with `launcher.Popen`; wrapping it
    adds `prctl(PR_SET_PDEATHSIG, SIGKILL)` in the kernel before it execs.
    """
    from jupyter_client import launcher

    original = launcher.Popen
    me = os.getpid()

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen:
        kwargs["preexec_fn"] = lambda: die_with_parent(signal.SIGKILL, me)
        return original(*args, **kwargs)

    launcher.Popen = popen


class _AtomicLocalHandler:
    """papermill I/O for the run's notebook: every save replaces the file in one step, so a
    full disk or a kill leaves the previous complete notebook, never a cut-off one."""

    @staticmethod
    def read(path: str) -> str:
        return Path(path).read_text(encoding="utf-8")

    @staticmethod
    def write(buf: str, path: str) -> Path:
        with _STOP.deferred():
            return write_text_atomic(path, buf)

    @staticmethod
    def listdir(path: str) -> list[str]:
        return [str(child) for child in Path(path).iterdir()]

    @staticmethod
    def pretty_path(path: str) -> str:
        return path


class _StopSignals:
    """SIGINT/SIGTERM in the child: it ends at once, killed by the signal as with no handler at
    all, except during a save of the notebook, which finishes first (its temp file renamed)."""

    def __init__(self) -> None:
        self.saving = 0
        self.pending: int | None = None

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._received)

    def _received(self, signum: int, _frame: object) -> None:
        if self.saving:
            self.pending = signum
        else:
            _die_by(signum)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """A signal arriving meanwhile ends the child once the block is done."""
        self.saving += 1
        try:
            yield
        finally:
            self.saving -= 1
            if not self.saving and self.pending is not None:
                _die_by(self.pending)


def _die_by(signum: int) -> None:
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


_STOP = _StopSignals()


def _write_atomically(output: str) -> None:
    from papermill.iorw import papermill_io

    papermill_io.register(output, _AtomicLocalHandler)


def _divert_stderr(log_path: str) -> None:
    """Send the kernel's stderr (and ours) to a log; keep the terminal for the progress bar only."""
    terminal = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    log = open(log_path, "ab", buffering=0)  # noqa: SIM115 - fd 2 keeps it open for the kernel
    os.dup2(log.fileno(), 2)
    sys.stderr = terminal


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1]))
