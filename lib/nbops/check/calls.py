"""What calls do to abstract values: fits, transforms, splits, resampling, training, scoring.

`Calls` receives calls whose receiver and arguments are already evaluated (by `flow.Flow`),
returns the value of the call, and records the facts it finds in the shared `State`.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from nbops.check import facts as f
from nbops.check import vocabulary as v
from nbops.check.state import State
from nbops.check.values import (
    FIT,
    OTHER,
    RESAMPLE,
    STATISTIC,
    VOCABULARY,
    Step,
    Value,
    argument,
    contains,
    held_out,
    literal,
    overlap,
    seen,
    union,
    within,
)

PENDING = "labelled"  # a step on labelled rows: a leak once a split or CV divides them
# A step on a training split: a leak once that split is divided again (a validation split, folds)
# and a model is scored on the rows carved out of it.
REFIT = "training"
UNCONFIRMED = frozenset({PENDING, REFIT})


class Calls:
    """The call semantics of the data-flow engine."""

    def __init__(self, state: State) -> None:
        self.state = state

    # functions and classes --------------------------------------------------------------------

    def function(self, node: ast.Call, name: str, qualname, args: list, kwargs: dict) -> Value:
        """A plain function or class call."""
        data = union(*args, *(value for key, value in kwargs.items() if key not in _LABELS))
        if v.is_split_function(name):
            return self.split(node, name, args)
        library = (qualname or "").split(".")[0]
        if library in v.BOOSTING_LIBRARIES and name in v.BOOSTER_FUNCTIONS:
            return self.boosted(node, name, library, args, kwargs)
        if name in v.CV_FUNCTIONS:
            self.training(node, argument(args, kwargs, 1, "X"), cross_validated=True)
            estimator = argument(args, kwargs, 0, "estimator")
            if estimator.kind in ("model", "search"):  # its folds are held out in turn
                where = self.state.where(node)
                self.state.record(f.SCORED_ON_HELD_OUT_ROWS, where, model=estimator.ident)
        elif name in v.EVAL_FUNCTIONS or name.endswith(v.EVAL_SUFFIXES):
            self.scored(node, args[0] if args else OTHER, data)
            if not v.CLUSTERING_METRICS.search(name):
                self.own_predictions_scored(node, [*args, *kwargs.values()])
        elif name == "resample" and literal(node, "replace") is not False:
            return self.resampled(node, "resample()", data, data)
        elif name in v.STATISTICS and (qualname or "").startswith("numpy"):
            return self.statistic(node, name, data)
        elif name in v.SCALING_FUNCTIONS or (name == "cut" and _counted_bins(node)):
            return self.transformed(
                self.fit(node, Value("transformer", name=f"{name}()"), data), data
            )
        if name in v.PIPELINES or name in v.TRANSFORMERS:
            steps = [*args, *kwargs.values()]
            if any(contains(step, "model") for step in steps):
                return Value("model", name=name, ident=id(node))
            has_transformer = any(contains(step, "transformer") for step in steps)
            kind = "transformer" if name in v.TRANSFORMERS or has_transformer else "model"
            vocabulary = _vocabulary_only(node, name, steps)
            return Value(kind, name=name, ident=id(node), vocabulary_only=vocabulary)
        if v.EARLY_STOPPING_CALLBACKS.search(name) and _stops_on_best(node, name):
            return Value("callback", name=name)
        if name in v.FRAME_CLASSES and not args and "data" not in kwargs:
            # `points = pd.DataFrame()` filled column by column: rows of its own
            return Value("data", rows=frozenset({self.state.token("s")}))
        if name[:1].isupper():
            features = argument(args, kwargs, 0, "data")
            return self.constructor(node, name, qualname, data, features)
        loads = v.reads_rows(name) or (qualname or "") in v.SOURCE_LOADERS
        if loads and data.kind != "data":
            return Value("data", frozenset({v.FULL}), rows=frozenset({self.state.token("s")}))
        if name == "merge":  # `pd.merge(left, right)`, also by keyword
            tables = [argument(args, kwargs, 0, "left"), argument(args, kwargs, 1, "right")]
            return _merged(tables) if all(t.kind == "data" for t in tables) else data
        arrays = tuple(replace(arg, parts=()) for arg in args if arg.kind == "data")
        if len(arrays) > 1:  # `X, y = shuffle(X, y)`: one result per array, in order
            return replace(data, parts=arrays)
        return data if data.kind == "data" else OTHER

    def constructor(
        self, node: ast.Call, name: str, qualname, data: Value, features: Value
    ) -> Value:
        """A class call: estimators become objects, anything else built from data stays data."""
        if name in v.NOTE_ONLY:
            return Value("transformer", name=name, ident=id(node), vocabulary_only=True)
        if name == "Tokenizer" and (qualname or "").split(".")[0] in v.KERAS_LIBRARIES:
            vocabulary = _vocabulary_only(node, name, [])
            return Value("transformer", name=name, ident=id(node), vocabulary_only=vocabulary)
        if v.EARLY_STOPPING_CALLBACKS.search(name) and _stops_on_best(node, name):
            return Value("callback", name=name)
        if name in v.OVERSAMPLERS:
            return Value("resampler", name=name, ident=id(node))
        if name in v.BOOSTER_DATA and (qualname or "").split(".")[0] in v.BOOSTING_LIBRARIES:
            return features  # `lgb.Dataset(X, label=y)`: X's rows, as `fit(X, y)` takes them
        if name in v.SEARCHES or name.endswith("SearchCV"):
            return Value("search", name=name, ident=id(node))
        shuffled = name in v.SHUFFLED_SPLITTERS or (
            name in v.SHUFFLABLE_SPLITTERS and literal(node, "shuffle") not in (None, False)
        )
        if shuffled:
            self.shuffled_on_time(node, f"{name}()")
        if name.endswith(("Split", "KFold")):
            return Value("splitter", name=name)
        if v.is_model_class(name, qualname) and not name.endswith("Display"):
            if any(k.arg in v.EARLY_STOPPING_KEYWORDS for k in node.keywords):
                self.state.stopping_models.add(id(node))
            return Value("model", name=name, ident=id(node))
        return data if data.kind == "data" else OTHER

    def boosted(self, node: ast.Call, name: str, library: str, args: list, kwargs: dict) -> Value:
        """`lgb.train(params, dtrain, ...)`, `xgb.cv(params, dtrain)`: a booster trained (or
        cross-validated) on the library's data container; returns the trained booster."""
        index, keyword = v.BOOSTER_TRAIN_DATA[library]
        data = argument(args, kwargs, index, keyword)
        if data is OTHER:
            data = kwargs.get("dtrain", OTHER)
        evals = v.BOOSTER_EVAL_SETS.get(library)
        if evals and len(args) > 3:
            kwargs = {**kwargs, evals: args[3]}
        booster = Value("model", name=f"{library}.{name}", ident=id(node))
        trained = self.training(node, data, name == "cv", booster, kwargs)
        return trained if name == "train" else OTHER

    def split(self, node: ast.Call, name: str, args: list) -> Value:
        """A train/test split: resampled rows reaching it, a shuffle of time-ordered rows."""
        if literal(node, "shuffle") is not False:
            self.shuffled_on_time(node, f"{name}()")
        self.state.record(f.ROWS_DIVIDED, self.state.where(node))
        given = [self.held_data(arg) if arg.kind == "instance" else arg for arg in args]
        arrays = tuple(confirmed(arg) for arg in given if arg.kind == "data")
        steps = {t for array in arrays for t in array.taints if t.kind == RESAMPLE}
        for step in sorted(steps, key=lambda s: (s.cell, s.line, s.col)):
            self.state.record(f.RESAMPLED_BEFORE_SPLIT, (step.cell, step.line, step.col), step=step)
        return Value("split", parts=arrays, name=self.state.token(""))

    def held_data(self, instance: Value) -> Value:
        """The data an instance of the notebook's own class holds in its attributes (a torch
        `Dataset` handed to `random_split`)."""
        attributes = self.state.attributes.items()
        held = [value for (owner, _), value in attributes if owner == instance.name]
        return union(*held)

    def folded(self, node: ast.Call) -> None:
        """`KFold().split(X)`: X's rows go to training and validation folds, so the steps on
        X's labelled or unknown rows saw validation rows too."""
        self.state.record(f.ROWS_DIVIDED, self.state.where(node))
        for given in node.args[:1]:
            if isinstance(given, ast.Attribute | ast.Subscript):  # `X.values`, `X[cols]`
                given = given.value
            if isinstance(given, ast.Name) and given.id in self.state.env:
                self.state.env[given.id] = confirmed(self.state.env[given.id], by_folds=True)

    def shuffled_on_time(self, node: ast.Call, what: str) -> None:
        """A shuffling split in a notebook whose rows are time-ordered."""
        if self.state.time_ordered:
            self.state.record(f.SHUFFLED_TIME_ORDER, self.state.where(node), subject=what)

    # methods --------------------------------------------------------------------------------

    def method(self, node: ast.Call, attr: str, receiver: Value, args: list, kwargs: dict) -> Value:
        """A method call on a value."""
        first = argument(args, kwargs, 0, "X")
        if first is OTHER:  # Keras: `fit(x=...)`, `fit_generator(generator=...)`
            first = kwargs.get("x", kwargs.get("generator", OTHER))
        if attr in v.FIT_METHODS and receiver.kind == "transformer":
            return self.fit(node, receiver, first)
        if attr in v.TRAIN_METHODS and receiver.kind in ("model", "search", "other"):
            trained = self.training(node, first, receiver.kind == "search", receiver, kwargs)
            return trained if trained.kind != "other" else OTHER
        if attr == "fit_transform" and receiver.kind == "transformer":
            fitted = self.fit(node, receiver, first)
            return self.transformed(fitted, first)
        if attr in v.TRANSFORM_METHODS and receiver.kind == "transformer":
            return self.transformed(receiver, first)
        if attr in ("fit_resample", "fit_sample") and receiver.name in v.UNDERSAMPLERS:
            return _undersampled(first)
        if attr in ("fit_resample", "fit_sample"):
            return self.resampled(node, f"{receiver.name or 'resampler'} oversampling", first, args)
        if attr in v.PREDICT_METHODS and receiver.kind in ("model", "search"):
            predictions = attr in v.PREDICTIONS_ONLY
            self.scored(node, receiver, first, predictions)
            if not predictions:
                return OTHER
            state = self.state
            if first.kind != "data" or id(node) in state.unscored:
                return first
            return _own_predictions(receiver, first)
        if attr in v.GRADIENT_METHODS and receiver.kind == "data":  # `loss.backward()`
            self.training(node, receiver, cross_validated=False)
            return OTHER
        if attr == "split" and receiver.kind == "splitter":
            self.folded(node)
            return OTHER
        if attr in v.CONTAINER_VIEWS and receiver.parts:  # `models.items()`: the same objects
            return receiver
        if receiver.kind != "data":
            return union(*args, *kwargs.values())
        return self.data_method(node, attr, receiver, args, kwargs)

    def data_method(self, node: ast.Call, attr: str, frame: Value, args, kwargs) -> Value:
        """A pandas/numpy method: the rows stay the receiver's; arguments add their taints."""
        extra = union(*args, *kwargs.values())
        if attr == "align" and args and args[0].kind == "data":  # `a, b = a.align(b)`
            return replace(frame, parts=(replace(frame, parts=()), replace(args[0], parts=())))
        if attr in v.STATISTICS or (attr in ("transform", "agg", "aggregate") and _stat_arg(node)):
            if literal(node, "axis") in (1, "columns") or _of_missingness(node):
                return replace(frame, taints=frame.taints | extra.taints, parts=(), origin="")
            return self.statistic(node, attr, frame)
        other = argument(args, kwargs, 0, MERGED_TABLE.get(attr, ""))
        if attr in MERGED_TABLE and other.kind == "data":  # `a.merge(b)`, `a.join(other=b)`
            return _merged([frame, other])
        roles = frame.roles | extra.roles if attr in v.ROW_COMBINERS else frame.roles
        result = replace(frame, roles=roles, taints=frame.taints | extra.taints, parts=())
        result = replace(result, origin="")
        if attr == "sample" and isinstance(node.func.value, ast.Name):
            result = replace(result, origin=node.func.value.id)
        return result

    # data-dependent steps ---------------------------------------------------------------------

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
        return Value("data", data.roles, frozenset(taints), born=self.state.step, rows=data.rows)

    def resampled(self, node: ast.Call, what: str, data: Value, parts) -> Value:
        """Oversampling: of the held-out rows, or of rows not yet split (a step)."""
        taints = set(data.taints)
        bootstrap = what == "resample()"  # of held-out rows: a confidence interval, not a leak
        if data.roles and data.roles <= v.HELD_OUT:
            if not bootstrap:
                self.state.record(f.RESAMPLED_HELD_OUT, self.state.where(node), subject=what)
        elif data.roles & {v.FULL, v.TEST, v.LABELLED}:
            taints.add(self.state.step_at(RESAMPLE, node, what, data, _rows(data.roles)))
        out = Value("data", data.roles, frozenset(taints), born=self.state.step, rows=data.rows)
        return replace(out, parts=(out, out)) if isinstance(parts, list) else out

    # training and scoring ---------------------------------------------------------------------

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
        folds_scored = cross_validated and (model is None or model.kind != "search")
        if cross_validated or data.roles & v.TRAINING:
            for step in sorted(data.taints, key=lambda t: (t.cell, t.line, t.col)):
                if step.rows in UNCONFIRMED and not (folds_scored and _folded(step)):
                    continue
                if step.rows in UNCONFIRMED:  # the folds divide the rows the step saw
                    step = replace(step, rows=_confirmed_rows(step, by_folds=True))
                elif step.rows == "full" and not data.roles & v.TRAINING:  # no split: the folds
                    step = replace(step, rows="folded")
                place = (step.cell, step.line, step.col)
                state.record(f.STEP_REACHES_TRAINING, place, step=step, reached=(cell, line))
        # a search, or an estimator choosing its settings by internal CV (`LassoCV`): its folds
        # are held out in turn
        if model is not None and (model.kind == "search" or model.name.endswith("CV")):
            state.record(f.SCORED_ON_HELD_OUT_ROWS, state.where(node), model=model.ident)
        if model is not None and model.kind == "search" and data.roles and data.roles <= {v.TEST}:
            state.record(f.SEARCH_ON_TEST, state.where(node), subject=model.name)
        for keyword, value in (kwargs or {}).items():
            if keyword in v.EVAL_SET_KEYWORDS and v.TEST in value.roles:
                state.record(f.TEST_AS_EVAL_SET, state.where(node), subject=keyword)
                if self.stops_early(node, model, kwargs):
                    state.record(f.STOPS_ON_EVAL_SET, state.where(node), subject=keyword)
        if model is None or model.kind not in ("model", "search"):
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
        if _holds(kwargs.get("callbacks", OTHER), "callback"):
            return True
        if model is not None and model.ident in self.state.stopping_models:
            return True
        catboost = model is not None and model.name.startswith("CatBoost")
        return catboost and literal(node, "use_best_model") is not False

    def scored_rows(self, node: ast.Call, model: Value, data: Value, predictions: bool) -> None:
        """Scoring rows that overlap the model's training rows, or that a labelled-data step
        carried by its training data saw."""
        state = self.state
        if data.rows == model.trained or overlap(data.rows, model.trained):
            if id(node) in state.unscored:  # a column of predictions, a forecast: not a score
                return
            cell, line = model.trained_at
            same = data.rows == model.trained
            if same and predictions:  # a score only once a metric compares them with labels
                return
            kind = f.SCORED_ON_SAME_ROWS if same else f.SCORED_ON_TRAINING_ROWS
            if not same and _contains(data.rows, model.trained):
                kind = f.SCORED_ON_WIDER_ROWS
            state.record(kind, state.where(node), subject=f"{cell}:{line}", model=model.ident)
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
                confirmed = replace(step, rows=_confirmed_rows(step))
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
        if model.kind in ("model", "search") and not model.name.startswith("Dummy"):
            # candidates on test rows of this dataset: each model built and trained apart (a
            # refit on another feature set counts); scores on another dataset are another matter
            dataset = frozenset(row.split("/", 1)[0] for row in data.rows) or frozenset({"?"})
            candidates = state.candidates.setdefault(dataset, {})
            candidates.setdefault((model.ident, model.trained_at), model.name)
            if len(candidates) > 1 and not state.loops:
                state.record(f.TEST_SCORES_CANDIDATES, place, subject=model.name)

    def own_predictions_scored(self, node: ast.Call, values: list[Value]) -> None:
        """A supervised metric of a model's predictions for its own training rows
        (`accuracy_score(y, model.predict(X))`, `accuracy_score(y, kmeans.labels_)`): the model
        is scored on the rows it was fitted on."""
        for value in values:
            if value.kind == "data" and value.clustered_by:
                where = self.state.where(node)
                model = self.state.trained_models.get(value.clustered_by, 0)
                subject = value.clustered_by
                self.state.record(f.SCORED_ON_SAME_ROWS, where, subject=subject, model=model)


