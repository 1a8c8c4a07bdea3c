"""Render an executed notebook as a standalone HTML report with nbconvert."""

from __future__ import annotations

from pathlib import Path

from nbops.files import write_text_atomic


def render_html(notebook_path: Path, html_path: Path, title: str | None = None) -> Path:
    """Write `html_path`, the notebook rendered for reading (inputs, outputs and plots)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook_path, as_version=4)
    resources = {"metadata": {"name": title or notebook_path.stem}}
    body, _resources = HTMLExporter().from_notebook_node(nb, resources=resources)
    return write_text_atomic(html_path, body)
