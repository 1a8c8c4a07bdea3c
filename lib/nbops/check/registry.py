"""The rule registry: `@rule("NB201", "magic-number")` registers a small checking function."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nbops.errors import BadInputError

if TYPE_CHECKING:
    from nbops.check.analysis import Notebook
    from nbops.check.config import CheckConfig
    from nbops.check.diagnostics import Diagnostic

Check = Callable[["Notebook", "CheckConfig"], Iterable["Diagnostic"]]

RULE_MODULES = (
    "structure",
    "hygiene",
    "seeds",
    *(f"rules.nb30{digit}" for digit in range(7)),
    "commit",
    "noqa",
)


@dataclass(frozen=True)
class Rule:
    """A registered rule: its code, kebab-case name and checking function."""

    code: str
    name: str
    check: Check

    @property
    def summary(self) -> str:
        """The first line of the rule's documentation."""
        return self.doc.splitlines()[0]

    @property
    def doc(self) -> str:
        """The rule's documentation (what it does, why it is bad, example, use instead)."""
        return inspect.getdoc(self.check) or self.name


_RULES: dict[str, Rule] = {}
_LOADED: list[bool] = []


def rule(code: str, name: str) -> Callable[[Check], Check]:
    """Register the decorated function as the check for `code`."""

    def register(check: Check) -> Check:
        if code in _RULES:
            raise ValueError(f"rule {code} is registered twice")
        _RULES[code] = Rule(code, name, check)
        return check

    return register


def all_rules() -> dict[str, Rule]:
    """Every rule, by code, in code order (imports the rule modules on first use)."""
    if not _LOADED:
        for module in RULE_MODULES:
            importlib.import_module(f"nbops.check.{module}")
        _LOADED.append(True)
    return dict(sorted(_RULES.items()))


def get_rule(code: str) -> Rule:
    """The rule for `code`, or a BadInputError naming the known codes."""
    rules = all_rules()
    if code.upper() not in rules:
        raise BadInputError(f"unknown rule {code!r}: known rules are {', '.join(rules)}")
    return rules[code.upper()]
