"""MLflow from inside a notebook: the run to log into, the fitted pipeline, gated registration.

Under `nbops run` the runner has opened an MLflow run and passed its id (MLFLOW_RUN_ID) and
store (MLFLOW_TRACKING_URI) to the kernel, so these functions log into that run: they take the
runner's handoff first, so they follow its decision (a server it gave up on is never called).
When the server fails while the kernel logs or registers the model, the model is saved into the
run folder instead (`nbops.mlflow.transfer`), for the runner to log into the embedded store and
`nbops sync` to push later; the cell goes on. Opened interactively, they open a run of their own
in the project's store (see `store`). The notebook helpers in `nbops.kit.tracking` are thin calls
into this module.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from nbops.mlflow import transfer
from nbops.mlflow.runs import describe
from nbops.mlflow.store import ensure_experiment, is_server, quiet_mlflow, tracking_uri
from nbops.project import MLFLOW_RUN_ID_ENV, RUN_DIR_ENV, TRACKING_ENV, Project, tracking_enabled
from nbops.run import kernel_handoff

CHALLENGER = transfer.CHALLENGER
# What a served or batch-scored pipeline needs; listed so log_model skips its slow inference.
MODEL_REQUIREMENTS = ("mlflow", "scikit-learn", "skops", "pandas", "numpy", "scipy")
MLFLOW_SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/")
SIGNATURE_ROWS = 1000  # training rows the model signature is inferred from (plus gaps)


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
    experiment_id = ensure_experiment(mlflow.MlflowClient(), name)
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

    frame = _signature_rows(pd.DataFrame(X_example))
    with warnings.catch_warnings():  # the hint about integer columns is printed to stderr
        warnings.filterwarnings("ignore", message=".*[Ii]nteger column")
        return infer_signature(frame, model.predict(frame.head(5)))


def _signature_rows(frame: Any, max_rows: int = SIGNATURE_ROWS) -> Any:
    """Rows that type every column as the whole frame does: the first `max_rows`, plus one row
    with a missing value for each column that has any (so it stays optional). MLflow inspects
    text columns value by value, which on a million training rows takes minutes."""
    if len(frame) <= max_rows:
        return frame
    missing = frame.isna()
    gaps = {int(missing[column].to_numpy().argmax()) for column in frame if missing[column].any()}
    return frame.iloc[sorted(set(range(max_rows)) | gaps)]


@dataclass
class PendingModel:
    """A model saved into the run folder because the tracking server failed (no model_uri)."""

    name: str
    path: Path
    model_uri: None = None


def log_model(
    model: Any,
    X_example: Any,
    *,
    name: str = "model",
    registered_model_name: str | None = None,
    experiment_name: str | None = None,
) -> Any:
    """Log a fitted scikit-learn pipeline with signature and input example; return its ModelInfo
    (a PendingModel when the tracking server failed during a run, None when tracking is off)."""
    kernel_handoff.receive()  # the runner's decision, before anything calls a server
    if not tracking_enabled():
        return None  # silent: a cell's output must not depend on tracking (see reproduce)
    with quiet_mlflow():
        import mlflow.sklearn
        import pandas as pd
        import skops.io

        frame = pd.DataFrame(X_example)
        complete = frame.head(SIGNATURE_ROWS).dropna()
        options = {
            "signature": model_signature(model, frame),
            "input_example": complete.head(5) if len(complete) else frame.head(5),
            "pip_requirements": pip_requirements(),
            "skops_trusted_types": skops.io.get_untrusted_types(data=skops.io.dumps(model)),
        }
        try:
            active_run(experiment_name)
            return mlflow.sklearn.log_model(
                model, name=name, registered_model_name=registered_model_name, **options
            )
        except Exception as exc:
            if not _server_run():
                raise

            def save(path: str) -> None:
                mlflow.sklearn.save_model(model, path, **options)

            reason = _give_up("log_model", exc)
            path = transfer.save_pending_model(_run_folder(), name, save, reason)
            return PendingModel(name, path)


def _server_run() -> bool:
    """True inside `nbops run` with its MLflow run on a tracking server."""
    return bool(os.environ.get(RUN_DIR_ENV) and os.environ.get(MLFLOW_RUN_ID_ENV)) and is_server(
        tracking_uri(Project.load().runs_dir)
    )


def _run_folder() -> Path:
    return Path(os.environ[RUN_DIR_ENV])


def _give_up(when: str, exc: BaseException) -> str:
    """Stop calling the tracking server from this kernel; one line in the kernel's log."""
    os.environ[TRACKING_ENV] = "off"
    reason = f"{when}: {describe(exc)}"
    print(f"nbops: tracking server failed in the kernel ({reason})", file=sys.__stderr__)
    return reason


def load_logged_model(uri: str) -> Any:
    """A scikit-learn model logged to MLflow (`models:/...`, `runs:/...`)."""
    import mlflow.sklearn

    return mlflow.sklearn.load_model(uri)


