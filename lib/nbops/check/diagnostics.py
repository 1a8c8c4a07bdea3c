"""A finding of the checker: a rule code, a message saying how to fix it, and where."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding at `cell`:`line`:`col` (ruff's numbering: every cell counts, all 1-based)."""

    path: str
    cell: int
    line: int
    col: int
    code: str
    message: str

    def location(self) -> str:
        """`path:cell N:L:C`, the way ruff prints locations in notebooks."""
        return f"{self.path}:cell {self.cell}:{self.line}:{self.col}"

    def render(self) -> str:
        """One line: `path:cell N:L:C: CODE message`."""
        return f"{self.location()}: {self.code} {self.message}"


def at(code: str, cell: int, line: int, col: int, message: str) -> Diagnostic:
    """A diagnostic whose path is filled in once the notebook is known."""
    return Diagnostic("", cell, line, col, code, message)
