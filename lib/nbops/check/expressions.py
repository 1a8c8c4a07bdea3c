"""Expressions in the abstract run: names, attributes, subscripts, containers and calls."""

from __future__ import annotations

import ast
from dataclasses import replace

from nbops.check import vocabulary as v
from nbops.check.rows import subset_index
from nbops.check.scoring import cluster_labels
from nbops.check.state import State
from nbops.check.values import MODULE, OTHER, Kind, Value, literal, union


class Expressions:
    """How `Flow` evaluates expressions; calls go to `Calls` or to the notebook's own functions."""

    state: State

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
            if base.kind == Kind.DATA and node.attr in v.SIZE_ATTRIBUTES:
                return OTHER  # `X.shape[1]`: a number, not rows (a Keras `Input(shape=...)`)
            if base.kind == Kind.INSTANCE:  # `self.estimator`: an attribute, not the object itself
                return self.state.attributes.get((base.name, node.attr), OTHER)
            if base.kind == Kind.MODEL and node.attr == v.CLUSTER_LABELS:
                return cluster_labels(base)
            return base if base.kind != Kind.MODULE else MODULE
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
        if isinstance(func, ast.Name) and self.env.get(func.id, OTHER).kind == Kind.FUNCTION:
            return self.invoke(self.env[func.id], node, args, kwargs)
        if isinstance(func, ast.Name) and self.env.get(func.id, OTHER).kind == Kind.CLASS:
            instance = Value(Kind.INSTANCE, name=func.id)
            init = f"{func.id}.__init__"
            if init in self.state.functions:  # sets the instance's attributes
                self.invoke(Value(Kind.FUNCTION, name=init), None, [instance, *args], kwargs)
            return instance
        if receiver is not None and receiver.kind == Kind.INSTANCE:
            method = f"{receiver.name}.{func.attr}"
            if method in self.state.functions:  # `stacker.fit_predict(X, y, T)` of a user class
                return self.invoke(
                    Value(Kind.FUNCTION, name=method), None, [receiver, *args], kwargs
                )
            receiver = OTHER  # an inherited method (`BaseEstimator.fit`): an unknown object's
        if (
            receiver is not None
            and receiver.kind == Kind.DATA
            and func.attr in v.APPLY_METHODS
            and literal(node, "axis") not in (1, "columns")  # row by row: a row's own figures
        ):
            applied = [self.applied(a, receiver) for a in args if a.kind == Kind.FUNCTION]
            receiver = union(receiver, *applied) if applied else receiver
            receiver = self.applied_library(node, receiver)
        if receiver is not None and func.attr in v.CONTAINER_FILLERS:
            self.filled(func.value, receiver, args)
        if receiver is not None and receiver.kind != Kind.MODULE:
            result = self.calls.method(node, func.attr, receiver, args, kwargs)
            inplace = func.attr in v.INPLACE_METHODS and literal(node, "inplace") is True
            if receiver.kind == Kind.DATA and inplace and result.kind == Kind.DATA:
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
        if added.kind != Kind.DATA or not isinstance(container, ast.Name):
            return
        if before.kind == Kind.DATA:
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
        if base.kind != Kind.DATA:
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
