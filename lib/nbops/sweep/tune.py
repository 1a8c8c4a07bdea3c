"""`nbops tune`: Optuna (TPE, seeded) over a notebook's parameters, one trial per run.

The study lives in `<runs-dir>/optuna.db` (sqlite), named by --study (default: the notebook's
stem), so the same command again resumes it: `--trials N` adds N trials, and TPE learns from
every earlier one. Each invocation is a sweep folder of its own whose summary covers the whole
study. The sampler's seed is `--seed` plus the number of trials already in the study, so a
resumed study does not replay the random start-up trials of the first invocation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops import params as params_mod
from nbops.errors import BadInputError
from nbops.files import read_json
from nbops.mlflow import sweep as mirror
from nbops.project import RunFolder
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
from nbops.sweep.summary import Row, default_direction, row_from_outcome
from nbops.sweep.task import FAILED, SUCCEEDED, Outcome

STORE_FILE = "optuna.db"
DEFAULT_SEED = 42
TRIALS_PER_PARAMETER = 10  # finished trials per tuned parameter before importances are shown
_ATTR = "nbops."  # prefix of the study and trial attributes nbops keeps


def storage_url(runs_dir: Path) -> str:
    """The sqlite store of every study of the project."""
    return f"sqlite:///{(runs_dir / STORE_FILE).resolve().as_posix()}"


def plan(
    notebook: Path, space_file: Path, params_file: Path | None, cli_params: Mapping[str, Any]
) -> tuple[spec.Base, list[spec.Dimension], dict[str, Any]]:
    """Validate the search space and the fixed values against the notebook."""
    base, file_grid = spec.load_base(notebook, params_file, cli_params)
    if file_grid:
        raise BadInputError("tune takes its search space from --space, not a grid: in -f")
    raw = spec.load_space(space_file)
    return base, spec.build_space(base, raw, str(space_file)), raw


def open_study(options: Options, study_name: str, metric: str, direction: str, seed: int) -> Any:
    """Create or load the study; refuse one kept for another metric, direction or notebook."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    options.runs_dir.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        study_name=study_name,
        storage=storage_url(options.runs_dir),
        direction=direction,
        load_if_exists=True,
    )
    expected = {"metric": metric, "notebook": options.notebook.stem}
    for key, value in expected.items():
        kept = study.user_attrs.get(_ATTR + key)
        if kept is None:
            study.set_user_attr(_ATTR + key, value)
        elif kept != value:
            raise BadInputError(f"study {study_name} tunes {key} {kept}: use another --study")
    if study.direction.name.lower() != direction:
        raise BadInputError(
            f"study {study_name} is set to {study.direction.name.lower()}: "
            f"pass --direction {study.direction.name.lower()} or use another --study"
        )
    study.sampler = optuna.samplers.TPESampler(seed=seed + len(study.trials))
    return study


def suggest(trial: Any, dimension: spec.Dimension) -> Any:
    """Ask the trial for one parameter value."""
    if dimension.kind == "choice":
        return trial.suggest_categorical(dimension.name, list(dimension.choices))
    if dimension.kind == "int":
        step = dimension.step or 1
        return trial.suggest_int(
            dimension.name, dimension.low, dimension.high, step=step, log=dimension.log
        )
    return trial.suggest_float(
        dimension.name, dimension.low, dimension.high, step=dimension.step, log=dimension.log
    )


def tune(
    options: Options,
    space_file: Path,
    trials: int,
    metric: str | None,
    study_name: str | None = None,
    seed: int = DEFAULT_SEED,
    params_file: Path | None = None,
    cli_params: Mapping[str, Any] | None = None,
) -> int:
    """Validate, run `trials` more trials of the study, summarise; return 0 or raise."""
    check_options(options)
    if trials < 1:
        raise BadInputError(f"--trials must be at least 1, got {trials}")
    base, dimensions, raw_space = plan(options.notebook, space_file, params_file, cli_params or {})
    ranking = choose_metric(
        metric, base.effective, allow_test_selection=options.allow_test_selection
    )
    metric = ranking.name
    direction = options.direction or default_direction(metric)
    name = study_name or options.notebook.stem
    with StopSignals() as signals:
        executor = open_executor(options)
        try:
            study = open_study(options, name, metric, direction, seed)
            record = {
                "space": raw_space,
                "fixed": base.fixed,
                "trials": trials,
                "metric": metric,
                "direction": direction,
                "study": name,
                "storage": storage_url(options.runs_dir),
                "seed": seed,
                "jobs": options.jobs,
            }
            session = Session(options, "tune", record)
            session.effective = dict(base.effective)
            session.overrides = child_overrides(base.declared)
            return _run(session, executor, study, base, dimensions, trials, signals, ranking)
        finally:
            executor.close()


