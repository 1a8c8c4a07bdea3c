"""NB304 shuffled-time-split: a shuffled split of rows the notebook declares time-ordered."""

from __future__ import annotations

from collections.abc import Iterator

from nbops.check import facts as f
from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic
from nbops.check.facts import Fact
from nbops.check.registry import rule
from nbops.check.rules.engine import notebook_facts, one_per_place


@rule("NB304", "shuffled-time-split")
def shuffled_time_split(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A shuffled split of time-ordered data.

    ## What it does
    In a notebook that declares a time column (a Configs parameter such as `TIME_COLUMN`),
    sorts by a date, or uses `TimeSeriesSplit`, flags `train_test_split` and split helpers
    without `shuffle=False`, `ShuffleSplit`, and `KFold(shuffle=True)`.

    ## Why is this bad?
    Shuffling puts future rows in the training split: the model is scored on the past it has
    effectively seen, and production (always the future) disappoints.

    ## Example
    ```python
    frame = frame.sort_values(TIME_COLUMN)
    train, test = train_test_split(frame, test_size=TEST_SIZE, random_state=RANDOM_STATE)
    ```

    ## Use instead
    ```python
    train, test = train_test_split(frame, test_size=TEST_SIZE, shuffle=False)
    ```
    """
    found = (fact for fact in notebook_facts(nb) if fact.kind == f.SHUFFLED_TIME_ORDER)
    yield from one_per_place("NB304", ((fact, _message(fact)) for fact in found))


def _message(fact: Fact) -> str:
    return (
        f"{fact.subject} shuffles time-ordered rows: "
        "split by time (sorted, shuffle=False) or use TimeSeriesSplit"
    )
