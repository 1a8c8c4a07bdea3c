"""The `nbops sweep` and `nbops tune` subcommands: parse arguments, call `grid.sweep` or
`tune.tune` once. Exit codes: 0 every run succeeded, 1 a run failed, 2 bad input (a grid value,
a space bound, an unreachable scheduler), 130 interrupted."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SPACE_HELP = (
    "YAML search space, one entry per parameter: NAME: {int: [low, high]} "
    "| {float: [low, high], log: true} | {choice: [a, b]} (optional step: N)"
)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register `sweep` and `tune`."""
    sweep = subparsers.add_parser(
        "sweep",
        help="run a notebook over a grid of parameter values (local processes or Dask)",
        description="Run NOTEBOOK once per point of the cartesian product of the --grid values; "
        "every run is an ordinary run folder, summarised in runs/<UTC>-<stem>-sweep[-NAME]/.",
    )
    sweep.add_argument("notebook", type=Path)
    sweep.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="values of one parameter (repeatable; commas inside [...] belong to a list value)",
    )
    _common(sweep)
    sweep.add_argument("--name", help="a name appended to the sweep folder and its run ids")
    sweep.add_argument("--metric", help="metric that picks the best run (default: the first)")
    sweep.set_defaults(handler=_cmd_sweep)

    tune = subparsers.add_parser(
        "tune",
        help="tune a notebook's parameters with Optuna (TPE); the study resumes where it stopped",
        description="Run --trials more trials of an Optuna study over NOTEBOOK's parameters; "
        "the study is kept in runs/optuna.db, so the same command again adds trials.",
    )
    tune.add_argument("notebook", type=Path)
    tune.add_argument("--space", type=Path, required=True, help=SPACE_HELP)
    tune.add_argument("--trials", type=int, required=True, help="how many trials to add")
    tune.add_argument("--metric", required=True, help="the recorded metric to optimise")
    tune.add_argument("--study", help="study name (default: the notebook's stem)")
    tune.add_argument("--seed", type=int, default=42, help="TPE sampler seed (default 42)")
    _common(tune)
    tune.add_argument("--name", help="a name appended to this invocation's sweep folder")
    tune.set_defaults(handler=_cmd_tune)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="fix a parameter for every run (repeatable)",
    )
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("-f", "--params-file", type=Path, help="YAML file of fixed values")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1)")
    parser.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler's workers"
    )
    parser.add_argument("--direction", choices=("maximize", "minimize"))
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first failed run")
    parser.add_argument("--runs-dir", type=Path, help="where run folders go (default: runs/)")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None)
    progress.add_argument("--no-progress", dest="progress", action="store_false")


def _options(args: argparse.Namespace):
    from nbops.params import parse_assignments
    from nbops.project import Project
    from nbops.sweep.session import Options

    project = Project.load()
    cli_params = {name: value for name, value in args.parameter}
    cli_params.update(parse_assignments(args.set))
    notebook = args.notebook if args.notebook.is_absolute() else Path.cwd() / args.notebook
    options = Options(
        notebook=notebook,
        root=project.root,
        runs_dir=(args.runs_dir or project.runs_dir).resolve(),
        jobs=args.jobs,
        scheduler=args.scheduler,
        name=args.name,
        fail_fast=args.fail_fast,
        metric=args.metric,
        direction=args.direction,
        tty=sys.stderr.isatty() if args.progress is None else args.progress,
    )
    return options, cli_params


def _cmd_sweep(args: argparse.Namespace) -> int:
    from nbops.sweep.grid import sweep

    options, cli_params = _options(args)
    return sweep(options, args.grid, args.params_file, cli_params)


def _cmd_tune(args: argparse.Namespace) -> int:
    from nbops.sweep.tune import tune

    options, cli_params = _options(args)
    return tune(
        options,
        args.space,
        args.trials,
        args.metric,
        study_name=args.study,
        seed=args.seed,
        params_file=args.params_file,
        cli_params=cli_params,
    )
