"""Read a notebook file for every part of nbops: the raw nbformat-4 JSON and a cell's source.

Plain `json`, not nbformat (which costs seconds to import), so `nbops check`, parameter
validation and `nbops export` start fast; an unreadable file is one NotebookError naming it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops.errors import NotebookError


def read_notebook(path: str | Path) -> dict:
    """The notebook JSON at `path`, or a NotebookError saying why it is not a readable notebook."""
    path = Path(path)
    if not path.is_file():
        raise NotebookError(f"{path}: cannot read: notebook not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NotebookError(f"{path}: cannot read: {error}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"{path}: not a notebook: invalid JSON ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(f"{path}: not a notebook: no 'cells' list (nbformat 4 expected)")
    version = data.get("nbformat", 4)
    if not isinstance(version, int) or version < 4:
        raise NotebookError(f"{path}: nbformat {version} notebook: upgrade it to nbformat 4")
    return data


def cell_source(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string (nbformat allows a string or a list of lines)."""
    source = cell.get("source") or ""
    return source if isinstance(source, str) else "".join(source)
