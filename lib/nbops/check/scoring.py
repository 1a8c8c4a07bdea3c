"""Training and scoring: the rows a model is trained and scored on, and what chooses it."""

from __future__ import annotations

import ast
from dataclasses import replace

from nbops.check import facts as f
from nbops.check import vocabulary as v
from nbops.check.fitting import REFIT, UNCONFIRMED, confirmed_rows, folded_by_cv
from nbops.check.state import State
from nbops.check.values import (
    OTHER,
    Kind,
    Value,
    held_out,
    literal,
    overlap,
    seen,
    within,
)


class Scoring:
    """The training / scoring semantics of `Calls`."""

    state: State

    def training(self, node, data: Value, cross_validated: bool, model=None, kwargs=None) -> Value:
        """A model is trained on `data`: the steps that reach it, test used to choose it.
        Returns the trained model, which remembers its training rows."""
        state = self.state
        for frame in state.loops:
            frame.fits += 1
        cell, line, _ = state.where(node)
        if cross_validated:
            state.record(f.ROWS_DIVIDED, state.where(node))
        # the fold scores are the result (not a search choosing settings for a later refit)
        folds_scored = cross_validated and (model is None or model.kind != Kind.SEARCH)
        if cross_validated or data.roles & v.TRAINING:
            for step in sorted(data.taints, key=lambda t: (t.cell, t.line, t.col)):
                if step.rows in UNCONFIRMED and not (folds_scored and folded_by_cv(step)):
                    continue
                if step.rows in UNCONFIRMED:  # the folds divide the rows the step saw
                    step = replace(step, rows=confirmed_rows(step, by_folds=True))
                elif step.rows == "full" and not data.roles & v.TRAINING:  # no split: the folds
                    step = replace(step, rows="folded")
                place = (step.cell, step.line, step.col)
                state.record(f.STEP_REACHES_TRAINING, place, step=step, reached=(cell, line))
        # a search, or an estimator choosing its settings by internal CV (`LassoCV`): its folds
        # are held out in turn
        if model is not None and (model.kind == Kind.SEARCH or model.name.endswith("CV")):
            state.record(f.SCORED_ON_HELD_OUT_ROWS, state.where(node), model=model.ident)
        if (
            model is not None
            and model.kind == Kind.SEARCH
            and data.roles
            and data.roles <= {v.TEST}
        ):
            state.record(f.SEARCH_ON_TEST, state.where(node), subject=model.name)
        for keyword, value in (kwargs or {}).items():
            if keyword in v.EVAL_SET_KEYWORDS and v.TEST in value.roles:
                state.record(f.TEST_AS_EVAL_SET, state.where(node), subject=keyword)
                if self.stops_early(node, model, kwargs):
                    state.record(f.STOPS_ON_EVAL_SET, state.where(node), subject=keyword)
        if model is None or model.kind not in (Kind.MODEL, Kind.SEARCH):
            return model or OTHER
        pending = frozenset(s for s in data.taints if s.rows in UNCONFIRMED)
        rows = data.rows | model.trained if model.name in v.KERAS_MODELS else data.rows
        trained = replace(model, trained=rows, pending=pending, trained_at=(cell, line))
        state.trained_models[f"{cell}:{line}"] = model.ident
        target = node.func.value if isinstance(node.func, ast.Attribute) else None
        if isinstance(target, ast.Name) and target.id in state.env:  # not `lgb` of `lgb.train`
            state.env[target.id] = trained
        return trained

    def stops_early(self, node: ast.Call, model: Value | None, kwargs: dict) -> bool:
        """Whether a fit keeps the epoch or iteration that scores best on its evaluation set:
        early stopping by keyword or callback, a model built to stop early, CatBoost's default."""
        if any(k.arg in v.EARLY_STOPPING_KEYWORDS for k in node.keywords):
            return literal(node, "use_best_model") is not False
        if _holds(kwargs.get("callbacks", OTHER), Kind.CALLBACK):
            return True
        if model is not None and model.ident in self.state.stopping_models:
            return True
        catboost = model is not None and model.name.startswith("CatBoost")
        return catboost and literal(node, "use_best_model") is not False

    def scored_rows(self, node: ast.Call, model: Value, data: Value, predictions: bool) -> None:
        """Scoring rows that overlap the model's training rows, or that a labelled-data step
        carried by its training data saw."""
        state = self.state
        # a training split scored as such: a training score, and its labelled-row steps count
        training_split = not overlap(data.rows, model.trained)
        if data.rows == model.trained or not training_split:
            if id(node) in state.unscored:  # a column of predictions, a forecast: not a score
                return
            cell, line = model.trained_at
            same = data.rows == model.trained
            if same and predictions and not training_split:  # a score once a metric scores them
                return
            kind = f.SCORED_ON_SAME_ROWS if same else f.SCORED_ON_TRAINING_ROWS
            if not same and _contains(data.rows, model.trained):
                kind = f.SCORED_ON_WIDER_ROWS
            if not (same and predictions):
                state.record(kind, state.where(node), subject=f"{cell}:{line}", model=model.ident)
            if not training_split:
                return
        if held_out(data.rows, model.trained):
            cell, line = model.trained_at
            where = state.where(node)
            state.record(
                f.SCORED_ON_HELD_OUT_ROWS, where, subject=f"{cell}:{line}", model=model.ident
            )
        own_rows = seen(data.rows, model.trained)  # a training score: no held-out row in it
        for step in sorted(model.pending, key=lambda s: (s.cell, s.line, s.col)):
            if seen(data.rows, step.source) and not (own_rows and step.rows == REFIT):
                place = (step.cell, step.line, step.col)
                confirmed = replace(step, rows=confirmed_rows(step))
                reached = model.trained_at
                state.record(f.STEP_REACHES_TRAINING, place, step=confirmed, reached=reached)

    def scored(self, node: ast.Call, model: Value, data: Value, predictions=False) -> None:
        """A score or prediction on `data`: rows the model was trained on, rows a step on the
        labelled data saw, or the test split choosing among candidates."""
        state = self.state
        if model.trained and data.rows and not v.is_unsupervised(model.name):
            self.scored_rows(node, model, data, predictions)
        if v.TEST not in data.roles:
            return
        place = state.where(node)
        for frame in state.loops:
            if data.born < frame.start:
                frame.test_scores.append(place)
        if model.kind in (Kind.MODEL, Kind.SEARCH):
            trained, looped = model.trained_at, bool(state.loops)
            state.record(
                f.MODEL_SCORED_ON_TEST,
                place,
                subject=model.name,
                model=model.ident,
                reached=trained,
                rows=data.rows,
                looped=looped,
            )

    def own_predictions_scored(self, node: ast.Call, values: list[Value]) -> None:
        """A supervised metric of a model's predictions for its own training rows
        (`accuracy_score(y, model.predict(X))`, `accuracy_score(y, kmeans.labels_)`): the model
        is scored on the rows it was fitted on."""
        for value in values:
            if value.kind == Kind.DATA and value.clustered_by:
                where = self.state.where(node)
                model = self.state.trained_models.get(value.clustered_by, 0)
                subject = value.clustered_by
                self.state.record(f.SCORED_ON_SAME_ROWS, where, subject=subject, model=model)


def cluster_labels(model: Value) -> Value:
    """`kmeans.labels_`: the labels a clustering model gave the rows it was fitted on."""
    return own_predictions(model, Value(Kind.DATA, rows=model.trained))


def own_predictions(model: Value, data: Value) -> Value:
    """Predictions of a model for its own training rows carry where it was trained, until a
    metric scores them."""
    if not (model.trained and data.rows and data.rows == model.trained):
        return data
    cell, line = model.trained_at
    return replace(data, clustered_by=f"{cell}:{line}")


def _contains(rows: frozenset[str], inner: frozenset[str]) -> bool:
    """Whether every row set of `inner` lies within one of `rows` (`rows` hold them and more)."""
    return all(any(within(row, other) for other in rows) for row in inner)


def _holds(value: Value, kind: Kind) -> bool:
    """Whether a value is of `kind` or holds one (`callbacks=[stop, checkpoint]`)."""
    return value.kind == kind or any(_holds(part, kind) for part in value.parts)
