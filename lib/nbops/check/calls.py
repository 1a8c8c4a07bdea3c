"""What calls do to abstract values: fits, transforms, splits, resampling, training, scoring.

`Calls` receives calls whose receiver and arguments are already evaluated (by `flow.Flow`),
returns the value of the call, and records the facts it finds in the shared `State`.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from nbops.check import facts as f
from nbops.check import vocabulary as v
from nbops.check.fitting import Fitting, confirmed
from nbops.check.scoring import Scoring, own_predictions
from nbops.check.state import State
from nbops.check.values import (
    OTHER,
    RESAMPLE,
    Kind,
    Value,
    argument,
    contains,
    literal,
    union,
)


class Calls(Fitting, Scoring):
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
            if estimator.kind in (Kind.MODEL, Kind.SEARCH):  # its folds are held out in turn
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
                self.fit(node, Value(Kind.TRANSFORMER, name=f"{name}()"), data), data
            )
        if name in v.PIPELINES or name in v.TRANSFORMERS:
            steps = [*args, *kwargs.values()]
            if any(contains(step, Kind.MODEL) for step in steps):
                return Value(Kind.MODEL, name=name, ident=id(node))
            has_transformer = any(contains(step, Kind.TRANSFORMER) for step in steps)
            kind = Kind.TRANSFORMER if name in v.TRANSFORMERS or has_transformer else Kind.MODEL
            vocabulary = _vocabulary_only(node, name, steps)
            return Value(kind, name=name, ident=id(node), vocabulary_only=vocabulary)
        if v.EARLY_STOPPING_CALLBACKS.search(name) and _stops_on_best(node, name):
            return Value(Kind.CALLBACK, name=name)
        if name in v.FRAME_CLASSES and not args and "data" not in kwargs:
            # `points = pd.DataFrame()` filled column by column: rows of its own
            return Value(Kind.DATA, rows=frozenset({self.state.token("s")}))
        if name[:1].isupper():
            features = argument(args, kwargs, 0, "data")
            return self.constructor(node, name, qualname, data, features)
        loads = v.reads_rows(name) or (qualname or "") in v.SOURCE_LOADERS
        if loads and data.kind != Kind.DATA:
            return Value(Kind.DATA, frozenset({v.FULL}), rows=frozenset({self.state.token("s")}))
        if name == "merge":  # `pd.merge(left, right)`, also by keyword
            tables = [argument(args, kwargs, 0, "left"), argument(args, kwargs, 1, "right")]
            return _merged(tables) if all(t.kind == Kind.DATA for t in tables) else data
        arrays = tuple(replace(arg, parts=()) for arg in args if arg.kind == Kind.DATA)
        if len(arrays) > 1:  # `X, y = shuffle(X, y)`: one result per array, in order
            return replace(data, parts=arrays)
        return data if data.kind == Kind.DATA else OTHER

    def constructor(
        self, node: ast.Call, name: str, qualname, data: Value, features: Value
    ) -> Value:
        """A class call: estimators become objects, anything else built from data stays data."""
        if name in v.NOTE_ONLY:
            return Value(Kind.TRANSFORMER, name=name, ident=id(node), vocabulary_only=True)
        if name == "Tokenizer" and (qualname or "").split(".")[0] in v.KERAS_LIBRARIES:
            vocabulary = _vocabulary_only(node, name, [])
            return Value(Kind.TRANSFORMER, name=name, ident=id(node), vocabulary_only=vocabulary)
        if v.EARLY_STOPPING_CALLBACKS.search(name) and _stops_on_best(node, name):
            return Value(Kind.CALLBACK, name=name)
        if name in v.OVERSAMPLERS:
            return Value(Kind.RESAMPLER, name=name, ident=id(node))
        if name in v.BOOSTER_DATA and (qualname or "").split(".")[0] in v.BOOSTING_LIBRARIES:
            return features  # `lgb.Dataset(X, label=y)`: X's rows, as `fit(X, y)` takes them
        if name in v.SEARCHES or name.endswith("SearchCV"):
            return Value(Kind.SEARCH, name=name, ident=id(node))
        shuffled = name in v.SHUFFLED_SPLITTERS or (
            name in v.SHUFFLABLE_SPLITTERS and literal(node, "shuffle") not in (None, False)
        )
        if shuffled:
            self.shuffled_on_time(node, f"{name}()")
        if name.endswith(("Split", "KFold")):
            return Value(Kind.SPLITTER, name=name)
        if v.is_model_class(name, qualname) and not name.endswith("Display"):
            if any(k.arg in v.EARLY_STOPPING_KEYWORDS for k in node.keywords):
                self.state.stopping_models.add(id(node))
            return Value(Kind.MODEL, name=name, ident=id(node))
        return data if data.kind == Kind.DATA else OTHER

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
        booster = Value(Kind.MODEL, name=f"{library}.{name}", ident=id(node))
        trained = self.training(node, data, name == "cv", booster, kwargs)
        return trained if name == "train" else OTHER

    def split(self, node: ast.Call, name: str, args: list) -> Value:
        """A train/test split: resampled rows reaching it, a shuffle of time-ordered rows."""
        if literal(node, "shuffle") is not False:
            self.shuffled_on_time(node, f"{name}()")
        self.state.record(f.ROWS_DIVIDED, self.state.where(node))
        given = [self.held_data(arg) if arg.kind == Kind.INSTANCE else arg for arg in args]
        arrays = tuple(confirmed(arg) for arg in given if arg.kind == Kind.DATA)
        steps = {t for array in arrays for t in array.taints if t.kind == RESAMPLE}
        for step in sorted(steps, key=lambda s: (s.cell, s.line, s.col)):
            self.state.record(f.RESAMPLED_BEFORE_SPLIT, (step.cell, step.line, step.col), step=step)
        return Value(Kind.SPLIT, parts=arrays, name=self.state.token(""))

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
        if attr in v.FIT_METHODS and receiver.kind == Kind.TRANSFORMER:
            return self.fit(node, receiver, first)
        if attr in v.TRAIN_METHODS and receiver.kind in (Kind.MODEL, Kind.SEARCH, Kind.OTHER):
            trained = self.training(node, first, receiver.kind == Kind.SEARCH, receiver, kwargs)
            return trained if trained.kind != Kind.OTHER else OTHER
        if attr == "fit_transform" and receiver.kind == Kind.TRANSFORMER:
            fitted = self.fit(node, receiver, first)
            return self.transformed(fitted, first)
        if attr in v.TRANSFORM_METHODS and receiver.kind == Kind.TRANSFORMER:
            return self.transformed(receiver, first)
        if attr in ("fit_resample", "fit_sample") and receiver.name in v.UNDERSAMPLERS:
            return _undersampled(first)
        if attr in ("fit_resample", "fit_sample"):
            return self.resampled(node, f"{receiver.name or 'resampler'} oversampling", first, args)
        if attr in v.PREDICT_METHODS and receiver.kind in (Kind.MODEL, Kind.SEARCH):
            predictions = attr in v.PREDICTIONS_ONLY
            self.scored(node, receiver, first, predictions)
            if not predictions:
                return OTHER
            state = self.state
            if first.kind != Kind.DATA or id(node) in state.unscored:
                return first
            return own_predictions(receiver, first)
        if attr in v.GRADIENT_METHODS and receiver.kind == Kind.DATA:  # `loss.backward()`
            self.training(node, receiver, cross_validated=False)
            return OTHER
        if attr == "split" and receiver.kind == Kind.SPLITTER:
            self.folded(node)
            return OTHER
        if attr in v.CONTAINER_VIEWS and receiver.parts:  # `models.items()`: the same objects
            return receiver
        if receiver.kind != Kind.DATA:
            return union(*args, *kwargs.values())
        return self.data_method(node, attr, receiver, args, kwargs)

    def data_method(self, node: ast.Call, attr: str, frame: Value, args, kwargs) -> Value:
        """A pandas/numpy method: the rows stay the receiver's; arguments add their taints."""
        extra = union(*args, *kwargs.values())
        if attr == "align" and args and args[0].kind == Kind.DATA:  # `a, b = a.align(b)`
            return replace(frame, parts=(replace(frame, parts=()), replace(args[0], parts=())))
        if attr in v.STATISTICS or (attr in ("transform", "agg", "aggregate") and _stat_arg(node)):
            if literal(node, "axis") in (1, "columns") or _of_missingness(node):
                return replace(frame, taints=frame.taints | extra.taints, parts=(), origin="")
            return self.statistic(node, attr, frame)
        other = argument(args, kwargs, 0, MERGED_TABLE.get(attr, ""))
        if attr in MERGED_TABLE and other.kind == Kind.DATA:  # `a.merge(b)`, `a.join(other=b)`
            return _merged([frame, other])
        roles = frame.roles | extra.roles if attr in v.ROW_COMBINERS else frame.roles
        result = replace(frame, roles=roles, taints=frame.taints | extra.taints, parts=())
        result = replace(result, origin="")
        if attr == "sample" and isinstance(node.func.value, ast.Name):
            result = replace(result, origin=node.func.value.id)
        return result

    # data-dependent steps ---------------------------------------------------------------------

    # training and scoring ---------------------------------------------------------------------


