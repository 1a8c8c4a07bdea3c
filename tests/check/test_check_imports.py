"""The checker's module graph: no import cycle, no import of the notebook-side kit."""

from __future__ import annotations

import ast
from pathlib import Path

import nbops.check

PACKAGE = Path(nbops.check.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Module -> the nbops modules it imports (at module level or inside functions)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nbops"):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                found |= {n for n in names if n.startswith("nbops.check.")} or {node.module}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("nbops")}
        graph[f"nbops.check.{path.stem}"] = found - {f"nbops.check.{path.stem}"}
    return graph


def test_no_import_cycle_in_the_checker():
    graph = _imports()
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            assert state.get(target) != 1, f"import cycle: {' -> '.join([*trail, target])}"
            if target in graph and not state.get(target):
                visit(target, [*trail, target])
        state[module] = 2

    for module in graph:
        if not state.get(module):
            visit(module, [module])


def test_the_checker_does_not_import_the_kit():
    assert not [m for m, deps in _imports().items() if any(d.startswith("nbops.kit") for d in deps)]


def test_the_data_flow_engine_knows_no_rule_codes():
    for name in ("flow", "calls", "state", "facts", "values", "rows"):
        text = (PACKAGE / f"{name}.py").read_text(encoding="utf-8")
        assert "NB3" not in text, f"{name}.py names a rule code"
