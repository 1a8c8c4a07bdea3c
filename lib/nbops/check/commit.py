"""Commit hygiene (NB4xx): outputs and execution counts in git, cells run out of order."""

from __future__ import annotations

from collections.abc import Iterator

from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic, at
from nbops.check.registry import rule

KEEP_OUTPUT_TAG = "keep_output"  # the tag nbstripout honours


@rule("NB401", "outputs-committed")
def outputs_committed(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """The notebook has outputs or execution counts.

    ## What it does
    Flags code cells with outputs or an execution count, except cells tagged `keep_output`.
    One finding per notebook, at the first such cell.

    ## Why is this bad?
    Outputs bloat the repository, make every diff unreadable, and can leak data; the run folder
    keeps the executed notebook instead.

    ## Example
    A notebook saved after running it in JupyterLab.

    ## Use instead
    `make setup` installs the pre-commit hooks (nbstripout strips outputs on commit);
    or run `nbstripout path.ipynb`.
    """
    dirty = [
        cell
        for cell in nb.code_cells
        if (cell.outputs or cell.execution_count is not None) and KEEP_OUTPUT_TAG not in cell.tags
    ]
    if dirty:
        count = f"{len(dirty)} cell{'s' if len(dirty) > 1 else ''}"
        message = f"{count} with outputs or execution counts: strip them with nbstripout"
        yield at("NB401", dirty[0].number, 1, 1, message)


@rule("NB402", "run-out-of-order")
def run_out_of_order(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """Execution counts that do not increase from the top: cells ran out of order.

    ## What it does
    Flags the first code cell whose execution count is not larger than the one above it.

    ## Why is this bad?
    The saved outputs came from a different order than a top-to-bottom run; the notebook may
    not run headless at all.

    ## Example
    Execution counts `[3, 1, 2]`.

    ## Use instead
    Restart the kernel and run all cells, or strip outputs before committing.
    """
    previous = None
    for cell in nb.code_cells:
        count = cell.execution_count
        if isinstance(count, int):
            if previous is not None and count <= previous:
                message = f"execution count {count} after {previous}: restart and run all cells"
                yield at("NB402", cell.number, 1, 1, message)
                return
            previous = count
