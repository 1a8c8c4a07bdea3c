"""The neutral facts of one notebook, computed once and shared by the leakage rules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from nbops.check import facts as f
from nbops.check.analysis import Notebook
from nbops.check.diagnostics import Diagnostic, at
from nbops.check.facts import Fact
from nbops.check.flow import run_flow


@lru_cache(maxsize=1)
def notebook_facts(nb: Notebook) -> tuple[Fact, ...]:
    """The facts of the data-flow engine for `nb`, in the order found (one run per notebook)."""
    return tuple(run_flow(nb))


def one_per_place(code: str, found: Iterable[tuple[Fact, str]]) -> Iterator[Diagnostic]:
    """A diagnostic per place for (fact, message) pairs: the first fact found at a place wins."""
    places: set[tuple[int, int, int]] = set()
    for fact, message in found:
        if fact.place not in places:
            places.add(fact.place)
            yield at(code, *fact.place, message)


def held_out_models(facts: Iterable[Fact]) -> set[int]:
    """The model objects scored on rows held out from their training rows (a test split, folds)."""
    return {fact.model for fact in facts if fact.kind == f.SCORED_ON_HELD_OUT_ROWS}


def divides_rows(facts: Iterable[Fact]) -> bool:
    """Whether the notebook divides rows into training and held-out parts anywhere."""
    return any(fact.kind == f.ROWS_DIVIDED for fact in facts)
