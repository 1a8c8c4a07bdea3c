"""Structure rules (NB1xx): the title, the mandated sections, the parameters cell, the imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nbops.check.analysis import SECTIONS, Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic, at
from nbops.check.registry import rule


@rule("NB101", "missing-title")
def missing_title(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """The notebook does not start with a `# Title` heading.

    ## What it does
    Checks that the first non-empty cell is markdown and begins with a level-1 heading.

    ## Why is this bad?
    The title and the paragraph under it say what the experiment is for; without them a reader
    (and the run report) has to guess from the code.

    ## Example
    A notebook whose first cell is `import pandas as pd`.

    ## Use instead
    A first markdown cell: `# Churn prediction` followed by a paragraph on the purpose.
    """
    if nb.title is None:
        yield at("NB101", 1, 1, 1, "no '# Title' heading at the top: start with a markdown title")


@rule("NB102", "missing-section")
def missing_section(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A mandated section is missing or out of order.

    ## What it does
    Looks for the section headings Imports, Configs, Datasets, EDA (Analysis), Modeling and
    Evaluation, in that order, accepting obvious synonyms ("Data", "Model", "Evaluations").

    ## Why is this bad?
    The order encodes the discipline: configuration before code, the split before any
    data-dependent step, evaluation last. A reader finds things where they expect them.

    ## Example
    ```markdown
    ## Modeling
    ...
    ## Datasets
    ```

    ## Use instead
    `## Imports`, `## Configs`, `## Datasets`, `## Analysis (EDA)`, `## Modeling`, `## Evaluation`.
    """
    first: dict[str, tuple[int, int]] = {}
    for heading in nb.section_headings():
        if heading.section and heading.section not in first:
            first[heading.section] = (heading.cell, heading.line)
    found = sorted(first, key=first.__getitem__)
    in_order = _longest_ordered(found)
    for section in found:
        if section not in in_order:
            cell, line = first[section]
            yield at("NB102", cell + 1, line, 1, _out_of_order(section, found))
    for section in SECTIONS:
        if section not in first:
            cell = _cell_before(nb, section, first)
            yield at(
                "NB102", cell, 1, 1, f"section '{section}' is missing: add a '## {section}' heading"
            )


def _out_of_order(section: str, found: list[str]) -> str:
    before = SECTIONS[SECTIONS.index(section) - 1] if SECTIONS.index(section) else None
    where = f"after '{before}'" if before else "first"
    return f"section '{section}' is out of order: move it {where} ({' > '.join(SECTIONS)})"


def _cell_before(nb: Notebook, section: str, first: dict[str, tuple[int, int]]) -> int:
    earlier = [first[s][0] for s in SECTIONS[: SECTIONS.index(section)] if s in first]
    return max(earlier) + 1 if earlier else 1


def _longest_ordered(found: list[str]) -> set[str]:
    """The largest subset of `found` already in the mandated order (LIS on section ranks)."""
    ranks = [SECTIONS.index(s) for s in found]
    best: list[list[int]] = []
    for i, rank in enumerate(ranks):
        chains = [chain for j, chain in enumerate(best) if ranks[j] < rank]
        best.append([*max(chains, key=len, default=[]), i])
    longest = max(best, key=len, default=[])
    return {found[i] for i in longest}


@rule("NB103", "parameters-cell")
def parameters_cell(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """Not exactly one cell tagged `parameters`, or it is not under Configs.

    ## What it does
    Counts the cells tagged `parameters` and checks the one found is a code cell in Configs.

    ## Why is this bad?
    `nbops run` (papermill) injects parameters after the cell tagged `parameters`; with none,
    parameters cannot be set, with several it is ambiguous which values win.

    ## Example
    A Configs cell holding `TEST_SIZE = 0.2` without the tag.

    ## Use instead
    Tag the one Configs cell `parameters` (JupyterLab: property inspector → cell tags).
    """
    cells = nb.parameters_cells
    if not cells:
        configs = next((h.cell for h in nb.section_headings() if h.section == "Configs"), 0)
        message = "no cell tagged 'parameters': tag the Configs code cell 'parameters'"
        yield at("NB103", configs + 1, 1, 1, message)
    for extra in cells[1:]:
        message = "more than one cell tagged 'parameters': keep one, in Configs"
        yield at("NB103", extra.number, 1, 1, message)
    if cells and (cells[0].kind != "code" or cells[0].section != "Configs"):
        message = "the 'parameters' cell is not a code cell under Configs: move it there"
        yield at("NB103", cells[0].number, 1, 1, message)


@rule("NB104", "import-outside-imports")
def import_outside_imports(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """An import outside the Imports section.

    ## What it does
    Flags top-level `import` statements in code cells that are not under the Imports heading
    (imports inside functions are left alone). Silent when there is no Imports section (NB102).

    ## Why is this bad?
    Imports scattered through a notebook hide its dependencies and fail late in a headless run.

    ## Example
    ```python
    from sklearn.ensemble import RandomForestClassifier  # in the Modeling section
    ```

    ## Use instead
    Move the import into the Imports cell.
    """
    if not any(h.section == "Imports" for h in nb.section_headings()):
        return
    for cell in nb.parsed_cells:
        if cell.section == "Imports":
            continue
        for node in _top_level_imports(cell.tree.body):
            col = cell.column(node.lineno, node.col_offset)
            message = "import outside the Imports section: move it into the Imports cell"
            yield at("NB104", cell.number, node.lineno, col, message)


def _top_level_imports(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            yield stmt
        elif not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for name in ("body", "orelse", "finalbody", "handlers"):
                yield from _top_level_imports(getattr(stmt, name, []))
