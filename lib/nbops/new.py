"""`nbops new`: start a notebook from a template, and list the templates with their purpose.

A new notebook is the template with its title set from the notebook's name, fresh cell ids, and
nothing left from any execution (outputs, execution counts, papermill metadata). An existing
notebook is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4.nbbase import random_cell_id

from nbops.errors import BadInputError, NotebookError
from nbops.title import set_title, title_and_intro

NOTEBOOK_SUFFIX = ".ipynb"
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MAX_NAME = 100
CELL_IDS_MINOR = 5  # nbformat 4.5 introduced cell ids
_SENTENCE_END = re.compile(r"(?<=[.?!])\s")
# Execution state a template may carry; a new notebook starts without any of it.
RUN_KEYS = ("papermill", "execution", "widgets")


@dataclass(frozen=True)
class Template:
    """A template notebook: its name (file stem), path and one-line purpose."""

    name: str
    path: Path
    purpose: str


def list_templates(templates_dir: Path) -> list[Template]:
    """The templates in `templates_dir`, sorted by name, each with its one-line purpose."""
    return [
        Template(path.stem, path, purpose(_read(path)))
        for path in sorted(templates_dir.glob(f"*{NOTEBOOK_SUFFIX}"))
    ]


def purpose(nb: nbformat.NotebookNode) -> str:
    """The first sentence of the first paragraph after the notebook's `# ` title."""
    _title, intro = title_and_intro(nb.cells)
    return _SENTENCE_END.split(intro, maxsplit=1)[0] if intro else ""


def validate_notebook_name(name: str) -> str:
    """Accept a notebook name of letters, digits, '.', '_' and '-' (an .ipynb suffix is dropped)."""
    stem = name.removesuffix(NOTEBOOK_SUFFIX)
    if not _NAME_PATTERN.fullmatch(stem) or ".." in stem or len(stem) > _MAX_NAME:
        raise BadInputError(
            f"notebook name {name!r} is not allowed: use up to {_MAX_NAME} letters, digits, "
            "'.', '_' or '-', starting with a letter or digit (no folders)"
        )
    return stem


def title_from_name(name: str) -> str:
    """A readable title from a notebook name: `churn_v2` -> `Churn v2`."""
    words = re.sub(r"[_\-.]+", " ", name).strip()
    return words[:1].upper() + words[1:]


def new_notebook(template: str, name: str, *, templates_dir: Path, notebooks_dir: Path) -> Path:
    """Copy template `template` to `<notebooks_dir>/<name>.ipynb`, retitled and cleared."""
    stem = validate_notebook_name(name)
    source = _find_template(template, templates_dir)
    target = notebooks_dir / f"{stem}{NOTEBOOK_SUFFIX}"
    if target.exists():
        raise BadInputError(
            f"{shown_path(target)} already exists: choose another NAME or delete it"
        )
    nb = fresh_copy(_read(source), title=title_from_name(stem), template=source.stem)
    notebooks_dir.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8") as handle:  # "x": never overwrite, even racing
            nbformat.write(nb, handle)
    except FileExistsError:
        raise BadInputError(f"{shown_path(target)} already exists: choose another NAME") from None
    return target


def fresh_copy(nb: nbformat.NotebookNode, *, title: str, template: str) -> nbformat.NotebookNode:
    """`nb` retitled, with new cell ids and without outputs or execution metadata."""
    from nbstripout import strip_output

    nb = nbformat.from_dict(nb)
    nb.nbformat_minor = max(nb.nbformat_minor, CELL_IDS_MINOR)
    extra_keys = [f"{scope}.{key}" for scope in ("metadata", "cell.metadata") for key in RUN_KEYS]
    nb = strip_output(nb, keep_output=False, keep_count=False, keep_id=True, extra_keys=extra_keys)
    nb.metadata.setdefault("nbops", {})["template"] = template
    for cell in nb.cells:
        cell.id = random_cell_id()
    _set_title(nb, title)
    nbformat.validate(nb)
    return nb


def _set_title(nb: nbformat.NotebookNode, title: str) -> None:
    if not set_title(nb.cells, title):
        raise NotebookError("the template has no '# ' title in a markdown cell")


def _find_template(template: str, templates_dir: Path) -> Path:
    name = template.removesuffix(NOTEBOOK_SUFFIX)
    path = templates_dir / f"{name}{NOTEBOOK_SUFFIX}"
    if "/" not in name and "\\" not in name and path.is_file():
        return path
    available = ", ".join(t.stem for t in sorted(templates_dir.glob(f"*{NOTEBOOK_SUFFIX}")))
    raise BadInputError(f"unknown template {template!r}: choose one of {available or '(none)'}")


def _read(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except (OSError, ValueError) as exc:
        raise NotebookError(f"cannot read template {path.name}: {exc}") from None


def shown_path(path: Path) -> str:
    """`path` relative to the working directory when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()
