"""How calls move data and create leaks: fits, transforms, splits, resampling, scoring."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from nbops.check import vocabulary as v

if TYPE_CHECKING:
    from nbops.check.flow import Taint, Value


class CallsMixin:
    """The call semantics of Flow (kept apart so each module stays small)."""

    def call(self, node: ast.Call) -> Value:
        """Run a call: its arguments first, then what the callee does to them."""
        from nbops.check.flow import Value

        func = node.func
        receiver = self.eval(func.value) if isinstance(func, ast.Attribute) else None
        args = [self.eval(arg) for arg in node.args]
        kwargs = {k.arg or "**": self.eval(k.value) for k in node.keywords}
        if receiver is not None and receiver.kind != "module":
            return self.method(node, func.attr, receiver, args, kwargs)
        qualname = self.nb.qualname(func)
        name = qualname.rsplit(".", 1)[-1] if qualname else getattr(func, "id", "")
        if not name:
            return Value()
        return self.function(node, name, qualname, args, kwargs)

    # functions and classes --------------------------------------------------------------------

    def function(self, node: ast.Call, name: str, qualname, args: list, kwargs: dict) -> Value:
        """A plain function or class call."""
        from nbops.check.flow import Value, contains, union

        data = union(*args, *kwargs.values())
        if v.is_split_function(name):
            return self.split(node, name, args)
        if name in v.CV_FUNCTIONS:
            self.training(node, _arg(args, kwargs, 1, "X"), cross_validated=True)
        elif name in v.EVAL_FUNCTIONS or name.endswith(v.EVAL_SUFFIXES):
            self.scored(node, args[0] if args else Value(), data)
        elif name == "resample" and _literal(node, "replace") is not False:
            return self.resampled(node, "resample()", data, data)
        elif name in v.STATISTICS and (qualname or "").startswith("numpy"):
            return self.statistic(node, name, data)
        if name in v.PIPELINES or name in v.TRANSFORMERS:
            steps = [*args, *kwargs.values()]
            if any(contains(step, "model") for step in steps):
                return Value("model", name=name, ident=id(node))
            has_transformer = any(contains(step, "transformer") for step in steps)
            kind = "transformer" if name in v.TRANSFORMERS or has_transformer else "model"
            return Value(kind, name=name, ident=id(node))
        if name[:1].isupper():
            return self.constructor(node, name, qualname, data)
        if name.startswith(v.SOURCE_PREFIXES) and data.kind != "data":
            return Value("data", frozenset({v.FULL}))
        return data if data.kind == "data" else Value()

    def constructor(self, node: ast.Call, name: str, qualname, data: Value) -> Value:
        """A class call: estimators become objects, anything else built from data stays data."""
        from nbops.check.flow import Value

        if name in v.NOTE_ONLY:
            return Value("transformer", name=name, ident=id(node))
        if name in v.OVERSAMPLERS:
            return Value("resampler", name=name, ident=id(node))
        if name in v.SEARCHES or name.endswith("SearchCV"):
            return Value("search", name=name, ident=id(node))
        shuffled = name in v.SHUFFLED_SPLITTERS or (
            name in v.SHUFFLABLE_SPLITTERS and _literal(node, "shuffle") not in (None, False)
        )
        if shuffled:
            self.shuffled_on_time(node, f"{name}()")
        if v.is_model_class(name, qualname) and not name.endswith(("Split", "KFold", "Display")):
            return Value("model", name=name, ident=id(node))
        return data if data.kind == "data" else Value()

    def split(self, node: ast.Call, name: str, args: list) -> Value:
        """A train/test split: resampled rows reaching it overlap (NB302), shuffled time (NB304)."""
        from nbops.check.flow import Value

        if _literal(node, "shuffle") is not False:
            self.shuffled_on_time(node, f"{name}()")
        arrays = tuple(arg for arg in args if arg.kind == "data")
        for taint in {t for array in arrays for t in array.taints if t.code == "NB302"}:
            fix = "resample only the training split (imblearn Pipeline)"
            message = (
                f"{taint.what} before the train/test split copies test rows into training: {fix}"
            )
            self.report("NB302", (taint.cell, taint.line, taint.col), message)
        return Value("split", parts=arrays)

    def shuffled_on_time(self, node: ast.Call, what: str) -> None:
        """NB304 on a shuffled split of time-ordered data."""
        if self.time_ordered:
            fix = "split by time (sorted, shuffle=False) or use TimeSeriesSplit"
            self.report("NB304", self.where(node), f"{what} shuffles time-ordered rows: {fix}")

    # methods --------------------------------------------------------------------------------

    def method(self, node: ast.Call, attr: str, receiver: Value, args: list, kwargs: dict) -> Value:
        """A method call on a value."""
        from nbops.check.flow import Value, union

        first = _arg(args, kwargs, 0, "X")
        if attr == "fit" and receiver.kind == "transformer":
            return self.fit(node, receiver, first)
        if attr == "fit" and receiver.kind in ("model", "search", "other"):
            self.training(node, first, receiver.kind == "search", receiver, kwargs)
            return receiver if receiver.kind != "other" else Value()
        if attr == "fit_transform" and receiver.kind in ("transformer", "other"):
            fitted = self.fit(node, receiver, first)
            return self.transformed(fitted, first)
        if attr in ("transform", "inverse_transform") and receiver.kind == "transformer":
            return self.transformed(receiver, first)
        if attr in ("fit_resample", "fit_sample"):
            return self.resampled(node, f"{receiver.name or 'resampler'} oversampling", first, args)
        if attr in v.PREDICT_METHODS and receiver.kind in ("model", "search"):
            self.scored(node, receiver, first)
            return first if attr != "score" else Value()
        if receiver.kind != "data":
            return union(*args, *kwargs.values())
        return self.data_method(node, attr, receiver, args, kwargs)

    def data_method(self, node: ast.Call, attr: str, frame: Value, args, kwargs) -> Value:
        """A pandas/numpy method: the rows stay the receiver's; arguments add their taints."""
        from nbops.check.flow import union

        extra = union(*args, *kwargs.values())
        if attr in v.STATISTICS or (attr in ("transform", "agg", "aggregate") and _stat_arg(node)):
            return self.statistic(node, attr, frame)
        roles = frame.roles | extra.roles if attr in v.ROW_COMBINERS else frame.roles
        result = replace(frame, roles=roles, taints=frame.taints | extra.taints, parts=())
        result = replace(result, origin="")
        if attr == "sample" and isinstance(node.func.value, ast.Name):
            result = replace(result, origin=node.func.value.id)
        if attr in v.INPLACE_METHODS and _literal(node, "inplace") is True:
            self.merge_into(node.func.value, result)
        return result

    # leakage events -------------------------------------------------------------------------

    def statistic(self, node: ast.Call, attr: str, data: Value) -> Value:
        """A statistic of the rows: tainted when the rows reach the test split."""
        if _reaches_test(data.roles):
            taint = self.taint("NB301", node, f".{attr}() computed on {_rows(data.roles)}")
            return replace(data, taints=data.taints | {taint}, parts=(), origin="")
        return replace(data, parts=(), origin="")

    def fit(self, node: ast.Call, transformer: Value, data: Value) -> Value:
        """Fit a transformer: on the test split alone (NB305), on rows reaching test (taint)."""
        name = transformer.name or "transformer"
        taint = None
        if data.roles and data.roles <= v.HELD_OUT:
            fix = "fit it on the training split and only transform the test split"
            self.report("NB305", self.where(node), f"{name} is fitted on the test split: {fix}")
        elif _reaches_test(data.roles) and name not in v.NOTE_ONLY:
            taint = self.taint("NB301", node, f"{name} fitted on {_rows(data.roles)}")
        fitted = replace(transformer, fit_taint=taint)
        target = node.func.value if isinstance(node.func, ast.Attribute) else None
        if isinstance(target, ast.Name):
            self.env[target.id] = fitted
        return fitted

    def transformed(self, transformer: Value, data: Value) -> Value:
        """The output of a fitted transformer carries its fit's taint."""
        from nbops.check.flow import Value

        taints = data.taints | ({transformer.fit_taint} if transformer.fit_taint else set())
        return Value("data", data.roles, frozenset(taints), born=self.step)

    def resampled(self, node: ast.Call, what: str, data: Value, parts) -> Value:
        """Oversampling: of the test split is a bug (NB302); before the split, a taint."""
        from nbops.check.flow import Value

        taints = set(data.taints)
        if data.roles and data.roles <= v.HELD_OUT:
            fix = "resample only the training split"
            self.report("NB302", self.where(node), f"{what} of the test split: {fix}")
        elif v.FULL in data.roles or v.TEST in data.roles:
            taints.add(self.taint("NB302", node, what))
        out = Value("data", data.roles, frozenset(taints), born=self.step)
        return replace(out, parts=(out, out)) if isinstance(parts, list) else out

    def training(self, node, data: Value, cross_validated: bool, model=None, kwargs=None) -> None:
        """A model is trained on `data`: report the taints that reach it."""
        for frame in self.loops:
            frame.fits += 1
        if cross_validated or v.TRAIN in data.roles:
            for taint in sorted(data.taints, key=lambda t: (t.cell, t.line, t.col)):
                self.report_taint(taint, node)
        if model is not None and model.kind == "search" and data.roles and data.roles <= {v.TEST}:
            fix = "search on the training split; score the test split once at the end"
            message = f"{model.name} is fitted on the test split: {fix}"
            self.report("NB303", self.where(node), message)
        for keyword, value in (kwargs or {}).items():
            if keyword in v.EVAL_SET_KEYWORDS and v.TEST in value.roles:
                fix = "carve a validation split out of the training split"
                message = f"the test split passed as {keyword} selects the model: {fix}"
                self.report("NB303", self.where(node), message)

    def report_taint(self, taint: Taint, node: ast.AST) -> None:
        """Report a taint at its origin, naming the training it reaches."""
        cell, line, _ = self.where(node)
        if taint.code == "NB301" and taint.what.startswith("."):
            fix = "compute it on the training split (or impute inside a Pipeline)"
        elif taint.code == "NB301":
            fix = "fit it inside a Pipeline on the training split"
        else:
            fix = "resample only the training split (imblearn Pipeline)"
        message = f"{taint.what} reaches the model trained at cell {cell}:{line}: {fix}"
        self.report(taint.code, (taint.cell, taint.line, taint.col), message)

    def scored(self, node: ast.Call, model: Value, data: Value) -> None:
        """A score or prediction on `data`: on test, note it for NB303."""
        if v.TEST not in data.roles:
            return
        place = self.where(node)
        for frame in self.loops:
            if data.born < frame.start:
                frame.test_scores.append(place)
        if model.kind in ("model", "search") and not model.name.startswith("Dummy"):
            self.candidates.setdefault(model.ident, model.name)
            if len(self.candidates) > 1 and not self.loops:
                fix = "choose by cross-validation on the training split and score test once"
                message = (
                    f"a second candidate model ({model.name}) is scored on the test split: {fix}"
                )
                self.report("NB303", place, message)


def _arg(args: list, kwargs: dict, index: int, keyword: str):
    from nbops.check.flow import Value

    if len(args) > index:
        return args[index]
    return kwargs.get(keyword, Value())


def _literal(node: ast.Call, keyword: str) -> object:
    """The literal value of a keyword argument; None when absent or not a literal."""
    for item in node.keywords:
        if item.arg == keyword:
            try:
                return ast.literal_eval(item.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                return "?"
    return None


def _stat_arg(node: ast.Call) -> bool:
    first = node.args[0] if node.args else None
    return isinstance(first, ast.Constant) and first.value in v.STATISTICS


def _reaches_test(roles: frozenset[str]) -> bool:
    """Rows not yet split, or rows mixing training and held-out data."""
    return v.FULL in roles or bool(roles & v.HELD_OUT and roles & {v.TRAIN})


def _rows(roles: frozenset[str]) -> str:
    if v.FULL in roles:
        return "the full data before the train/test split"
    return "rows that include the test split"
