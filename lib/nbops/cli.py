"""The `nbops` command: parse arguments, call one function per subcommand, turn errors into exits.

Every subcommand is registered alike: `_add_<name>` builds its parser and `_cmd_<name>` calls the
feature module (imported inside, so `nbops --help` and `nbops check` start fast). Paths default to
the project's `[tool.nbops]` settings (`nbops.project.Project`). One error boundary: a known
`NbopsError` prints `nbops: error: <one line>` on stderr and returns its exit code; `--verbose`
adds the traceback. Tests call `main([...])` directly.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from nbops import __version__
from nbops.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    BadInputError,
    NbopsError,
)
from nbops.project import Project

DEFAULT_TEMPLATE = "classification.ipynb"  # what `nbops run` executes without a NOTEBOOK
SERVE_PORT = 5001
UI_PORT = 5000
LAB_PORT = 8888


def _positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (thread counts)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _command(
    subparsers: argparse._SubParsersAction,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    help: str,
    description: str = "",
) -> argparse.ArgumentParser:
    """Register subcommand `name`, run by `handler(args)`; return its parser for the arguments."""
    parser = subparsers.add_parser(name, help=help, description=description or None)
    parser.set_defaults(handler=handler)
    return parser


def _runs_dir(args: argparse.Namespace, project: Project | None = None) -> Path:
    """--runs-dir when given, else the project's `runs-dir`."""
    return args.runs_dir or (project or Project.load()).runs_dir


def _runs_dir_option(parser: argparse.ArgumentParser) -> None:
    """--runs-dir, read back by `_runs_dir(args)`."""
    parser.add_argument(
        "--runs-dir",
        type=Path,
        help="the runs folder: run folders and the embedded MLflow store (default: runs/)",
    )


def _params_options(parser: argparse.ArgumentParser, applies: str) -> None:
    """--params, -p, --set and -f: parameter values, merged by `_cli_params(args)`."""
    parser.add_argument(
        "--params",
        default="",
        metavar='"A=1 B=x"',
        help=f"several NAME=VALUE assignments in one string {applies}; a new one starts at each "
        "NAME= (values may hold spaces and quotes; used by `make ... PARAMS=...`)",
    )
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help=f"set a parameter {applies} (repeatable); coerced to its declared type",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"set a parameter as NAME=VALUE {applies} (repeatable)",
    )
    parser.add_argument(
        "-f", "--params-file", type=Path, help=f"YAML file of parameter values {applies}"
    )


def _cli_params(args: argparse.Namespace) -> dict[str, str]:
    """The values of --params, then -p, then --set (later wins); -f is read by the feature."""
    from nbops.params import parse_assignments, split_params_string

    values = parse_assignments(split_params_string(args.params))
    values.update({name: value for name, value in args.parameter})
    values.update(parse_assignments(args.set))
    return values


def _progress_options(parser: argparse.ArgumentParser) -> None:
    """--progress / --no-progress (default: a progress bar when stderr is a terminal)."""
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None)
    progress.add_argument("--no-progress", dest="progress", action="store_false")


def _show_progress(args: argparse.Namespace) -> bool:
    """Whether to draw progress: as asked, else when stderr is a terminal."""
    return sys.stderr.isatty() if args.progress is None else args.progress


def _add_run(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "run",
        _cmd_run,
        help="execute a notebook headless with validated parameters and keep the run",
        description="Execute NOTEBOOK with papermill into a new folder under runs/.",
    )
    parser.add_argument("notebook", nargs="?", type=Path)
    _params_options(parser, "for this run")
    parser.add_argument("--name", help="a name appended to the run id (letters, digits, ._-)")
    _runs_dir_option(parser)
    parser.add_argument(
        "--threads", type=_positive_int, help="BLAS/OpenMP threads in the kernel (default 1)"
    )
    parser.add_argument("--timeout", type=float, help="seconds a cell may run before it fails")
    _progress_options(parser)