def cluster_labels(model: Value) -> Value:
    """`kmeans.labels_`: the labels a clustering model gave the rows it was fitted on."""
    return _own_predictions(model, Value("data", rows=model.trained))


def _own_predictions(model: Value, data: Value) -> Value:
    """Predictions of a model for its own training rows carry where it was trained, until a
    metric scores them."""
    if not (model.trained and data.rows and data.rows == model.trained):
        return data
    cell, line = model.trained_at
    return replace(data, clustered_by=f"{cell}:{line}")


# The keyword naming the other table of `frame.merge(...)` / `frame.join(...)`.
MERGED_TABLE = {"merge": "right", "join": "other"}

# Keywords that label rows or columns (`pd.DataFrame(X, columns=X_test.columns)`): they bring
# no rows of their own.
_LABELS = frozenset({"columns", "index", "dtype", "name"})


def _merged(tables: list[Value]) -> Value:
    """`pd.merge(lookup, train)`: the rows are the examples of the table that is a split or the
    labelled data; a lookup table joined into both train and test adds columns, not examples."""
    joined = union(*tables)
    examples = [t for t in tables[:2] if t.kind == "data" and t.roles - {v.FULL}]
    if len(examples) == 1:
        return replace(joined, rows=examples[0].rows, parts=())
    return replace(joined, parts=())


