"""Collect the cells that notebooks export, grouped by target module, with the imports they need.

A code cell is exported when its first line is `#| export <module>` or it carries the tag
`export:<module>`. The imports an exported cell needs travel with it: top-level imports inside
exported cells are hoisted, and a name the exported code uses but does not define is looked up
among the imports of the notebook's other cells (the Imports section).
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nbops.errors import BadInputError, NotebookError
from nbops.notebook_file import cell_source, read_notebook

TAG_PREFIX = "export:"
_DIRECTIVE = re.compile(r"#\s*\|\s*export\b(?P<rest>.*)")
_MODULE_GLOBALS = {"__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__"}
_BUILTINS = set(dir(builtins)) | _MODULE_GLOBALS


@dataclass(frozen=True)
class ExportedCell:
    """One exported code cell: where it comes from and its code without the directive."""

    notebook: str
    cell_id: str
    code: str


@dataclass
class ModuleSource:
    """Everything one notebook exports to one module, in notebook order."""

    name: str
    notebook: str
    cells: list[ExportedCell] = field(default_factory=list)
    borrowed_imports: list[str] = field(default_factory=list)


def find_notebooks(folder: Path) -> list[Path]:
    """The notebooks under `folder`, sorted, checkpoints and hidden folders skipped."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob("*.ipynb")
        if not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def collect(notebooks: Iterable[Path], root: Path) -> dict[str, ModuleSource]:
    """Group the exported cells of `notebooks` by module; two notebooks per module is an error."""
    modules: dict[str, ModuleSource] = {}
    for path in notebooks:
        for module in notebook_modules(path, root).values():
            claimed = modules.get(module.name)
            if claimed is not None:
                raise BadInputError(
                    f"module {module.name} is exported by two notebooks, {claimed.notebook} and "
                    f"{module.notebook}: rename the module in one of them"
                )
            modules[module.name] = module
    return dict(sorted(modules.items()))


def notebook_modules(path: Path, root: Path) -> dict[str, ModuleSource]:
    """The modules one notebook exports, each with its cells and borrowed imports."""
    label = _label(path, root)
    nb = read_notebook(path)
    modules: dict[str, ModuleSource] = {}
    other_cells: list[str] = []
    for number, cell in enumerate(nb["cells"], start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        cell_id = str(cell.get("id") or f"#{number}")
        try:
            target, code = export_target(source, cell.get("metadata", {}).get("tags", []))
        except ValueError as exc:
            raise NotebookError(f"{label} cell {cell_id}: {exc}") from exc
        if target is None:
            other_cells.append(source)
            continue
        _check_module_name(target, label, cell_id)
        _parse(code, label, cell_id)
        module = modules.setdefault(target, ModuleSource(target, label))
        module.cells.append(ExportedCell(label, cell_id, code))
    available = _import_bindings(other_cells)
    for module in modules.values():
        module.borrowed_imports = _borrow_imports(module, available)
    return modules


def export_target(source: str, tags: Iterable[str] = ()) -> tuple[str | None, str]:
    """The module a cell exports to (or None) and its code with the directive line removed."""
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    by_comment = None
    if first is not None:
        match = _DIRECTIVE.fullmatch(lines[first].strip())
        if match:
            by_comment = match["rest"].strip()
            lines = lines[:first] + lines[first + 1 :]
    by_tag = [tag[len(TAG_PREFIX) :].strip() for tag in tags if tag.startswith(TAG_PREFIX)]
    targets = {*by_tag, *([] if by_comment is None else [by_comment])}
    if len(targets) > 1:
        raise ValueError(f"the cell exports to several modules ({', '.join(sorted(targets))})")
    code = "\n".join(lines).strip("\n") + "\n"
    return (targets.pop() if targets else None), code


def _label(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _check_module_name(name: str, notebook: str, cell_id: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("__"):
        raise NotebookError(
            f"{notebook} cell {cell_id}: export target {name!r} is not a module name: "
            "write a Python identifier, e.g. `#| export features`"
        )


def _parse(code: str, notebook: str, cell_id: str) -> ast.Module:
    try:
        return ast.parse(code)
    except SyntaxError as exc:
        raise NotebookError(
            f"{notebook} cell {cell_id} is exported but is not plain Python "
            f"(line {exc.lineno}: {exc.msg}); move magics and shell commands to another cell"
        ) from exc


def _import_bindings(sources: Iterable[str]) -> dict[str, str]:
    """Each name bound by a top-level import of the given cells, with one import that binds it."""
    bindings: dict[str, str] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # a cell with magics cannot be what exported code relies on
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    if alias.name != "*":
                        bindings[_bound_name(alias, node)] = _single_import(node, alias)
    return bindings


def _bound_name(alias: ast.alias, node: ast.Import | ast.ImportFrom) -> str:
    if alias.asname:
        return alias.asname
    return alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name


def _single_import(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    if isinstance(node, ast.Import):
        return ast.unparse(ast.Import(names=[alias]))
    return ast.unparse(ast.ImportFrom(module=node.module, names=[alias], level=node.level))


def _borrow_imports(module: ModuleSource, available: Mapping[str, str]) -> list[str]:
    tree = ast.parse("\n".join(cell.code for cell in module.cells))
    missing = sorted(free_names(tree) - _BUILTINS)
    unresolved = [name for name in missing if name not in available]
    if unresolved:
        names = ", ".join(unresolved)
        raise NotebookError(
            f"{module.notebook}: the cells exported to {module.name} use {names}, which no cell "
            f"exported to {module.name} defines and no import binds: export the defining cell to "
            f"{module.name}, or pass the value as an argument"
        )
    return sorted({available[name] for name in missing})


def free_names(tree: ast.AST) -> set[str]:
    """Names the code reads but never binds anywhere (a scope-blind approximation)."""
    loaded: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound.update(node.names)
    return loaded - bound