def _cmd_run(args: argparse.Namespace) -> int:
    from nbops.run.runner import RunRequest, run

    project = Project.load()
    notebook = args.notebook or project.templates_dir / DEFAULT_TEMPLATE
    notebook = notebook if notebook.is_absolute() else Path.cwd() / notebook
    request = RunRequest(
        notebook=notebook,
        root=project.root,
        runs_dir=_runs_dir(args, project),
        cli_params=_cli_params(args),
        params_file=args.params_file,
        name=args.name,
        threads=args.threads,
        timeout=args.timeout,
        progress_bar=_show_progress(args),
    )
    try:
        result = run(request)
    finally:
        _refresh_gallery(request.runs_dir)
    from nbops.run.closing import closing_lines

    print("\n".join(closing_lines(result.run_dir, result.record)))
    print(f"  folder:  {result.run_dir}")
    return 0


def _refresh_gallery(runs_dir: Path) -> None:
    """Bring <runs-dir>/index.html up to date (never fails the command that ran)."""
    if runs_dir.is_dir() and os.access(runs_dir, os.W_OK):  # else the run said why already
        from nbops.gallery.index import refresh_quietly

        refresh_quietly(runs_dir)


def _add_runs(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers, "runs", _cmd_runs, help="list the runs and sweeps kept under runs/"
    )
    _runs_dir_option(parser)
    parser.add_argument("--notebook", help="only the runs of this notebook (path or stem)")
    parser.add_argument("--status", help="only runs with this status (succeeded, failed...)")
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")


def _cmd_runs(args: argparse.Namespace) -> int:
    from nbops.gallery.listing import list_runs

    runs_dir = _runs_dir(args)
    shown = list_runs(runs_dir, notebook=args.notebook, status=args.status, fmt=args.format)
    sys.stdout.write(shown)
    return 0


def _add_gallery(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "gallery",
        _cmd_gallery,
        help="write runs/index.html: every run and sweep on one offline page",
    )
    _runs_dir_option(parser)


def _cmd_gallery(args: argparse.Namespace) -> int:
    from nbops.gallery.index import refresh

    print(refresh(_runs_dir(args), force=True))
    return 0


def _add_reproduce(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "reproduce",
        _cmd_reproduce,
        help="re-execute a run with nbval and check every cell's outputs are the same",
        description="Re-execute RUN's notebook.ipynb (strict nbval) and compare every output.",
    )
    parser.add_argument("run", help="a run folder, a run id, or 'latest'")
    _runs_dir_option(parser)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a cell may run")
    parser.add_argument(
        "--threads",
        type=_positive_int,
        help="BLAS/OpenMP threads for the re-execution (default: the run's own)",
    )


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from nbops.reproduce import reproduce
    from nbops.runs import find

    project = Project.load()
    run_dir = find(_runs_dir(args, project), args.run)
    result = reproduce(run_dir, project.root, timeout=args.timeout, threads=args.threads)
    for note in result.environment:
        print(f"nbops: warning: {note}", file=sys.stderr)
    identical = result.cells_compared - len(result.differing)
    summary = f"{result.cells_compared} cells compared, {identical} identical"
    if result.cells_not_run:
        cells = "1 code cell" if result.cells_not_run == 1 else f"{result.cells_not_run} code cells"
        summary += f"; {cells} the run never reached, not compared"
    summary += f" ({run_dir.name})"
    if result.reproduced:
        print(f"reproduced: {summary}")
        return 0
    for cell in result.differing[:3]:
        print(f"cell {cell['cell']} differs:\n{cell['diff']}\n")
    print(f"nbops: error: not reproduced: {summary}", file=sys.stderr)
    return 1


def _add_export(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "export",
        _cmd_export,
        help="write the cells marked `#| export <module>` into the export package under lib/",
        description="Write notebook cells marked `#| export <module>` (or tagged export:<module>) "
        "into lib/<package>/<module>.py, package named by [tool.nbops] export-package. "
        "Exit codes: 0 done or in sync, 1 --check found differences, 2 bad input "
        "(two notebooks export one module, a cell is not plain Python, no export-package).",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 naming each module that is out of date, missing or orphaned",
    )
    mode.add_argument(
        "--prune", action="store_true", help="also remove generated modules no notebook exports"
    )