def _vocabulary_only(node: ast.Call, name: str, steps: list[Value]) -> bool:
    """A vectorizer keeping every word it sees, or a combination made only of encoders that learn
    categories (`ColumnTransformer([("oh", OneHotEncoder(), cols)])`)."""
    if name in v.FREQUENCY_KEYWORDS:
        return not any(k.arg in v.FREQUENCY_KEYWORDS[name] for k in node.keywords)
    if name in v.TRANSFORMERS and name not in ("ColumnTransformer", "make_column_transformer"):
        return False
    found = [t for step in steps for t in _transformers(step)]
    return bool(found) and all(t.vocabulary_only for t in found)


def _transformers(value: Value) -> list[Value]:
    """The transformers a value is or holds."""
    own = [value] if value.kind == "transformer" else []
    return own + [t for part in value.parts for t in _transformers(part)]


def _holds(value: Value, kind: str) -> bool:
    """Whether a value is of `kind` or holds one (`callbacks=[stop, checkpoint]`)."""
    return value.kind == kind or any(_holds(part, kind) for part in value.parts)


def _stops_on_best(node: ast.Call, name: str) -> bool:
    """`EarlyStopping(...)`, `lgb.early_stopping(...)`, `ModelCheckpoint(save_best_only=True)`:
    a callback that keeps the epoch scoring best on the evaluation set."""
    return "Checkpoint" not in name or literal(node, "save_best_only") is True


