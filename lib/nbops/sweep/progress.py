"""Progress of a sweep on stderr: one redrawn bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from nbops.sweep.task import FAILED, SUCCEEDED, Outcome, Task

_WIDTH = 24


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class Progress:
    """Counts of done / failed / running runs with an ETA from the mean run time."""

    def __init__(
        self, total: int, jobs: int, stream: TextIO | None = None, tty: bool | None = None
    ):
        self.total, self.jobs = total, max(1, jobs)
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.started_at = time.monotonic()
        self.done = self.failed = self.running = 0
        self.durations: list[float] = []

    def eta(self) -> float | None:
        """Seconds left: remaining runs times the mean duration, spread over the jobs."""
        if not self.durations:
            return None
        remaining = self.total - self.done - self.failed
        mean = sum(self.durations) / len(self.durations)
        return max(0.0, remaining * mean / self.jobs)

    def started(self, task: Task) -> None:
        self.running += 1
        self._draw()

    def finished(self, outcome: Outcome) -> None:
        self.running = max(0, self.running - 1)
        if outcome.status == SUCCEEDED:
            self.done += 1
        elif outcome.status == FAILED:
            self.failed += 1
        if outcome.duration_s:
            self.durations.append(float(outcome.duration_s))
        if outcome.run_id and (not self.tty or outcome.status == FAILED):
            self._clear()  # on a terminal only failures get a line of their own
            self._line(outcome)
        self._draw()

    def note(self, text: str) -> None:
        """A line of its own (the bar is redrawn below it)."""
        self._clear()
        print(text, file=self.stream, flush=True)
        self._draw()

    def status_text(self) -> str:
        eta = self.eta()
        left = f"ETA {_clock(eta)}" if eta is not None else "ETA -"
        elapsed = _clock(time.monotonic() - self.started_at)
        return (
            f"{self.done + self.failed}/{self.total}  done {self.done}  failed {self.failed}  "
            f"running {self.running}  {elapsed} elapsed, {left}"
        )

    def _line(self, outcome: Outcome) -> None:
        took = f" in {outcome.duration_s:.1f} s" if outcome.duration_s else ""
        params = " ".join(f"{k}={_short(v)}" for k, v in outcome.task.params.items())
        why = f": {outcome.error}" if outcome.error else ""
        print(
            f"[{self.done + self.failed}/{self.total}] {outcome.run_id} {outcome.status}{took} "
            f"({params}){why} | {self.status_text()}",
            file=self.stream,
            flush=True,
        )

    def _draw(self) -> None:
        if not self.tty:
            return
        finished = self.done + self.failed
        filled = int(_WIDTH * finished / self.total) if self.total else _WIDTH
        bar = "#" * filled + "-" * (_WIDTH - filled)
        self.stream.write(f"\r\033[K[{bar}] {self.status_text()}")
        self.stream.flush()

    def tick(self) -> None:
        """Redraw (the elapsed time and ETA move on)."""
        self._draw()

    def _clear(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")

    def close(self) -> None:
        if self.tty:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
