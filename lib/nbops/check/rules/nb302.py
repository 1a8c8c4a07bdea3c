"""NB302 overlap-leakage: rows that evaluate a model were in its training rows."""

from __future__ import annotations

from collections.abc import Iterator

from nbops.check import facts as f
from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic
from nbops.check.facts import Fact
from nbops.check.registry import rule
from nbops.check.rules.engine import held_out_models, notebook_facts, one_per_place
from nbops.check.rules.steps import described, reaches_training
from nbops.check.values import RESAMPLE


@rule("NB302", "overlap-leakage")
def overlap_leakage(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """Resampling before the split, or train and test built from overlapping rows.

    ## What it does
    Flags oversampling (`fit_resample` of SMOTE, ADASYN, `RandomOverSampler`, or
    `sklearn.utils.resample` with replacement) applied before the train/test split or before
    cross-validation, train and test drawn by two
    independent `.sample()` calls from the same frame, and a model scored on rows it was
    trained on: fitted on all rows and then scored on a split of them, or trained and scored
    on the same unsplit rows. Rows are followed from their source through splits, row masks,
    slices and names (`test = df.drop(train.index)`); a training split scored as such
    (`model.score(X_train, y_train)` after `train_test_split`), a score on the training rows of a
    model that is also scored on rows held out from them (the train-versus-test comparison), and
    clustering (unless a supervised metric such as `accuracy_score(y, kmeans.labels_)` reports
    its clusters of the fitted rows) are not flagged, nor are imblearn's under-samplers (`NearMiss`,
    `RandomUnderSampler`, `TomekLinks`, ...): they drop rows, so no test row reaches training
    through them. Rows read back with `pickle.load`, taken apart with
    `.loc['train']`, `align`ed, `shuffle`d together or merged with a lookup table keep their
    lineage, and an empty `pd.DataFrame()` filled column by column holds rows of its own; a
    dataset loaded as its training and test parts at once
    (`(x_train, y_train), (x_test, y_test) = load_data()`) has two disjoint parts. Keras
    `Sequential` / `Model` are models and `evaluate` is their score; a Keras model fitted again
    resumes from its weights, so it has been trained on the rows of every fit so far.
    Predicting one example (`model.predict([X.iloc[3]])`) is a demonstration, not a score, and
    predictions stored as a column of a frame (`df["Age"] = age_model.predict(...)`, to impute a
    feature or show them beside their rows) are not a score on the model's training rows; nor
    is a recursive forecast, a loop that predicts from a window seeded with the last training
    rows and rebuilt from its own predictions (it forecasts the periods after them).

    ## Why is this bad?
    Oversampled rows are copies (or interpolations) of real rows: after the split, the model is
    tested on near-duplicates of its training rows and the score is inflated.

    ## Example
    ```python
    X_res, y_res = SMOTE(random_state=RANDOM_STATE).fit_resample(X, y)
    X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, random_state=RANDOM_STATE)
    ```

    ## Use instead
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=RANDOM_STATE)
    X_train, y_train = SMOTE(random_state=RANDOM_STATE).fit_resample(X_train, y_train)
    ```
    """
    facts = notebook_facts(nb)
    checked = held_out_models(facts)
    found = (fact for fact in facts if _counts(fact, checked))
    yield from one_per_place("NB302", ((fact, _message(fact)) for fact in found))


def _counts(fact: Fact, checked: set[int]) -> bool:
    """Rows used to evaluate a model were in its training rows (policy 2 of issue 25)."""
    if fact.kind == f.STEP_REACHES_TRAINING:
        return fact.step.kind == RESAMPLE
    if fact.kind == f.SCORED_ON_WIDER_ROWS:  # beside a held-out score: a diagnostic
        return fact.model not in checked
    return fact.kind in (f.RESAMPLED_BEFORE_SPLIT, f.SAMPLED_TWICE, f.SCORED_ON_TRAINING_ROWS)


def _message(fact: Fact) -> str:
    if fact.kind == f.STEP_REACHES_TRAINING:
        return reaches_training(fact)
    if fact.kind == f.RESAMPLED_BEFORE_SPLIT:
        fix = "resample only the training split (imblearn Pipeline)"
        copies = "before the train/test split copies test rows into training"
        return f"{described(fact.step)} {copies}: {fix}"
    if fact.kind == f.SAMPLED_TWICE:
        return (
            f"train and test are both sampled from {fact.subject}, so rows overlap: "
            f"take the test rows as {fact.subject}.drop(train.index)"
        )
    if fact.kind == f.SCORED_ON_WIDER_ROWS:
        return (
            f"the model trained at cell {fact.subject} is scored on rows that include all the rows "
            "it was trained on: score it on a held-out split it never saw"
        )
    return (
        f"the model trained at cell {fact.subject} is scored on rows it was trained on: "
        "score it on a held-out split it never saw"
    )
