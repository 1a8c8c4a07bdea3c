"""The `nbops` command: parse arguments, call one function per subcommand, turn errors into exits.

One error boundary: a known `NbopsError` prints `nbops: error: <one line>` on stderr and returns
its exit code; `--verbose` adds the traceback. Tests call `main([...])` directly.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from nbops import __version__
from nbops.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, NbopsError

DEFAULT_NOTEBOOK = "templates/classification.ipynb"


def project_root() -> Path:
    """The project the command works on (see `nbops.kit.record.find_project_root`)."""
    from nbops.kit.record import find_project_root

    return find_project_root()


def _add_run(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="execute a notebook headless with validated parameters and keep the run",
        description="Execute NOTEBOOK with papermill into a new folder under runs/.",
    )
    parser.add_argument("notebook", nargs="?", default=DEFAULT_NOTEBOOK, type=Path)
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter (repeatable); coerced to the type declared in the notebook",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter as NAME=VALUE (repeatable; used by `make run-notebook PARAMS=...`)",
    )
    parser.add_argument("-f", "--params-file", type=Path, help="YAML file of parameter values")
    parser.add_argument("--name", help="a name appended to the run id (letters, digits, ._-)")
    parser.add_argument("--runs-dir", type=Path, help="where run folders go (default: runs/)")
    parser.add_argument("--threads", type=int, help="BLAS/OpenMP threads in the kernel (default 1)")
    parser.add_argument("--timeout", type=float, help="seconds a cell may run before it fails")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None)
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    parser.set_defaults(handler=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from nbops.params import parse_assignments
    from nbops.runner import RunRequest, run

    root = project_root()
    cli_params = {name: value for name, value in args.parameter}
    cli_params.update(parse_assignments(args.set))
    notebook = args.notebook if args.notebook.is_absolute() else Path.cwd() / args.notebook
    request = RunRequest(
        notebook=notebook,
        root=root,
        runs_dir=args.runs_dir or root / "runs",
        cli_params=cli_params,
        params_file=args.params_file,
        name=args.name,
        threads=args.threads,
        timeout=args.timeout,
        progress_bar=sys.stderr.isatty() if args.progress is None else args.progress,
    )
    result = run(request)
    metrics = json.loads((result.run_dir / "metrics.json").read_text(encoding="utf-8"))
    shown = ", ".join(f"{name}={_fmt(value)}" for name, value in metrics.items())
    print(f"run {result.record['id']} succeeded in {result.record['duration_s']:.1f} s")
    print(f"  folder:  {result.run_dir}")
    if shown:
        print(f"  metrics: {shown}")
    return 0


def _fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _add_runs(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("runs", help="list the runs kept under runs/")
    parser.add_argument("--runs-dir", type=Path, help="where run folders are (default: runs/)")
    parser.set_defaults(handler=_cmd_runs)


def _cmd_runs(args: argparse.Namespace) -> int:
    from nbops.runs import list_runs

    for record in list_runs(args.runs_dir or project_root() / "runs"):
        duration = record.get("duration_s")
        took = f"{duration:7.1f} s" if isinstance(duration, int | float) else "      - s"
        print(f"{record['id']:<60} {record['status']:<12} {took}  {record['notebook']}")
    return 0


def _add_reproduce(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="re-execute a run with nbval and check every cell's outputs are the same",
        description="Re-execute RUN's notebook.ipynb (strict nbval) and compare every output.",
    )
    parser.add_argument("run", help="a run folder, a run id, or 'latest'")
    parser.add_argument("--runs-dir", type=Path, help="where run folders are (default: runs/)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a cell may run")
    parser.set_defaults(handler=_cmd_reproduce)


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from nbops.reproduce import reproduce
    from nbops.runs import find

    root = project_root()
    run_dir = find(args.runs_dir or root / "runs", args.run)
    result = reproduce(run_dir, root, timeout=args.timeout)
    for note in result.environment:
        print(f"nbops: warning: {note}", file=sys.stderr)
    identical = result.cells_compared - len(result.differing)
    summary = f"{result.cells_compared} cells compared, {identical} identical ({run_dir.name})"
    if result.reproduced:
        print(f"reproduced: {summary}")
        return 0
    for cell in result.differing[:3]:
        print(f"cell {cell['cell']} differs:\n{cell['diff']}\n")
    print(f"nbops: error: not reproduced: {summary}", file=sys.stderr)
    return 1


def _add_export(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
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
    parser.set_defaults(handler=_cmd_export)


def _cmd_export(args: argparse.Namespace) -> int:
    from nbops.export import check, export

    root = project_root()
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
    parser = subparsers.add_parser(
        "new",
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
    parser.set_defaults(handler=_cmd_new)


def _cmd_new(args: argparse.Namespace) -> int:
    from nbops.errors import BadInputError
    from nbops.new import list_templates, new_notebook, shown_path

    root = project_root()
    templates_dir = args.templates_dir or root / "templates"
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
        notebooks_dir=args.notebooks_dir or root / "notebooks",
    )
    print(f"created {shown_path(path)} from the {args.template.removesuffix('.ipynb')} template")
    return 0


def _add_lab(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lab",
        help="start JupyterLab on 127.0.0.1 with the project's templates and Jupyter config",
        description="Start JupyterLab on 127.0.0.1 with the project's own Jupyter folders "
        "(.jupyter/, nothing in your home); File > New > Notebook from template lists templates/.",
    )
    parser.add_argument("--port", type=int, default=8888, help="port to listen on (default 8888)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.set_defaults(handler=_cmd_lab)


def _cmd_lab(args: argparse.Namespace) -> int:
    from nbops.lab import run_lab

    return run_lab(project_root(), port=args.port, open_browser=not args.no_browser)


def _add_check(subparsers: argparse._SubParsersAction) -> None:
    from nbops import check

    parser = subparsers.add_parser(
        "check",
        help="lint notebooks: sections, magic numbers, seeds, leakage, commit hygiene",
        description="Check notebooks statically (nothing is executed). Exit 1 on findings.",
    )
    check.add_arguments(parser)
    parser.set_defaults(handler=check.main)


def _add_registry(subparsers: argparse._SubParsersAction) -> None:
    from nbops import registry, serving

    parser = subparsers.add_parser(
        "registry",
        help="registered models: list, versions NAME, promote NAME VERSION, compare NAME V1 V2",
        description="The MLflow model registry of MLFLOW_TRACKING_URI or runs/mlflow.db.",
    )
    registry.add_arguments(parser)
    parser.set_defaults(handler=registry.main)
    serving.add_parsers(subparsers)  # serve, predict, ui


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
    _add_reproduce(subparsers)
    _add_check(subparsers)
    _add_export(subparsers)
    _add_new(subparsers)
    _add_lab(subparsers)
    _add_registry(subparsers)
    from nbops.sweep import command as sweep_command  # sweep, tune

    sweep_command.add_parsers(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `nbops` command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except NbopsError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"nbops: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("nbops: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
