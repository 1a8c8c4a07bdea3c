"""NB306 no-held-out-evaluation: a model evaluated only on the rows it was trained on (policy 2)."""

from __future__ import annotations

from collections.abc import Iterator

from nbops.check import facts as f
from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic
from nbops.check.facts import Fact
from nbops.check.registry import rule
from nbops.check.rules.engine import held_out_models, notebook_facts, one_per_place


@rule("NB306", "no-held-out-evaluation")
def no_held_out_evaluation(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A model is evaluated only on the rows it was trained on.

    ## What it does
    Flags a score or prediction of a model on exactly the rows it was trained on (no split at
    all, or the training split scored and nothing else), and a supervised metric of a clustering
    model's labels for the rows it was fitted on. Silent when the same model is also scored on
    rows held out from its training rows: a training score printed beside a held-out score is the
    usual comparison. A model fitted on all rows and then scored on a subset of them, presented
    as a held-out score, is overlap (NB302).

    ## Why is this bad?
    A score on the training rows measures how well the model memorised them, not how it will do
    on rows it has not seen: nothing in the notebook estimates its real performance.

    ## Example
    ```python
    model.fit(X, y)
    print(accuracy_score(y, model.predict(X)))
    ```

    ## Use instead
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=RANDOM_STATE)
    model.fit(X_train, y_train)
    print(accuracy_score(y_test, model.predict(X_test)))
    ```
    """
    facts = notebook_facts(nb)
    checked = held_out_models(facts)
    found = (f for f in facts if f.kind == SCORED_ON_SAME_ROWS and f.model not in checked)
    yield from one_per_place("NB306", ((fact, _message(fact)) for fact in found))


SCORED_ON_SAME_ROWS = f.SCORED_ON_SAME_ROWS


def _message(fact: Fact) -> str:
    return (
        f"the model trained at cell {fact.subject} is evaluated only on the rows it was trained "
        "on, so nothing measures it on unseen rows: hold out a test split or cross-validate"
    )
