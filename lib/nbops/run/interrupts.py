"""SIGINT and SIGTERM during `nbops run`: noted, never fatal mid-write, so a run always ends with
a true record; and the test-only hook that pauses a run at a named stage.

Inside `deferred()` a signal only sets `Signals.received`; the runner looks at it between
stages and ends the run `interrupted`. The execution child has its own forwarding (execute.py).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nbops.project import PAUSE_AT_ENV, PAUSE_READY_ENV

# The stages `NBOPS_TEST_PAUSE_AT` may name: before the kernel starts (the MLflow run is being
# opened meanwhile), before the report is rendered, before the run's files are logged to MLflow.
STAGES = ("before-kernel", "report", "mlflow")
_PAUSE_LIMIT_S = 120.0
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Signals:
    """The first SIGINT/SIGTERM received while deferred (its name), else None.

    A second signal means "stop now": it raises KeyboardInterrupt wherever the run is (every
    write being atomic, the record is left `running` and later read as `crashed`).
    """

    def __init__(self) -> None:
        self.received: str | None = None

    def note(self, signum: int, _frame: object = None) -> None:
        if self.received is not None:
            raise KeyboardInterrupt
        self.received = signal.Signals(signum).name


@contextmanager
def deferred() -> Iterator[Signals]:
    """Turn SIGINT/SIGTERM into a note for the duration (main thread only; elsewhere a no-op)."""
    state = Signals()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    previous = {sig: signal.signal(sig, state.note) for sig in SIGNALS}
    try:
        yield state
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def pause_at(stage: str, signals: Signals) -> None:
    """Test-only: when NBOPS_TEST_PAUSE_AT names `stage`, create NBOPS_TEST_PAUSE_READY and wait
    for a signal (at most two minutes)."""
    if os.environ.get(PAUSE_AT_ENV) != stage:
        return
    ready = os.environ.get(PAUSE_READY_ENV)
    if ready:
        Path(ready).touch()
    deadline = time.monotonic() + _PAUSE_LIMIT_S
    while signals.received is None and time.monotonic() < deadline:
        time.sleep(0.05)
