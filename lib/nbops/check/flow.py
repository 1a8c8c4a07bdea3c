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
from nbops.check.calls import Calls, cluster_labels, confirmed
from nbops.check.facts import Fact
from nbops.check.rows import carved, is_source, subset_index, time_ordered
from nbops.check.state import Loop, State
from nbops.check.values import OTHER, STATISTIC, Value, literal, union

MODULE = Value("module")
MAX_LOOP_FRAMES = 4  # a loop over this many named frames runs once per frame
MAX_CALL_DEPTH = 3  # user functions calling user functions are followed this deep


def run_flow(nb: Notebook) -> list[Fact]:
    """The facts of an abstract run over the notebook's parsed cells, in the order found."""
    return Flow(nb).state.facts


class Flow:
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
            elif mine.kind == value.kind == "data" and not value.taints <= mine.taints:
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
        return Value("function", name=name)

    def define_class(self, node: ast.ClassDef) -> Value:
        """A class: its methods are remembered as `Class.method`, run when called on an instance."""
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                self.define(f"{node.name}.{item.name}", item)
        return Value("class", name=node.name)

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
            if before.kind == "data" and after.kind == "data" and after.taints - before.taints:
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
                if changed.kind == "data":
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
        frames = [self.env.get(name, OTHER).kind == "data" for name in names]
        return names if names and all(frames) and len(names) <= MAX_LOOP_FRAMES else ()

    def element(self, items: Value) -> Value:
        """The value of one element of an iterable."""
        return union(*items.parts) if items.parts else replace(items, parts=())

    # binding --------------------------------------------------------------------------------

    def bind(self, target: ast.expr, value: Value) -> None:
        """Assign `value` to `target`, naming splits after their variables."""
        if isinstance(target, ast.Name):
            self.env[target.id] = self.named(target, value)
        elif isinstance(target, ast.Tuple | ast.List):
            self.bind_many(target.elts, value)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value)
        else:
            self.merge_into(target, value)

    def bind_many(self, targets: list[ast.expr], value: Value) -> None:
        """Unpack `value` into several targets (split results by position and name)."""
        if value.kind == "split":
            for index, target in enumerate(targets):
                self.bind(target, self.split_part(value, index, len(targets), target))
        elif len(value.parts) == len(targets):
            for target, part in zip(targets, value.parts, strict=True):
                self.bind(target, part)
        else:
            for target in targets:
                self.bind(target, self.element(value))

    def split_part(self, split: Value, index: int, count: int, target: ast.expr) -> Value:
        """Output `index` of a split: X_train, X_test, y_train, y_test by default order."""
        named = v.role_from_name(target.id) if isinstance(target, ast.Name) else None
        role = named or (v.TRAIN if index % 2 == 0 else v.TEST)
        arrays = split.parts
        source = arrays[index // 2] if len(arrays) * 2 == count else union(*arrays)
        rows = frozenset(f"{row}/{split.name}{role}" for row in source.rows)
        return Value("data", frozenset({role}), source.taints, born=self.state.step, rows=rows)

    def named(self, target: ast.Name, value: Value) -> Value:
        """`value` bound to `target`: full data named `train`/`test` becomes that split."""
        role = v.role_from_name(target.id)
        if value.kind == "data" and role and self.sliced:  # `valid = X_train[1200:]`
            self.state.record(f.ROWS_DIVIDED, self.state.where(target))
        if value.kind == "data" and value.roles == {v.FULL} and role:
            if self.fresh:  # read straight from a file: train.csv is the labelled data; one
                # read may hold both parts (`(x_train, y_train), (x_test, y_test) = load_data()`)
                value = carved(value, v.LABELLED if role == v.TRAIN else role)
            else:  # carved out of a frame by name: `test = frame.drop(train.index)`
                value = carved(value, role)
                if role in v.HELD_OUT:
                    self.state.record(f.ROWS_DIVIDED, self.state.where(target))
                if role == v.TRAIN:
                    value = replace(value, roles=frozenset({v.LABELLED}))
            if value.origin:
                self.check_overlap(value.origin, role, target)
        elif value.kind == "data" and not value.roles and role and self.sliced:
            # rows of unknown origin cut into a named part (`train = scaled[:n]`): a split, so
            # steps on the rows before it saw the other part too
            value = carved(confirmed(value), role)
        elif value.kind == "data" and value.roles == {v.LABELLED} and role in v.HELD_OUT:
            value = carved(value, role)  # held-out rows carved out of the labelled data
            self.state.record(f.ROWS_DIVIDED, self.state.where(target))
        return replace(value, born=self.state.step) if value.kind == "data" else value

    def check_overlap(self, source: str, role: str, target: ast.Name) -> None:
        """Train and test both drawn with `.sample()` from the same rows."""
        drawn = self.state.sampled.setdefault(source, {})
        drawn.setdefault(role, self.state.where(target))
        if v.TRAIN in drawn and v.TEST in drawn:
            self.state.record(f.SAMPLED_TWICE, drawn[role], subject=source)

    def merge_into(self, target: ast.expr, value: Value) -> None:
        """`df[col] = value`, `df.x = value`, `df += value`: the frame takes on value's taints."""
        base = target
        while isinstance(base, ast.Subscript | ast.Attribute):
            base = base.value
        if not isinstance(base, ast.Name):
            return
        owner = self.env.get(base.id, OTHER)
        if isinstance(target, ast.Attribute) and target.value is base and owner.kind == "instance":
            self.state.attributes[owner.name, target.attr] = value  # `self.folds = KFold(5)`
            return
        if isinstance(target, ast.Subscript):
            self.eval(target.slice)
            if self._single_cell(target):  # `X.loc[i, "mean"] = seg.mean()`: that row's figure
                value = replace(
                    value, taints=frozenset(t for t in value.taints if t.kind != STATISTIC)
                )
        old = self.env.get(base.id, OTHER)
        if old.kind == "data" or value.kind == "data":
            self.env[base.id] = replace(
                old, kind="data", roles=old.roles or value.roles, taints=old.taints | value.taints
            )

    def _single_cell(self, target: ast.Subscript) -> bool:
        """`X.loc[i, "mean"]`, `X.at[i, "mean"]`: one cell of one row, picked by a constant or a
        plain counter (not a mask of rows). A statistic written there is that row's own figure
        (a per-segment mean), not one computed over every row and spread over them."""
        if not isinstance(target.value, ast.Attribute) or target.value.attr not in v.CELL_INDEXERS:
            return False
        index = target.slice
        if not (isinstance(index, ast.Tuple) and len(index.elts) == 2):
            return False
        row = index.elts[0]
        if isinstance(row, ast.Constant):
            return True
        return isinstance(row, ast.Name) and self.env.get(row.id, OTHER).kind != "data"

    # expressions ----------------------------------------------------------------------------

    def eval(self, node: ast.expr | None) -> Value:
        """The abstract value of an expression (calls are run for their effects)."""
        if node is None or isinstance(node, ast.Constant | ast.JoinedStr):
            return OTHER
        if isinstance(node, ast.Lambda):
            return self.define(f"<lambda {id(node)}>", node)
        if isinstance(node, ast.Name):
            default = MODULE if node.id in self.nb.imports else OTHER
            return self.env.get(node.id, default)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            base = self.eval(node.value)
            if base.kind == "data" and node.attr in v.SIZE_ATTRIBUTES:
                return OTHER  # `X.shape[1]`: a number, not rows (a Keras `Input(shape=...)`)
            if base.kind == "instance":  # `self.estimator`: an attribute, not the object itself
                return self.state.attributes.get((base.name, node.attr), OTHER)
            if base.kind == "model" and node.attr == v.CLUSTER_LABELS:
                return cluster_labels(base)
            return base if base.kind != "module" else MODULE
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            parts = [self.eval(element) for element in node.elts]
            return replace(union(*parts), parts=tuple(parts))
        if isinstance(node, ast.Dict):
            parts = [self.eval(value) for value in node.values]
            for key in node.keys:
                self.eval(key)
            return replace(union(*parts), parts=tuple(parts))
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node)
        if isinstance(node, ast.NamedExpr):
            value = self.eval(node.value)
            self.bind(node.target, value)
            return value
        children = [
            self.eval(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)
        ]
        if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Eq | ast.NotEq):
            self.calls.own_predictions_scored(node, children)  # `(y_pred == y).mean()`
        return union(*children)

    def call(self, node: ast.Call) -> Value:
        """Run a call: its receiver and arguments first, then what the callee does to them."""
        func = node.func
        receiver = self.eval(func.value) if isinstance(func, ast.Attribute) else None
        args = [self.eval(arg) for arg in node.args]
        kwargs = {k.arg or "**": self.eval(k.value) for k in node.keywords}
        if isinstance(func, ast.Name) and self.env.get(func.id, OTHER).kind == "function":
            return self.invoke(self.env[func.id], node, args, kwargs)
        if isinstance(func, ast.Name) and self.env.get(func.id, OTHER).kind == "class":
            instance = Value("instance", name=func.id)
            init = f"{func.id}.__init__"
            if init in self.state.functions:  # sets the instance's attributes
                self.invoke(Value("function", name=init), None, [instance, *args], kwargs)
            return instance
        if receiver is not None and receiver.kind == "instance":
            method = f"{receiver.name}.{func.attr}"
            if method in self.state.functions:  # `stacker.fit_predict(X, y, T)` of a user class
                return self.invoke(Value("function", name=method), None, [receiver, *args], kwargs)
            receiver = OTHER  # an inherited method (`BaseEstimator.fit`): an unknown object's
        if (
            receiver is not None
            and receiver.kind == "data"
            and func.attr in v.APPLY_METHODS
            and literal(node, "axis") not in (1, "columns")  # row by row: a row's own figures
        ):
            applied = [self.applied(a, receiver) for a in args if a.kind == "function"]
            receiver = union(receiver, *applied) if applied else receiver
            receiver = self.applied_library(node, receiver)
        if receiver is not None and func.attr in v.CONTAINER_FILLERS:
            self.filled(func.value, receiver, args)
        if receiver is not None and receiver.kind != "module":
            result = self.calls.method(node, func.attr, receiver, args, kwargs)
            inplace = func.attr in v.INPLACE_METHODS and literal(node, "inplace") is True
            if receiver.kind == "data" and inplace and result.kind == "data":
                self.merge_into(func.value, result)
            return result
        qualname = self.nb.qualname(func)
        name = qualname.rsplit(".", 1)[-1] if qualname else getattr(func, "id", "")
        if not name or (qualname is None and name in v.SIZE_FUNCTIONS):
            return OTHER
        return self.calls.function(node, name, qualname, args, kwargs)

    def filled(self, container: ast.expr, before: Value, args: list[Value]) -> None:
        """`rows.append(frame[i:j])`: a list filled with data holds its steps from now on (not
        its rows: which rows went in is not known)."""
        added = union(*args)
        if added.kind != "data" or not isinstance(container, ast.Name):
            return
        if before.kind == "data":
            held = replace(before, taints=before.taints | added.taints)
        else:
            held = replace(added, parts=(), origin="", rows=frozenset())
        self.env[container.id] = held

    def applied(self, function: Value, frame: Value) -> Value:
        """`frame.apply(f)`: f run on the frame (its columns or rows stand for the frame)."""
        if function.name in self.state.functions:
            return self.invoke(function, None, [frame], {})
        return OTHER

    def applied_library(self, node: ast.Call, frame: Value) -> Value:
        """`frame.apply(zscore)`: a library scaling function run on the frame's columns."""
        for argument in node.args:
            name = (self.nb.qualname(argument) or getattr(argument, "id", "")).rsplit(".", 1)[-1]
            if name in v.SCALING_FUNCTIONS:
                return self.calls.function(node, name, None, [frame], {})
        return frame

    def subscript(self, node: ast.Subscript) -> Value:
        """`frame[mask]`: the rows of `frame` (a subset of them when the index selects rows);
        the index adds neither split nor taint."""
        base = self.eval(node.value)
        self.eval(node.slice)
        index = node.slice
        is_int = isinstance(index, ast.Constant) and isinstance(index.value, int)
        if base.parts and is_int and -len(base.parts) <= index.value < len(base.parts):
            return base.parts[index.value]
        if base.kind != "data":
            return base
        if is_int:
            # `X_train[1]`, `frame.iloc[2]`: one example (a demonstration), not rows to score
            return replace(base, parts=(), rows=frozenset())
        part = subset_index(node) if base.rows else None
        if part is not None:
            subset = f"[{ast.unparse(part)}]"
            return replace(base, parts=(), rows=frozenset(f"{row}/{subset}" for row in base.rows))
        return replace(base, parts=())

    def comprehension(self, node: ast.expr) -> Value:
        """A comprehension runs like a loop over its generators."""
        result: list[Value] = []

        def body() -> None:
            for generator in node.generators[1:]:
                self.bind(generator.target, self.element(self.eval(generator.iter)))
            for generator in node.generators:
                for condition in generator.ifs:
                    self.eval(condition)
            if isinstance(node, ast.DictComp):
                self.eval(node.key)
                result.append(self.eval(node.value))
            else:
                result.append(self.eval(node.elt))

        first = node.generators[0]
        self.loop(first.target, first.iter, body)
        return replace(union(*result), parts=tuple(result))


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
