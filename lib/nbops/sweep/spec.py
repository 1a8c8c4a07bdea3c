"""What to run, checked before anything runs: grids, fixed values and Optuna search spaces.

Every grid value and space bound is validated against the notebook's declared parameters with
`nbops.params` (unknown names name the closest declared one, values must coerce to the declared
type), so a typo ends the command with one line and exit 2 before a single kernel starts.

Grid: `--grid NAME=V1,V2,...` (commas inside [...] belong to a list value), or a `grid:` mapping
of `NAME: [V1, V2]` in the `-f` file, whose other keys are fixed values as for `nbops run -f`.
Space (YAML, one entry per parameter):
    MAX_DEPTH: {int: [2, 12]}            # integers from 2 to 12; optional step: 2, log: true
    C: {float: [0.01, 100], log: true}   # floats, sampled on a log scale
    MODEL: {choice: [random_forest, hist_gradient_boosting]}
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops import params as params_mod
from nbops.errors import ParameterError
from nbops.notebook_file import read_notebook

GRID_KEY = "grid"
# Runs of one sweep nest under one MLflow parent, in one experiment: its name cannot vary.
FIXED_PER_SWEEP = ("EXPERIMENT_NAME",)
KINDS = ("int", "float", "choice")


@dataclass(frozen=True)
class Base:
    """A notebook's declared parameters and the values fixed for every run of a sweep."""

    notebook: Path
    declared: dict[str, params_mod.Parameter]
    fixed: dict[str, Any]  # the -f / -p values, coerced
    effective: dict[str, Any]  # defaults updated with `fixed`


@dataclass(frozen=True)
class Grid:
    """A validated grid: the values of each swept parameter, coerced, in the order given."""

    base: Base
    axes: dict[str, list[Any]] = field(default_factory=dict)

    def combinations(self) -> list[dict[str, Any]]:
        """Each run's fixed values updated with its grid point (the cartesian product)."""
        names = list(self.axes)
        points = itertools.product(*(self.axes[name] for name in names))
        return [{**self.base.fixed, **dict(zip(names, point, strict=True))} for point in points]


@dataclass(frozen=True)
class Dimension:
    """One parameter of a search space."""

    name: str
    kind: str  # int | float | choice
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    step: float | int | None = None
    choices: tuple[Any, ...] = ()


def load_base(
    notebook: Path, params_file: Path | None, cli_params: Mapping[str, Any]
) -> tuple[Base, dict[str, Any]]:
    """The notebook's parameters with the fixed values resolved, and the file's `grid:` table."""
    nb = read_notebook(notebook)
    declared = params_mod.declared_parameters(nb, notebook)
    file_values = params_mod.load_params_file(params_file) if params_file else {}
    file_grid = file_values.pop(GRID_KEY, None) or {}
    if not isinstance(file_grid, dict):
        raise ParameterError(f"{params_file}: `grid:` must map NAME to a list of values")
    effective = params_mod.resolve(declared, file_values, cli_params)
    given = set(file_values) | set(cli_params)
    fixed = {name: effective[name] for name in effective if name in given}
    return Base(notebook, declared, fixed, effective), file_grid


def parse_grid_options(options: Iterable[str]) -> dict[str, list[str]]:
    """`NAME=V1,V2` options as {NAME: [V1, V2]}; a name may be given once."""
    axes: dict[str, list[str]] = {}
    for option in options:
        name, sep, values = option.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--grid {option!r} is not NAME=V1,V2,...")
        if name in axes:
            raise ParameterError(f"--grid {name} is given twice: list all its values once")
        axes[name] = split_values(values)
    return axes


def split_values(text: str) -> list[str]:
    """Split `a,b,[1,2]` on the commas outside brackets."""
    values, depth, current = [], 0, ""
    for char in text:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            values.append(current.strip())
            current = ""
        else:
            current += char
    values.append(current.strip())
    return values