def _contains(rows: frozenset[str], inner: frozenset[str]) -> bool:
    """Whether every row set of `inner` lies within one of `rows` (`rows` hold them and more)."""
    return all(any(within(row, other) for other in rows) for row in inner)


def _undersampled(data: Value) -> Value:
    """`NearMiss().fit_resample(X, y)`: fewer of the same rows, as features and labels."""
    kept = replace(data, parts=(), origin="")
    return replace(kept, parts=(kept, kept))


def confirmed(data: Value, by_folds: bool = False) -> Value:
    """Data about to be split (or divided into folds): steps on its labelled rows now saw the
    held-out rows too."""
    if not any(step.rows in UNCONFIRMED for step in data.taints):
        return data
    taints = {
        replace(s, rows=_confirmed_rows(s, by_folds)) if s.rows in UNCONFIRMED else s
        for s in data.taints
    }
    return replace(data, taints=frozenset(taints))


def _folded(step: Step) -> bool:
    """Whether cross-validation confirms an unconfirmed step: an estimator (`StandardScaler`,
    `PCA`) fitted on labelled rows that the folds divide. Functions (`scale()`, `cut()`, named
    with their parentheses) and statistics stay unconfirmed: on a whole labelled frame before
    cross-validation they are mostly judged clean."""
    return step.rows == PENDING and step.kind == FIT and not step.what.endswith("()")