# The keyword naming the other table of `frame.merge(...)` / `frame.join(...)`.
MERGED_TABLE = {"merge": "right", "join": "other"}

# Keywords that label rows or columns (`pd.DataFrame(X, columns=X_test.columns)`): they bring
# no rows of their own.
_LABELS = frozenset({"columns", "index", "dtype", "name"})


def _merged(tables: list[Value]) -> Value:
    """`pd.merge(lookup, train)`: the rows are the examples of the table that is a split or the
    labelled data; a lookup table joined into both train and test adds columns, not examples."""
    joined = union(*tables)
    examples = [t for t in tables[:2] if t.kind == Kind.DATA and t.roles - {v.FULL}]
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
    own = [value] if value.kind == Kind.TRANSFORMER else []
    return own + [t for part in value.parts for t in _transformers(part)]


def _stops_on_best(node: ast.Call, name: str) -> bool:
    """`EarlyStopping(...)`, `lgb.early_stopping(...)`, `ModelCheckpoint(save_best_only=True)`:
    a callback that keeps the epoch scoring best on the evaluation set."""
    return "Checkpoint" not in name or literal(node, "save_best_only") is True


def _undersampled(data: Value) -> Value:
    """`NearMiss().fit_resample(X, y)`: fewer of the same rows, as features and labels."""
    kept = replace(data, parts=(), origin="")
    return replace(kept, parts=(kept, kept))


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
