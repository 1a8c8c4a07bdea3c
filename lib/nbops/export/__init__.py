"""Export stable notebook cells into the user's package under lib/, and check they are in sync.

collect (read notebooks, group exported cells by module) -> render (header, imports, `__all__`,
cells, formatted by ruff) -> sync (write, compare for `--check`, prune orphans). The output
depends only on the notebooks, so `nbops export` twice changes no byte.

`nbops export` exits 0 when it wrote the modules or `--check` found them in sync, 1 when
`--check` found a module missing, out of date or orphaned, and 2 on bad input: two notebooks
exporting one module (the error names both; nothing can be generated until one is renamed), an
exported cell that is not plain Python or uses a name it does not define or import, or no
`[tool.nbops] export-package`.
"""

from nbops.export.collect import ExportedCell, ModuleSource, collect, export_target
from nbops.export.sync import ExportPlan, ExportReport, Finding, check, export, export_package, plan

__all__ = [
    "ExportPlan",
    "ExportReport",
    "ExportedCell",
    "Finding",
    "ModuleSource",
    "check",
    "collect",
    "export",
    "export_package",
    "export_target",
    "plan",
]
