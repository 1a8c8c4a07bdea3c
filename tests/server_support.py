"""A real PostgreSQL server and a real `nbops server` (MLflow) in front of it, for the team tests.

PostgreSQL comes from Debian's `postgresql` package (`make postgres-deps`); its binaries live in
/usr/lib/postgresql/<major>/bin. `initdb` refuses root, so as root the cluster is created and run
as the `postgres` user, in a temporary folder that user owns, on a free port of 127.0.0.1 (its
socket in that folder too). Every process is started in a session of its own and stopped by
process group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBOPS = Path(sys.executable).with_name("nbops")
PG_USER = "postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server binaries (newest major version), if installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parent)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Postgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1, with database `mlflow`."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="nbops-pg-"))
        self.data = self.folder / "data"
        self.as_root = os.geteuid() == 0

    @property
    def uri(self) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/mlflow"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", PG_USER, "--"] if self.as_root else []
        subprocess.run(
            [*prefix, *command], check=True, capture_output=True, cwd=self.folder, timeout=120
        )

    def start(self) -> Postgres:
        if self.as_root:
            shutil.chown(self.folder, PG_USER, PG_USER)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", PG_USER)
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
            str(self.folder / "log"), "-w", "start",
        )  # fmt: skip
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER,
            "mlflow",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class TrackingServer:
    """`nbops server --backend URI --artifacts DIR` on a free port of 127.0.0.1."""

    def __init__(self, backend: str, artifacts: Path, env: dict[str, str] | None = None) -> None:
        self.backend, self.artifacts = backend, artifacts
        self.port = free_port()
        self.env = env or dict(os.environ)
        self.proc: subprocess.Popen | None = None
        self.log = artifacts.parent / f"server-{self.port}.log"

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180) -> TrackingServer:
        command = [
            str(NBOPS), "server", "--backend", self.backend, "--artifacts", str(self.artifacts),
            "--port", str(self.port),
        ]  # fmt: skip
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nbops server exited: {self.log.read_text()[-2000:]}")
            if "export MLFLOW_TRACKING_URI=" in self.log.read_text() and self.healthy():
                return self
            time.sleep(0.5)
        raise RuntimeError(f"nbops server not ready in {timeout} s: {self.log.read_text()[-2000:]}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.uri}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL the whole server, every process of it (as a crash of the machine would)."""
        import psutil

        if self.proc is None:
            return
        try:
            family = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(True)]
        except psutil.NoSuchProcess:
            family = []
        for process in family:
            with contextlib.suppress(psutil.Error):
                process.kill()
        self.proc.wait()

    def stop(self) -> None:
        """Ctrl-C, as a person stops it; SIGKILL what is left after 20 s."""
        if self.proc is None or self.proc.poll() is not None:
            self.kill()
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=20)
        self.kill()
