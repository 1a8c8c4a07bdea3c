"""The data-flow engine: an abstract run of the notebook's code, cell after cell.

Each variable holds a `Value` (values.py): what it is, which split its rows come from (full
data, train, test) and the data-dependent steps that shaped it. Calls are handed to `Calls`
(calls.py). The engine records neutral facts (facts.py); the leakage rules give them codes.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from nbops.check import facts as f
from nbops.check import vocabulary as v
from nbops.check.analysis import Notebook
from nbops.check.binding import Binding
from nbops.check.calls import Calls
from nbops.check.expressions import Expressions
from nbops.check.facts import Fact
from nbops.check.rows import is_source, subset_index, time_ordered
from nbops.check.state import Loop, State
from nbops.check.values import OTHER, Kind, Value, union

MAX_LOOP_FRAMES = 4  # a loop over this many named frames runs once per frame
MAX_CALL_DEPTH = 3  # user functions calling user functions are followed this deep


def run_flow(nb: Notebook) -> list[Fact]:
    """The facts of an abstract run over the notebook's parsed cells, in the order found."""
    return Flow(nb).state.facts


class Flow(Binding, Expressions):
    """Runs statements and expressions abstractly; calls are delegated to `Calls`."""

    def __init__(self, nb: Notebook) -> None:
        self.nb = nb
        self.state = State(nb, time_ordered=time_ordered(nb))
        self.calls = Calls(self.state)
        self.fresh = False
        self.sliced = False  # the value being bound is a subset of rows (`data[:n]`)
        for cell in nb.parsed_cells:
            self.state.cell = cell
            try:
                self.run(cell.tree.body)
            except Exception as error:  # noqa: BLE001 - real code must never stop the checker
                self.state.loops.clear()
                self.state.returns.clear()
                why = type(error).__name__
                self.state.record(f.ANALYSIS_STOPPED, (cell.number, 1, 1), subject=why)

    @property
    def env(self) -> dict[str, Value]:
        """The variables in scope (a function call runs in a copy of the caller's)."""
        return self.state.env

    # statements -----------------------------------------------------------------------------

    def run(self, body: list[ast.stmt]) -> None:
        """Run statements in order (function and class bodies are not entered)."""
        for stmt in body:
            self.state.step += 1
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        """Run one statement."""
        if isinstance(stmt, ast.Assign):
            if _predicts_into_column(stmt):
                self.state.unscored.add(id(stmt.value))
            value = self.eval(stmt.value)
            self.fresh = is_source(stmt.value, self.nb)
            self.sliced = (
                isinstance(stmt.value, ast.Subscript) and subset_index(stmt.value) is not None
            )
            if isinstance(stmt.value, ast.List | ast.Tuple):
                self.remember_frames(stmt.targets, stmt.value)
            for target in stmt.targets:
                self.bind(target, value)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.bind(stmt.target, self.eval(stmt.value))
        elif isinstance(stmt, ast.AugAssign):
            self.merge_into(stmt.target, self.eval(stmt.value))
        elif isinstance(stmt, ast.Expr) and not isinstance(stmt.value, ast.Yield | ast.YieldFrom):
            self.eval(stmt.value)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            self.state.unscored |= _recursive_predictions(stmt.body)
            self.loop(stmt.target, stmt.iter, lambda: self.run(stmt.body))
            self.run(stmt.orelse)
        elif isinstance(stmt, ast.While):
            self.state.unscored |= _recursive_predictions(stmt.body)
            self.eval(stmt.test)
            self.loop(None, None, lambda: self.run(stmt.body))
        elif isinstance(stmt, ast.If):
            self.eval(stmt.test)
            self.branches(stmt.body, stmt.orelse)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                value = self.eval(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value)
            self.run(stmt.body)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            self.run(stmt.body)
            for handler in stmt.handlers:
                self.run(handler.body)
            self.run(stmt.orelse)
            self.run(stmt.finalbody)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            self.env[stmt.name] = self.define(stmt.name, stmt)
        elif isinstance(stmt, ast.ClassDef):
            self.env[stmt.name] = self.define_class(stmt)
        elif isinstance(stmt, ast.Return) and self.state.returns:
            self.state.returns[-1].append(self.eval(stmt.value))
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Yield | ast.YieldFrom):
            yielded = self.eval(stmt.value.value)  # a generator's batches stand for its result
            if self.state.returns:
                self.state.returns[-1].append(yielded)

    def branches(self, body: list[ast.stmt], orelse: list[ast.stmt]) -> None:
        """`if ...: a else: b`: either branch may run, so data afterwards carries the steps of
        both (an `else` that rebinds a name does not erase what the `if` branch did)."""
        if not orelse:
            self.run(body)
            return
        before = dict(self.env)
        self.run(body)
        after_body = dict(self.env)
        self.env.clear()
        self.env.update(before)
        self.run(orelse)
        self.joined(after_body, self.env)

    def joined(self, other: dict[str, Value], into: dict[str, Value]) -> None:
        """Names bound to data in `other` keep its steps in `into` too."""
        for name, value in other.items():
            mine = into.get(name)
            if mine is None:
                into[name] = value
            elif mine.kind == value.kind == Kind.DATA and not value.taints <= mine.taints:
                into[name] = replace(mine, taints=mine.taints | value.taints)

    def remember_frames(self, targets: list[ast.expr], value: ast.List | ast.Tuple) -> None:
        """`combine = [train, test]`: a later loop over `combine` runs over those frames."""
        names = tuple(e.id for e in value.elts if isinstance(e, ast.Name))
        for target in targets:
            if isinstance(target, ast.Name) and names:
                self.state.aliases[target.id] = names

    # user-defined functions ------------------------------------------------------------------

    def define(self, name: str, node: ast.AST) -> Value:
        """A function or lambda: remembered with its cell, run when it is called."""
        self.state.functions[name] = (node, self.state.cell)
        return Value(Kind.FUNCTION, name=name)

    def define_class(self, node: ast.ClassDef) -> Value:
        """A class: its methods are remembered as `Class.method`, run when called on an instance."""
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                self.define(f"{node.name}.{item.name}", item)
        return Value(Kind.CLASS, name=node.name)

    def invoke(self, function: Value, node: ast.Call | None, args: list, kwargs: dict) -> Value:
        """Run a user function's body on the abstract arguments; mutations of frames passed by
        name reach the caller's variables."""
        definition, cell = self.state.functions[function.name]
        if node is not None and v.is_split_function(function.name):  # `split_data(frame)`
            self.state.record(f.ROWS_DIVIDED, self.state.where(node))
        if len(self.state.returns) >= MAX_CALL_DEPTH:
            return union(*args, *kwargs.values())
        params = definition.args
        names = [a.arg for a in (*params.posonlyargs, *params.args)]
        scope = dict(self.env)
        for name, value in zip(names, args, strict=False):
            scope[name] = value
        for name, value in kwargs.items():
            if name in names or name in (a.arg for a in params.kwonlyargs):
                scope[name] = value
        caller_env, caller_cell = self.state.env, self.state.cell
        self.state.env, self.state.cell = scope, cell
        self.state.returns.append([])
        try:
            if isinstance(definition, ast.Lambda):
                results = [self.eval(definition.body)]
            else:
                self.run(definition.body)
                results = self.state.returns[-1]
        finally:
            self.state.returns.pop()
            self.state.env, self.state.cell = caller_env, caller_cell
        if node is not None:
            self.mutated(node, names, scope)
        return _joined(results)

    def mutated(self, node: ast.Call, names: list[str], scope: dict[str, Value]) -> None:
        """Frames passed by name and changed in place by the function take on its changes."""
        for name, argument in zip(names, node.args, strict=False):
            if not isinstance(argument, ast.Name) or argument.id not in self.env:
                continue
            before, after = self.env[argument.id], scope.get(name, OTHER)
            if (
                before.kind == Kind.DATA
                and after.kind == Kind.DATA
                and after.taints - before.taints
            ):
                self.env[argument.id] = replace(before, taints=before.taints | after.taints)

    def loop(self, target: ast.expr | None, iterable: ast.expr | None, body) -> None:
        """Run a loop body once, noting the fits and test scores inside it."""
        items = self.eval(iterable) if iterable is not None else OTHER
        frame = Loop(self.state.step)
        self.state.loops.append(frame)
        members = self.members(iterable) if isinstance(target, ast.Name) else ()
        if members:  # `for df in [train, test]`: once per frame, changes reach each frame
            for member in members:
                self.bind(target, self.env[member])
                body()
                changed = self.env.get(target.id, OTHER)
                if changed.kind == Kind.DATA:
                    frame_value = self.env[member]
                    taints = frame_value.taints | changed.taints
                    self.env[member] = replace(frame_value, taints=taints)
        else:
            if target is not None:
                self.bind(target, self.element(items))
            body()
        self.state.loops.pop()
        if frame.fits and frame.test_scores:
            self.state.record(f.TEST_SCORES_LOOP, frame.test_scores[0])

    def members(self, iterable: ast.expr | None) -> tuple[str, ...]:
        """The data frames a loop runs over by name (`[train, test]`, or a list named so)."""
        if isinstance(iterable, ast.List | ast.Tuple):
            names = tuple(e.id for e in iterable.elts if isinstance(e, ast.Name))
        elif isinstance(iterable, ast.Name):
            names = self.state.aliases.get(iterable.id, ())
        else:
            return ()
        frames = [self.env.get(name, OTHER).kind == Kind.DATA for name in names]
        return names if names and all(frames) and len(names) <= MAX_LOOP_FRAMES else ()

    def element(self, items: Value) -> Value:
        """The value of one element of an iterable."""
        return union(*items.parts) if items.parts else replace(items, parts=())

    # binding --------------------------------------------------------------------------------

    # expressions ----------------------------------------------------------------------------


