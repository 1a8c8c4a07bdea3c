"""Checker settings: `[tool.nbops.check]` in pyproject.toml, overridden by the command line."""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from nbops.errors import BadInputError
from nbops.project import Project

DEFAULT_ALLOWED_NUMBERS = (-1, 0, 1)
KNOWN_KEYS = ("select", "ignore", "allowed-numbers", "allowed-keywords", "per-file-ignores")


@dataclass(frozen=True)
class CheckConfig:
    """Which rules run and what they allow; the defaults suit the templates."""

    select: tuple[str, ...] = ("NB",)
    ignore: tuple[str, ...] = ()
    allowed_numbers: frozenset[float] = frozenset(DEFAULT_ALLOWED_NUMBERS)
    allowed_keywords: frozenset[str] = frozenset()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def enabled(self, code: str, path: str = "") -> bool:
        """True if `code` is selected and not ignored (the longer matching prefix wins)."""
        ignored = self.ignore + self.ignored_for(path)
        chosen = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        dropped = max((len(p) for p in ignored if code.startswith(p)), default=-1)
        return chosen > dropped

    def ignored_for(self, path: str) -> tuple[str, ...]:
        """The codes `per-file-ignores` turns off for `path`."""
        if not self.per_file_ignores:
            return ()
        posix = Path(path).as_posix()
        return tuple(
            code
            for pattern, codes in self.per_file_ignores.items()
            if fnmatch.fnmatch(posix, pattern) or fnmatch.fnmatch(Path(path).name, pattern)
            for code in codes
        )

    def override(self, select: str | None = None, ignore: str | None = None) -> CheckConfig:
        """A copy where comma-separated `--select` / `--ignore` replace the configured codes."""
        changes: dict = {}
        if select:
            changes["select"] = _codes(select.split(","), "--select")
        if ignore:
            changes["ignore"] = _codes(ignore.split(","), "--ignore")
        return replace(self, **changes)


def load_config(pyproject: Path | None = None) -> CheckConfig:
    """The settings in `[tool.nbops.check]` of `pyproject` (default: the project's)."""
    project = Project.load() if pyproject is None else _project_of(Path(pyproject))
    return config_from_table(project.check_settings, str(pyproject or project.pyproject))


def _project_of(path: Path) -> Project:
    """The settings in the file `path`: a `--config` file may have any name, and
    `Project.load` only reads a project root's pyproject.toml."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BadInputError(f"cannot read {path}: {error}") from error
    return Project(path.parent.resolve(), table.get("tool", {}).get("nbops", {}))


def config_from_table(settings: dict, source: str = "pyproject.toml") -> CheckConfig:
    """A CheckConfig from the `[tool.nbops.check]` table, rejecting unknown keys and bad values."""
    unknown = sorted(set(settings) - set(KNOWN_KEYS))
    if unknown:
        raise BadInputError(
            f"unknown key {unknown[0]!r} in [tool.nbops.check] of {source}: "
            f"expected one of {', '.join(KNOWN_KEYS)}"
        )
    config = CheckConfig()
    if "select" in settings:
        config = replace(config, select=_codes(settings["select"], "select"))
    if "ignore" in settings:
        config = replace(config, ignore=_codes(settings["ignore"], "ignore"))
    if "allowed-numbers" in settings:
        config = replace(config, allowed_numbers=_numbers(settings["allowed-numbers"]))
    if "allowed-keywords" in settings:
        config = replace(config, allowed_keywords=frozenset(_strings(settings["allowed-keywords"])))
    if "per-file-ignores" in settings:
        table = settings["per-file-ignores"]
        if not isinstance(table, dict):
            raise BadInputError("per-file-ignores in [tool.nbops.check] must be a table")
        ignores = {str(k): _codes(v, f"per-file-ignores.{k}") for k, v in table.items()}
        config = replace(config, per_file_ignores=ignores)
    return config


def _strings(values: object, key: str = "allowed-keywords") -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadInputError(f"{key} in [tool.nbops.check] must be a list of strings")
    return values


def _codes(values: object, key: str) -> tuple[str, ...]:
    codes = tuple(code.strip().upper() for code in _strings(values, key) if code.strip())
    bad = [code for code in codes if not code.startswith("NB")]
    if bad:
        raise BadInputError(f"{key}: {bad[0]!r} is not a rule code or prefix such as NB2 or NB201")
    return codes


def _numbers(values: object) -> frozenset[float]:
    ok = isinstance(values, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    )
    if not ok:
        raise BadInputError("allowed-numbers in [tool.nbops.check] must be a list of numbers")
    return frozenset(values)
