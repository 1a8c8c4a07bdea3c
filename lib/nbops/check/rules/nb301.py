"""NB301 preprocessing-leakage: a statistic of rows holding the evaluation rows reaches a model."""

from __future__ import annotations

from collections.abc import Iterator

from nbops.check import facts as f
from nbops.check.analysis import Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic
from nbops.check.facts import Fact
from nbops.check.registry import rule
from nbops.check.rules.engine import divides_rows, notebook_facts, one_per_place
from nbops.check.rules.steps import reaches_training
from nbops.check.values import RESAMPLE, VOCABULARY


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
    facts = notebook_facts(nb)
    divided = divides_rows(facts)
    found = (fact for fact in facts if _counts(fact, divided))
    yield from one_per_place("NB301", ((fact, _message(fact)) for fact in found))


def _counts(fact: Fact, divided: bool) -> bool:
    """A statistic reaching a model whose evaluation rows it saw (policy 1 of issue 25)."""
    if fact.kind == f.STEP_REACHES_TRAINING:
        if fact.step.kind in (VOCABULARY, RESAMPLE):  # categories or words only; overlap (NB302)
            return False
        # rows before a split that never comes: evaluation is on training rows (NB306), not
        # NB301; train and test combined ("mixed") saw the held-out rows without a split
        return fact.step.rows == "mixed" or divided
    if fact.kind == f.FIT_ON_HELD_OUT:  # refitted on the evaluation rows: their statistics
        return fact.step.kind != VOCABULARY and _carved_out(fact.step.source)
    return False


def _carved_out(rows: frozenset[str]) -> bool:
    """Held-out rows split or sliced out of labelled rows (`s1/2test`, `s1/['2016':]/ntest`), not a
    whole file only named test (a competition's `test.csv`, often without labels)."""
    return any(part[:1].isdigit() or part[:1] == "[" for row in rows for part in row.split("/")[1:])


def _message(fact: Fact) -> str:
    if fact.kind == f.STEP_REACHES_TRAINING:
        return reaches_training(fact)
    return (
        f"{fact.subject} is fitted again on the test split, so the test rows are scaled by their "
        "own statistics: fit it on the training split and only transform the test split"
    )
