"""The shared analysis every rule reads: cells in order, sections, the parameters cell, imports.

Computed once per notebook from the raw JSON (nbformat costs seconds to import) and `ast`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property

SECTIONS = ("Imports", "Configs", "Datasets", "EDA", "Modeling", "Evaluation")
# Checked in this order, so "Exploratory data analysis" is EDA and "Model evaluation" Evaluation.
SECTION_WORDS = (
    ("EDA", {"eda", "analysis", "exploratory", "exploration", "visualization", "visualisation"}),
    ("Imports", {"import", "imports", "libraries", "packages", "dependencies"}),
    ("Configs", {"config", "configs", "configuration", "parameters", "params", "settings"}),
    ("Evaluation", {"evaluation", "evaluations", "evaluate", "results", "metrics", "assessment"}),
    ("Modeling", {"modeling", "modelling", "model", "models", "training"}),
    ("Datasets", {"data", "dataset", "datasets", "loading"}),
)
PARAMETERS_TAG = "parameters"
HEADING = re.compile(r"^(#{1,6})\s+(.*?)[\s#]*$")
MAGIC_LINE = re.compile(r"^(\s*)(?:[%!]|[\w.]+\?{1,2}\s*$)")
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")
PY2_PRINT = re.compile(r"^(\s*)print\s+(?![\s(=.,])(.+?)\s*,?\s*$")


@dataclass(frozen=True)
class Heading:
    """A markdown heading: its level, text, the section it names (if any) and where it is."""

    level: int
    text: str
    section: str | None
    cell: int
    line: int


@dataclass
class Cell:
    """One cell; `number` is ruff's cell number (every cell counts, from 1)."""

    index: int
    kind: str
    source: str
    tags: frozenset[str]
    outputs: list
    execution_count: int | None
    section: str | None = None
    tree: ast.Module | None = None
    magic_lines: list[str] = field(default_factory=list)
    syntax_error: str | None = None  # why the cell (or part of it) is not Python 3

    @property
    def number(self) -> int:
        """The cell number ruff prints (`cell N`)."""
        return self.index + 1

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """Every node of the parsed cell, walked once and shared by the rules."""
        return list(ast.walk(self.tree)) if self.tree is not None else []

    @cached_property
    def lines(self) -> list[str]:
        """The source lines, without line ends."""
        return self.source.splitlines()

    def column(self, line: int, col_offset: int) -> int:
        """The 1-based character column of an `ast` byte offset on 1-based `line`."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return col_offset + 1
        return len(text.encode()[:col_offset].decode(errors="ignore")) + 1


class Notebook:
    """A notebook analysed for checking: cells, headings, sections, parameters, imports."""

    def __init__(self, data: dict, path: str = "<notebook>") -> None:
        self.path = path
        self.data = data
        self.cells = [_cell(index, raw) for index, raw in enumerate(data["cells"])]
        self.headings = [h for cell in self.cells for h in _headings(cell)]
        self.title = self._title()
        self.section_level = min((h.level for h in self.headings if h is not self.title), default=2)
        self._assign_sections()

    @property
    def code_cells(self) -> list[Cell]:
        """The code cells, in order."""
        return [cell for cell in self.cells if cell.kind == "code"]

    @property
    def parsed_cells(self) -> list[Cell]:
        """The code cells whose Python parsed."""
        return [cell for cell in self.cells if cell.tree is not None]

    @cached_property
    def parameters_cells(self) -> list[Cell]:
        """The cells tagged `parameters`."""
        return [cell for cell in self.cells if PARAMETERS_TAG in cell.tags]

    @cached_property
    def parameters(self) -> dict[str, ast.Name]:
        """The names assigned in the (first) parameters cell, with their target node."""
        cells = [c for c in self.parameters_cells if c.tree is not None]
        if not cells:
            return {}
        names: dict[str, ast.Name] = {}
        for stmt in cells[0].tree.body:
            targets = (
                stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
            )
            for target in targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, target)
        return names

    @cached_property
    def imports(self) -> dict[str, str]:
        """Local name -> qualified name for every import in the notebook."""
        found: dict[str, str] = {}
        for cell in self.parsed_cells:
            for node in cell.nodes:
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        local = alias.asname or alias.name.split(".")[0]
                        found[local] = alias.name if alias.asname else local
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    for alias in node.names:
                        found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return found

    def qualname(self, node: ast.expr) -> str | None:
        """`np.random.rand` -> `numpy.random.rand`, following the notebook's imports."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.imports.get(node.id)
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])

    def _title(self) -> Heading | None:
        first = next((c for c in self.cells if c.source.strip()), None)
        if first is None or first.kind != "markdown":
            return None
        heading = next((h for h in self.headings if h.cell == first.index), None)
        if heading is None or heading.level != 1:
            return None
        return heading if not "".join(first.lines[: heading.line - 1]).strip() else None

    def section_headings(self) -> list[Heading]:
        """The headings at section level (the title excluded)."""
        return [h for h in self.headings if h is not self.title and h.level <= self.section_level]

    def _assign_sections(self) -> None:
        starts = {h.cell: h.section for h in self.section_headings()}
        current = None
        for cell in self.cells:
            current = starts.get(cell.index, current)
            cell.section = current