class _Trials:
    """The ask/tell bridge between the sweep loop and the Optuna study."""

    def __init__(self, session: Session, study: Any, base: spec.Base, dims, trials: int, metric):
        self.session, self.study, self.base, self.dims = session, study, base, dims
        self.left, self.metric = trials, metric
        self.asked: dict[int, Any] = {}

    def next_task(self):
        if self.left <= 0:
            return None
        self.left -= 1
        trial = self.study.ask()
        values = {d.name: suggest(trial, d) for d in self.dims}
        coerced = {n: params_mod.coerce(self.base.declared[n], v) for n, v in values.items()}
        trial.set_user_attr(_ATTR + "sweep_id", self.session.folder.id)
        self.asked[trial.number] = trial
        return self.session.task(trial.number, {**self.base.fixed, **coerced}, "trial")

    def tell(self, outcome: Outcome) -> None:
        from optuna.trial import TrialState

        trial = self.asked.pop(outcome.task.index)
        if outcome.run_id:
            trial.set_user_attr(_ATTR + "run_id", outcome.run_id)
        value = outcome.metrics.get(self.metric)
        if outcome.status == SUCCEEDED and _finite(value):
            self.study.tell(trial, float(value))
            return
        if outcome.status == SUCCEEDED:
            recorded = ", ".join(outcome.metrics) or "none"
            outcome.error = f"metric {self.metric} not recorded (recorded: {recorded})"
        trial.set_user_attr(_ATTR + "error", (outcome.error or outcome.status)[:500])
        self.study.tell(trial, state=TrialState.FAIL)

    def abandon(self) -> None:
        """Fail the trials that were asked but never came back (cancelled by an interrupt)."""
        from optuna.trial import TrialState

        for trial in self.asked.values():
            trial.set_user_attr(_ATTR + "error", "cancelled before it ran")
            self.study.tell(trial, state=TrialState.FAIL)
        self.asked.clear()


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _run(
    session: Session, executor, study, base, dims, trials: int, signals, ranking: RankingMetric
) -> int:
    options, metric = session.options, session.spec["metric"]
    direction = session.spec["direction"]
    parent_key = _ATTR + "mlflow_parent_run_id"
    experiment = experiment_name(base.effective, options.notebook)
    parent = session.open_parent(experiment, resume=study.user_attrs.get(parent_key))
    if parent is not None and study.user_attrs.get(parent_key) != parent.run_id:
        study.set_user_attr(parent_key, parent.run_id)
    mirror.log_parent_params(parent, {"study": study.study_name, "metric": metric})
    bridge = _Trials(session, study, base, dims, trials, metric)
    mirrored = environment_mirrors(options)
    progress = Progress(trials, options.jobs, tty=options.tty)
    progress.note(
        f"tune {session.folder.id}: {trials} trials of study {study.study_name} "
        f"({len(study.trials)} so far) on {executor.where}"
    )
    status, outcomes = FAILED, []  # unless the loop says otherwise

    def on_outcome(outcome: Outcome) -> None:
        bridge.tell(outcome)
        session.add(outcome, mirrored)

    swept = [d.name for d in dims]
    try:
        result = drive(
            executor,
            bridge.next_task,
            on_outcome,
            jobs=options.jobs,
            progress=progress,
            signals=signals,
            fail_fast=options.fail_fast,
        )
        outcomes = result.outcomes
        status = result.stopped or (
            FAILED if any(o.status == FAILED for o in outcomes) else SUCCEEDED
        )
    finally:
        progress.close()
        bridge.abandon()
        current = [row_from_outcome(o, swept) for o in sorted(outcomes, key=_index)]
        rows = study_rows(study, options.runs_dir, swept, metric)
        ranked_runs = rank(rows, metric, direction)
        notes: list[str] = []
        ranked = importances(study, notes, len(dims))
        page = html.Page(
            f"Study {study.study_name}: {session.folder.id}",
            {**session.facts(executor), "study": _study_text(study, options)},
            rows,
            swept,
            metric,
            direction,
            ranked_runs.best,
            history=[(t.number, t.value) for t in study.trials if t.value is not None],
            importances=ranked,
            notes=notes,
        )
        page.rank_with(ranking, ranked_runs)
        session.finish(status, current, page, trials)
    return conclude(session, status, current, ranked_runs.best)


def _index(outcome: Outcome) -> int:
    return outcome.task.index


def _study_text(study: Any, options: Options) -> str:
    return f"{study.study_name} in {options.runs_dir / STORE_FILE} ({len(study.trials)} trials)"


def study_rows(study: Any, runs_dir: Path, swept: list[str], metric: str) -> list[Row]:
    """One row per trial of the whole study, from its run folder when it is here."""
    rows = []
    for trial in sorted(study.trials, key=lambda t: t.number):
        run_id = trial.user_attrs.get(_ATTR + "run_id")
        folder = runs_dir / run_id if run_id else None
        record = read_json(RunFolder(folder).record, {}) if folder else {}
        metrics = read_json(RunFolder(folder).metrics, {}) if folder else {}
        if not metrics and trial.value is not None:
            metrics = {metric: trial.value}
        params = (read_json(RunFolder(folder).params, {}) if folder else {}) or trial.params
        state = {"COMPLETE": SUCCEEDED, "FAIL": FAILED}.get(trial.state.name, trial.state.name)
        rows.append(
            Row(
                run_id,
                (record or {}).get("status") or state.lower(),
                (record or {}).get("duration_s"),
                {name: params.get(name) for name in swept},
                metrics or {},
                trial.user_attrs.get(_ATTR + "error"),
                {"trial": trial.number},
            )
        )
    return rows


def importances(study: Any, notes: list[str], n_params: int) -> dict[str, float]:
    """Parameter importances (Optuna's fANOVA) once the study has at least
    TRIALS_PER_PARAMETER finished trials per tuned parameter; else a note says why not."""
    import optuna

    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    needed = TRIALS_PER_PARAMETER * max(1, n_params)
    if len(complete) < needed:
        notes.append(
            f"Parameter importances are not shown: {len(complete)} finished trial(s) for "
            f"{n_params} parameter(s), and a ranking needs at least {TRIALS_PER_PARAMETER} per "
            f"parameter ({needed}); with fewer, it mostly ranks noise."
        )
        return {}
    try:
        return dict(optuna.importance.get_param_importances(study))
    except Exception as exc:  # e.g. every finished trial has the same parameters
        notes.append(f"Parameter importances unavailable: {type(exc).__name__}: {exc}")
        return {}
