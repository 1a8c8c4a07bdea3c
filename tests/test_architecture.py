"""The shape of lib/nbops: no import cycle, mlflow imported only in nbops.mlflow, runs-dir honoured.

The import graph is read with `ast` from the source (imports inside functions included), so a
cycle hidden behind a lazy import is caught too.
"""

from __future__ import annotations

import ast
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbops.cli import main

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "nbops"
SAMPLES = Path(__file__).parent / "notebooks"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_names(name: str) -> Iterator[str]:
    """Every absolute module name imported anywhere in module `name` (function bodies too)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def import_graph() -> dict[str, set[str]]:
    """Module -> the nbops modules it imports."""
    return {
        name: {target for target in imported_names(name) if target in MODULES and target != name}
        for name in MODULES
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` as a path that ends where it starts, else None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_import_graph_is_read_from_the_source():
    graph = import_graph()
    assert "nbops.project" in graph["nbops.run.runner"]
    assert "nbops.mlflow.store" in graph["nbops.mlflow.runs"]
    assert "nbops.mlflow.registry" in graph["nbops.cli"]  # imported inside a function


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"b"}, "d": set()}
    assert find_cycle(graph) == ["b", "c", "b"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_nbops():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_only_the_mlflow_package_imports_mlflow():
    importers = {
        name
        for name in MODULES
        if any(imported.split(".")[0] == "mlflow" for imported in imported_names(name))
    }
    elsewhere = {name for name in importers if not name.startswith("nbops.mlflow")}
    assert elsewhere == set()
    assert {"nbops.mlflow.store", "nbops.mlflow.runs", "nbops.mlflow.predict"} <= importers


def test_only_notebooks_and_the_kit_import_the_kit():
    importers = {
        name
        for name, targets in import_graph().items()
        if not name.startswith(("nbops.kit", "nbops.check"))
        and any(target.startswith("nbops.kit") for target in targets)
    }
    assert importers == set()


def run_folder_file_names() -> set[str]:
    """The names RunFolder gives the files and folders of a run."""
    from nbops.project import RunFolder

    folder = RunFolder(Path("run"))
    paths = [getattr(folder, attribute) for attribute, value in vars(RunFolder).items()]
    return {path.name for path in paths if isinstance(path, Path)} | {folder.model().name}


def test_no_run_folder_file_name_is_spelled_out_outside_run_folder():
    names = run_folder_file_names()
    assert {"run.json", "notebook.ipynb", "params.json", "figures"} <= names
    spelled = []
    for name, path in MODULES.items():
        if name == "nbops.project":
            continue
        forbidden = names - module_names_in_all(path)
        spelled += [
            f"{name}: {node.value!r}"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and node.value in forbidden
        ]
    assert sorted(spelled) == []


def module_names_in_all(path: Path) -> set[str]:
    """The names a package's `__all__` lists (kit lists its modules, `figures` among them)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        element.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", "") == "__all__" for t in node.targets)
        for element in getattr(node.value, "elts", [])
        if isinstance(element, ast.Constant)
    }


@pytest.mark.kernel
def test_runs_dir_setting_places_run_folders_and_the_mlflow_store(tmp_path, monkeypatch, capsys):
    """`[tool.nbops] runs-dir = "experiments"`: run folder and embedded store both go there."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.nbops]\nruns-dir = "experiments"\n', encoding="utf-8"
    )
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "penguins.csv", tmp_path / "data" / "penguins.csv")
    shutil.copy(SAMPLES / "records_metrics.ipynb", tmp_path / "records_metrics.ipynb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NBOPS_PROJECT_ROOT", raising=False)
    monkeypatch.setenv("NBOPS_TRACKING", "on")

    assert main(["run", "records_metrics.ipynb", "--no-progress"]) == 0, capsys.readouterr().err

    experiments = tmp_path / "experiments"
    run_dir = (experiments / "latest").resolve()
    record = json.loads((run_dir / "run.json").read_text())
    assert run_dir.parent == experiments.resolve() and record["status"] == "succeeded"
    assert json.loads((run_dir / "metrics.json").read_text())["rows"] == 344
    store = experiments / "mlflow.db"
    assert store.is_file() and record["mlflow"]["tracking_uri"].endswith("experiments/mlflow.db")
    assert (experiments / "mlartifacts").is_dir()
    assert not (tmp_path / "runs").exists()

    import mlflow

    run = mlflow.MlflowClient(record["mlflow"]["tracking_uri"]).get_run(record["mlflow"]["run_id"])
    assert run.info.status == "FINISHED" and run.data.metrics["rows"] == 344
    assert main(["runs"]) == 0 and run_dir.name in capsys.readouterr().out


def test_interactive_results_go_to_the_runs_dir_setting(tmp_path, monkeypatch):
    from nbops.kit.record import run_dir
    from nbops.kit.tracking import tracking_uri

    (tmp_path / "pyproject.toml").write_text('[tool.nbops]\nruns-dir = "experiments"\n')
    monkeypatch.setenv("NBOPS_PROJECT_ROOT", str(tmp_path))
    monkeypatch.delenv("NBOPS_RUN_DIR", raising=False)
    assert run_dir() == tmp_path.resolve() / "experiments" / "interactive"
    store = (tmp_path / "experiments" / "mlflow.db").resolve()
    assert tracking_uri() == f"sqlite:///{store.as_posix()}"
