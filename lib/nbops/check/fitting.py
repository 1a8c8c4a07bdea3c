"""Data-dependent steps: fits, statistics and resampling on rows that may reach the test split."""

from __future__ import annotations

import ast
from dataclasses import replace

from nbops.check import facts as f
from nbops.check import vocabulary as v
from nbops.check.state import State
from nbops.check.values import (
    FIT,
    RESAMPLE,
    STATISTIC,
    VOCABULARY,
    Kind,
    Step,
    Value,
)


class Fitting:
    """The fit / statistic / resampling semantics of `Calls`."""

    state: State

    def statistic(self, node: ast.Call, attr: str, data: Value) -> Value:
        """A statistic of the rows: it carries a step when the rows reach the test split."""
        if _reaches_test(data.roles):
            step = self.state.step_at(STATISTIC, node, f".{attr}()", data, _rows(data.roles))
            return replace(data, taints=data.taints | {step}, parts=(), origin="")
        return replace(data, parts=(), origin="")

    def fit(self, node: ast.Call, transformer: Value, data: Value) -> Value:
        """Fit a transformer: on the held-out rows alone, or on rows reaching the test split."""
        name = transformer.name or "transformer"
        kind = VOCABULARY if transformer.vocabulary_only else FIT
        step = None
        if data.roles and data.roles <= v.HELD_OUT:
            held = self.state.step_at(kind, node, name, data, "held-out")
            self.state.record(f.FIT_ON_HELD_OUT, self.state.where(node), subject=name, step=held)
        elif _reaches_test(data.roles):
            step = self.state.step_at(kind, node, name, data, _rows(data.roles))
        elif not data.roles:  # rows of unknown origin: a later split confirms it
            step = self.state.step_at(kind, node, name, data, PENDING)
        elif data.roles == {v.TRAIN}:  # validation rows carved out of it later confirm it
            step = self.state.step_at(kind, node, name, data, REFIT)
        fitted = replace(transformer, fit_taint=step)
        target = node.func.value if isinstance(node.func, ast.Attribute) else None
        if isinstance(target, ast.Name):
            self.state.env[target.id] = fitted
        return fitted

    def transformed(self, transformer: Value, data: Value) -> Value:
        """The output of a fitted transformer carries its fit's step."""
        taints = data.taints | ({transformer.fit_taint} if transformer.fit_taint else set())
        return Value(Kind.DATA, data.roles, frozenset(taints), born=self.state.step, rows=data.rows)

    def resampled(self, node: ast.Call, what: str, data: Value, parts) -> Value:
        """Oversampling: of the held-out rows, or of rows not yet split (a step)."""
        taints = set(data.taints)
        bootstrap = what == "resample()"  # of held-out rows: a confidence interval, not a leak
        if data.roles and data.roles <= v.HELD_OUT:
            if not bootstrap:
                self.state.record(f.RESAMPLED_HELD_OUT, self.state.where(node), subject=what)
        elif data.roles & {v.FULL, v.TEST, v.LABELLED}:
            taints.add(self.state.step_at(RESAMPLE, node, what, data, _rows(data.roles)))
        out = Value(Kind.DATA, data.roles, frozenset(taints), born=self.state.step, rows=data.rows)
        return replace(out, parts=(out, out)) if isinstance(parts, list) else out


PENDING = "labelled"  # a step on labelled rows: a leak once a split or CV divides them


# A step on a training split: a leak once that split is divided again (a validation split, folds)
# and a model is scored on the rows carved out of it.
REFIT = "training"


UNCONFIRMED = frozenset({PENDING, REFIT})


def confirmed(data: Value, by_folds: bool = False) -> Value:
    """Data about to be split (or divided into folds): steps on its labelled rows now saw the
    held-out rows too."""
    if not any(step.rows in UNCONFIRMED for step in data.taints):
        return data
    taints = {
        replace(s, rows=confirmed_rows(s, by_folds)) if s.rows in UNCONFIRMED else s
        for s in data.taints
    }
    return replace(data, taints=frozenset(taints))


def folded_by_cv(step: Step) -> bool:
    """Whether cross-validation confirms an unconfirmed step: an estimator (`StandardScaler`,
    `PCA`) fitted on labelled rows that the folds divide. Functions (`scale()`, `cut()`, named
    with their parentheses) and statistics stay unconfirmed: on a whole labelled frame before
    cross-validation they are mostly judged clean."""
    return step.rows == PENDING and step.kind == FIT and not step.what.endswith("()")


def confirmed_rows(step: Step, by_folds: bool = False) -> str:
    """What the rows of an unconfirmed step turn out to be once they are divided (by a split, or
    by cross-validation folds)."""
    if step.rows == REFIT:
        return "refolded"
    return "folded" if by_folds else "full"


def _reaches_test(roles: frozenset[str]) -> bool:
    """Rows not yet split, rows mixing training and held-out data, or labelled rows that a
    later split or cross-validation may divide."""
    return v.FULL in roles or v.LABELLED in roles or bool(roles & v.HELD_OUT and roles & v.TRAINING)


def _rows(roles: frozenset[str]) -> str:
    if v.FULL in roles:
        return "full"
    if roles & v.HELD_OUT:
        return "mixed"
    return PENDING
