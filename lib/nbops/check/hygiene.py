"""Hygiene rules: magic numbers (NB201), hard-coded paths (NB203), unused parameters (NB204)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nbops.check.analysis import Cell, Notebook
from nbops.check.config import CheckConfig
from nbops.check.diagnostics import Diagnostic, at
from nbops.check.registry import rule

ABSOLUTE_PATH = re.compile(r"^(?:/[\w.@-]+/[^\s:]*|~[/\\]\S*|[A-Za-z]:[\\/]\S*)$")
PATH_READERS = {"open", "Path", "PurePath", "load", "save", "savetxt", "loadtxt", "savefig", "dump"}
PATH_PREFIXES = ("read_", "to_")


def outside_parameters(nb: Notebook) -> list[Cell]:
    """The parsed code cells other than the parameters cell."""
    return [cell for cell in nb.parsed_cells if cell not in nb.parameters_cells[:1]]


@rule("NB201", "magic-number")
def magic_number(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A numeric literal outside the Configs cell.

    ## What it does
    Flags numbers written in code cells other than the `parameters` cell. Allowed: the numbers in
    `allowed-numbers` (default -1, 0, 1), indexes and slices (`proba[:, 1]`), and the keyword
    arguments in `allowed-keywords` (for example `figsize` to allow plotting sizes).

    ## Why is this bad?
    A number buried in a cell is a knob nobody can see or set from `nbops run -p`; changing it
    means editing code, and the run record does not show which value was used.

    ## Example
    ```python
    model = RandomForestClassifier(n_estimators=300, random_state=RANDOM_STATE)
    ```

    ## Use instead
    ```python
    N_ESTIMATORS = 300  # in the Configs cell: trees in the forest
    model = RandomForestClassifier(n_estimators=N_ESTIMATORS, random_state=RANDOM_STATE)
    ```
    """
    for cell in outside_parameters(nb):
        for node, value in _numbers(cell, config):
            col = cell.column(node.lineno, node.col_offset)
            message = f"magic number {value} outside the Configs cell: name it in Configs"
            yield at("NB201", cell.number, node.lineno, col, message)


def _numbers(cell: Cell, config: CheckConfig) -> Iterator[tuple[ast.expr, str]]:
    """Numeric literals not allowed by `config`, skipping indexes and slices (`proba[:, 1]`) and
    allowed keywords; read from the cell's shared list of nodes (walked once)."""
    skipped: set[int] = set()
    found = []
    for node in cell.nodes:
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Subscript):
            skipped.update(id(inner) for inner in ast.walk(node.slice))
        elif isinstance(node, ast.keyword) and node.arg in config.allowed_keywords:
            skipped.update(id(inner) for inner in ast.walk(node))
        elif (literal := _number(node)) is not None:
            if isinstance(node, ast.UnaryOp):  # `-3`: one literal, not `3` again
                skipped.add(id(node.operand))
            if literal[0] not in config.allowed_numbers:
                found.append((node, literal[1]))
    return iter(found)


def _number(node: ast.AST) -> tuple[float, str] | None:
    """(value, text) if `node` is a numeric literal, a negative one included."""
    sign = ""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = "-" if isinstance(node.op, ast.USub) else ""
        node = node.operand
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return None
    if not isinstance(node.value, int | float | complex):
        return None
    value = -node.value if sign else node.value
    return value, f"{sign}{node.value!r}"


@rule("NB203", "hard-coded-path")
def hard_coded_path(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A hard-coded absolute path, or a path not built with pathlib from a Configs constant.

    ## What it does
    Flags absolute paths anywhere (`/home/...`, `~/...`, `C:\\...`), string literals passed as the
    path of a reader or writer (`read_csv`, `to_parquet`, `open`, `Path`, `savefig`, ...) outside
    the Configs cell, and `os.path.join`.

    ## Why is this bad?
    An absolute path works on one machine only; a path in the middle of the code cannot be
    changed with a parameter and is not recorded with the run.

    ## Example
    ```python
    frame = pd.read_csv("/home/ana/churn/data/train.csv")
    ```

    ## Use instead
    ```python
    DATA_PATH = "data/train.csv"  # in the Configs cell, relative to the project root
    frame = pd.read_csv(Path(DATA_PATH))
    ```
    """
    for cell in nb.parsed_cells:
        configs = cell in nb.parameters_cells[:1]
        for node, message in _paths(nb, cell.nodes, configs):
            col = cell.column(node.lineno, node.col_offset)
            yield at("NB203", cell.number, node.lineno, col, message)


def _paths(nb: Notebook, nodes: list[ast.AST], configs: bool) -> Iterator[tuple[ast.AST, str]]:
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if ABSOLUTE_PATH.match(node.value):
                fix = "use a path relative to the project root, set in Configs"
                yield node, f"hard-coded absolute path {node.value!r}: {fix}"
        elif isinstance(node, ast.Call) and not configs:
            yield from _path_call(nb, node)


def _path_call(nb: Notebook, call: ast.Call) -> Iterator[tuple[ast.AST, str]]:
    if nb.qualname(call.func) == "os.path.join":
        yield call, "path built with os.path.join: build it with pathlib, Path(DIR) / NAME"
        return
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name not in PATH_READERS and not name.startswith(PATH_PREFIXES):
        return
    argument = call.args[0] if call.args else None
    if name == "dump" and len(call.args) > 1:
        argument = call.args[1]
    if isinstance(argument, ast.JoinedStr) or (
        isinstance(argument, ast.Constant) and isinstance(argument.value, str)
    ):
        if isinstance(argument, ast.Constant) and ABSOLUTE_PATH.match(argument.value):
            return  # reported as an absolute path
        shown = ast.unparse(argument)
        fix = "declare it in Configs and build it with Path(CONSTANT)"
        yield argument, f"hard-coded path {shown} in {name}(): {fix}"


@rule("NB204", "unused-parameter")
def unused_parameter(nb: Notebook, config: CheckConfig) -> Iterator[Diagnostic]:
    """A parameter declared in Configs but never used.

    ## What it does
    Flags names assigned in the `parameters` cell that no other code reads.

    ## Why is this bad?
    A parameter that changes nothing misleads: `nbops run -p NAME VALUE` is accepted, recorded
    in the run, and has no effect.

    ## Example
    ```python
    MAX_DEPTH = 8  # Configs; the model is built without max_depth=MAX_DEPTH
    ```

    ## Use instead
    Pass it where it belongs (`max_depth=MAX_DEPTH`), or delete it.
    """
    declared = nb.parameters
    if not declared:
        return
    used: set[str] = set()
    magic_text = []
    for cell in nb.code_cells:
        magic_text.extend(cell.magic_lines)
        if cell.tree is None:
            magic_text.append(cell.source)
            continue
        for node in cell.nodes:
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                used.add(node.id)
    words = set(re.findall(r"\w+", "\n".join(magic_text)))
    cell = nb.parameters_cells[0]
    for name, target in declared.items():
        if name not in used and name not in words:
            col = cell.column(target.lineno, target.col_offset)
            message = f"parameter {name} is declared in Configs but never used: use it or remove it"
            yield at("NB204", cell.number, target.lineno, col, message)