def build_grid(base: Base, axes: Mapping[str, Sequence[Any]]) -> Grid:
    """Validate every grid value against the declared parameters; raise ParameterError."""
    if not axes:
        raise ParameterError("nothing to sweep: give --grid NAME=V1,V2 (or grid: in the -f file)")
    checked: dict[str, list[Any]] = {}
    for name, values in axes.items():
        parameter = _declared(base, name)
        if not isinstance(values, list | tuple) or not values:
            raise ParameterError(f"grid {name} needs a list of values, got {values!r}")
        coerced = [params_mod.coerce(parameter, value) for value in values]
        duplicates = [v for i, v in enumerate(coerced) if v in coerced[:i]]
        if duplicates:
            raise ParameterError(f"grid {name} lists {duplicates[0]!r} twice")
        checked[name] = coerced
    return Grid(base, checked)


def _declared(base: Base, name: str) -> params_mod.Parameter:
    """The declared parameter `name`, which must not also be fixed or be fixed per sweep."""
    if name not in base.declared:
        params_mod.resolve(base.declared, {name: None})  # raises, naming the closest name
    if name in base.fixed:
        raise ParameterError(f"{name} is both swept and fixed (-p/-f): keep one")
    if name in FIXED_PER_SWEEP:
        raise ParameterError(f"{name} cannot vary within a sweep: its runs share one experiment")
    return base.declared[name]


def build_space(base: Base, space: Mapping[str, Any], source: str = "space") -> list[Dimension]:
    """Validate a search space (see the module docstring) against the declared parameters."""
    if not isinstance(space, Mapping) or not space:
        raise ParameterError(f"{source}: give a mapping of NAME: {{int|float|choice: ...}}")
    return [_dimension(base, str(name), entry, source) for name, entry in space.items()]


def _dimension(base: Base, name: str, entry: Any, source: str) -> Dimension:
    parameter = _declared(base, name)
    kinds = [kind for kind in KINDS if isinstance(entry, Mapping) and kind in entry]
    extra = set(entry) - {*KINDS, "log", "step"} if isinstance(entry, Mapping) else set()
    if len(kinds) != 1 or extra:
        raise ParameterError(
            f"{source}: {name} must be one of {{int: [low, high]}}, {{float: [low, high]}} "
            f"or {{choice: [a, b, ...]}} (optional log: true, step: N), got {entry!r}"
        )
    kind = kinds[0]
    if kind == "choice":
        options = entry["choice"]
        if not isinstance(options, list) or len(options) < 2:
            raise ParameterError(f"{source}: {name} choice needs a list of at least 2 values")
        return Dimension(
            name, kind, choices=tuple(params_mod.coerce(parameter, o) for o in options)
        )
    return _numeric(parameter, kind, entry, source)


def _numeric(parameter: params_mod.Parameter, kind: str, entry: Mapping, source: str) -> Dimension:
    name, types = parameter.name, set(parameter.types)
    allowed = {"int": {int, float, object}, "float": {float, object}}[kind]
    if not types & allowed:
        hint = "use int: [low, high]" if int in types else "use choice: [...]"
        raise ParameterError(f"{source}: {name} is declared {parameter.type_name}: {hint}")
    bounds = entry[kind]
    number = int if kind == "int" else (int, float)
    if (
        not isinstance(bounds, list)
        or len(bounds) != 2
        or not all(isinstance(b, number) and not isinstance(b, bool) for b in bounds)
        or not bounds[0] < bounds[1]
    ):
        raise ParameterError(f"{source}: {name} {kind} needs [low, high] with low < high")
    log, step = bool(entry.get("log", False)), entry.get("step")
    if log and bounds[0] <= 0:
        raise ParameterError(f"{source}: {name} log: true needs a low bound above 0")
    if step is not None and (not isinstance(step, number) or step <= 0 or log):
        raise ParameterError(f"{source}: {name} step must be a positive {kind} (not with log)")
    low, high = (float(b) for b in bounds) if kind == "float" else bounds
    return Dimension(name, kind, low, high, log, step)


def load_space(path: Path) -> dict[str, Any]:
    """A search space file (YAML mapping)."""
    return params_mod.load_params_file(path, what="search space file")
