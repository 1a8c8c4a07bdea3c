"""NB305 fit-on-test: an encoder or an oversampler fitted on the test split alone."""

from __future__ import annotations

from collections.abc import Iterator

from nbops.check import facts as f
from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic
from nbops.check.facts import Fact
from nbops.check.registry import rule
from nbops.check.rules.engine import notebook_facts, one_per_place
from nbops.check.values import VOCABULARY


@rule("NB305", "fit-on-test")
def fit_on_test(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """An encoder or an oversampler is fitted on the test split alone.

    ## What it does
    Flags `fit` / `fit_transform` of an encoder that learns categories (`LabelEncoder`,
    `OneHotEncoder`, ...) on the test split, and oversampling of the test split
    (`SMOTE().fit_resample(X_test, y_test)`). A scaler or any other statistic refitted on the
    test split is preprocessing leakage (NB301).

    ## Why is this bad?
    It is a bug rather than leakage: an encoder fitted on the test split alone may give a
    category another code than the training split's, so the model reads the wrong feature; an
    oversampled test split scores the model on synthetic rows, not on the data it will meet.

    ## Example
    ```python
    X_train["plan"] = LabelEncoder().fit_transform(X_train["plan"])
    X_test["plan"] = LabelEncoder().fit_transform(X_test["plan"])
    ```

    ## Use instead
    ```python
    encoder = LabelEncoder().fit(X_train["plan"])
    X_train["plan"] = encoder.transform(X_train["plan"])
    X_test["plan"] = encoder.transform(X_test["plan"])
    ```
    """
    found = (fact for fact in notebook_facts(nb) if _counts(fact))
    yield from one_per_place("NB305", ((fact, _message(fact)) for fact in found))


def _counts(fact: Fact) -> bool:
    """An encoder of categories fitted on the test split alone, or the test split oversampled."""
    if fact.kind == f.FIT_ON_HELD_OUT:
        return fact.step.kind == VOCABULARY
    return fact.kind == f.RESAMPLED_HELD_OUT


def _message(fact: Fact) -> str:
    if fact.kind == f.RESAMPLED_HELD_OUT:
        return f"{fact.subject} of the test split: resample only the training split"
    return (
        f"{fact.subject} is fitted on the test split, so its codes may differ from the "
        "training split's: fit it on the training split and only transform the test split"
    )
