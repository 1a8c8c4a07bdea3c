"""`nbops run`: validate parameters, allocate a run folder, execute, and record the run.

Template method, as papermill's engine: record start -> execute -> record finish in `finally`,
so a failure, an interrupt or a crash of nbops itself always leaves a run record behind.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops import params as params_mod
from nbops import runs
from nbops.errors import RunFailedError, RunInterruptedError, RunRecordError
from nbops.files import write_bytes_atomic, write_json_atomic
from nbops.mlflow import runs as tracking
from nbops.notebook_file import read_notebook
from nbops.project import (
    DEFAULT_THREADS,
    GIVEN_PARAMS_ENV,
    ROOT_ENV,
    RUN_DIR_ENV,
    RUN_ID_ENV,
    THREAD_VARIABLES,
    THREADS_ENV,
    RunFolder,
    relative_to,
    sweep_membership,
)
from nbops.run import interrupts, process, provenance
from nbops.run.tracking_thread import TrackingThread
from nbops.verdicts import read_outcome

_RESERVE_BYTES = 256 * 1024  # room for run.json and the MLflow end of a run on a full disk


@dataclass
class RunRequest:
    """Everything `nbops run` needs to know about one run."""

    notebook: Path
    root: Path
    runs_dir: Path
    cli_params: Mapping[str, Any] = field(default_factory=dict)
    params_file: Path | None = None
    name: str | None = None
    threads: int | None = None
    timeout: float | None = None
    progress_bar: bool = False


@dataclass
class RunResult:
    """Where the run went and how it ended."""

    run_dir: Path
    status: str
    record: dict[str, Any]


def prepare(request: RunRequest) -> tuple[dict, dict[str, Any], dict[str, Any]]:
    """Read the notebook, resolve effective parameters and the overrides to inject; raise early."""
    nb = read_notebook(request.notebook)
    declared = params_mod.declared_parameters(nb, request.notebook)
    file_values = params_mod.load_params_file(request.params_file) if request.params_file else {}
    effective = params_mod.resolve(declared, file_values, request.cli_params)
    params_mod.missing_input_paths(declared, effective, request.root)
    given = set(file_values) | set(request.cli_params)
    overrides = {name: value for name, value in effective.items() if name in given}
    return nb, effective, overrides


def run(request: RunRequest) -> RunResult:
    """Execute one notebook as a recorded run; raise RunFailed/RunInterrupted after recording.

    SIGINT/SIGTERM are deferred for the whole run (`nbops.run.interrupts`): a signal at any stage
    ends the run `interrupted` with every record written, never a half-written file.
    """
    with interrupts.deferred() as signals:
        return _run(request, signals)


def _run(request: RunRequest, signals: interrupts.Signals) -> RunResult:
    if request.name is not None:
        runs.validate_name(request.name)
    nb, effective, overrides = prepare(request)
    if signals.received:
        raise RunInterruptedError("run interrupted before it started; nothing was created")
    run_dir = runs.allocate(request.runs_dir, request.notebook.stem, request.name)
    folder = RunFolder(run_dir)
    _hold_reserve(folder)
    write_json_atomic(folder.params, effective)
    env = kernel_environment(request, run_dir)
    env[GIVEN_PARAMS_ENV] = ",".join(sorted(overrides))
    record = _start_record(request, run_dir, env)
    # A run started by `nbops sweep` / `nbops tune` names its sweep (and MLflow parent run).
    record["sweep"] = sweep_membership()
    write_json_atomic(folder.record, record)
    started = time.monotonic()
    tracking_thread = TrackingThread(run_dir, request.runs_dir, request.root, record, effective)
    env.update(tracking_thread.kernel_env)
    try:
        interrupts.pause_at("before-kernel", signals)
        if signals.received:
            raise KeyboardInterrupt
        from nbops.run.execute import execute

        execution = execute(
            request.notebook.resolve(),
            folder.notebook,
            overrides,
            cwd=request.root,
            env=env,
            kernel_name=_kernel_name(nb),
            progress_bar=request.progress_bar,
            timeout=request.timeout,
            kernel_log=folder.kernel_log,
            kernel_arguments=tracking_thread.kernel_arguments,
            noted_signal=lambda: signals.received,
        )
        record["status"] = execution.status
        if execution.status == "interrupted":  # the signal reached execute's own handler
            signals.received = signals.received or execution.detail.get("signal", "SIGINT")
        if execution.error:
            record["error"] = _locate_error(execution.error, nb, folder.notebook)
    except KeyboardInterrupt:
        record["status"] = "interrupted"
    except OSError as exc:  # full disk, vanished folder: record why, keep what exists
        record["status"] = "failed"
        record["error"] = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)}
    finally:
        executed = time.monotonic()
        # the thread never touches `record`; after a signal, it is not waited for needlessly
        tracked = _join_tracking(tracking_thread, record, interrupted=bool(signals.received))
        record["timings"]["execute_s"] = round(executed - started, 3)
        if record["status"] == "running":  # nbops itself crashed: say so, keep what exists
            record["status"] = "failed"
            record["error"] = {
                "cell": None,
                "ename": "NbopsCrash",
                "evalue": repr(sys.exc_info()[1]),
            }
        _finish(record, request, run_dir, effective, started, tracked, signals)
    return _outcome(run_dir, record, signals.received)


def _join_tracking(
    tracking_thread: TrackingThread, record: dict[str, Any], interrupted: bool
) -> tracking.Tracked:
    """The MLflow run `tracking_thread` opened, noted in the record, once it is done (the report
    renderer it warms must not be shared while it still uses it). An interrupted run renders no
    report and waits only for an MLflow run being written, never for mlflow's import."""
    if interrupted:
        tracking_thread.abandon()
    else:
        tracking_thread.join()
    tracked = tracking_thread.tracked()
    record["mlflow"] = tracked.record
    record.setdefault("timings", {}).update(dict(tracking_thread.timings))
    return tracked


