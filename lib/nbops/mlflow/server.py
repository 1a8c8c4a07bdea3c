"""`nbops server`: an MLflow tracking server for a team, in front of the project's store or
PostgreSQL, with artifacts served by the server (clients need no access to the artifact folder).

The schema is created or upgraded first (`mlflow db upgrade`), then `mlflow server` runs with one
worker and no background job workers, in a process group of its own (Ctrl-C stops all of it),
bound to 127.0.0.1 unless a host is given. Once it answers, the line each machine exports is
printed.
"""

from __future__ import annotations

import socket
import subprocess
import urllib.parse
from pathlib import Path

from nbops.errors import BadInputError, NbopsError
from nbops.mlflow.serve import (
    HOST,
    check_port_free,
    mlflow_command,
    run_server,
    server_environment,
)
from nbops.mlflow.store import ARTIFACTS_DIR, default_tracking_uri
from nbops.project import MLFLOW_URI_ENV

SERVER_PORT = 5000
_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")


def backend_uri(given: str | None, runs_dir: Path) -> str:
    """The store the server keeps runs in: `given`, else the project's embedded store."""
    uri = given or default_tracking_uri(runs_dir)
    scheme = urllib.parse.urlsplit(uri).scheme.split("+", 1)[0]
    if scheme not in _SCHEMES:
        raise BadInputError(
            f"--backend {uri!r} is not a database URI: give postgresql://USER@HOST:PORT/DB "
            "(or sqlite:///PATH)"
        )
    return uri


def artifacts_destination(given: str | None, runs_dir: Path) -> str:
    """Where the server keeps artifacts: a folder or URI, default runs/mlartifacts."""
    if given and "://" in given:
        return given
    folder = Path(given) if given else runs_dir / ARTIFACTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve().as_uri()


def server_command(
    backend: str, artifacts: str, host: str, port: int, allowed_hosts: str | None = None
) -> list[str]:
    """`mlflow server` on `backend`, serving artifacts from `artifacts`, with one worker."""
    command = [
        *mlflow_command(),
        *("server", "--backend-store-uri", backend),
        *("--serve-artifacts", "--artifacts-destination", artifacts),
        *("--host", host, "--port", str(port), "--workers", "1"),
    ]
    if host not in (HOST, "localhost"):
        command += ["--allowed-hosts", allowed_hosts or _default_allowed_hosts(host, port)]
    return command


def _default_allowed_hosts(host: str, port: int) -> str:
    """The Host headers a server bound to `host` accepts: this machine's names and addresses."""
    names = {host, "localhost", HOST, socket.gethostname(), socket.getfqdn()}
    names.discard("0.0.0.0")
    return ",".join(sorted(f"{name}:{port}" for name in names) + sorted(names))


def upgrade_schema(backend: str) -> None:
    """Create the tracking schema in `backend`, or upgrade it to this MLflow's version."""
    done = subprocess.run(
        [*mlflow_command(), "db", "upgrade", backend],
        capture_output=True,
        text=True,
        env=server_environment(backend),
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise NbopsError(f"cannot prepare {_shown(backend)}: {lines[-1] if lines else 'failed'}")


def _shown(uri: str) -> str:
    """A database URI without its password."""
    parts = urllib.parse.urlsplit(uri)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return uri


def serve_tracking(
    runs_dir: Path,
    *,
    backend: str | None = None,
    artifacts: str | None = None,
    host: str = HOST,
    port: int = SERVER_PORT,
    allowed_hosts: str | None = None,
) -> int:
    """`nbops server`: run the tracking server until Ctrl-C or SIGTERM."""
    store_uri = backend_uri(backend, runs_dir)
    destination = artifacts_destination(artifacts, runs_dir)
    if host in (HOST, "localhost"):
        check_port_free(port)
    print(f"server: store {_shown(store_uri)}, artifacts {destination}", flush=True)
    upgrade_schema(store_uri)
    shown_host = socket.gethostname() if host in ("0.0.0.0", "::") else host
    address = f"http://{shown_host}:{port}"
    env = server_environment(store_uri)
    env.pop(MLFLOW_URI_ENV, None)  # the server's own store comes from --backend-store-uri
    command = server_command(store_uri, destination, host, port, allowed_hosts)
    return run_server(
        command,
        env,
        ready_url=f"http://{HOST if host in ('0.0.0.0', '::') else host}:{port}/health",
        what="server",
        on_ready=f"export {MLFLOW_URI_ENV}={address}",
    )
