"""Notebook parameters: read the `parameters` cell, merge the sources, validate and coerce.

Sources, later wins: the defaults in the `parameters` cell < a YAML params file < `-p NAME VALUE`
(or `--set NAME=VALUE`) on the command line. Everything here is pure except reading files, so a
bad parameter is reported before any kernel starts.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbops.errors import NotebookError, ParameterError
from nbops.notebook_file import cell_source

PARAMETERS_TAG = "parameters"
_TYPE_NAMES = {
    object: "any",
    int: "int",
    float: "float",
    bool: "bool",
    str: "str",
    list: "list",
    type(None): "None",
}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_NULL = {"none", "null", "~", ""}


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its name, default, accepted types and trailing comment."""

    name: str
    default: Any
    types: tuple[type, ...]
    help: str = ""
    annotated_path: bool = False  # annotated `Path` (or `Path | None`)

    @property
    def is_input_path(self) -> bool:
        """A parameter naming a file to read: its name ends in `_PATH` or it is annotated Path."""
        return self.name.endswith("_PATH") or self.annotated_path

    @property
    def type_name(self) -> str:
        """The accepted types as the user reads them, e.g. `int` or `int | None`."""
        return " | ".join(_TYPE_NAMES[t] for t in self.types)


def parameters_cells(nb: Mapping) -> list[int]:
    """Indexes of the code cells tagged `parameters`."""
    return [
        index
        for index, cell in enumerate(nb["cells"])
        if cell.get("cell_type") == "code"
        and PARAMETERS_TAG in cell.get("metadata", {}).get("tags", [])
    ]


def declared_parameters(nb: Mapping, path: str | Path = "notebook") -> dict[str, Parameter]:
    """The parameters declared in the notebook's `parameters` cell, in order."""
    cells = parameters_cells(nb)
    if not cells:
        raise NotebookError(f"{path} has no code cell tagged 'parameters': tag the Configs cell")
    if len(cells) > 1:
        numbers = ", ".join(str(i + 1) for i in cells)
        raise NotebookError(f"{path} has {len(cells)} cells tagged 'parameters' (cells {numbers})")
    source = cell_source(nb["cells"][cells[0]])
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise NotebookError(f"{path}: the parameters cell is not valid Python: {exc}") from exc
    lines = source.splitlines()
    declared: dict[str, Parameter] = {}
    for node in tree.body:
        parameter = _parameter_from_node(node, lines)
        if parameter is not None:
            declared[parameter.name] = parameter
    return declared


def _parameter_from_node(node: ast.stmt, lines: list[str]) -> Parameter | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, annotation = node.targets[0], None
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target, annotation = node.target, node.annotation
    else:
        return None
    if not isinstance(target, ast.Name):
        return None
    try:
        default = ast.literal_eval(node.value)
    except ValueError:
        return None  # computed values are not parameters papermill could override
    types = _annotation_types(annotation) or _literal_types(default)
    comment = lines[node.lineno - 1].partition("#")[2].strip() if node.lineno <= len(lines) else ""
    annotated_path = annotation is not None and any(
        "Path" in (getattr(node, "id", None), getattr(node, "attr", None))
        for node in ast.walk(annotation)
    )
    return Parameter(target.id, default, types, comment, annotated_path)


def _literal_types(value: Any) -> tuple[type, ...]:
    if isinstance(value, tuple):
        return (list,)
    if value is None:
        return (type(None), object)  # `X = None` with no annotation: any value may replace it
    if isinstance(value, bool | int | float | str | list):
        return (type(value),)
    return (object,)


