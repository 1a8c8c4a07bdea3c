"""`nbops sweep`: run the cartesian product of parameter grids as one sweep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nbops.sweep import html, spec
from nbops.sweep.drive import StopSignals, drive
from nbops.sweep.progress import Progress
from nbops.sweep.registration import child_overrides
from nbops.sweep.selection import RankingMetric, choose_metric, rank
from nbops.sweep.session import (
    Options,
    Session,
    check_options,
    conclude,
    environment_mirrors,
    experiment_name,
    open_executor,
)
from nbops.sweep.summary import default_direction, row_from_outcome
from nbops.sweep.task import FAILED, SUCCEEDED


def plan(
    notebook: Path,
    grid_options: Sequence[str],
    params_file: Path | None,
    cli_params: Mapping[str, Any],
) -> spec.Grid:
    """Validate the grid and the fixed values against the notebook (raises ParameterError)."""
    base, file_grid = spec.load_base(notebook, params_file, cli_params)
    axes: dict[str, Any] = dict(file_grid)
    for name, values in spec.parse_grid_options(grid_options).items():
        if name in axes:
            raise spec.ParameterError(f"{name} is in both --grid and the -f file's grid:")
        axes[name] = values
    return spec.build_grid(base, axes)


def sweep(
    options: Options,
    grid_options: Sequence[str],
    params_file: Path | None = None,
    cli_params: Mapping[str, Any] | None = None,
) -> int:
    """Validate, run every grid point, summarise; return 0 or raise (exit 1 or 130)."""
    check_options(options)
    grid = plan(options.notebook, grid_options, params_file, cli_params or {})
    ranking = choose_metric(
        options.metric, grid.base.effective, allow_test_selection=options.allow_test_selection
    )
    combinations = grid.combinations()
    with StopSignals() as signals:
        executor = open_executor(options)
        spec_record = {
            "grid": grid.axes,
            "fixed": grid.base.fixed,
            "jobs": options.jobs,
            "fail_fast": options.fail_fast,
        }
        session = Session(options, "sweep", spec_record)
        session.effective = dict(grid.base.effective)
        session.overrides = child_overrides(grid.base.declared)
        try:
            return _run(session, executor, grid, combinations, signals, ranking)
        finally:
            executor.close()


def _run(
    session: Session,
    executor: Any,
    grid: spec.Grid,
    combinations,
    signals,
    ranking: RankingMetric,
) -> int:
    options = session.options
    session.open_parent(experiment_name(grid.base.effective, options.notebook))
    from nbops.mlflow import sweep as mirror

    mirror.log_parent_params(
        session.parent, {f"grid.{k}": ",".join(map(str, v)) for k, v in grid.axes.items()}
    )
    pending = [session.task(i, params, "sweep") for i, params in enumerate(combinations, 1)]
    queue = iter(pending)
    mirrored = environment_mirrors(options)
    progress = Progress(len(pending), options.jobs, tty=options.tty)
    progress.note(f"sweep {session.folder.id}: {len(pending)} runs on {executor.where}")
    status = FAILED  # unless the loop says otherwise: an unexpected error is a failure
    outcomes: list = []
    try:
        result = drive(
            executor,
            lambda: next(queue, None),
            lambda outcome: session.add(outcome, mirrored),
            jobs=options.jobs,
            progress=progress,
            signals=signals,
            fail_fast=options.fail_fast,
        )
        outcomes = result.outcomes
        failed = any(o.status == FAILED for o in outcomes)
        status = result.stopped or (FAILED if failed else SUCCEEDED)
    finally:
        progress.close()
        rows = [row_from_outcome(o, list(grid.axes)) for o in sorted(outcomes, key=_index)]
        direction = options.direction or default_direction(ranking.name)
        ranked = rank(rows, ranking.name, direction)
        page = html.Page(
            f"Sweep {session.folder.id}",
            session.facts(executor),
            rows,
            list(grid.axes),
            ranking.name,
            direction,
            ranked.best,
        )
        page.rank_with(ranking, ranked)
        session.finish(status, rows, page, len(pending))
    return conclude(session, status, rows, ranked.best)


def _index(outcome) -> int:
    return outcome.task.index
