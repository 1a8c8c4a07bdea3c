"""MLflow from inside a notebook: log the fitted pipeline, gate its registration, keep tables.

Under `nbops run` the runner has opened an MLflow run and passed its id (MLFLOW_RUN_ID) and
store (MLFLOW_TRACKING_URI) to the kernel, so these helpers log into that run. Opened
interactively, they open a run of their own in the project's embedded store
(`runs/mlflow.db`, artifacts under `runs/mlartifacts/`) unless MLFLOW_TRACKING_URI says otherwise.
NBOPS_TRACKING=off turns them into no-ops that say so. mlflow is imported only when used.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from nbops.kit.record import project_root, run_dir

TRACKING_ENV = "NBOPS_TRACKING"
URI_ENV = "MLFLOW_TRACKING_URI"
RUN_ID_ENV = "MLFLOW_RUN_ID"
STORE_FILE = "mlflow.db"
ARTIFACTS_DIR = "mlartifacts"
CHALLENGER = "challenger"
TABLES_DIR = "tables"
# What a served or batch-scored pipeline needs; listed so log_model skips its slow inference.
MODEL_REQUIREMENTS = ("mlflow", "scikit-learn", "skops", "pandas", "numpy", "scipy")
_OFF = {"off", "0", "false", "no"}


def tracking_enabled() -> bool:
    """False when NBOPS_TRACKING is off/0/false/no."""
    return os.environ.get(TRACKING_ENV, "on").strip().lower() not in _OFF


def default_tracking_uri(runs_dir: Path) -> str:
    """The embedded store: a sqlite database in the runs folder."""
    return f"sqlite:///{(Path(runs_dir) / STORE_FILE).resolve().as_posix()}"


def tracking_uri(runs_dir: Path | None = None) -> str:
    """MLFLOW_TRACKING_URI when the user set it, else the embedded store under `runs_dir`."""
    return os.environ.get(URI_ENV) or default_tracking_uri(runs_dir or project_root() / "runs")


def is_embedded(uri: str, runs_dir: Path) -> bool:
    """True when `uri` is the embedded store of `runs_dir`."""
    return uri == default_tracking_uri(runs_dir)


def ensure_experiment(client: Any, name: str, runs_dir: Path) -> str:
    """The id of experiment `name`, created (artifacts under runs/mlartifacts/) when missing."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = None
    if is_embedded(client.tracking_uri, runs_dir):
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "experiment"
        location = (Path(runs_dir) / ARTIFACTS_DIR / slug).resolve().as_uri()
    return client.create_experiment(name, artifact_location=location)


@contextlib.contextmanager
def quiet_mlflow() -> Iterator[None]:
    """Keep MLflow's progress chatter (INFO logs, stderr notes, import warnings) out of cells."""
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.filterwarnings("ignore", message="IProgress not found")
            yield
    finally:
        logger.setLevel(level)


def active_run(experiment_name: str | None = None) -> Any:
    """The MLflow run to log into: the active one, the one nbops opened, or a new one."""
    import mlflow

    run = mlflow.active_run()
    if run is not None:
        return run
    runs_dir = project_root() / "runs"
    mlflow.set_tracking_uri(tracking_uri(runs_dir))
    run_id = os.environ.get(RUN_ID_ENV)
    if run_id:  # a managed run: nbops ends it when the notebook is done
        return mlflow.start_run(run_id=run_id)
    name = experiment_name or _interactive_experiment()
    experiment_id = ensure_experiment(mlflow.MlflowClient(), name, runs_dir)
    return mlflow.start_run(experiment_id=experiment_id)


