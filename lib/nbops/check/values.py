"""The abstract values of the data-flow engine: what a variable holds and where its rows came from.

A `Value` is data (with the splits its rows come from and the `Step`s that shaped it), a
transformer, a resampler, a model, a search, the result of a split, or something else. A `Step`
is a data-dependent fit, statistic or resampling on rows that reach the test split; the data it
produces carries it until it reaches a model (see `facts.py`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import StrEnum


class StepKind(StrEnum):
    """What a data-dependent step does to the rows it sees."""

    FIT = "fit"  # a transformer learns statistics of the rows (a scaler, PCA, a selector)
    STATISTIC = "statistic"  # a figure computed over the rows (`.mean()`, `rank()`)
    RESAMPLE = "resample"  # rows copied or synthesised (oversampling)
    VOCABULARY = "vocabulary"  # a fit that learns only the categories or words, no statistic


FIT, STATISTIC, RESAMPLE, VOCABULARY = StepKind


class Kind(StrEnum):
    """What an abstract value is."""

    DATA = "data"  # rows (a frame, an array, a split part, predictions)
    TRANSFORMER = "transformer"  # a scaler, an encoder, a vectorizer, a pipeline of them
    RESAMPLER = "resampler"  # an oversampler (SMOTE, ...)
    MODEL = "model"  # an estimator, a Keras model, a trained booster
    SEARCH = "search"  # a hyperparameter search (GridSearchCV, ...)
    SPLIT = "split"  # the result of a train/test split, before it is unpacked
    SPLITTER = "splitter"  # a KFold / ShuffleSplit object
    CALLBACK = "callback"  # a callback that keeps the best epoch (EarlyStopping, ...)
    MODULE = "module"  # an imported module
    FUNCTION = "function"  # a function or lambda defined in the notebook
    CLASS = "class"  # a class defined in the notebook
    INSTANCE = "instance"  # an instance of such a class
    OTHER = "other"  # anything else


@dataclass(frozen=True)
class Step:
    """A fit, statistic or resampling on rows that reach the test split, and where it happened."""

    kind: StepKind
    cell: int
    line: int
    col: int
    what: str  # "StandardScaler", ".mean()", "SMOTE oversampling"
    rows: str = ""  # "full" (before the split), "mixed" (train and held-out), "labelled"
    source: frozenset[str] = frozenset()  # the row sets it saw (see `Value.rows`)


@dataclass(frozen=True)
class Value:
    """The abstract value of an expression."""

    kind: Kind = Kind.OTHER
    roles: frozenset[str] = frozenset()
    taints: frozenset[Step] = frozenset()
    name: str = ""
    ident: int = 0
    fit_taint: Step | None = None
    born: int = 0
    parts: tuple[Value, ...] = ()
    origin: str = ""  # the variable a `.sample()` drew from
    # Row lineage: "s3" is the rows a source call read; "s3/7train" the training part of split 7
    # of those rows; a row set is within another when its token extends the other's.
    rows: frozenset[str] = frozenset()
    # A trained model: the rows it was trained on, the labelled-row steps its training data
    # carried, and where it was trained (cell, line).
    trained: frozenset[str] = frozenset()
    pending: frozenset[Step] = frozenset()
    trained_at: tuple[int, int] = (0, 0)
    # A model's predictions (a clustering model's labels) for its own training rows (model trained
    # at "cell:line"): a score on its training rows once a supervised metric compares them with
    # the labels.
    clustered_by: str = ""
    # A transformer that learns only a vocabulary (categories, every word seen): no statistic.
    vocabulary_only: bool = False


OTHER = Value()
MODULE = Value(Kind.MODULE)  # an imported module: calls on it are library calls


def union(*values: Value, roles: bool = True) -> Value:
    """The value of an expression combining `values`: data if any of them is data."""
    data = [value for value in values if value.kind == Kind.DATA]
    if not data:
        objects = [value for value in values if value.kind not in (Kind.OTHER, Kind.MODULE)]
        return objects[0] if objects else OTHER
    return Value(
        Kind.DATA,
        frozenset().union(*(d.roles for d in data)) if roles else data[0].roles,
        frozenset().union(*(d.taints for d in data)),
        born=max(d.born for d in data),
        rows=frozenset().union(*(d.rows for d in data)),
        clustered_by=next((d.clustered_by for d in data if d.clustered_by), ""),
    )


def within(inner: str, outer: str) -> bool:
    """Whether row set `inner` is `outer` or was carved out of it."""
    return inner == outer or inner.startswith(outer + "/")


def seen(rows: frozenset[str], seen_rows: frozenset[str]) -> bool:
    """Whether some of `rows` lie within rows in `seen_rows`."""
    return any(within(row, other) for row in rows for other in seen_rows)


def overlap(scored: frozenset[str], trained: frozenset[str]) -> bool:
    """Whether scored rows overlap training rows (scoring a training split itself excepted)."""
    for row in scored:
        for other in trained:
            if row == other and not other.endswith("train"):
                return True
            if row != other and (within(row, other) or within(other, row)):
                return True
    return False


def held_out(scored: frozenset[str], trained: frozenset[str]) -> bool:
    """Whether scored rows come from the same source as the training rows yet none of them lies
    within the training rows or contains them (a test split, a validation fold, rows carved out)."""
    sources = {row.split("/", 1)[0] for row in trained}
    if not scored or any(row.split("/", 1)[0] not in sources for row in scored):
        return False
    return not any(within(row, other) or within(other, row) for row in scored for other in trained)


def contains(value: Value, kind: Kind) -> bool:
    """Whether `value` or anything it was built from is of `kind`."""
    return value.kind == kind or any(contains(part, kind) for part in value.parts)


def argument(args: list[Value], kwargs: dict[str, Value], index: int, keyword: str) -> Value:
    """The value passed at position `index` or as `keyword`."""
    if len(args) > index:
        return args[index]
    return kwargs.get(keyword, OTHER)


def literal(node: ast.Call, keyword: str) -> object:
    """The literal value of a keyword argument; None when absent, "?" when not a literal."""
    for item in node.keywords:
        if item.arg == keyword:
            try:
                return ast.literal_eval(item.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                return "?"
    return None
