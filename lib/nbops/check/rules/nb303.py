"""NB303 test-set-selection: the test split chooses a model, a setting or an epoch."""

from __future__ import annotations

from collections.abc import Iterator

from nbops.check import facts as f
from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic
from nbops.check.facts import Fact
from nbops.check.registry import rule
from nbops.check.rules.engine import notebook_facts, one_per_place


@rule("NB303", "test-set-selection")
def test_set_selection(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """The test split is used to choose a model or hyperparameters.

    ## What it does
    Flags a loop that fits candidates and scores each on the test split, a second candidate
    model scored on test rows of the same dataset (another estimator, or the same one refitted
    on other features; a `Dummy*` baseline does not count), a search (`GridSearchCV`, ...)
    fitted on the test split, and the test split passed as `eval_set` / `validation_data` /
    `valid_sets` to a fit that keeps its best epoch or iteration (`early_stopping_rounds`, an
    `EarlyStopping` / `early_stopping` callback, `ModelCheckpoint(save_best_only=True)`,
    CatBoost's default `use_best_model`). Silent for a test split shown during a fixed number
    of epochs, cross-validation inside the training split, a separate validation split, and
    scores on different datasets.

    ## Why is this bad?
    Every choice made by looking at the test score fits the test split; after enough choices
    the reported score is a best-of-many, not an estimate of unseen data.

    ## Example
    ```python
    for depth in DEPTHS:
        model = DecisionTreeClassifier(max_depth=depth, random_state=RANDOM_STATE)
        model.fit(X_train, y_train)
        scores[depth] = model.score(X_test, y_test)
    ```

    ## Use instead
    ```python
    search = GridSearchCV(DecisionTreeClassifier(random_state=RANDOM_STATE), {"max_depth": DEPTHS})
    search.fit(X_train, y_train)
    test_score = search.score(X_test, y_test)  # once, at the end
    ```
    """
    facts = notebook_facts(nb)
    stopping = {fact.place for fact in facts if fact.kind == f.STOPS_ON_EVAL_SET}
    second = set(_second_candidates(facts))
    found = (fact for fact in facts if fact in second or _counts(fact, stopping))
    yield from one_per_place("NB303", ((fact, MESSAGES[fact.kind](fact)) for fact in found))


def _counts(fact: Fact, stopping: set[tuple[int, int, int]]) -> bool:
    """The test split chooses among candidates (policy 3 of issue 25); an evaluation set chooses
    only when the fit stops early on it."""
    if fact.kind == f.TEST_AS_EVAL_SET:
        return fact.place in stopping
    return fact.kind in (f.TEST_SCORES_LOOP, f.SEARCH_ON_TEST)


def _carved_out(rows: frozenset[str]) -> bool:
    """Test rows split or sliced out of labelled rows, not a whole file only named test."""
    return any(part[:1].isdigit() or part[:1] == "[" for row in rows for part in row.split("/")[1:])


def _second_candidates(facts: tuple[Fact, ...]) -> Iterator[Fact]:
    """Scores on test rows of a dataset once two candidates were scored on them: models built
    or trained apart (a refit on another feature set counts), a `Dummy*` baseline aside; scores
    inside a loop count as candidates but are the loop's finding (TEST_SCORES_LOOP)."""
    candidates: dict[frozenset[str], set[tuple[int, tuple[int, int]]]] = {}
    for fact in facts:
        if fact.kind != f.MODEL_SCORED_ON_TEST or fact.subject.startswith("Dummy"):
            continue
        if fact.rows and not _carved_out(fact.rows):  # a test.csv: predictions, no labels
            continue
        dataset = frozenset(row.split("/", 1)[0] for row in fact.rows) or frozenset({"?"})
        seen = candidates.setdefault(dataset, set())
        seen.add((fact.model, fact.reached))
        if len(seen) > 1 and not fact.looped:
            yield fact


MESSAGES = {
    f.TEST_SCORES_LOOP: lambda fact: (
        "the test split scores every candidate fitted in this loop: "
        "compare candidates by cross-validation on the training split, score test once"
    ),
    f.MODEL_SCORED_ON_TEST: lambda fact: (
        f"a second candidate model ({fact.subject}) is scored on the test split: "
        "choose by cross-validation on the training split and score test once"
    ),
    f.SEARCH_ON_TEST: lambda fact: (
        f"{fact.subject} is fitted on the test split: "
        "search on the training split; score the test split once at the end"
    ),
    f.TEST_AS_EVAL_SET: lambda fact: (
        f"the test split passed as {fact.subject} selects the model: "
        "carve a validation split out of the training split"
    ),
}
