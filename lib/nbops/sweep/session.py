"""The life of one sweep, shared by `nbops sweep` and `nbops tune`: allocate its folder, open the
MLflow parent, pick the executor, record each run in sweep.json, and write the summary at the end
whatever happened (template method: start -> runs -> finish in `finally`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops import runs
from nbops.errors import BadInputError, RunFailedError, RunInterruptedError
from nbops.gallery.index import refresh_quietly
from nbops.mlflow import sweep as mirror
from nbops.sweep import html
from nbops.sweep.folder import SweepFolder, allocate
from nbops.sweep.registration import register_best_run
from nbops.sweep.summary import Row, write_best, write_csv
from nbops.sweep.task import FAILED, INTERRUPTED, SUCCEEDED, Outcome, Task

EXPERIMENT_PARAMETER = "EXPERIMENT_NAME"


@dataclass
class Options:
    """How to run a sweep: where, how many at once, and how to judge the runs."""

    notebook: Path
    root: Path
    runs_dir: Path
    jobs: int = 1
    scheduler: str | None = None
    name: str | None = None
    fail_fast: bool = False
    metric: str | None = None
    direction: str | None = None
    tty: bool | None = None  # progress bar on a terminal (None: ask stderr)
    allow_test_selection: bool = False  # a test-split score may rank the runs (labelled so)
    register: bool = True  # register the best run at the end if it passes the gate


def relative_notebook(notebook: Path, root: Path) -> str:
    """The notebook's path relative to the project root (absolute when outside it)."""
    path = notebook.resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def check_options(options: Options) -> None:
    """Reject what can be rejected before anything runs."""
    if options.jobs < 1:
        raise BadInputError(f"--jobs must be at least 1, got {options.jobs}")
    if options.name is not None:
        runs.validate_name(options.name)
    if options.direction not in (None, "maximize", "minimize"):
        raise BadInputError(f"--direction must be maximize or minimize, got {options.direction}")
    inside = options.notebook.resolve().is_relative_to(options.root.resolve())
    if options.scheduler and not inside:
        raise BadInputError(
            f"{options.notebook} is outside the project {options.root}: a Dask worker runs "
            "notebooks from its own copy of the project"
        )


def open_executor(options: Options) -> Any:
    """Local processes, or the Dask cluster at --scheduler (one line and exit 2 if unreachable)."""
    rel = relative_notebook(options.notebook, options.root)
    notebook = options.notebook.resolve()
    if options.scheduler:
        from nbops.sweep.cluster import DaskExecutor

        return DaskExecutor(options.scheduler, notebook, options.runs_dir, options.root, rel)
    from nbops.sweep.local import LocalExecutor

    return LocalExecutor(notebook, options.runs_dir, options.root, rel)


