"""Assignments in the abstract run: values bound to names, splits named after their variables."""

from __future__ import annotations

import ast
from dataclasses import replace

from nbops.check import facts as f
from nbops.check import vocabulary as v
from nbops.check.fitting import confirmed
from nbops.check.rows import carved
from nbops.check.state import State
from nbops.check.values import OTHER, STATISTIC, Kind, Value, union


class Binding:
    """How `Flow` binds values to targets (names, tuples, subscripts, attributes)."""

    state: State

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
        if value.kind == Kind.SPLIT:
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
        return Value(Kind.DATA, frozenset({role}), source.taints, born=self.state.step, rows=rows)

    def named(self, target: ast.Name, value: Value) -> Value:
        """`value` bound to `target`: full data named `train`/`test` becomes that split."""
        role = v.role_from_name(target.id)
        if value.kind == Kind.DATA and role and self.sliced:  # `valid = X_train[1200:]`
            self.state.record(f.ROWS_DIVIDED, self.state.where(target))
        if value.kind == Kind.DATA and value.roles == {v.FULL} and role:
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
        elif value.kind == Kind.DATA and not value.roles and role and self.sliced:
            # rows of unknown origin cut into a named part (`train = scaled[:n]`): a split, so
            # steps on the rows before it saw the other part too
            value = carved(confirmed(value), role)
        elif value.kind == Kind.DATA and value.roles == {v.LABELLED} and role in v.HELD_OUT:
            value = carved(value, role)  # held-out rows carved out of the labelled data
            self.state.record(f.ROWS_DIVIDED, self.state.where(target))
        return replace(value, born=self.state.step) if value.kind == Kind.DATA else value

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
        if (
            isinstance(target, ast.Attribute)
            and target.value is base
            and owner.kind == Kind.INSTANCE
        ):
            self.state.attributes[owner.name, target.attr] = value  # `self.folds = KFold(5)`
            return
        if isinstance(target, ast.Subscript):
            self.eval(target.slice)
            if self._single_cell(target):  # `X.loc[i, "mean"] = seg.mean()`: that row's figure
                value = replace(
                    value, taints=frozenset(t for t in value.taints if t.kind != STATISTIC)
                )
        old = self.env.get(base.id, OTHER)
        if old.kind == Kind.DATA or value.kind == Kind.DATA:
            self.env[base.id] = replace(
                old,
                kind=Kind.DATA,
                roles=old.roles or value.roles,
                taints=old.taints | value.taints,
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
        return isinstance(row, ast.Name) and self.env.get(row.id, OTHER).kind != Kind.DATA
