"""Collect every run and sweep of a runs folder, incrementally, and write `<runs-dir>/index.html`.

Every write in a run or sweep folder is a temp file renamed into it, which changes the folder's
mtime: so an entry is recomputed only when its folder's mtime (or its notebook's, for the
changed parameters) moved since the cache `<runs-dir>/.gallery.json` was written. A refresh with
1,000 runs present stats 1,000 folders, reads the new ones and renders the page.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbops.files import write_text_atomic
from nbops.gallery import facts, page

INDEX_FILE = "index.html"
CACHE_FILE = ".gallery.json"
CACHE_VERSION = 2


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


@dataclass(frozen=True)
class Item:
    """One folder's entry as cached: its folder mtime, sort and filter keys, and the entry's
    JSON text (embedded in the page as is: an unchanged entry is never encoded again)."""

    sig: int
    t: str
    s: str
    nb: str
    id: str
    text: str

    def entry(self) -> dict[str, Any]:
        return json.loads(self.text)

    def line(self) -> str:
        fields = (str(self.sig), self.t, self.s, self.nb, self.id)
        return "\t".join(field.replace("\t", " ").replace("\n", " ") for field in fields) + (
            "\t" + self.text
        )


def _item(sig: int, entry: Mapping[str, Any]) -> Item:
    text = json.dumps(entry, separators=(",", ":"), default=str).replace("</", "<\\/")
    return Item(sig, str(entry["t"]), str(entry["s"]), str(entry["nb"]), str(entry["id"]), text)


def _read_cache(path: Path) -> tuple[dict[str, int], dict[str, Item]]:
    """The notebooks' mtimes and the cached items; empty when missing, old or unreadable."""
    try:
        header, *lines = path.read_text(encoding="utf-8").splitlines()
        meta = json.loads(header)
        if meta.get("version") != CACHE_VERSION:
            return {}, {}
        items = {}
        for line in lines:
            sig, t, s, nb, run_id, text = line.split("\t", 5)
            items[run_id] = Item(int(sig), t, s, nb, run_id, text)
        return meta.get("notebooks", {}), items
    except (OSError, ValueError):
        return {}, {}


def collect(runs_dir: Path, root: Path | None = None) -> tuple[list[Item], dict[str, dict], bool]:
    """Every item, newest first, the notebooks' defaults, and whether anything changed since
    the cache was written; reads only the folders that changed."""
    stamps, kept = _read_cache(runs_dir / CACHE_FILE)
    notebooks = _Notebooks(root or _project_root(runs_dir), stamps)
    items, changed = [], False
    for folder in folders(runs_dir):
        signature = folder.stat(follow_symlinks=False).st_mtime_ns
        cached = kept.get(folder.name)
        if (
            cached
            and cached.sig == signature
            and cached.s != facts.RUNNING  # a running record may have crashed since
            and notebooks.unchanged(cached.nb)
        ):
            items.append(cached)
            continue
        entry = _entry(Path(folder.path), notebooks)
        changed = True
        if entry is not None:
            items.append(_item(signature, entry))
    changed = changed or len(items) != len(kept)
    if changed:
        header = json.dumps({"version": CACHE_VERSION, "notebooks": notebooks.stamps()})
        lines = "".join(item.line() + "\n" for item in items)
        write_text_atomic(runs_dir / CACHE_FILE, header + "\n" + lines)
    items.sort(key=lambda item: (item.t, item.id), reverse=True)
    return items, notebooks.used_defaults(), changed


def refresh(runs_dir: Path, root: Path | None = None, *, force: bool = False) -> Path:
    """Rewrite `<runs-dir>/index.html` from the runs and sweeps there when a folder changed (or
    always, with `force`: `nbops gallery` after an upgrade of nbops); return its path."""
    items, defaults, changed = collect(runs_dir, root)
    path = index_path(runs_dir)
    if changed or force or not path.is_file():
        title = f"nbops runs: {runs_dir.name}"
        write_text_atomic(path, page.render([i.text for i in items], defaults, title=title))
    return path


def refresh_quietly(runs_dir: Path) -> None:
    """`refresh`, saying in one line (never raising) when the gallery could not be written:
    a run or sweep never fails because of its gallery."""
    try:
        refresh(runs_dir)
    except Exception as exc:  # noqa: BLE001 - the gallery is a by-product of the run
        print(f"nbops: warning: the gallery was not refreshed ({exc})", file=sys.stderr)


def _entry(folder: Path, notebooks: _Notebooks) -> dict[str, Any] | None:
    try:
        present = set(os.listdir(folder))
    except OSError:
        return None
    if facts.SWEEP_RECORD in present:
        return facts.sweep_entry(folder)
    if facts.RUN_RECORD not in present:
        return None
    return facts.entry_from_files(str(folder), present, notebooks.defaults)


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