@dataclass
class Session:
    """One sweep's folder, record, MLflow parent and executor."""

    options: Options
    kind: str  # grid | tune
    spec: dict[str, Any]
    folder: SweepFolder = field(init=False)
    record: dict[str, Any] = field(init=False)
    parent: mirror.Parent | None = None
    started: float = field(default_factory=time.monotonic)
    effective: dict[str, Any] = field(default_factory=dict)  # the notebook's values, fixed ones in
    overrides: dict[str, Any] = field(default_factory=dict)  # what every run gets (registration)

    def __post_init__(self) -> None:
        self.folder = allocate(self.options.runs_dir, self.options.notebook.stem, self.options.name)
        self.record = {
            "id": self.folder.id,
            "kind": self.kind,
            "notebook": relative_notebook(self.options.notebook, self.options.root),
            "status": "running",
            "started_at": runs.iso(runs.utc_now()),
            "finished_at": None,
            "duration_s": None,
            "executor": self.options.scheduler or f"local ({self.options.jobs} jobs)",
            "spec": self.spec,
            "mlflow": None,
            "counts": {},
            "runs": [],
        }
        self.folder.write_record(self.record)

    def open_parent(self, experiment: str, resume: str | None = None) -> mirror.Parent | None:
        tags = {
            "nbops.sweep_id": self.folder.id,
            "nbops.kind": self.kind,
            "nbops.notebook": self.record["notebook"],
            "mlflow.source.name": self.record["notebook"],
        }
        self.parent = mirror.open_parent(
            self.options.runs_dir, experiment, self.folder.id, tags, resume
        )
        if self.parent is not None:
            self.record["mlflow"] = {"tracking_uri": self.parent.uri, "run_id": self.parent.run_id}
            self.folder.write_record(self.record)
        return self.parent

    def membership(self, index: int) -> dict[str, Any]:
        """run.json's `sweep` entry for run `index`."""
        return {
            "id": self.folder.id,
            "index": index,
            "kind": self.kind,
            "mlflow_parent_run_id": self.parent.run_id if self.parent else None,
        }

    def task(self, index: int, params: Mapping[str, Any], label: str) -> Task:
        name = f"{self.options.name or label}-{index:03d}"
        return Task(index, name, {**params, **self.overrides}, self.membership(index))

    def add(self, outcome: Outcome, mirrored: bool) -> None:
        """Note a finished run in sweep.json (mirroring it into MLflow when it came back bare)."""
        if mirrored and outcome.run_dir is not None and self.parent is not None:
            mirror.mirror_run(outcome.run_dir, self.options.runs_dir, self.options.root)
        self.record["runs"].append(
            {"index": outcome.task.index, "run_id": outcome.run_id, "status": outcome.status}
        )
        self.folder.write_record(self.record)

    def finish(self, status: str, rows: list[Row], page: html.Page, total: int) -> None:
        """Write summary.csv, best.yaml, summary.html and the final sweep.json; end the parent.
        `rows` are this invocation's runs (counted); `page.rows` may hold a whole study."""
        counts = {s: sum(row.status == s for row in rows) for s in (SUCCEEDED, FAILED, INTERRUPTED)}
        counts["planned"] = total
        registration = register_best_run(
            page.best, self.options.runs_dir, self.effective, enabled=self.options.register
        )
        page.registration = registration.reason
        self.record.update(
            status=status,
            finished_at=runs.iso(runs.utc_now()),
            duration_s=round(time.monotonic() - self.started, 3),
            counts=counts,
            metric=page.metric,
            direction=page.direction,
            selection=page.selection,
            chosen_on_test_split=page.on_test_split,
            best={"run_id": page.best.run_id, "value": page.best.value(page.metric)}
            if page.best
            else None,
            tied=[row.run_id for row in page.tied],
            registration=registration.as_record(),
        )
        write_csv(self.folder.summary_csv, page.rows, page.swept)
        write_best(
            self.folder.best,
            page.best,
            self.options.runs_dir,
            page.metric,
            page.direction,
            self.folder.id,
            restore={k: self.effective.get(k) for k in self.overrides},
        )
        page.facts["status"] = status
        page.facts["runs"] = _counts_text(counts)
        html.write(self.folder.summary_html, page)
        self.folder.write_record(self.record)
        best_metric = {f"best_{page.metric}": page.best.value(page.metric)} if page.best else {}
        files = [self.folder.record, self.folder.summary_csv, self.folder.summary_html]
        mirror.close_parent(self.parent, status, best_metric, [*files, self.folder.best])
        refresh_quietly(self.options.runs_dir)

    def facts(self, executor: Any) -> dict[str, str]:
        return {
            "notebook": self.record["notebook"],
            "status": "running",
            "executor": getattr(executor, "where", self.record["executor"]),
            "started": self.record["started_at"],
            "folder": str(self.folder.path),
        }


def _counts_text(counts: Mapping[str, int]) -> str:
    return (
        f"{counts[SUCCEEDED]} succeeded, {counts[FAILED]} failed, "
        f"{counts[INTERRUPTED]} interrupted of {counts['planned']} planned"
    )


def conclude(session: Session, status: str, rows: list[Row], best: Row | None) -> int:
    """Print where the results are; raise the error that gives the sweep's exit code."""
    record, folder = session.record, session.folder
    print(
        f"{session.kind} {folder.id} {status} in {record['duration_s']:.1f} s: "
        f"{_counts_text(record['counts'])}"
    )
    print(f"  folder:  {folder.path}")
    print(f"  summary: {folder.summary_html}")
    if best is not None:
        shown = ", ".join(f"{k}={v}" for k, v in best.params.items())
        value = best.value(record["metric"])
        print(f"  best:    {best.run_id} {record['metric']}={value:.6g} ({shown}) -> {folder.best}")
        if record.get("tied"):
            print(f"  tied:    {len(record['tied'])} other run(s) within the evidence; see summary")
    if record.get("registration"):
        print(f"  registry: {record['registration']['reason']}")
    sys.stdout.flush()
    if status == INTERRUPTED:
        raise RunInterruptedError(f"{session.kind} interrupted; partial results in {folder.path}")
    failed = [row for row in rows if row.status == FAILED]
    if failed:
        first = failed[0]
        raise RunFailedError(
            f"{len(failed)} of {len(rows)} runs failed (first: {first.run_id}: {first.error}); "
            f"see {folder.summary_html}"
        )
    return 0


def environment_mirrors(options: Options) -> bool:
    """True when runs come back from a cluster without MLflow and the client must mirror them."""
    if not options.scheduler:
        return False
    from nbops.sweep.cluster import client_mirrors

    return client_mirrors()


def experiment_name(effective: Mapping[str, Any], notebook: Path) -> str:
    """The experiment the runs land in (as the runner names it): EXPERIMENT_NAME or the stem."""
    return str(effective.get(EXPERIMENT_PARAMETER) or notebook.stem)