def _interactive_experiment() -> str:
    """The notebook's name in JupyterLab (ipykernel's `__session__`), else 'interactive'."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        session = shell.user_ns.get("__session__") if shell is not None else None
    except ImportError:
        session = None
    return Path(session).stem if session else "interactive"


def pip_requirements() -> list[str]:
    """Pinned requirements of a logged pipeline, from the versions installed here."""
    pins = []
    for name in MODEL_REQUIREMENTS:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return pins


def model_signature(model: Any, X_example: Any) -> Any:
    """The input/output signature of `model`, inferred from `X_example` (the training rows).

    Columns with missing values in `X_example` are optional; integer columns stay integers, so a
    served model accepts JSON integers (a batch file whose integers have gaps is rejected).
    """
    import pandas as pd
    from mlflow.models import infer_signature

    frame = pd.DataFrame(X_example)
    with warnings.catch_warnings():  # the hint about integer columns is printed to stderr
        warnings.filterwarnings("ignore", message=".*[Ii]nteger column")
        return infer_signature(frame, model.predict(frame.head(5)))


def log_model(
    model: Any,
    X_example: Any,
    *,
    name: str = "model",
    registered_model_name: str | None = None,
    experiment_name: str | None = None,
) -> Any:
    """Log a fitted scikit-learn pipeline with signature and input example; return its ModelInfo."""
    if not tracking_enabled():
        return None  # silent: a cell's output must not depend on tracking (see reproduce)
    with quiet_mlflow():
        import mlflow.sklearn
        import pandas as pd
        import skops.io

        active_run(experiment_name)
        frame = pd.DataFrame(X_example)
        example = frame.dropna().head(5) if len(frame.dropna()) else frame.head(5)
        info = mlflow.sklearn.log_model(
            model,
            name=name,
            signature=model_signature(model, frame),
            input_example=example,
            pip_requirements=pip_requirements(),
            skops_trusted_types=skops.io.get_untrusted_types(data=skops.io.dumps(model)),
            registered_model_name=registered_model_name,
        )
    return info


@dataclass
class Registration:
    """What `register_if_passes` did: the version (if any), the alias and why."""

    version: str | None
    alias: str | None
    reason: str


def register_if_passes(
    model_info: Any,
    metrics: Mapping[str, float],
    *,
    register: bool,
    name: str,
    gate_metric: str,
    gate_threshold: float,
    greater_is_better: bool = True,
) -> Registration:
    """Register the logged model as `name`; alias it `challenger` only if its gate metric passes.

    The printed line depends only on the metrics and the Configs, never on whether tracking is
    on, so a reproduction (tracking off) shows the same output as the tracked run.
    """
    if gate_metric not in metrics:
        known = ", ".join(sorted(metrics))
        raise KeyError(f"GATE_METRIC {gate_metric!r} is not a recorded metric; choose from {known}")
    value = float(metrics[gate_metric])
    passed = value >= gate_threshold if greater_is_better else value <= gate_threshold
    relation = (">=" if passed else "<") if greater_is_better else ("<=" if passed else ">")
    verdict = f"{gate_metric}={value:.4f} {relation} GATE_THRESHOLD={gate_threshold}"
    if not register:
        print(f"REGISTER_MODEL is False: not registered ({verdict})")
        return Registration(None, None, f"not registered: REGISTER_MODEL is False ({verdict})")
    if passed:
        print(f"gate passed ({verdict}): the registered version gets @{CHALLENGER}")
    else:
        print(f"gate failed ({verdict}): the registered version gets no alias")
    if model_info is None:
        return Registration(None, None, f"not registered: tracking is off ({verdict})")
    with quiet_mlflow():
        import mlflow

        version = mlflow.register_model(model_info.model_uri, name).version
        client = mlflow.MlflowClient()
        client.set_model_version_tag(
            name, version, "gate", f"{'passed' if passed else 'failed'}: {verdict}"
        )
        if passed:
            client.set_registered_model_alias(name, CHALLENGER, version)
    if not passed:
        return Registration(str(version), None, f"{name} v{version} has no alias: {verdict}")
    return Registration(str(version), CHALLENGER, f"{name} v{version} is @{CHALLENGER}: {verdict}")


def record_table(table: Any, name: str) -> Path:
    """Save a table (e.g. per-class scores) as tables/<name>.csv in the run folder."""
    if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ValueError(f"table name {name!r} must be a plain file name such as 'per_class'")
    folder = run_dir() / TABLES_DIR
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.csv"
    table.to_csv(path)
    return path
