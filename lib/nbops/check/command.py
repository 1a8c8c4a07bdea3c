"""`nbops check`: arguments, discovery, exit codes (0 clean, 1 findings, 2 unreadable)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from nbops.check.check import check_notebook
from nbops.check.config import CheckConfig, load_config
from nbops.check.diagnostics import Diagnostic
from nbops.check.output import FORMATS, RENDERERS, statistics, text
from nbops.check.registry import get_rule
from nbops.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, NotebookError
from nbops.project import DEFAULTS

DEFAULT_PATHS = ("templates", "notebooks")
SKIPPED_DIRS = (".ipynb_checkpoints", DEFAULTS["runs-dir"], "node_modules")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `nbops check` arguments to `parser`."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help=f"notebooks or folders to check (default: {' and '.join(DEFAULT_PATHS)})",
    )
    parser.add_argument(
        "--select", metavar="CODES", help="comma-separated codes or prefixes (NB2,NB301)"
    )
    parser.add_argument(
        "--ignore", metavar="CODES", help="comma-separated codes or prefixes to skip"
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument("--statistics", action="store_true", help="count findings per rule")
    parser.add_argument("--explain", metavar="CODE", help="print the documentation of a rule")
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PYPROJECT",
        help="pyproject.toml to read [tool.nbops.check] from (default: nearest)",
    )


def main(args: argparse.Namespace) -> int:
    """Run `nbops check` with parsed `args`; return the exit code."""
    if args.explain:
        found = get_rule(args.explain)
        print(f"# {found.name} ({found.code})\n\n{found.doc}")
        return EXIT_OK
    config = load_config(args.config).override(args.select, args.ignore)
    findings, unreadable = run(
        args.paths or [Path(p) for p in DEFAULT_PATHS], config, explicit=bool(args.paths)
    )
    if args.statistics:
        print(statistics(findings, unreadable))
    elif args.format == "text":
        print(text(findings, unreadable))
    else:
        print(RENDERERS[args.format](findings))
    if unreadable:
        return EXIT_BAD_INPUT
    return EXIT_FAILED if findings else EXIT_OK


def run(paths: list[Path], config: CheckConfig, explicit: bool = True) -> tuple[list, int]:
    """Check every notebook under `paths`; unreadable files get one stderr line each."""
    findings: list[Diagnostic] = []
    unreadable = 0
    for path in discover(paths, explicit):
        try:
            findings += check_notebook(path, config)
        except NotebookError as error:
            print(f"nbops: error: {error}", file=sys.stderr)
            unreadable += 1
    return findings, unreadable


def discover(paths: list[Path], explicit: bool = True) -> Iterator[Path]:
    """The notebooks to check: given files, and *.ipynb under given folders, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                found
                for found in path.rglob("*.ipynb")
                if not any(
                    part in SKIPPED_DIRS or part.startswith(".")
                    for part in found.relative_to(path).parts[:-1]
                )
            )
        elif path.exists() or explicit:
            yield path  # a missing file is reported as unreadable
