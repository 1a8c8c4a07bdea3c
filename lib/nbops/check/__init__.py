"""The notebook checker (`nbops check`): structure, hygiene, seed and leakage rules."""

from nbops.check.check import check_notebook
from nbops.check.command import add_arguments, main
from nbops.check.config import CheckConfig, load_config
from nbops.check.diagnostics import Diagnostic
from nbops.check.registry import all_rules, get_rule

__all__ = [
    "CheckConfig",
    "Diagnostic",
    "add_arguments",
    "all_rules",
    "check_notebook",
    "get_rule",
    "load_config",
    "main",
]