def _hold_reserve(folder: RunFolder) -> None:
    """Hold a little disk space, given back at the end so run.json can still be written."""
    try:
        write_bytes_atomic(folder.reserve, bytes(_RESERVE_BYTES))
    except OSError:
        folder.reserve.unlink(missing_ok=True)


def kernel_environment(request: RunRequest, run_dir: Path) -> dict[str, str]:
    """The kernel's environment: run folder, project root, hash seed and capped threads."""
    env = dict(os.environ)
    env[RUN_DIR_ENV] = str(run_dir.resolve())
    env[ROOT_ENV] = str(request.root.resolve())
    env[RUN_ID_ENV] = run_dir.name
    env.setdefault("PYTHONHASHSEED", "0")
    threads = str(request.threads) if request.threads else None
    for variable in THREAD_VARIABLES:
        if threads:
            env[variable] = threads
        else:
            env.setdefault(variable, env.get(THREADS_ENV, DEFAULT_THREADS))
    return env


def _kernel_name(nb: Mapping) -> str:
    spec = nb.get("metadata", {}).get("kernelspec") or {}
    return spec.get("name") or "python3"


def _start_record(request: RunRequest, run_dir: Path, env: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": run_dir.name,
        "notebook": relative_to(request.notebook, request.root),
        "status": "running",
        "started_at": runs.iso(runs.utc_now()),
        "finished_at": None,
        "duration_s": None,
        "runner": process.identity(),  # tells a live run from a crashed one (`nbops runs`)
        "git": provenance.git_state(request.root, request.notebook),
        **provenance.versions(),
        "environment": {name: env.get(name) for name in ("PYTHONHASHSEED", *THREAD_VARIABLES[:2])},
        "data": [],
        "error": None,
        "mlflow": None,
    }


def _finish(
    record: dict,
    request: RunRequest,
    run_dir: Path,
    effective: Mapping,
    started: float,
    tracked: tracking.Tracked | None = None,
    signals: interrupts.Signals | None = None,
) -> None:
    """Write what a finished run must have, whatever happened; never raise over the real error.

    A signal received meanwhile makes the run `interrupted` (a failed run stays failed) and skips
    the report; a file that cannot be written is named in run.json's `missing` with the reason.
    """
    signals = signals or interrupts.Signals()
    problems: dict[str, str] = {}

    def note_signal() -> None:
        if signals.received and record["status"] != "failed":
            record["status"] = "interrupted"

    note_signal()
    record["finished_at"] = runs.iso(runs.utc_now())
    record["duration_s"] = round(time.monotonic() - started, 3)
    record.setdefault("timings", {})
    folder = RunFolder(run_dir)
    try:
        record["data"] = provenance.data_inputs(run_dir, effective, request.root)
        folder.data_sidecar.unlink(missing_ok=True)
    except (OSError, ValueError) as exc:
        record["data_error"] = str(exc)
    if not folder.metrics.exists():
        try:
            write_json_atomic(folder.metrics, {})
        except OSError as exc:
            problems[folder.metrics.name] = _reason(exc)

    def outputs() -> None:  # runs while MLflow logs the parameters, metrics and datasets
        begun = time.monotonic()
        _write_outputs(record, run_dir, signals, problems, note_signal)
        record["timings"]["report_s"] = round(time.monotonic() - begun, 3)

    begun = time.monotonic()
    tracking.finish(tracked or tracking.Tracked(), run_dir, request.root, record, outputs)
    folder.tracking_handoff.unlink(missing_ok=True)
    record["timings"]["finish_s"] = round(time.monotonic() - begun, 3)
    _write_record(folder, record)