def _cmd_export(args: argparse.Namespace) -> int:
    from nbops.export import check, export

    root = Project.load().root
    if args.check:
        findings = check(root)
        for finding in findings:
            print(finding)
        if findings:
            print(
                f"nbops: error: {len(findings)} file(s) out of sync: run `nbops export`",
                file=sys.stderr,
            )
            return 1
        print("export: the export package is in sync with the notebooks")
        return 0
    report = export(root, prune=args.prune)
    for path in report.written:
        print(f"wrote {path}")
    for path in report.orphans:
        if path in report.removed:
            print(f"removed {path} (orphaned: no notebook exports it any more)")
        else:
            print(
                f"nbops: warning: {path}: orphaned, no notebook exports it any more "
                "(`nbops export --prune` removes it)",
                file=sys.stderr,
            )
    print(f"export: {len(report.written)} written, {len(report.unchanged)} unchanged")
    return 0


def _add_new(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "new",
        _cmd_new,
        help="start notebooks/NAME.ipynb from a template (--list shows the templates)",
        description="Copy templates/TEMPLATE.ipynb to notebooks/NAME.ipynb with the title set "
        "from NAME, fresh cell ids and no outputs. Never overwrites an existing notebook.",
    )
    parser.add_argument("template", nargs="?", help="template name, e.g. classification")
    parser.add_argument("name", nargs="?", help="notebook name: letters, digits, '.', '_', '-'")
    parser.add_argument("--list", action="store_true", help="list the templates and their purpose")
    parser.add_argument(
        "--templates-dir", type=Path, help="where templates are (default: templates/)"
    )
    parser.add_argument(
        "--notebooks-dir", type=Path, help="where the notebook goes (default: notebooks/)"
    )


def _cmd_new(args: argparse.Namespace) -> int:
    from nbops.new import list_templates, new_notebook, shown_path

    project = Project.load()
    templates_dir = args.templates_dir or project.templates_dir
    if args.list:
        templates = list_templates(templates_dir)
        width = max((len(t.name) for t in templates), default=0)
        for template in templates:
            print(f"{template.name:<{width}}  {template.purpose}")
        return 0
    if not args.template or not args.name:
        raise BadInputError("give a TEMPLATE and a NAME (`nbops new classification churn`)")
    path = new_notebook(
        args.template,
        args.name,
        templates_dir=templates_dir,
        notebooks_dir=args.notebooks_dir or project.notebooks_dir,
    )
    print(f"created {shown_path(path)} from the {args.template.removesuffix('.ipynb')} template")
    return 0


def _add_lab(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "lab",
        _cmd_lab,
        help="start JupyterLab on 127.0.0.1 with the project's templates and Jupyter config",
        description="Start JupyterLab on 127.0.0.1 with the project's own Jupyter folders "
        "(.jupyter/, nothing in your home); File > New > Notebook from template lists templates/.",
    )
    parser.add_argument(
        "--port", type=int, default=LAB_PORT, help=f"port to listen on (default {LAB_PORT})"
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")


def _cmd_lab(args: argparse.Namespace) -> int:
    from nbops.lab import run_lab

    return run_lab(Project.load().root, port=args.port, open_browser=not args.no_browser)


def _add_check(subparsers: argparse._SubParsersAction) -> None:
    from nbops import check

    parser = _command(
        subparsers,
        "check",
        check.main,
        help="lint notebooks: sections, magic numbers, seeds, leakage, commit hygiene",
        description="Check notebooks statically (nothing is executed). Exit 1 on findings.",
    )
    check.add_arguments(parser)


def _add_registry(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "registry",
        _cmd_registry,
        help="registered models: list, versions NAME, promote NAME VERSION, compare NAME V1 V2",
        description="The MLflow model registry of MLFLOW_TRACKING_URI or runs/mlflow.db.",
    )
    common = argparse.ArgumentParser(add_help=False)
    _runs_dir_option(common)
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    add = actions.add_parser
    add("list", help="registered models with their versions and aliases", parents=[common])
    versions = add("versions", help="versions of NAME: metrics, aliases", parents=[common])
    versions.add_argument("name")
    promote = add("promote", help="point NAME@ALIAS at VERSION", parents=[common])
    promote.add_argument("name")
    promote.add_argument("version")
    promote.add_argument("--alias", default="champion", help="alias (default champion)")
    compare = add("compare", help="parameters and metrics of two versions", parents=[common])
    compare.add_argument("name")
    compare.add_argument("first", metavar="V1")
    compare.add_argument("second", metavar="V2")
    for action, sub in actions.choices.items():
        sub.set_defaults(action=action)


def _cmd_registry(args: argparse.Namespace) -> int:
    from nbops.mlflow import registry
    from nbops.mlflow.store import connect

    client = connect(_runs_dir(args))
    if args.action == "list":
        print(registry.render_models(registry.list_models(client)))
    elif args.action == "versions":
        print(registry.render_versions(args.name, registry.versions(client, args.name)))
    elif args.action == "promote":
        previous = registry.promote(client, args.name, args.version, args.alias)
        was = f" (was version {previous})" if previous else ""
        print(f"models:/{args.name}@{args.alias} -> version {args.version}{was}")
    else:
        first = registry.get_version(client, args.name, args.first)
        second = registry.get_version(client, args.name, args.second)
        print(registry.render_compare(args.name, first, second))
    return 0


def _model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="model URI: models:/NAME@ALIAS, models:/NAME/VERSION, ...")


