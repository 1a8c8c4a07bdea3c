"""Render an executed notebook as a standalone HTML report with nbconvert.

nbconvert's import and its first rendering (templates, theme, lexers) cost more than rendering
itself, so `nbops run` calls `warm` while the kernel runs and the report at the end reuses the
warmed exporter.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from nbops.files import write_text_atomic
from nbops.slow_imports import skip_unused


def render_html(notebook_path: Path, html_path: Path, title: str | None = None) -> Path:
    """Write `html_path`, the notebook rendered for reading (inputs, outputs and plots)."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    resources = {"metadata": {"name": title or notebook_path.stem}}
    body, _resources = _exporter().from_notebook_node(nb, resources=resources)
    return write_text_atomic(html_path, body)


def warm() -> None:
    """Import nbconvert and render a one-cell notebook, so the next report renders at full speed."""
    import nbformat

    cell = nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output("stream", text="1")])
    _exporter().from_notebook_node(nbformat.v4.new_notebook(cells=[cell]))


@functools.cache
def _exporter() -> Any:
    skip_unused()
    from nbconvert import HTMLExporter

    return HTMLExporter()
