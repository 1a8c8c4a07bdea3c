"""The sweep folder `<runs-dir>/<UTC>-<stem>-sweep[-NAME]/` and its record, sweep.json.

sweep.json is rewritten atomically at the start, after every finished run and at the end, so a
crashed sweep leaves `status: running` with the runs done so far, never half a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbops import runs
from nbops.errors import BadInputError
from nbops.files import write_json_atomic

SUFFIX = "sweep"


@dataclass(frozen=True)
class SweepFolder:
    """A sweep folder and the files the sweep writes into it."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def record(self) -> Path:
        """sweep.json: spec, status, counts and run ids."""
        return self.path / "sweep.json"

    @property
    def summary_csv(self) -> Path:
        return self.path / "summary.csv"

    @property
    def summary_html(self) -> Path:
        return self.path / "summary.html"

    @property
    def best(self) -> Path:
        """best.yaml: the best run's parameters, usable as PARAMS_FILE."""
        return self.path / "best.yaml"

    def write_record(self, record: dict[str, Any]) -> None:
        write_json_atomic(self.record, record)


def allocate(runs_dir: Path, notebook_stem: str, name: str | None = None) -> SweepFolder:
    """Create a new, never-reused sweep folder (`runs/latest` keeps pointing at a run)."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    stamp = runs.utc_now().strftime("%Y%m%d-%H%M%S")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", notebook_stem).strip("-.") or "notebook"
    base = f"{stamp}-{stem}-{SUFFIX}" + (f"-{runs.validate_name(name)}" if name else "")
    for attempt in range(1, 1000):
        candidate = runs_dir / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return SweepFolder(candidate)
    raise BadInputError(f"could not allocate a sweep folder for {base} in {runs_dir}")