def _add_serve(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "serve",
        _cmd_serve,
        help="serve MODEL over REST on 127.0.0.1 (mlflow models serve)",
        description="Serve MODEL (e.g. models:/NAME@champion) with `mlflow models serve` in the "
        "project's environment; POST /invocations. Ctrl-C stops it and every child process.",
    )
    _model_argument(parser)
    parser.add_argument("--port", type=int, default=SERVE_PORT, help=f"default {SERVE_PORT}")
    _runs_dir_option(parser)


def _cmd_serve(args: argparse.Namespace) -> int:
    from nbops.mlflow.serve import serve_model

    return serve_model(args.model, args.port, _runs_dir(args))


def _add_predict(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "predict",
        _cmd_predict,
        help="score a CSV/parquet file in batch with MODEL",
        description="Check INPUT against MODEL's signature, score it, and write INPUT's columns "
        "plus a prediction column to OUTPUT. Nothing is written when a check fails.",
    )
    _model_argument(parser)
    parser.add_argument("input", help="CSV or parquet file to score")
    parser.add_argument("output", help="CSV or parquet file to write")
    parser.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    _runs_dir_option(parser)


def _cmd_predict(args: argparse.Namespace) -> int:
    import os

    from nbops.mlflow.predict import predict
    from nbops.mlflow.store import model_store_uri
    from nbops.project import MLFLOW_URI_ENV

    missing = [name for name in ("input", "output") if not getattr(args, name).strip()]
    if missing:
        names = " and ".join(name.upper() for name in missing)
        raise BadInputError(f"give {names}: the CSV/parquet file to score and the file to write")
    os.environ[MLFLOW_URI_ENV] = model_store_uri(args.model, _runs_dir(args))
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    rows = predict(args.model, Path(args.input), Path(args.output), force=args.force)
    print(f"wrote {rows} predictions to {args.output}")
    return 0


def _add_ui(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "ui",
        _cmd_ui,
        help="the MLflow UI on 127.0.0.1 for the project's tracking store",
        description="Start `mlflow ui` on 127.0.0.1 for MLFLOW_TRACKING_URI or runs/mlflow.db.",
    )
    parser.add_argument("--port", type=int, default=UI_PORT, help=f"default {UI_PORT}")
    _runs_dir_option(parser)


def _cmd_ui(args: argparse.Namespace) -> int:
    from nbops.mlflow.serve import serve_ui

    return serve_ui(args.port, _runs_dir(args))


