"""Leakage rules (NB3xx), read from the notebook's data flow (see flow.py)."""

from __future__ import annotations

from collections.abc import Iterator

from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic
from nbops.check.registry import rule


@rule("NB301", "preprocessing-leakage")
def preprocessing_leakage(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A data-dependent transformation is fitted on rows that reach the test split.

    ## What it does
    Follows the data through the notebook, cell by cell. Flags a scaler, imputer, target
    encoder, feature selector, PCA, vectorizer, or a statistic of the frame (`fillna(df.mean())`,
    group means) fitted on the data before the train/test split, or on data that includes the
    test split, when its output reaches a model's training data or a cross-validation.
    Silent when the result never reaches a model, and for one-hot/ordinal encoders (they only
    learn the categories).

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
    yield from nb.flow.by_code("NB301")


@rule("NB302", "overlap-leakage")
def overlap_leakage(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """Resampling before the split, or train and test built from overlapping rows.

    ## What it does
    Flags oversampling (`fit_resample` of SMOTE, ADASYN, `RandomOverSampler`, or
    `sklearn.utils.resample` with replacement) applied before the train/test split or before
    cross-validation, oversampling of the test split, and train and test drawn by two
    independent `.sample()` calls from the same frame.

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
    yield from nb.flow.by_code("NB302")


@rule("NB303", "test-set-selection")
def test_set_selection(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """The test split is used to choose a model or hyperparameters.

    ## What it does
    Flags a loop that fits candidates and scores each on the test split, a second candidate
    model scored on the test split (a `Dummy*` baseline does not count), a search
    (`GridSearchCV`, ...) fitted on the test split, and the test split passed as `eval_set` /
    `validation_data` (early stopping).

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
    yield from nb.flow.by_code("NB303")


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
    yield from nb.flow.by_code("NB304")


@rule("NB305", "fit-on-test")
def fit_on_test(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A transformer is fitted on the test split alone.

    ## What it does
    Flags `fit` / `fit_transform` of a scaler, imputer, encoder... on the test split.

    ## Why is this bad?
    It is not leakage but a bug: the test rows are transformed with different parameters from
    the training rows, so the model sees differently scaled features at test time.

    ## Example
    ```python
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.fit_transform(X_test)
    ```

    ## Use instead
    ```python
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    ```
    """
    yield from nb.flow.by_code("NB305")