@dataclass
class Registration:
    """What `register_if_passes` did: the version (if any), the alias and why, and the gate."""

    version: str | None
    alias: str | None
    reason: str
    passed: bool = False
    gate_metric: str = ""
    gate_value: float | None = None  # the value judged: the metric, or its interval's bound
    gate_threshold: float | None = None
    greater_is_better: bool = True
    uses_ci_low: bool = False
    name: str | None = None

    def as_record(self) -> dict[str, Any]:
        """The gate as `nbops.verdicts` reads it from verdicts.json."""
        return {
            "passed": self.passed,
            "metric": self.gate_metric,
            "value": self.gate_value,
            "threshold": self.gate_threshold,
            "greater_is_better": self.greater_is_better,
            "uses_ci_low": self.uses_ci_low,
            "registered_name": self.name if self.version else None,
            "version": self.version,
            "alias": self.alias,
            "reason": self.reason,
        }


def register_if_passes(
    model_info: Any,
    metrics: Mapping[str, float],
    *,
    register: bool,
    name: str,
    gate_metric: str,
    gate_threshold: float,
    greater_is_better: bool = True,
    use_ci_low: bool = False,
) -> Registration:
    """Register the logged model as `name`; alias it `challenger` only if its gate metric passes.

    With `use_ci_low` the gate judges the pessimistic bound of the metric's 95% interval
    (`<metric>_ci_low`, or `_ci_high` when lower is better) instead of the point value; the
    printed line shows both. It depends only on the metrics and the Configs, never on whether
    tracking is on, so a reproduction (tracking off) shows the same output as the tracked run.
    """
    if gate_metric not in metrics:
        known = ", ".join(sorted(metrics))
        raise KeyError(f"GATE_METRIC {gate_metric!r} is not a recorded metric; choose from {known}")
    value = float(metrics[gate_metric])
    bound_name = f"{gate_metric}_ci_{'low' if greater_is_better else 'high'}"
    if use_ci_low and bound_name not in metrics:
        raise KeyError(f"the gate uses the interval's bound but {bound_name!r} is not recorded")
    judged = float(metrics[bound_name]) if use_ci_low else value
    passed = judged >= gate_threshold if greater_is_better else judged <= gate_threshold
    relation = (">=" if passed else "<") if greater_is_better else ("<=" if passed else ">")
    verdict = _gate_words(metrics, gate_metric, value, use_ci_low, bound_name, judged)
    verdict += f" {relation} GATE_THRESHOLD={gate_threshold}"
    gate = {
        "passed": passed,
        "gate_metric": gate_metric,
        "gate_value": judged,
        "gate_threshold": float(gate_threshold),
        "greater_is_better": greater_is_better,
        "uses_ci_low": use_ci_low,
        "name": name,
    }
    if not register:
        print(f"REGISTER_MODEL is False: not registered ({verdict})")
        return Registration(
            None, None, f"not registered: REGISTER_MODEL is False ({verdict})", **gate
        )
    if passed:
        print(f"gate passed ({verdict}): the registered version gets @{CHALLENGER}")
    else:
        print(f"gate failed ({verdict}): the registered version gets no alias")
    if model_info is None:
        return Registration(None, None, f"not registered: tracking is off ({verdict})", **gate)
    if isinstance(model_info, PendingModel):
        entry = {"name": name, "model": model_info.name, "passed": passed, "verdict": verdict}
        transfer.add_pending_registration(_run_folder(), entry, "register: after log_model")
        return Registration(None, None, f"{name}: registration pending ({verdict})", **gate)
    try:
        version = _register(model_info.model_uri, name, passed, verdict)
    except Exception as exc:
        if not _server_run():
            raise
        reason = _give_up("register", exc)
        entry = {"name": name, "model_uri": model_info.model_uri, "passed": passed}
        transfer.add_pending_registration(_run_folder(), {**entry, "verdict": verdict}, reason)
        return Registration(None, None, f"{name}: not registered ({reason}; {verdict})", **gate)
    if not passed:
        return Registration(version, None, f"{name} v{version} has no alias: {verdict}", **gate)
    reason = f"{name} v{version} is @{CHALLENGER}: {verdict}"
    return Registration(version, CHALLENGER, reason, **gate)


def _gate_words(
    metrics: Mapping[str, float],
    metric: str,
    value: float,
    uses_bound: bool,
    bound: str,
    judged: float,
) -> str:
    """The judged value for the printed line, with the metric's interval when recorded."""
    low, high = metrics.get(f"{metric}_ci_low"), metrics.get(f"{metric}_ci_high")
    interval = f" [{low:.4f}, {high:.4f}]" if low is not None and high is not None else ""
    if uses_bound:
        return f"{bound}={judged:.4f} ({metric}={value:.4f}{interval})"
    return f"{metric}={value:.4f}{interval}"


def _register(model_uri: str, name: str, passed: bool, verdict: str) -> str:
    """Register `model_uri` as a new version of `name`, tag its gate, alias it if it passed."""
    with quiet_mlflow():
        import mlflow

        version = mlflow.register_model(model_uri, name).version
        client = mlflow.MlflowClient()
        client.set_model_version_tag(
            name, version, transfer.GATE_TAG, f"{'passed' if passed else 'failed'}: {verdict}"
        )
        if passed:
            client.set_registered_model_alias(name, CHALLENGER, version)
    return str(version)