def _add_server(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "server",
        _cmd_server,
        help="an MLflow tracking server for a team (PostgreSQL or the project's store)",
        description="Create or upgrade the tracking schema in --backend, then run `mlflow server` "
        "with artifacts served by it, on 127.0.0.1 unless --host is given. Prints the "
        "MLFLOW_TRACKING_URI line each machine exports. Ctrl-C stops it.",
    )
    parser.add_argument(
        "--backend",
        metavar="URI",
        help="the database: postgresql://USER@HOST:PORT/DB (default: the project's runs/mlflow.db)",
    )
    parser.add_argument(
        "--artifacts",
        metavar="DIR_OR_URI",
        help="where the server keeps artifacts (default: runs/mlartifacts)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=UI_PORT, help=f"default {UI_PORT}")
    parser.add_argument(
        "--allowed-hosts",
        metavar="H1,H2",
        help="Host headers accepted with --host (default: this machine's names)",
    )
    _runs_dir_option(parser)


def _cmd_server(args: argparse.Namespace) -> int:
    from nbops.mlflow.server import serve_tracking

    return serve_tracking(
        _runs_dir(args),
        backend=args.backend,
        artifacts=args.artifacts,
        host=args.host,
        port=args.port,
        allowed_hosts=args.allowed_hosts,
    )


def _add_sync(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "sync",
        _cmd_sync,
        help="push runs to a tracking server later (those it missed, or a whole project)",
        description="Push RUN (default: every finished, tracked run) to the server of --to or "
        "MLFLOW_TRACKING_URI: records, files, models and registry versions. A run already "
        "there is left as it is, a run the server got half of is completed.",
    )
    parser.add_argument("runs", nargs="*", metavar="RUN", help="run folder, run id or 'latest'")
    parser.add_argument("--to", metavar="URI", help="the tracking server (MLFLOW_TRACKING_URI)")
    _runs_dir_option(parser)


def _cmd_sync(args: argparse.Namespace) -> int:
    from nbops.mlflow.sync import sync_runs, target_uri

    project = Project.load()
    runs_dir = _runs_dir(args, project)
    uri = target_uri(args.to, runs_dir)
    failed = 0
    for synced in sync_runs(runs_dir, project.root, args.runs, uri):
        where = f" (MLflow run {synced.mlflow_run_id})" if synced.mlflow_run_id else ""
        print(f"{synced.run}: {synced.outcome}{where}")
        if synced.error:
            failed += 1
            print(f"nbops: error: {synced.run}: {synced.error}", file=sys.stderr)
    return EXIT_FAILED if failed else 0


SPACE_HELP = (
    "YAML search space, one entry per parameter: NAME: {int: [low, high]} "
    "| {float: [low, high], log: true} | {choice: [a, b]} (optional step: N)"
)


def _add_sweep(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "sweep",
        _cmd_sweep,
        help="run a notebook over a grid of parameter values (local processes or Dask)",
        description="Run NOTEBOOK once per point of the cartesian product of the --grid values; "
        "every run is an ordinary run folder, summarised in runs/<UTC>-<stem>-sweep[-NAME]/.",
    )
    parser.add_argument("notebook", type=Path)
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="values of one parameter (repeatable, or several in one string: "
        '"A=1,2 B=x,y"; commas inside [...] belong to a list value)',
    )
    _sweep_options(parser)
    parser.add_argument("--name", help="a name appended to the sweep folder and its run ids")
    parser.add_argument(
        "--metric",
        help="metric that ranks the runs (default: val_<GATE_METRIC>, a validation score)",
    )


def _add_tune(subparsers: argparse._SubParsersAction) -> None:
    parser = _command(
        subparsers,
        "tune",
        _cmd_tune,
        help="tune a notebook's parameters with Optuna (TPE); the study resumes where it stopped",
        description="Run --trials more trials of an Optuna study over NOTEBOOK's parameters; "
        "the study is kept in runs/optuna.db, so the same command again adds trials.",
    )
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--space", type=Path, required=True, help=SPACE_HELP)
    parser.add_argument("--trials", type=int, required=True, help="how many trials to add")
    parser.add_argument(
        "--metric", help="the recorded metric to optimise (default: val_<GATE_METRIC>)"
    )
    parser.add_argument("--study", help="study name (default: the notebook's stem)")
    parser.add_argument("--seed", type=int, default=42, help="TPE sampler seed (default 42)")
    _sweep_options(parser)
    parser.add_argument("--name", help="a name appended to this invocation's sweep folder")