def _annotation_types(annotation: ast.expr | None) -> tuple[type, ...]:
    """Types named by a simple annotation such as `int`, `int | None` or `Optional[float]`."""
    if annotation is None:
        return ()
    names = {"int": int, "float": float, "bool": bool, "str": str, "list": list, "None": type(None)}
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left, right = _annotation_types(annotation.left), _annotation_types(annotation.right)
        return left + right if left and right else ()
    if isinstance(annotation, ast.Subscript) and getattr(annotation.value, "id", "") == "Optional":
        inner = _annotation_types(annotation.slice)
        return inner + (type(None),) if inner else ()
    if isinstance(annotation, ast.Subscript) and getattr(annotation.value, "id", "") == "list":
        return (list,)
    if isinstance(annotation, ast.Name) and annotation.id in names:
        return (names[annotation.id],)
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return (type(None),)
    return ()


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """Turn `NAME=VALUE` strings into a dict, rejecting ones without `=`."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"parameter {pair!r} is not NAME=VALUE")
        parsed[name.strip()] = value
    return parsed


_ASSIGNMENT_START = re.compile(r"(?:^|\s+)(?=[A-Za-z_][A-Za-z0-9_]*=)")


def split_params_string(text: str) -> list[str]:
    """`"A=1 TITLE=Bob's model"` -> `["A=1", "TITLE=Bob's model"]`: a new assignment begins
    where a `NAME=` token does, so values may hold spaces and quotes (no shell parsing)."""
    text = text.strip()
    if not text:
        return []
    pieces = [piece for piece in _ASSIGNMENT_START.split(text) if piece]
    if not _ASSIGNMENT_START.match(text):
        raise ParameterError(f"PARAMS {text!r} must start with NAME=VALUE")
    return [piece.strip() for piece in pieces]


def missing_input_paths(
    declared: Mapping[str, Parameter], effective: Mapping[str, Any], root: Path
) -> None:
    """Raise ParameterError for the first input-path parameter naming a file that is absent.

    Only non-empty strings are checked: an empty value means "none" in several templates.
    Relative paths are read from the project root, as the kernel does.
    """
    for name, parameter in declared.items():
        value = effective.get(name)
        if not parameter.is_input_path or not isinstance(value, str) or not value.strip():
            continue
        if "://" in value or value.startswith(("models:/", "runs:/")):
            continue
        path = Path(value).expanduser()
        if not (path if path.is_absolute() else Path(root) / path).exists():
            raise ParameterError(
                f"parameter {name}: {value!r} does not exist (paths are relative to the "
                f"project root {root})"
            )


def load_params_file(path: str | Path, what: str = "params file") -> dict[str, Any]:
    """Safe-load a YAML mapping of parameter values; errors call the file `what`."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{what} not found: {path}")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(f"{what} {path} is not valid YAML{where}: {problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read {what} {path}: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ParameterError(f"{what} {path} must be a mapping of NAME: value")
    return {str(name): value for name, value in loaded.items()}


def resolve(declared: Mapping[str, Parameter], *sources: Mapping[str, Any]) -> dict[str, Any]:
    """Merge defaults with the sources (later wins), validating names and coercing values."""
    effective = {name: parameter.default for name, parameter in declared.items()}
    for source in sources:
        for name, value in source.items():
            if name not in declared:
                raise ParameterError(_unknown_message(name, declared))
            effective[name] = coerce(declared[name], value)
    return effective


def _unknown_message(name: str, declared: Mapping[str, Parameter]) -> str:
    close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.6)
    if close:
        return f"unknown parameter {name}: did you mean {close[0]}?"
    known = ", ".join(declared) or "none"
    return f"unknown parameter {name}: the notebook declares {known}"


def coerce(parameter: Parameter, value: Any) -> Any:
    """Convert `value` (a CLI string or a YAML value) to one of the parameter's types."""
    for kind in _coercion_order(parameter.types):
        try:
            return _COERCERS[kind](value)
        except (TypeError, ValueError):
            continue
    raise ParameterError(f"parameter {parameter.name} expects {parameter.type_name}, got {value!r}")


def _coercion_order(types: tuple[type, ...]) -> list[type]:
    # None first (so "null" means None), then the declared types as written, `object` last.
    return sorted(types, key=lambda kind: (kind is object, kind is not type(None)))


def _to_none(value: Any) -> None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _NULL):
        return None
    raise ValueError(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value.strip().replace("_", ""))
    raise TypeError(value)


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return float(value.strip())
    raise TypeError(value)


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    raise TypeError(value)


def _to_list(value: Any) -> list:
    if isinstance(value, list | tuple):
        return list(value)
    if not isinstance(value, str):
        raise TypeError(value)
    text = value.strip()
    if not text:
        return []
    if text.startswith("["):
        import yaml

        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(value) from exc
        if isinstance(parsed, list):
            return parsed
        raise ValueError(value)
    return [item.strip() for item in text.split(",") if item.strip()]


def _to_any(value: Any) -> Any:
    """A value for an untyped parameter: a CLI string is read as a YAML scalar."""
    if not isinstance(value, str):
        return value
    import yaml

    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


_COERCERS = {
    object: _to_any,
    type(None): _to_none,
    bool: _to_bool,
    int: _to_int,
    float: _to_float,
    str: _to_str,
    list: _to_list,
}
