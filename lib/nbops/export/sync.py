"""Keep the export package in sync with the notebooks: plan, write, check, prune.

nbops owns exactly the files of the export package whose text starts with its generated header:
it rewrites those a notebook exports, reports those no notebook exports any more (removing them
only when asked to prune) and never touches a hand-written file.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field
from pathlib import Path

from nbops.errors import BadInputError
from nbops.export.collect import collect, find_notebooks
from nbops.export.render import is_generated, module_text, package_init_text, ruff_format
from nbops.files import write_text_atomic
from nbops.project import DEFAULTS, Project

LIB_DIR = "lib"


@dataclass(frozen=True)
class Finding:
    """One file of the export package that is not what the notebooks export."""

    path: str
    problem: str  # "missing", "out of date" or "orphaned"
    notebook: str | None = None

    def __str__(self) -> str:
        if self.problem == "orphaned":
            return f"{self.path}: orphaned, no notebook exports it any more (`--prune` removes it)"
        source = self.notebook or f"the notebooks under {DEFAULTS['notebooks-dir']}/"
        if self.problem == "missing":
            return f"{self.path}: missing, generated from {source}"
        return f"{self.path}: out of date with {source} (changed there, or edited by hand here)"


@dataclass
class ExportPlan:
    """What the export package should contain: file text by path, and the orphaned files."""

    root: Path
    package: str
    files: dict[Path, str] = field(default_factory=dict)
    notebooks: dict[Path, str] = field(default_factory=dict)
    orphans: list[Path] = field(default_factory=list)

    def label(self, path: Path) -> str:
        """A path as shown to the user: relative to the project root, with forward slashes."""
        return path.relative_to(self.root).as_posix()


@dataclass
class ExportReport:
    """What `export` did: files written, files already up to date, orphans found and removed."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def export_package(root: Path) -> str:
    """The name of the user's export package, from `[tool.nbops] export-package`."""
    project = Project.at(root)
    if not project.pyproject.is_file():
        raise BadInputError(f"cannot read {project.pyproject}: there is no such file")
    name = project.settings.get("export-package")  # no default: the user names their package
    if not name:
        raise BadInputError(
            f"set the export package in {project.pyproject.name}: "
            '[tool.nbops] export-package = "nblib"'
        )
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise BadInputError(f"[tool.nbops] export-package = {name!r} is not a package name")
    if name == "nbops":
        raise BadInputError("[tool.nbops] export-package must name your own package, not nbops")
    return name


def plan(root: Path) -> ExportPlan:
    """Render, in memory, every file the notebooks export; find generated files nobody exports."""
    package = export_package(root)
    folder = root / LIB_DIR / package
    result = ExportPlan(root, package)
    modules = collect(find_notebooks(Project.at(root).notebooks_dir), root)
    for name, module in modules.items():
        path = folder / f"{name}.py"
        result.files[path] = ruff_format(module_text(module), result.label(path), root)
        result.notebooks[path] = module.notebook
    init = folder / "__init__.py"
    # With nothing exported and no package yet, there is nothing to keep in sync.
    wanted = bool(modules) or init.exists()
    if wanted and (not init.exists() or is_generated(_read(init))):
        listing = {name: module.notebook for name, module in modules.items()}
        result.files[init] = ruff_format(package_init_text(listing), result.label(init), root)
    for path in sorted(folder.glob("*.py")):
        if path not in result.files and path != init and is_generated(_read(path)):
            result.orphans.append(path)
    for path, notebook in result.notebooks.items():
        if path.exists() and not is_generated(_read(path)):
            raise BadInputError(
                f"{result.label(path)} was not written by nbops export, but {notebook} exports "
                f"{path.stem}: move the hand-written file away or rename the module"
            )
    return result


def check(root: Path) -> list[Finding]:
    """Compare the export package with what the notebooks export now; change nothing."""
    expected = plan(root)
    findings: list[Finding] = []
    for path, text in expected.files.items():
        notebook = expected.notebooks.get(path)
        if not path.exists():
            findings.append(Finding(expected.label(path), "missing", notebook))
        elif _read(path) != text:
            findings.append(Finding(expected.label(path), "out of date", notebook))
    findings.extend(Finding(expected.label(path), "orphaned") for path in expected.orphans)
    return findings


def export(root: Path, *, prune: bool = False) -> ExportReport:
    """Write the modules the notebooks export; remove orphaned generated modules if `prune`."""
    expected = plan(root)
    report = ExportReport()
    for path, text in expected.files.items():
        if path.exists() and _read(path) == text:
            report.unchanged.append(expected.label(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
        report.written.append(expected.label(path))
    for path in expected.orphans:
        report.orphans.append(expected.label(path))
        if prune:
            path.unlink()
            report.removed.append(expected.label(path))
    return report


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")
