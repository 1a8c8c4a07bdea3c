"""Collect every run and sweep of a runs folder, incrementally, and write `<runs-dir>/index.html`.

Every write in a run or sweep folder is a temp file renamed into it, which changes the folder's
mtime: so an entry is recomputed only when its folder's mtime (or its notebook's, for the
changed parameters) moved since the cache `<runs-dir>/.gallery.json` was written. A refresh with
1,000 runs present stats 1,000 folders, reads the new ones and renders the page.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nbops.files import read_json, write_json_atomic, write_text_atomic
from nbops.gallery import facts, page

INDEX_FILE = "index.html"
CACHE_FILE = ".gallery.json"
CACHE_VERSION = 1


def index_path(runs_dir: Path) -> Path:
    """Where the gallery page of `runs_dir` is written."""
    return runs_dir / INDEX_FILE


def folders(runs_dir: Path) -> Iterator[os.DirEntry]:
    """The run and sweep folders of `runs_dir` (not `latest`, not `interactive`)."""
    if not runs_dir.is_dir():
        return
    with os.scandir(runs_dir) as entries:
        for entry in entries:
            if entry.name[:1].isdigit() and entry.is_dir(follow_symlinks=False):
                yield entry


def collect(runs_dir: Path, root: Path | None = None) -> tuple[list[dict], dict[str, dict]]:
    """Every entry, newest first, and the notebooks' defaults; reads only what changed."""
    cache = read_json(runs_dir / CACHE_FILE, {}) or {}
    if cache.get("version") != CACHE_VERSION:
        cache = {}
    kept: dict[str, Any] = cache.get("entries", {})
    notebooks = _Notebooks(root or _project_root(runs_dir), cache.get("notebooks", {}))
    entries, fresh = [], {}
    for folder in folders(runs_dir):
        signature = folder.stat(follow_symlinks=False).st_mtime_ns
        cached = kept.get(folder.name)
        if (
            cached
            and cached["sig"] == signature
            and cached["e"]["s"] != facts.RUNNING  # a running record may have crashed since
            and notebooks.unchanged(cached["e"]["nb"])
        ):
            entry = cached["e"]
        else:
            entry = _entry(Path(folder.path), notebooks)
            if entry is None:
                continue
        fresh[folder.name] = {"sig": signature, "e": entry}
        entries.append(entry)
    write_json_atomic(
        runs_dir / CACHE_FILE,
        {"version": CACHE_VERSION, "notebooks": notebooks.stamps(), "entries": fresh},
    )
    entries.sort(key=lambda e: (e["t"], e["id"]), reverse=True)
    return entries, notebooks.used_defaults()


def refresh(runs_dir: Path, root: Path | None = None) -> Path:
    """Rewrite `<runs-dir>/index.html` from the runs and sweeps there; return its path."""
    entries, defaults = collect(runs_dir, root)
    path = index_path(runs_dir)
    write_text_atomic(path, page.render(entries, defaults, title=f"nbops runs: {runs_dir.name}"))
    return path


def refresh_quietly(runs_dir: Path) -> None:
    """`refresh`, saying in one line (never raising) when the gallery could not be written:
    a run or sweep never fails because of its gallery."""
    try:
        refresh(runs_dir)
    except Exception as exc:  # noqa: BLE001 - the gallery is a by-product of the run
        print(f"nbops: warning: the gallery was not refreshed ({exc})", file=sys.stderr)


def _entry(folder: Path, notebooks: _Notebooks) -> dict[str, Any] | None:
    if facts.is_sweep(folder):
        return facts.sweep_entry(folder)
    if not (folder / "run.json").is_file():
        return None
    from nbops.files import read_json_object

    notebook = str(read_json_object(folder / "run.json").get("notebook") or "")
    return facts.run_entry(folder, notebooks.defaults(notebook))


def _project_root(runs_dir: Path) -> Path:
    """The project the runs' notebook paths are relative to: this command's, else the runs
    folder's parent."""
    from nbops.project import find_project_root

    try:
        return find_project_root()
    except Exception:  # outside any project: look beside the runs folder
        return runs_dir.parent


class _Notebooks:
    """The parameter defaults of each notebook named by a run, parsed once per refresh."""

    def __init__(self, root: Path, stamps: dict[str, int]) -> None:
        self.root, self.old = root, stamps
        self.now: dict[str, int] = {}
        self.parsed: dict[str, dict[str, Any] | None] = {}

    def _stamp(self, notebook: str) -> int:
        if notebook not in self.now:
            try:
                self.now[notebook] = (self.root / notebook).stat().st_mtime_ns
            except OSError:
                self.now[notebook] = 0
        return self.now[notebook]

    def unchanged(self, notebook: str) -> bool:
        return not notebook or self._stamp(notebook) == self.old.get(notebook)

    def defaults(self, notebook: str) -> dict[str, Any] | None:
        if notebook not in self.parsed:
            self._stamp(notebook)
            self.parsed[notebook] = _read_defaults(self.root / notebook) if notebook else None
        return self.parsed[notebook]

    def stamps(self) -> dict[str, int]:
        return dict(self.now)

    def used_defaults(self) -> dict[str, dict[str, Any]]:
        for notebook in self.now:
            self.defaults(notebook)
        return {nb: values for nb, values in self.parsed.items() if values is not None}


def _read_defaults(path: Path) -> dict[str, Any] | None:
    from nbops import params

    try:
        declared = params.declared_parameters(params.read_notebook(path), path)
    except Exception:  # a notebook moved or broken since the run: show every parameter
        return None
    return {name: parameter.default for name, parameter in declared.items()}