def _sweep_options(parser: argparse.ArgumentParser) -> None:
    """The options `sweep` and `tune` share: fixed values, executor, stopping, progress."""
    _params_options(parser, "for every run")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1)")
    parser.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler's workers"
    )
    parser.add_argument("--direction", choices=("maximize", "minimize"))
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first failed run")
    parser.add_argument(
        "--allow-test-selection",
        action="store_true",
        help="let a test-split score rank the runs (every page then says so)",
    )
    parser.add_argument(
        "--no-register",
        dest="register",
        action="store_false",
        help="do not register the best run at the end (runs never register themselves)",
    )
    _runs_dir_option(parser)
    _progress_options(parser)


def _sweep_session(args: argparse.Namespace):
    """The sweep's options and the fixed parameter values given on the command line."""
    from nbops.sweep.session import Options

    project = Project.load()
    notebook = args.notebook if args.notebook.is_absolute() else Path.cwd() / args.notebook
    options = Options(
        notebook=notebook,
        root=project.root,
        runs_dir=_runs_dir(args, project).resolve(),
        jobs=args.jobs,
        scheduler=args.scheduler,
        name=args.name,
        fail_fast=args.fail_fast,
        metric=args.metric,
        direction=args.direction,
        tty=_show_progress(args),
        allow_test_selection=args.allow_test_selection,
        register=args.register,
    )
    return options, _cli_params(args)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from nbops.sweep.grid import sweep

    options, cli_params = _sweep_session(args)
    return sweep(options, _grid_options(args.grid), args.params_file, cli_params)


def _grid_options(texts: Sequence[str]) -> list[str]:
    """Each --grid may hold several NAME=V1,V2 entries, a new one at each NAME= (`make sweep`)."""
    from nbops.params import split_params_string

    entries: list[str] = []
    for text in texts:
        try:
            entries += split_params_string(text)
        except BadInputError:  # not NAME=...: the sweep names the bad --grid itself
            entries.append(text)
    return entries


def _cmd_tune(args: argparse.Namespace) -> int:
    from nbops.sweep.tune import tune

    options, cli_params = _sweep_session(args)
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `nbops` command."""
    parser = argparse.ArgumentParser(
        prog="nbops", description="Notebook-first MLOps: run, record, check and track notebooks."
    )
    parser.add_argument("--version", action="version", version=f"nbops {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_run(subparsers)
    _add_runs(subparsers)
    _add_gallery(subparsers)
    _add_reproduce(subparsers)
    _add_check(subparsers)
    _add_export(subparsers)
    _add_new(subparsers)
    _add_lab(subparsers)
    _add_registry(subparsers)
    _add_serve(subparsers)
    _add_predict(subparsers)
    _add_ui(subparsers)
    _add_server(subparsers)
    _add_sync(subparsers)
    _add_sweep(subparsers)
    _add_tune(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `nbops` command and return its exit code."""
    stdout = sys.stdout
    sys.stdout = _UntilReaderLeaves(stdout)
    try:
        return _main(argv)
    except KeyboardInterrupt:  # before a command started (its own interrupts are handled there)
        print("nbops: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        sys.stdout = stdout


class _UntilReaderLeaves:
    """stdout, except that once its reader has gone (`nbops runs | head -1`), the rest of the
    output is dropped: the command ends as it would have, with its own exit code, in silence."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._drop_the_rest()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._drop_the_rest()

    def _drop_the_rest(self) -> None:
        os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        code = args.handler(args)
        sys.stdout.flush()  # the last of the output, while a closed pipe can still be dropped
        return code
    except NbopsError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"nbops: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("nbops: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # full disk, read-only folder...: one line, not a traceback
        if args.verbose:
            traceback.print_exc()
        where = f": {exc.filename}" if exc.filename else ""
        print(f"nbops: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_FAILED
