"""The tracking store: its URI, the embedded sqlite store under the runs folder, a client.

MLFLOW_TRACKING_URI points a team at a real server; without it the store is `mlflow.db` in the
project's runs folder, with artifacts under `mlartifacts/` beside it. mlflow is imported inside
the functions that need it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import socket
import urllib.parse
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nbops.errors import BadInputError
from nbops.project import MLFLOW_HTTP_RETRIES_ENV, MLFLOW_HTTP_TIMEOUT_ENV, MLFLOW_URI_ENV

STORE_FILE = "mlflow.db"
ARTIFACTS_DIR = "mlartifacts"
PROBE_TIMEOUT_S = 3.0  # a reachability probe of an http(s) tracking server
HTTP_TIMEOUT_S = 5  # MLflow's per-request timeout unless the user set one
HTTP_RETRIES = 0  # MLflow's retries unless the user set them (it retries for 4 min by default)
LOGGING_LEVEL_ENV = "MLFLOW_LOGGING_LEVEL"  # read by mlflow when it is first imported
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"  # the MLflow UI opens a model-training view for:
EXPERIMENT_KIND = "custom_model_development"


def default_tracking_uri(runs_dir: Path) -> str:
    """The embedded store: a sqlite database in the runs folder."""
    return f"sqlite:///{(Path(runs_dir) / STORE_FILE).resolve().as_posix()}"


def tracking_uri(runs_dir: Path) -> str:
    """MLFLOW_TRACKING_URI when the user set it, else the embedded store under `runs_dir`."""
    return os.environ.get(MLFLOW_URI_ENV) or default_tracking_uri(runs_dir)


def is_embedded(uri: str, runs_dir: Path) -> bool:
    """True when `uri` is the embedded store of `runs_dir`."""
    return uri == default_tracking_uri(runs_dir)


def artifacts_root(runs_dir: Path) -> Path:
    """The folder the embedded store keeps artifacts in."""
    return (Path(runs_dir) / ARTIFACTS_DIR).resolve()


def existing_store_uri(runs_dir: Path) -> str:
    """The tracking URI, checking that the embedded store exists when it is the one in use."""
    uri = tracking_uri(runs_dir)
    if is_embedded(uri, runs_dir) and not (Path(runs_dir) / STORE_FILE).is_file():
        raise BadInputError(
            f"no MLflow store at {Path(runs_dir) / STORE_FILE} yet: run a notebook first "
            "(make run-notebook) or set MLFLOW_TRACKING_URI"
        )
    return uri


def model_store_uri(model_uri: str, runs_dir: Path) -> str:
    """The store a model URI refers to (which must exist for models:/ and runs:/ URIs)."""
    if model_uri.startswith(("models:/", "runs:/")):
        return existing_store_uri(runs_dir)
    return tracking_uri(runs_dir)


def is_server(uri: str) -> bool:
    """True when `uri` names a tracking server (http or https)."""
    return uri.startswith(("http://", "https://"))


def client_environment() -> dict[str, str]:
    """MLflow's variables for a client nbops runs: HTTP timeout and retries bounded unless the
    user set them (a server that is down or silent fails a request in seconds, not after
    MLflow's four minutes of retries), no INFO lines and no "View run at" links on the terminal."""
    return {
        MLFLOW_HTTP_TIMEOUT_ENV: os.environ.get(MLFLOW_HTTP_TIMEOUT_ENV) or str(HTTP_TIMEOUT_S),
        MLFLOW_HTTP_RETRIES_ENV: os.environ.get(MLFLOW_HTTP_RETRIES_ENV) or str(HTTP_RETRIES),
        LOGGING_LEVEL_ENV: os.environ.get(LOGGING_LEVEL_ENV) or "WARNING",
        "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    }


def client(uri: str) -> Any:
    """An MlflowClient on `uri`, MLflow's INFO lines off; an http(s) server is probed first and its
    requests bounded, so an unreachable server fails in seconds."""
    os.environ.update(client_environment())
    if is_server(uri):
        check_reachable(uri)
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # mlflow's import may have reset it
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl SQLiteImpl." etc.
    return mlflow.MlflowClient(uri)


class TrackingUnreachableError(BadInputError):
    """The tracking server does not accept connections."""


def check_reachable(uri: str, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Raise TrackingUnreachableError when nothing accepts a TCP connection at `uri`'s host:port."""
    parsed = urllib.parse.urlsplit(uri)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "localhost", port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TrackingUnreachableError(f"tracking server {uri} is unreachable ({reason})") from None


def connect(runs_dir: Path) -> Any:
    """An MlflowClient on MLFLOW_TRACKING_URI or the embedded store (which must exist)."""
    return client(existing_store_uri(runs_dir))


def ensure_experiment(mlflow_client: Any, name: str, runs_dir: Path | None = None) -> str:
    """The id of experiment `name`, created when missing (tagged for the UI's model-training
    view); a sqlite store keeps its artifacts beside its database, never in ./mlruns."""
    experiment = mlflow_client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = None
    folder = sqlite_folder(mlflow_client.tracking_uri)
    if folder is not None:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "experiment"
        location = (folder / ARTIFACTS_DIR / slug).resolve().as_uri()
    return mlflow_client.create_experiment(
        name, artifact_location=location, tags={EXPERIMENT_KIND_TAG: EXPERIMENT_KIND}
    )


def sqlite_folder(uri: str) -> Path | None:
    """The folder of a `sqlite:///` store's database file (None for any other store)."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri.removeprefix("sqlite:///").split("?", 1)[0]).parent


@contextlib.contextmanager
def errors_only() -> Iterator[None]:
    """Let only MLflow's ERROR logs through (no INFO chatter, no WARNING notes)."""
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def quiet_mlflow() -> Iterator[None]:
    """Keep MLflow's progress chatter (INFO logs, stderr notes, import warnings) out of cells."""
    with errors_only(), warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.filterwarnings("ignore", message="IProgress not found")
        yield


def first_line(exc: BaseException) -> str:
    """The first line of an MLflow error (at most 300 characters), for a one-line message."""
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


@contextlib.contextmanager
def global_tracking_uri(uri: str) -> Iterator[None]:
    """MLflow's global tracking URI set to `uri` for a while: a database registry looks a
    `models:/` source up through it (else in ./mlflow.db of the working folder). Both the global
    and MLFLOW_TRACKING_URI (which `set_tracking_uri` also writes) are put back as they were, so
    a later call in the process follows its own URI, not this one."""
    import mlflow
    from mlflow.tracking._tracking_service import utils as tracking_utils

    previous_global = getattr(tracking_utils, "_tracking_uri", None)
    previous_variable = os.environ.get(MLFLOW_URI_ENV)
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous_global)  # None: unset, the variable decides again
        if previous_variable is None:
            os.environ.pop(MLFLOW_URI_ENV, None)
        else:
            os.environ[MLFLOW_URI_ENV] = previous_variable
