"""What `nbops run` does while its kernel starts and runs, on a thread of its own.

First it opens the MLflow run (importing mlflow, opening the store, creating the run: seconds)
while the execution child imports papermill and the kernel starts, and hands the run to the
kernel (`nbops.run.kernel_handoff`: the kernel waits for it only when it imports mlflow); then
it ends as KILLED the MLflow runs of records whose nbops was killed (kill -9), and loads the
report renderer while the cells run. So neither waits in line before or after the notebook. A
tracking server that is down or silent costs this thread seconds (bounded requests, then the
embedded store), never the kernel.
The runner joins it before it touches the record; after a signal it waits only for an MLflow run
being written (to end it KILLED), not for mlflow's import nor for the report renderer.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from nbops.files import write_json_atomic
from nbops.mlflow import runs as tracking
from nbops.project import TRACKING_ENV, TRACKING_HANDOFF_ENV, RunFolder, tracking_enabled
from nbops.run import kernel_handoff

_NOT_OPENED = "the run was interrupted before its MLflow run was opened"


class TrackingThread(threading.Thread):
    """Opens the MLflow run of a run folder and warms the report renderer; started at once."""

    def __init__(
        self, run_dir: Path, runs_dir: Path, root: Path, record: Mapping, params: Mapping
    ) -> None:
        super().__init__(name="nbops-tracking", daemon=True)
        self.folder = RunFolder(run_dir)
        self.tracking = tracking_enabled()
        self._args = (run_dir, runs_dir, root, dict(record), dict(params))
        self._tracked = tracking.Tracked(env={TRACKING_ENV: "off"})
        self.timings: dict[str, float] = {}
        self._lock = threading.Lock()
        self._phase = "loading"  # loading mlflow -> writing the MLflow run -> done
        self._abandoned = False  # the run was interrupted: nothing more to open or warm
        self._cut_short = False  # abandoned while loading: no MLflow run will exist
        self._opened = threading.Event()  # the MLflow part is over, whatever its outcome
        self.start()

    @property
    def kernel_env(self) -> dict[str, str]:
        """Variables for the kernel's environment: where its MLflow run will be handed over."""
        if not self.tracking:
            return {TRACKING_ENV: "off"}
        return {TRACKING_HANDOFF_ENV: str(self.folder.tracking_handoff)}

    @property
    def kernel_arguments(self) -> list[str]:
        """Kernel arguments that make the kernel take the handoff before it imports mlflow."""
        return kernel_handoff.kernel_arguments() if self.tracking else []

    def tracked(self) -> tracking.Tracked:
        """The MLflow run it opened (or none); call after `join` or `abandon`."""
        if self._cut_short:
            skipped = {"status": tracking.SKIPPED, "reason": _NOT_OPENED}
            return tracking.Tracked(env={TRACKING_ENV: "off"}, tracking=skipped)
        return self._tracked

    def abandon(self) -> None:
        """The run was interrupted: open no MLflow run and warm nothing from now on. Returns at
        once, or once an MLflow run already being written is open (so it can be ended KILLED)."""
        with self._lock:
            self._abandoned = True
            self._cut_short = self.tracking and self._phase == "loading"
            writing = self._phase == "writing"
        if writing:
            self._opened.wait()

    def _proceed(self) -> bool:
        """Asked once mlflow is loaded, before the MLflow run is written: not once abandoned."""
        with self._lock:
            if self._abandoned:
                return False
            self._phase = "writing"
            return True

    def run(self) -> None:
        started = time.monotonic()
        if self.tracking:
            self._open()
        self._opened.set()
        self.timings["tracking_start_s"] = round(time.monotonic() - started, 3)
        if self._abandoned:
            return
        if self.tracking:
            self._end_crashed()
        started = time.monotonic()
        try:
            from nbops.run import report

            report.warm()
        except Exception:  # the report is rendered anyway at the end, only slower
            pass
        self.timings["report_warm_s"] = round(time.monotonic() - started, 3)

    def _end_crashed(self) -> None:
        from nbops.mlflow.sync import end_crashed_runs

        with contextlib.suppress(Exception):  # a store that fails here failed the run's own too
            end_crashed_runs(self._args[1])

    def _open(self) -> None:
        run_dir, runs_dir, root, record, params = self._args
        try:
            self._tracked = tracking.start(run_dir, runs_dir, root, record, params, self._proceed)
            if not self._cut_short:  # else the runner has ended the run without it
                # A full disk (the cells may be filling it now) only delays this note to the end.
                with contextlib.suppress(OSError):
                    write_json_atomic(
                        self.folder.record, {**record, "mlflow": self._tracked.record}
                    )
        finally:
            with self._lock:
                self._phase = "done"
            if not self._cut_short:  # a kernel importing mlflow must not wait in vain, else it
                with contextlib.suppress(OSError):  # goes on untracked after its wait limit
                    kernel_handoff.publish(self.folder.tracking_handoff, self._tracked.env)
