"""`# noqa: NB201` suppressions: on a line, for the whole notebook, and unused ones (NB900)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic, at
from nbops.check.registry import rule

NOQA = re.compile(
    r"(?:#|<!--)\s*(?P<file>nbops:\s*)?noqa(?::\s*(?P<codes>[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*))?",
    re.IGNORECASE,
)
ALL = "*"


@dataclass(frozen=True)
class Directive:
    """A `noqa` comment: where it is, which codes (ALL for a bare noqa), file-wide or not."""

    cell: int
    line: int
    col: int
    codes: frozenset[str]
    whole_file: bool


def directives(nb: Notebook) -> list[Directive]:
    """Every noqa directive in code comments and markdown (`<!-- noqa: NB102 -->`)."""
    found = []
    for cell in nb.cells:
        if "noqa" not in cell.source.lower():
            continue
        for number, text in enumerate(cell.lines, start=1):
            match = NOQA.search(text)
            if match:
                raw = match.group("codes")
                codes = frozenset(re.split(r"[\s,]+", raw.upper())) if raw else frozenset({ALL})
                whole = bool(match.group("file"))
                found.append(Directive(cell.number, number, match.start() + 1, codes, whole))
    return found


def suppress(nb: Notebook, found: list[Diagnostic]) -> tuple[list[Diagnostic], list[Directive]]:
    """The diagnostics left after noqa directives, and the NB directives that matched nothing."""
    marks = directives(nb)
    used: set[tuple[Directive, str]] = set()
    kept = []
    for diagnostic in found:
        match = next((d for d in marks if _covers(d, diagnostic)), None)
        if match is None:
            kept.append(diagnostic)
        else:
            used.add((match, diagnostic.code if diagnostic.code in match.codes else ALL))
    unused = [
        (mark, code)
        for mark in marks
        for code in sorted(mark.codes)
        if code.startswith("NB") and (mark, code) not in used
    ]
    return kept, [Directive(m.cell, m.line, m.col, frozenset({c}), m.whole_file) for m, c in unused]


def _covers(mark: Directive, diagnostic: Diagnostic) -> bool:
    if not mark.whole_file and (mark.cell, mark.line) != (diagnostic.cell, diagnostic.line):
        return False
    return ALL in mark.codes or diagnostic.code in mark.codes


@rule("NB900", "unused-noqa")
def unused_noqa(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A `# noqa: NB...` directive that suppresses nothing.

    ## What it does
    Reports `noqa` directives naming an nbops code that no finding on that line needed.
    Codes of other tools (ruff's `F401`) and bare `# noqa` are left alone.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line.

    ## Example
    ```python
    TEST_SIZE = 0.2  # noqa: NB201  (in the Configs cell, where numbers are allowed)
    ```

    ## Use instead
    Remove the directive.
    """
    return iter(())  # computed in check.py, after the other rules ran: see unused_findings()


def unused_findings(unused: list[Directive]) -> Iterator[Diagnostic]:
    """NB900 findings for the unused directives."""
    for mark in unused:
        (code,) = mark.codes
        yield at(
            "NB900", mark.cell, mark.line, mark.col, f"unused noqa directive for {code}: remove it"
        )
