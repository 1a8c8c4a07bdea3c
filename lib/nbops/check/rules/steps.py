"""How a fit, statistic or resampling that reaches a model reads in a message, and its fix."""

from __future__ import annotations

from nbops.check.facts import Fact
from nbops.check.values import FIT, RESAMPLE, Step

ROWS = {
    "full": "the full data before the train/test split",
    "mixed": "rows that include the test split",
    "labelled": "the labelled rows before they are split",
    "refolded": "the training split before validation rows were carved out of it",
    "folded": "the labelled rows that the cross-validation folds divide",
}
# Statistics that usually fill gaps: their fix can be an imputer inside a Pipeline.
IMPUTING = frozenset({".mean()", ".median()", ".mode()"})


def described(step: Step) -> str:
    """`StandardScaler fitted on the full data before the train/test split`."""
    if step.kind == FIT:
        return f"{step.what} fitted on {ROWS[step.rows]}"
    if step.kind == RESAMPLE:
        return step.what
    return f"{step.what} computed on {ROWS[step.rows]}"


def fix(step: Step) -> str:
    """The fix sentence for a step that reaches a model."""
    if step.kind == FIT and step.rows in ("refolded", "folded"):
        return "fit it inside a Pipeline so that each validation part is left out of the fit"
    if step.kind == FIT:
        return "fit it inside a Pipeline on the training split"
    if step.kind == RESAMPLE:
        return "resample only the training split (imblearn Pipeline)"
    where = "inside each fold's training part" if step.rows == "folded" else "on the training split"
    if step.what in IMPUTING:
        return f"compute it {where} (or impute inside a Pipeline)"
    return f"compute it {where}"


def reaches_training(fact: Fact) -> str:
    """The message of a step that reaches a model's training."""
    cell, line = fact.reached
    return (
        f"{described(fact.step)} reaches the model trained at cell {cell}:{line}: {fix(fact.step)}"
    )
