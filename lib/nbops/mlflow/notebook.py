"""MLflow from inside a notebook: the run to log into, the fitted pipeline, gated registration.

Under `nbops run` the runner has opened an MLflow run and passed its id (MLFLOW_RUN_ID) and
store (MLFLOW_TRACKING_URI) to the kernel, so these functions log into that run. Opened
interactively, they open a run of their own in the project's store (see `store`). The notebook
helpers in `nbops.kit.tracking` are thin calls into this module.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbops.mlflow import pending
from nbops.mlflow.model_log import CHALLENGER, log_fitted, register_version, signature_rows
from nbops.mlflow.store import ensure_experiment, quiet_mlflow, tracking_uri
from nbops.project import (
    MLFLOW_RUN_ID_ENV,
    RUN_DIR_ENV,
    RUNNER_LOGS_MODELS_ENV,
    Project,
    tracking_enabled,
)

MLFLOW_SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/")


def active_run(experiment_name: str | None = None) -> Any:
    """The MLflow run to log into: the active one, the one nbops opened, or a new one."""
    import mlflow

    run = mlflow.active_run()
    if run is not None:
        return run
    runs_dir = Project.load().runs_dir
    mlflow.set_tracking_uri(tracking_uri(runs_dir))
    run_id = os.environ.get(MLFLOW_RUN_ID_ENV)
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


def log_model(
    model: Any,
    X_example: Any,
    *,
    name: str = "model",
    registered_model_name: str | None = None,
    experiment_name: str | None = None,
) -> Any:
    """Log a fitted scikit-learn pipeline with signature and input example.

    Opened interactively it is logged at once and its ModelInfo returned. Under `nbops run` it
    is saved for the runner, which logs it into the run's MLflow run when the kernel has ended
    (`nbops.mlflow.pending`: only one process of a run imports mlflow); a PendingModel is returned.
    """
    if not tracking_enabled():
        return None  # silent: a cell's output must not depend on tracking (see reproduce)
    import pandas as pd

    frame = pd.DataFrame(X_example)
    run_dir = os.environ.get(RUN_DIR_ENV)
    if run_dir and os.environ.get(RUNNER_LOGS_MODELS_ENV):
        rows = signature_rows(frame)
        return pending.save(
            Path(run_dir), model, rows, name=name, registered_model_name=registered_model_name
        )
    with quiet_mlflow():
        active_run(experiment_name)
        return log_fitted(model, frame, name=name, registered_model_name=registered_model_name)


def load_logged_model(uri: str) -> Any:
    """A scikit-learn model logged to MLflow (`models:/...`, `runs:/...`)."""
    import mlflow.sklearn

    return mlflow.sklearn.load_model(uri)


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
    if isinstance(model_info, pending.PendingModel):  # the runner registers it after the kernel
        pending.request_registration(model_info, name, passed, verdict)
        alias = CHALLENGER if passed else None
        return Registration(None, alias, f"{name} is registered when the run ends: {verdict}")
    with quiet_mlflow():
        version = register_version(model_info.model_uri, name, passed, verdict)
    if not passed:
        return Registration(version, None, f"{name} v{version} has no alias: {verdict}")
    return Registration(version, CHALLENGER, f"{name} v{version} is @{CHALLENGER}: {verdict}")