def _joined(results: list[Value]) -> Value:
    """The value a function returns: a tuple returned keeps its parts (`return X_train, X_test`)."""
    if not results:
        return OTHER
    if len(results) == 1:
        return results[0]
    sizes = {len(result.parts) for result in results}
    joined = union(*results)
    if len(sizes) == 1 and 0 not in sizes:
        parts = tuple(union(*group) for group in zip(*(r.parts for r in results), strict=True))
        return replace(joined, parts=parts)
    return joined


def _predicts_into_column(stmt: ast.Assign) -> bool:
    """`df["Age"] = model.predict(rows)`: predictions kept as a column of a frame (to impute a
    feature or to show them beside their rows), not compared with labels."""
    value = stmt.value
    predicts = isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
    predicts = predicts and value.func.attr in v.PREDICTIONS_ONLY
    return predicts and all(isinstance(target, ast.Subscript) for target in stmt.targets)


def _recursive_predictions(body: list[ast.stmt]) -> set[int]:
    """The predict calls in a loop body whose input the loop rebuilds from their predictions
    (`batch = np.append(batch[:, 1:], [[pred]], axis=1)`): a recursive forecast, seeded from the
    last training window, predicts the periods after it rather than scoring the model on it."""
    assigned: dict[str, list[ast.expr]] = {}
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    found: set[int] = set()
    for name, values in assigned.items():
        for value in values:
            for call in ast.walk(value):
                fed = _predicted_input(call)
                if fed and any(_mentions(other, name) for other in assigned.get(fed, ())):
                    found.add(id(call))
    return found


def _predicted_input(node: ast.AST) -> str | None:
    """The variable a `model.predict(batch)` call predicts on, if it is one."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    if node.func.attr not in v.PREDICTIONS_ONLY or not node.args:
        return None
    first = node.args[0]
    return first.id if isinstance(first, ast.Name) else None


def _mentions(node: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))
