"""The abstract values of the data-flow engine: what a variable holds and where its rows came from.

A `Value` is data (with the splits its rows come from and the `Step`s that shaped it), a
transformer, a resampler, a model, a search, the result of a split, or something else. A `Step`
is a data-dependent fit, statistic or resampling on rows that reach the test split; the data it
produces carries it until it reaches a model (see `facts.py`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

FIT, STATISTIC, RESAMPLE = "fit", "statistic", "resample"


@dataclass(frozen=True)
class Step:
    """A fit, statistic or resampling on rows that reach the test split, and where it happened."""

    kind: str  # FIT | STATISTIC | RESAMPLE
    cell: int
    line: int
    col: int
    what: str  # "StandardScaler", ".mean()", "SMOTE oversampling"
    rows: str = ""  # "full" (before the split) or "mixed" (train and held-out rows together)


@dataclass(frozen=True)
class Value:
    """The abstract value of an expression."""

    kind: str = "other"  # data | transformer | resampler | model | search | split | module | other
    roles: frozenset[str] = frozenset()
    taints: frozenset[Step] = frozenset()
    name: str = ""
    ident: int = 0
    fit_taint: Step | None = None
    born: int = 0
    parts: tuple[Value, ...] = ()
    origin: str = ""  # the variable a `.sample()` drew from


OTHER = Value()


def union(*values: Value, roles: bool = True) -> Value:
    """The value of an expression combining `values`: data if any of them is data."""
    data = [value for value in values if value.kind == "data"]
    if not data:
        objects = [value for value in values if value.kind not in ("other", "module")]
        return objects[0] if objects else OTHER
    return Value(
        "data",
        frozenset().union(*(d.roles for d in data)) if roles else data[0].roles,
        frozenset().union(*(d.taints for d in data)),
        born=max(d.born for d in data),
    )


def contains(value: Value, kind: str) -> bool:
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
