"""What the data-flow engine finds, in neutral terms: facts with a place, and no rule codes.

The leakage rules (`leakage.py`) decide which rule a fact belongs to and how its message reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from nbops.check.values import Step

# A fit / statistic / resampling on rows reaching the test split reaches a model's training.
STEP_REACHES_TRAINING = "step-reaches-training"
# A resampling of rows not yet split reaches the train/test split.
RESAMPLED_BEFORE_SPLIT = "resampled-before-split"
# A transformer is fitted on the held-out rows alone.
FIT_ON_HELD_OUT = "fit-on-held-out"
# The held-out rows are resampled.
RESAMPLED_HELD_OUT = "resampled-held-out"
# Train and test are both drawn with `.sample()` from the same frame.
SAMPLED_TWICE = "sampled-twice"
# Inside a loop that fits candidates, the test split scores each of them.
TEST_SCORES_LOOP = "test-scores-loop"
# A model or search is scored on rows marked as test (subject: its name; model: the object;
# reached: where it was trained; rows: the rows scored; looped: inside a loop).
MODEL_SCORED_ON_TEST = "model-scored-on-test"
# A hyperparameter search is fitted on the test split.
SEARCH_ON_TEST = "search-on-test"
# The test split is handed to `fit` as the evaluation set (early stopping, model choice).
TEST_AS_EVAL_SET = "test-as-eval-set"
# That fit keeps the epoch or iteration scoring best on its evaluation set (early stopping).
STOPS_ON_EVAL_SET = "stops-on-eval-set"
# A model is scored on rows it was trained on (subject: where it was trained, "cell:line").
SCORED_ON_TRAINING_ROWS = "scored-on-training-rows"
# A model is scored on rows that hold all its training rows and more (subject as above).
SCORED_ON_WIDER_ROWS = "scored-on-wider-rows"
# A model is scored on exactly the rows it was trained on (a training score; subject as above).
SCORED_ON_SAME_ROWS = "scored-on-same-rows"
# The same trained model is also scored on rows held out from its training rows (subject: where it
# was trained, "cell:line"): a score on training rows beside it is a diagnostic, not the result.
SCORED_ON_HELD_OUT_ROWS = "scored-on-held-out-rows"
# The engine could not follow a cell to its end (subject: why).
ANALYSIS_STOPPED = "analysis-stopped"
# Rows are divided into training and held-out parts here: a split, folds, cross-validation, a
# held-out part carved out by name or position.
ROWS_DIVIDED = "rows-divided"
# A shuffled split of rows the notebook declares time-ordered.
SHUFFLED_TIME_ORDER = "shuffled-time-order"


@dataclass(frozen=True)
class Fact:
    """Something the engine found at cell:line:col (ruff's numbering)."""

    kind: str
    cell: int
    line: int
    col: int
    subject: str = ""  # the transformer, model, keyword, frame or call it is about
    step: Step | None = None  # STEP_REACHES_TRAINING, RESAMPLED_BEFORE_SPLIT, FIT_ON_HELD_OUT
    reached: tuple[int, int] = (0, 0)  # cell and line of the training the step reaches
    model: int = 0  # for scores: the model object scored (one per constructor call)
    rows: frozenset[str] = frozenset()  # for scores: the rows scored
    looped: bool = False  # found inside a loop

    @property
    def place(self) -> tuple[int, int, int]:
        return self.cell, self.line, self.col
