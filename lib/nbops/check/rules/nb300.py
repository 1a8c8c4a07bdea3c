"""NB300 leakage-analysis-incomplete: a cell that does not parse, or the engine cannot follow."""

from __future__ import annotations

from collections.abc import Iterator

from nbops.check import facts as f
from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic, at
from nbops.check.facts import Fact
from nbops.check.registry import rule
from nbops.check.rules.engine import notebook_facts, one_per_place


@rule("NB300", "leakage-analysis-incomplete")
def leakage_analysis_incomplete(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """Part of the notebook could not be analysed for leakage.

    ## What it does
    Reports, once per notebook, the first code cell that is not Python 3 (a Python 2 `print`
    statement, a syntax error, IPython syntax other than line magics) or that the data-flow
    analysis could not follow to its end. Python 2 `print` statements are read as calls and the
    blocks that still do not parse are skipped, so the other rules keep working on the rest.

    ## Why is this bad?
    The leakage rules (NB301-NB306) see nothing in code they cannot parse: a scaler fitted in
    a skipped block would go unreported, and the notebook would look cleaner than it is.

    ## Example
    ```python
    print "accuracy", model.score(X_test, y_test)
    ```

    ## Use instead
    ```python
    print("accuracy", model.score(X_test, y_test))
    ```
    """
    broken = next((cell for cell in nb.code_cells if cell.syntax_error), None)
    if broken is not None:
        message = (
            f"cell does not parse as Python 3 ({broken.syntax_error}); the leakage rules skip "
            "what does not parse: port it to Python 3 or simplify it"
        )
        yield at("NB300", broken.number, 1, 1, message)
        return
    stopped = (fact for fact in notebook_facts(nb) if fact.kind == f.ANALYSIS_STOPPED)
    yield from one_per_place("NB300", ((fact, _message(fact)) for fact in stopped))


def _message(fact: Fact) -> str:
    return (
        f"the leakage analysis stopped in this cell ({fact.subject}); the leakage rules are "
        "incomplete after it: split the cell's code into simpler statements"
    )
