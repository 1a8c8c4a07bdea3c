"""Run folders in the runs folder: allocate them uniquely and atomically, read and find records.

Which files a run folder holds is `nbops.project.RunFolder`'s business; this module creates the
folders, keeps the `latest` pointer, and lists and finds the runs.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nbops.errors import BadInputError
from nbops.files import read_json, write_text_atomic
from nbops.project import LATEST, RunFolder
from nbops.run import process

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_MAX_NAME = 64
CRASHED = "crashed"  # shown for a `running` record whose nbops process is gone


def utc_now() -> datetime:
    """The current time in UTC, to the microsecond."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A UTC timestamp as ISO 8601 with a Z suffix."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def validate_name(name: str) -> str:
    """Accept a run name of letters, digits, '.', '_' and '-' that cannot leave the runs folder."""
    if not _NAME_PATTERN.match(name) or ".." in name or len(name) > _MAX_NAME:
        raise BadInputError(
            f"run name {name!r} is not allowed: use up to {_MAX_NAME} letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return name


def allocate(runs_dir: Path, notebook_stem: str, name: str | None = None, now=None) -> Path:
    """Create a new, never-reused run folder `<UTC stamp>-<stem>[-<name>][-N]` and return it.

    A runs folder that cannot be created or written is bad input: one line, nothing created.
    """
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(f"cannot create the runs folder {runs_dir}: {exc.strerror}") from None
    if not os.access(runs_dir, os.W_OK | os.X_OK):
        raise BadInputError(
            f"the runs folder {runs_dir} is not writable: make it writable or choose another "
            "(--runs-dir, or runs-dir in [tool.nbops])"
        )
    stamp = (now or utc_now()).strftime("%Y%m%d-%H%M%S")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", notebook_stem).strip("-.") or "notebook"
    base = f"{stamp}-{stem}" + (f"-{validate_name(name)}" if name else "")
    for attempt in range(1, 10_000):
        candidate = runs_dir / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            candidate.mkdir()  # atomic: exactly one concurrent caller creates a given folder
        except FileExistsError:
            continue
        except OSError as exc:  # read-only file system, no space left for a folder
            raise BadInputError(
                f"cannot create a run folder in {runs_dir}: {exc.strerror}"
            ) from None
        point_latest(runs_dir, candidate)
        return candidate
    raise BadInputError(f"could not allocate a run folder for {base} in {runs_dir}")


def point_latest(runs_dir: Path, run_dir: Path) -> None:
    """Point the runs folder's `latest` symlink at `run_dir`, replacing the old link atomically."""
    link = runs_dir / LATEST
    tmp = runs_dir / f".{LATEST}.{os.getpid()}.tmp"
    try:
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(run_dir.name, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:
        # Filesystems without symlinks still get a pointer file.
        write_text_atomic(runs_dir / LATEST.upper(), run_dir.name + "\n")


def read_record(run_dir: Path) -> dict[str, Any]:
    """The run record of a run folder; a `running` record whose process is gone reads `crashed`."""
    path = RunFolder(run_dir).record
    if not path.is_file():
        raise BadInputError(f"{run_dir} is not a run folder: no {path.name}")
    try:
        record = read_json(path)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path} is not a readable run record: {exc}") from None
    if not isinstance(record, dict):
        raise BadInputError(f"{path} is not a run record")
    if record.get("status") == "running" and process.is_gone(record.get("runner")):
        record["status"] = CRASHED
    return record


def find(runs_dir: Path, ref: str) -> Path:
    """A run folder from `latest`, a run id, or a path to the folder."""
    candidates = [Path(ref), runs_dir / ref]
    for candidate in candidates:
        if RunFolder(candidate).is_run():
            return candidate.resolve()
    raise BadInputError(f"no run {ref!r}: give a folder under {runs_dir}, a run id or 'latest'")


def list_runs(runs_dir: Path) -> list[dict[str, Any]]:
    """Run records of every run folder, oldest first."""
    if not runs_dir.is_dir():
        return []
    records = []
    for folder in sorted(runs_dir.iterdir()):
        if folder.is_dir() and not folder.is_symlink() and RunFolder(folder).is_run():
            records.append(read_record(folder))
    return records