def _confirmed_rows(step: Step, by_folds: bool = False) -> str:
    """What the rows of an unconfirmed step turn out to be once they are divided (by a split, or
    by cross-validation folds)."""
    if step.rows == REFIT:
        return "refolded"
    return "folded" if by_folds else "full"


def _of_missingness(node: ast.Call) -> bool:
    """`frame.isnull().mean()`: a share of missing values (used to drop columns), not a value
    the model sees."""
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    while isinstance(receiver, ast.Subscript):
        receiver = receiver.value
    return isinstance(receiver, ast.Call) and getattr(receiver.func, "attr", "") in v.MISSING


def _counted_bins(node: ast.Call) -> bool:
    """`pd.cut(x, 5)`: bin edges computed from the data (explicit edges are not)."""
    bins = node.args[1] if len(node.args) > 1 else None
    bins = bins or next((k.value for k in node.keywords if k.arg == "bins"), None)
    return isinstance(bins, ast.Constant) and isinstance(bins.value, int)


def _stat_arg(node: ast.Call) -> bool:
    """`transform("mean")`, `agg(np.std)`: a statistic named by string or by function."""
    first = node.args[0] if node.args else None
    if isinstance(first, ast.Attribute | ast.Name):
        return (first.attr if isinstance(first, ast.Attribute) else first.id) in v.GROUP_STATISTICS
    return isinstance(first, ast.Constant) and first.value in v.GROUP_STATISTICS


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
