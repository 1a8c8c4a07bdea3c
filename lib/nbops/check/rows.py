"""What the code says about rows: which index selects rows, which call reads them from outside,
which name carves a part out of them, and whether the notebook treats them as time-ordered."""

from __future__ import annotations

import ast
from dataclasses import replace

from nbops.check import vocabulary as v
from nbops.check.analysis import Notebook
from nbops.check.values import Value


def carved(value: Value, role: str) -> Value:
    """`value`'s rows as the part a name (`test = ...`) says they are."""
    rows = frozenset(f"{row}/n{role}" for row in value.rows)
    return replace(value, roles=frozenset({role}), rows=rows)


def row_index(index: ast.expr) -> ast.expr:
    return index.elts[0] if isinstance(index, ast.Tuple) and index.elts else index


def subset_index(node: ast.Subscript) -> ast.expr | None:
    """The part of the index that picks a subset of the rows, if any."""
    return row_index(node.slice) if selects_rows(node) else None


def _bounded(index: ast.expr) -> bool:
    return isinstance(index, ast.Slice) and (index.lower is not None or index.upper is not None)


def selects_rows(node: ast.Subscript) -> bool:
    """`frame[frame.a > 0]`, `frame[:800]`, `frame.iloc[idx]`: the index picks rows, not columns."""
    index = row_index(node.slice)
    if isinstance(index, ast.Slice):
        return _bounded(index)
    by_position = isinstance(node.value, ast.Attribute) and node.value.attr in ("iloc", "loc", "ix")
    if by_position and isinstance(index, ast.Constant):  # `frame.loc['train']`: rows by label
        return node.value.attr == "loc" and isinstance(index.value, str)
    if by_position:
        return not isinstance(index, ast.List)
    if isinstance(index, ast.Name):  # `X[train_idx]`, `values[tr]`: indices name a part
        return bool(v.role_from_name(index.id) or v.tokens(index.id) & v.INDEX_WORDS)
    return isinstance(index, ast.Compare | ast.BoolOp | ast.UnaryOp) or (
        isinstance(index, ast.Call) and getattr(index.func, "attr", "") in v.MASK_METHODS
    )


def is_source(node: ast.expr, nb: Notebook) -> bool:
    """`pd.read_csv(...)`, `load_iris()`, `pickle.load(handle)`: a call that reads rows from
    outside (the same test as `Calls.function`'s)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return v.reads_rows(name) or (nb.qualname(func) or "") in v.SOURCE_LOADERS


def time_ordered(nb: Notebook) -> bool:
    """Whether the notebook declares its rows time-ordered (a time column, a sort by date, ...)."""
    if any(v.TIME_PARAMETER.search(name) for name in nb.parameters):
        return True
    for cell in nb.parsed_cells:
        for node in cell.nodes:
            name = getattr(node, "id", None) or getattr(node, "attr", None)
            if isinstance(node, ast.Name | ast.Attribute) and name == "TimeSeriesSplit":
                return True
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "sort_values":
                by = [*node.args, *(k.value for k in node.keywords if k.arg == "by")]
                if any(time_like(nb, arg) for arg in by):
                    return True
    return False


def time_like(nb: Notebook, node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(v.TIME_TEXT.search(node.value))
    if isinstance(node, ast.Name):
        return bool(v.TIME_PARAMETER.search(node.id))
    if isinstance(node, ast.List):
        return any(time_like(nb, element) for element in node.elts)
    return False