def _write_outputs(
    record: dict,
    run_dir: Path,
    signals: interrupts.Signals,
    problems: dict[str, str],
    note_signal: Callable[[], None],
) -> None:
    """The report, the model card and the list of missing files (a signal skips the report)."""
    folder = RunFolder(run_dir)
    interrupts.pause_at("report", signals)
    note_signal()
    if signals.received:
        problems[folder.report.name] = f"not rendered: {signals.received} arrived first"
    elif folder.notebook.exists():
        from nbops.run.findings import notebook_findings

        record["check"] = notebook_findings(folder.notebook, record["notebook"])
    outcome = read_outcome(run_dir, record)  # read once: the card, the report and the verdict
    record["verdict"] = outcome.verdict
    try:  # before the report, which links to it
        from nbops.run import model_card

        model_card.write(run_dir, record, outcome)
    except Exception as exc:  # a card failure must not hide the run's own outcome
        record["model_card_error"] = _reason(exc)
    if folder.notebook.exists() and not signals.received:
        try:
            from nbops.run.report import render_report

            render_report(run_dir, record, outcome)
        except Exception as exc:  # a report failure must not hide the run's own outcome either
            record["report_error"] = problems[folder.report.name] = _reason(exc)
    folder.reserve.unlink(missing_ok=True)
    interrupts.pause_at("mlflow", signals)
    note_signal()
    record["missing"] = _missing(folder, record, problems)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def _missing(folder: RunFolder, record: Mapping, problems: Mapping[str, str]) -> dict[str, str]:
    """The run folder's expected files that are absent, each with the reason when known."""
    expected = [folder.notebook, folder.report, folder.params, folder.metrics]
    missing = {
        path.name: problems.get(path.name) or "not written"
        for path in expected
        if not path.is_file()
    }
    if folder.notebook.name in missing and record.get("status") == "interrupted":
        missing[folder.notebook.name] = "not written: interrupted before the first cell finished"
    return missing


def _write_record(folder: RunFolder, record: Mapping) -> None:
    """Write run.json; on a full disk say so in one line rather than leave `running` unexplained."""
    try:
        write_json_atomic(folder.record, record)
    except OSError as exc:
        raise RunRecordError(
            f"cannot write {folder.record} ({_reason(exc)}); the run ended {record['status']}"
        ) from None


def _locate_error(error: Mapping, nb: Mapping, executed_path: Path) -> dict[str, Any]:
    """The failing cell's 1-based number in the source notebook (as ruff counts cells)."""
    cell = None
    if executed_path.exists():
        executed = read_notebook(executed_path)
        failed = [
            c
            for c in executed["cells"]
            if c.get("metadata", {}).get("papermill", {}).get("status") == "failed"
        ]
        ids = [source_cell.get("id") for source_cell in nb["cells"]]
        if failed and failed[0].get("id") in ids:
            cell = ids.index(failed[0].get("id")) + 1
    return {
        "cell": cell,
        "exec_count": error.get("exec_count"),
        "ename": error.get("ename"),
        "evalue": error.get("evalue"),
    }


def _outcome(run_dir: Path, record: dict[str, Any], signal_name: str | None = None) -> RunResult:
    status = record["status"]
    if signal_name and status == "failed":
        raise RunInterruptedError(
            f"run interrupted ({signal_name}) after it failed; run kept in {run_dir}"
        )
    if status == "failed":
        raise RunFailedError(_failure_line(run_dir, record.get("error") or {}))
    if status == "interrupted":
        raise RunInterruptedError(f"run interrupted; partial run kept in {run_dir}")
    return RunResult(run_dir, status, record)


def _failure_line(run_dir: Path, error: Mapping) -> str:
    where = f"cell {error['cell']}" if error.get("cell") else "the notebook"
    if error.get("cell") and error.get("exec_count"):
        where += f" (In [{error['exec_count']}])"
    evalue = str(error.get("evalue") or "").strip().splitlines()
    reason = f"{error.get('ename')}: {evalue[0]}" if evalue else str(error.get("ename"))
    return f"{where} failed with {reason} (partial run kept in {run_dir})"