def section_of(text: str) -> str | None:
    """The mandated section a heading names, accepting obvious synonyms."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    for section, synonyms in SECTION_WORDS:
        if words & synonyms:
            return section
    return None


def _cell(index: int, raw: dict) -> Cell:
    source = raw.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    metadata = raw.get("metadata") or {}
    cell = Cell(
        index=index,
        kind=raw.get("cell_type", "code"),
        source=source,
        tags=frozenset(metadata.get("tags") or ()),
        outputs=raw.get("outputs") or [],
        execution_count=raw.get("execution_count"),
    )
    if cell.kind == "code":
        cell.tree, cell.magic_lines, cell.syntax_error = _parse(source)
    return cell


def _parse(source: str) -> tuple[ast.Module | None, list[str], str | None]:
    """Parse a code cell, blanking IPython magics and shell escapes so line numbers hold.

    A cell that is not Python 3 is salvaged: Python 2 `print x` statements are read as calls,
    and top-level blocks that still do not parse are blanked; the first error is returned.
    """
    lines = source.splitlines()
    magics: list[str] = []
    if lines and lines[0].lstrip().startswith("%%"):
        if not lines[0].lstrip().startswith(PYTHON_CELL_MAGICS):
            return None, lines, None
        magics.append(lines[0])
        lines = ["", *lines[1:]]
    for number, text in enumerate(lines):
        match = MAGIC_LINE.match(text)
        if match and not text.lstrip().startswith("#"):
            magics.append(text)
            lines[number] = f"{match.group(1)}pass"
    try:
        return _inline_cell_magics(ast.parse("\n".join(lines))), magics, None
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        reason = _reason(error)
    return _salvage([PY2_PRINT.sub(r"\1print(\2)", text) for text in lines]), magics, reason


def _inline_cell_magics(tree: ast.Module) -> ast.Module:
    """`get_ipython().run_cell_magic('time', '', 'X = ...')` (a `%%time` cell as nbconvert
    exports it): the Python inside it, parsed in place of the call, from the call's line on."""
    body: list[ast.stmt] = []
    for stmt in tree.body:
        inner = _cell_magic_code(stmt)
        if inner is None:
            body.append(stmt)
            continue
        try:
            parsed = ast.parse(inner)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            body.append(stmt)
            continue
        body.extend(ast.increment_lineno(parsed, stmt.lineno - 1).body)
    tree.body = body
    return tree


def _cell_magic_code(stmt: ast.stmt) -> str | None:
    """The code of a Python cell magic called through `get_ipython().run_cell_magic`."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not isinstance(call, ast.Call) or getattr(call.func, "attr", "") != "run_cell_magic":
        return None
    args = call.args
    texts = [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if len(args) != 3 or len(texts) != 3 or f"%%{texts[0]}" not in PYTHON_CELL_MAGICS:
        return None
    return texts[2]


def _reason(error: Exception) -> str:
    if isinstance(error, SyntaxError):
        return f"line {error.lineno}: {error.msg}"
    return type(error).__name__


def _salvage(lines: list[str]) -> ast.Module | None:
    """The cell with every top-level block that does not parse blanked (line numbers hold)."""
    starts = [n for n, text in enumerate(lines) if text[:1].strip() and text[:1] not in ")]}"]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    kept = list(lines)
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        try:
            ast.parse("\n".join(lines[start:end]))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            kept[start:end] = [""] * (end - start)
    try:
        tree = ast.parse("\n".join(kept))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return tree if tree.body else None


def _headings(cell: Cell) -> list[Heading]:
    if cell.kind != "markdown":
        return []
    found, fenced = [], False
    for number, text in enumerate(cell.lines, start=1):
        if text.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else HEADING.match(text)
        if match:
            level, title = len(match.group(1)), match.group(2)
            found.append(Heading(level, title, section_of(title), cell.index, number))
    return found
