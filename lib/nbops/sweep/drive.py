"""The sweep loop shared by grids and studies: keep up to N runs going, collect their outcomes,
stop cleanly on Ctrl-C / SIGTERM (or on the first failure with --fail-fast).

Pending runs are never started once stopping; running ones are interrupted and waited for, so
each ends `interrupted` in its own run folder and no process is left behind.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from nbops.sweep.progress import Progress
from nbops.sweep.task import CANCELLED, FAILED, Outcome, Task

_WAIT_S = 0.5


class Executor(Protocol):
    def submit(self, task: Task) -> None: ...
    def wait(self, timeout: float) -> list[Outcome]: ...
    def interrupt(self) -> None: ...
    def drain(self) -> list[Outcome]: ...


@dataclass
class Drive:
    """What the loop did: every outcome, and why it stopped early (if it did)."""

    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None  # "interrupted" | "failed" (fail-fast) | None


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived (or --fail-fast saw a failure)."""


class StopSignals:
    """While active, SIGINT and SIGTERM only set `requested`; the loop checks it between steps,
    so a signal never lands between starting a run and recording that it runs."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self._previous: dict[int, object] = {}

    def _handler(self, signum: int, _frame: object) -> None:
        self.requested = self.requested or signal.Signals(signum).name

    def __enter__(self) -> StopSignals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *_exc: object) -> None:
        for sig, old in self._previous.items():
            signal.signal(sig, old)

    def check(self) -> None:
        if self.requested:
            raise Interrupted(self.requested)


@contextmanager
def ignore_signals() -> Iterator[None]:
    """While interrupted runs are being collected, a second Ctrl-C must not leave them orphaned."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def drive(
    executor: Executor,
    next_task: Callable[[], Task | None],
    on_outcome: Callable[[Outcome], None],
    *,
    jobs: int,
    progress: Progress,
    signals: StopSignals,
    fail_fast: bool = False,
) -> Drive:
    """Run tasks from `next_task` until it returns None, at most `jobs` at a time."""
    result, running = Drive(), 0
    exhausted = False

    def collect(outcomes: list[Outcome]) -> None:
        nonlocal running
        for outcome in outcomes:
            running -= 1
            if outcome.status != CANCELLED:
                result.outcomes.append(outcome)
                on_outcome(outcome)
            progress.finished(outcome)

    try:
        while True:
            signals.check()
            while not exhausted and running < jobs:
                task = next_task()
                if task is None:
                    exhausted = True
                    break
                executor.submit(task)
                running += 1
                progress.started(task)
            if running == 0:
                break
            collect(executor.wait(_WAIT_S))
            progress.tick()
            signals.check()
            if fail_fast and any(o.status == FAILED for o in result.outcomes):
                result.stopped = FAILED
                raise Interrupted("fail-fast")
    except Interrupted as why:
        result.stopped = result.stopped or "interrupted"
        progress.note(f"nbops: {why}: stopping the sweep, interrupting {running} running run(s)")
        with ignore_signals():
            executor.interrupt()
            collect(executor.drain())
    return result
