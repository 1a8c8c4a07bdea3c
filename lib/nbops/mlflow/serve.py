"""Serve a model (`mlflow models serve`) and the MLflow UI on 127.0.0.1, and supervise them.

Servers run in a process group of their own, with MLflow's background job workers disabled, so
Ctrl-C or SIGTERM stops every process they started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from nbops.errors import BadInputError, NbopsError
from nbops.mlflow.store import (
    artifacts_root,
    client,
    existing_store_uri,
    first_line,
    is_embedded,
    model_store_uri,
)
from nbops.project import MLFLOW_URI_ENV

HOST = "127.0.0.1"
SERVE_PORT = 5001
UI_PORT = 5000
STOP_GRACE_S = 10.0
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_POLL_S = 0.5


def server_environment(uri: str) -> dict[str, str]:
    """The environment of an MLflow server process: our store, no background job workers."""
    env = dict(os.environ)
    env[MLFLOW_URI_ENV] = uri
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    env.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # mlflow starts `uvicorn` by name: find the project's own, activated venv or not.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def serve_command(model_uri: str, port: int) -> list[str]:
    """`mlflow models serve` in the project's environment (no conda, no network) on loopback."""
    return [
        *mlflow_command(),
        *("models", "serve", "-m", model_uri, "--env-manager", "local"),
        *("-h", HOST, "-p", str(port), "-w", "1"),
    ]


def ui_command(uri: str, port: int, runs_dir: Path) -> list[str]:
    """`mlflow ui` on the tracking store, on loopback, with one worker."""
    command = [*mlflow_command(), "ui", "--backend-store-uri", uri, "-h", HOST, "-p", str(port)]
    if is_embedded(uri, runs_dir):
        artifacts = artifacts_root(runs_dir).as_uri()
        command += ["--default-artifact-root", artifacts]
    return [*command, "--workers", "1"]


def mlflow_command() -> list[str]:
    return [sys.executable, "-m", "mlflow"]


def check_port_free(port: int) -> None:
    """Raise BadInputError when `port` on 127.0.0.1 is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            raise BadInputError(f"port {port} on {HOST} is in use: pass --port") from None


def free_port() -> int:
    """A port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def run_server(
    command: Sequence[str],
    env: Mapping[str, str],
    *,
    ready_url: str,
    what: str,
    on_ready: str | None = None,
) -> int:
    """Run a server in its own process group until it exits or we get Ctrl-C / SIGTERM; print
    `on_ready` too once it answers."""
    with server(command, env) as process:
        print(f"{what}: starting on {HOST} (Ctrl-C stops it)", flush=True)
        announced = False
        try:
            while process.poll() is None:
                if not announced and is_ready(ready_url):
                    print(f"{what}: ready at {ready_url.rsplit('/', 1)[0]}", flush=True)
                    if on_ready:
                        print(on_ready, flush=True)
                    announced = True
                time.sleep(_POLL_S)
        except KeyboardInterrupt:
            print(f"{what}: stopping", flush=True)
            return 0
    raise NbopsError(f"{what} exited with code {process.returncode} (see its output above)")


@contextmanager
def server(command: Sequence[str], env: Mapping[str, str]) -> Iterator[subprocess.Popen]:
    """Start `command` in a new session; on exit (or SIGTERM) stop its whole process group."""
    # Ctrl-C must stop the server even when nbops inherited SIGINT ignored or blocked (a shell
    # script's `&` job, some test runners' workers): take both signals back explicitly.
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, set(_STOP_SIGNALS))
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_interrupt),
    }
    process = subprocess.Popen(list(command), env=dict(env), start_new_session=True)
    try:
        yield process
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits
        try:
            stop_group(process)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def stop_group(process: subprocess.Popen, grace: float = STOP_GRACE_S) -> None:
    """SIGTERM the process group of `process`, SIGKILL what is left after `grace` seconds."""
    _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        process.poll()
        if not _group_alive(process.pid):
            break
        time.sleep(0.1)
    else:
        _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def _signal_group(pgid: int, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def is_ready(url: str, timeout: float = 2.0) -> bool:
    """True when GET `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def serve_model(model_uri: str, port: int, runs_dir: Path) -> int:
    """`nbops serve`: serve `model_uri` over REST until Ctrl-C or SIGTERM."""
    uri = model_store_uri(model_uri, runs_dir)
    check_model_exists(model_uri, uri)
    check_port_free(port)
    command = serve_command(model_uri, port)
    ready = f"http://{HOST}:{port}/ping"
    return run_server(command, server_environment(uri), ready_url=ready, what=model_uri)


def check_model_exists(model_uri: str, uri: str) -> None:
    """Raise BadInputError when a models:/NAME@ALIAS or models:/NAME/VERSION URI names nothing
    in the registry (checked before any server starts, as `nbops predict` does)."""
    if not model_uri.startswith("models:/"):
        return
    name, _, version = model_uri.removeprefix("models:/").partition("/")
    name, _, alias = name.partition("@")
    from mlflow.exceptions import MlflowException

    try:
        mlflow_client = client(uri)
        if alias:
            mlflow_client.get_model_version_by_alias(name, alias)
        elif version.isdigit():
            mlflow_client.get_model_version(name, version)
        else:
            mlflow_client.get_registered_model(name)
    except MlflowException as exc:
        hint = (
            f": promote a version first (make promote MODEL_NAME={name} VERSION=N)" if alias else ""
        )
        raise BadInputError(
            f"cannot serve {model_uri}: {first_line(exc).rstrip('.')}{hint}"
        ) from None


def serve_ui(port: int, runs_dir: Path) -> int:
    """`nbops ui`: the MLflow UI on the tracking store until Ctrl-C or SIGTERM."""
    uri = existing_store_uri(runs_dir)
    check_port_free(port)
    ready = f"http://{HOST}:{port}/health"
    return run_server(
        ui_command(uri, port, runs_dir), server_environment(uri), ready_url=ready, what="ui"
    )
