"""Leakage rules (NB3xx): the facts of the data-flow engine (flow.py) turned into diagnostics.

The engine says what happened and where; this module decides which rule a fact belongs to and
how its message reads (what leaked, where it reaches a model, and how to fix it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from nbops.check import facts as f
from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic, at
from nbops.check.facts import Fact
from nbops.check.flow import run_flow
from nbops.check.registry import rule
from nbops.check.values import FIT, RESAMPLE, VOCABULARY

ROWS = {
    "full": "the full data before the train/test split",
    "mixed": "rows that include the test split",
    "labelled": "the labelled rows before they are split",
    "refolded": "the training split before validation rows were carved out of it",
    "folded": "the labelled rows that the cross-validation folds divide",
}
# Statistics that usually fill gaps: their fix can be an imputer inside a Pipeline.
IMPUTING = frozenset({".mean()", ".median()", ".mode()"})


def _step(fact: Fact) -> str:
    step = fact.step
    if step.kind == FIT:
        return f"{step.what} fitted on {ROWS[step.rows]}"
    if step.kind == RESAMPLE:
        return step.what
    return f"{step.what} computed on {ROWS[step.rows]}"


def _step_fix(fact: Fact) -> str:
    step = fact.step
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


def _reaches_training(fact: Fact) -> str:
    cell, line = fact.reached
    return f"{_step(fact)} reaches the model trained at cell {cell}:{line}: {_step_fix(fact)}"


def _resampled_before_split(fact: Fact) -> str:
    fix = "resample only the training split (imblearn Pipeline)"
    return f"{_step(fact)} before the train/test split copies test rows into training: {fix}"


MESSAGES: dict[str, Callable[[Fact], str]] = {
    f.FIT_ON_HELD_OUT: lambda fact: (
        f"{fact.subject} is fitted again on the test split, so the test rows are scaled by their "
        "own statistics: fit it on the training split and only transform the test split"
        if fact.step.kind != VOCABULARY
        else f"{fact.subject} is fitted on the test split, so its codes may differ from the "
        "training split's: fit it on the training split and only transform the test split"
    ),
    f.RESAMPLED_HELD_OUT: lambda fact: (
        f"{fact.subject} of the test split: resample only the training split"
    ),
    f.RESAMPLED_BEFORE_SPLIT: _resampled_before_split,
    f.SAMPLED_TWICE: lambda fact: (
        f"train and test are both sampled from {fact.subject}, so rows overlap: "
        f"take the test rows as {fact.subject}.drop(train.index)"
    ),
    f.TEST_SCORES_LOOP: lambda fact: (
        "the test split scores every candidate fitted in this loop: "
        "compare candidates by cross-validation on the training split, score test once"
    ),
    f.TEST_SCORES_CANDIDATES: lambda fact: (
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
    f.SCORED_ON_TRAINING_ROWS: lambda fact: (
        f"the model trained at cell {fact.subject} is scored on rows it was trained on: "
        "score it on a held-out split it never saw"
    ),
    f.SCORED_ON_WIDER_ROWS: lambda fact: (
        f"the model trained at cell {fact.subject} is scored on rows that include all the rows it "
        "was trained on: score it on a held-out split it never saw"
    ),
    f.SCORED_ON_SAME_ROWS: lambda fact: (
        f"the model trained at cell {fact.subject} is evaluated only on the rows it was trained "
        "on, so nothing measures it on unseen rows: hold out a test split or cross-validate"
    ),
    f.ANALYSIS_STOPPED: lambda fact: (
        f"the leakage analysis stopped in this cell ({fact.subject}); the leakage rules are "
        "incomplete after it: split the cell's code into simpler statements"
    ),
    f.SHUFFLED_TIME_ORDER: lambda fact: (
        f"{fact.subject} shuffles time-ordered rows: "
        "split by time (sorted, shuffle=False) or use TimeSeriesSplit"
    ),
}


def code_of(fact: Fact, facts: list[Fact]) -> str | None:
    """The rule a fact belongs to (None: no finding of its own)."""
    if fact.kind == f.STEP_REACHES_TRAINING:
        if fact.step.kind == VOCABULARY:  # the categories or words only: not a statistic
            return None
        if fact.step.kind == RESAMPLE:
            return "NB302"
        # rows before a split that never comes: evaluation is on training rows (NB306), not
        # NB301; train and test combined ("mixed") saw the held-out rows without a split
        divided = fact.step.rows == "mixed" or any(o.kind == f.ROWS_DIVIDED for o in facts)
        return "NB301" if divided else None
    if fact.kind == f.FIT_ON_HELD_OUT:  # refitted on the evaluation rows: their statistics
        if fact.step.kind == VOCABULARY:
            return "NB305"
        return "NB301" if _carved_out(fact.step.source) else None
    if fact.kind == f.TEST_AS_EVAL_SET:  # chooses only when it stops early on that set
        stops = any(o.kind == f.STOPS_ON_EVAL_SET and o.place == fact.place for o in facts)
        return "NB303" if stops else None
    return CODES.get(fact.kind)  # ROWS_DIVIDED, STOPS_ON_EVAL_SET: context for other facts


CODES = {
    f.RESAMPLED_BEFORE_SPLIT: "NB302",
    f.RESAMPLED_HELD_OUT: "NB305",
    f.SAMPLED_TWICE: "NB302",
    f.TEST_SCORES_LOOP: "NB303",
    f.TEST_SCORES_CANDIDATES: "NB303",
    f.SEARCH_ON_TEST: "NB303",
    f.TEST_AS_EVAL_SET: "NB303",
    f.SHUFFLED_TIME_ORDER: "NB304",
    f.ANALYSIS_STOPPED: "NB300",
    f.SCORED_ON_TRAINING_ROWS: "NB302",
    f.SCORED_ON_SAME_ROWS: "NB306",
    f.SCORED_ON_WIDER_ROWS: "NB302",
}


@lru_cache(maxsize=1)
def leakage_findings(nb: Notebook) -> tuple[Diagnostic, ...]:
    """The NB30x findings of a notebook: one per code and place, the first fact found wins."""
    found: dict[tuple[str, int, int, int], Diagnostic] = {}
    facts = run_flow(nb)
    checked = {fact.model for fact in facts if fact.kind == f.SCORED_ON_HELD_OUT_ROWS}
    for fact in facts:
        if fact.kind == f.SCORED_ON_HELD_OUT_ROWS or _diagnostic_score(fact, checked):
            continue
        code = code_of(fact, facts)
        if code is None:
            continue
        message = _reaches_training(fact) if fact.kind == f.STEP_REACHES_TRAINING else None
        message = message or MESSAGES[fact.kind](fact)
        found.setdefault((code, *fact.place), at(code, *fact.place, message))
    return tuple(found.values())


def _carved_out(rows: frozenset[str]) -> bool:
    """Held-out rows split or sliced out of labelled rows (`s1/2test`, `s1/['2016':]/ntest`), not a
    whole file only named test (a competition's `test.csv`, often without labels)."""
    return any(part[:1].isdigit() or part[:1] == "[" for row in rows for part in row.split("/")[1:])


def _diagnostic_score(fact: Fact, checked: set[int]) -> bool:
    """A score on the training rows of a model object that is also (after another fit, perhaps)
    scored on held-out rows: the train-versus-test comparison, not its only evaluation."""
    training_rows = (f.SCORED_ON_SAME_ROWS, f.SCORED_ON_WIDER_ROWS)
    return fact.kind in training_rows and fact.model in checked


def _by_code(nb: Notebook, code: str) -> Iterator[Diagnostic]:
    return (finding for finding in leakage_findings(nb) if finding.code == code)


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
    yield from _by_code(nb, "NB300")


@rule("NB301", "preprocessing-leakage")
def preprocessing_leakage(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A data-dependent transformation is fitted on rows that reach the test split.

    ## What it does
    Follows the data through the notebook, cell by cell, into user functions (and the batches
    a generator yields), lambdas (`df.apply(lambda c: (c - c.mean()) / c.std())`), both
    branches of an `if`/`else`, loops over `[train, test]`, lists filled with `append`,
    methods of the notebook's own classes and the attributes they set (`self.folds`),
    attributes, subscripts, tuple unpacking, `inplace=True` and exported `%%time` cells. Flags
    a scaler, imputer, target encoder, feature selector, PCA, vectorizer (alone or combined in
    a `FeatureUnion` / `DataFrameMapper`), a scaling function (`scale`, `zscore`, `pd.qcut`) or
    a statistic of the frame (`fillna(df.mean())`, group means and counts, manual
    standardisation, `rank()`) fitted on the data before the train/test split (a split call,
    or slicing by position into train/test-named parts), or on data that includes
    the test split (train and test concatenated), when its output reaches a model's training
    data (`fit`, Keras `fit_generator`, `lgb.train` / `xgb.train` / `catboost.train` on their
    `Dataset` / `DMatrix` / `Pool`, a PyTorch `loss.backward()` on a batch) or a
    cross-validation.
    A statistic of a Kaggle-style `train.csv`, or of a frame only named `X_train_...` (labelled
    rows that no split produced yet), counts
    once a split or a `KFold().split` divides those rows, or the model is scored on them (an
    estimator fitted on them also counts once `cross_val_score` scores their folds); a fit
    on the training split counts once validation rows carved out of that split (a second split,
    folds) score a model trained on the rest.
    A transformer refitted on the test split itself (`scaler.fit_transform(X_test)`) counts too:
    the test rows are then scaled by their own statistics. A vocabulary chosen by frequency
    (`CountVectorizer(max_features=...)`, `min_df` / `max_df`, a Keras `Tokenizer(num_words=...)`)
    is a statistic of the rows and counts.
    Silent when the result never reaches a model, for row-wise statistics (`axis=1`, also
    `df.apply(f, axis=1)`), shares of missing values, and encoders that only learn the
    vocabulary (`OneHotEncoder`, `OrdinalEncoder`, `LabelEncoder`, a `CountVectorizer` or
    `Tokenizer` keeping every word, a `ColumnTransformer` made only of these), and for pretrained
    objects a loader reads (`load_word2vec_format`, `load_model`): they are not rows.

    ## Why is this bad?
    The test rows shape the training features (their mean, their variance, their categories'
    target rates), so the held-out score is optimistic and does not predict production.

    ## Example
    ```python
    X_scaled = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, random_state=RANDOM_STATE)
    model.fit(X_train, y_train)
    ```

    ## Use instead
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=RANDOM_STATE)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    model.fit(X_train, y_train)
    ```
    """
    yield from _by_code(nb, "NB301")


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
    yield from _by_code(nb, "NB302")


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
    yield from _by_code(nb, "NB303")


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
    yield from _by_code(nb, "NB304")


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
    yield from _by_code(nb, "NB305")


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
    yield from _by_code(nb, "NB306")
