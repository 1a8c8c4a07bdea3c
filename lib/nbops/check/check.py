"""Check one notebook: run the enabled rules on the shared analysis, then apply noqa."""

from __future__ import annotations

from pathlib import Path

from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic
from nbops.check.noqa import suppress, unused_findings
from nbops.check.registry import all_rules
from nbops.notebook_file import read_notebook


def check_notebook(
    notebook: str | Path | dict | Notebook, config: CheckConfig | None = None
) -> list[Diagnostic]:
    """The findings for a notebook (a path, its JSON as a dict, or an analysed Notebook), sorted.

    Raises NotebookError when a path cannot be read as a notebook.
    """
    config = config or CheckConfig()
    nb = _analysed(notebook)
    rules = [r for code, r in all_rules().items() if config.enabled(code, nb.path)]
    found = [
        Diagnostic(nb.path, d.cell, d.line, d.col, d.code, d.message)
        for r in rules
        for d in r.check(nb, config)
    ]
    kept, unused = suppress(nb, found)
    if config.enabled("NB900", nb.path):
        unused = [mark for mark in unused if config.enabled(next(iter(mark.codes)), nb.path)]
        kept += [
            Diagnostic(nb.path, d.cell, d.line, d.col, d.code, d.message)
            for d in unused_findings(unused)
        ]
    return sorted(set(kept))


def _analysed(notebook: str | Path | dict | Notebook) -> Notebook:
    if isinstance(notebook, Notebook):
        return notebook
    if isinstance(notebook, dict):
        return Notebook(notebook)
    return Notebook(read_notebook(notebook), _shown(Path(notebook)))


def _shown(path: Path) -> str:
    """The path as given, in posix form (relative paths stay relative, like ruff prints them)."""
    return path.as_posix()
