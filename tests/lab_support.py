"""Start `nbops lab` for real on a free loopback port; stop it and prove no process outlived it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

TOKEN = "nbops-test-token"
STARTUP_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> dict:
    """GET `url` from the test server with its token; the decoded JSON answer."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_for(url: str, server: subprocess.Popen) -> dict:
    """The JSON at `url` once the server answers; fail if it exits or takes too long."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}")
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer {url} within {STARTUP_TIMEOUT_S} s")


def process_tree(pid: int) -> list[psutil.Process]:
    """The process `pid` and every process below it (empty once it is gone)."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def stop_leaving_nothing(processes: list[psutil.Process], timeout: float = STOP_TIMEOUT_S) -> None:
    """Wait for `processes` to end; kill any left and fail the test naming them."""
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    for process in alive:
        process.kill()
    assert alive == [], f"processes outlived their parent: {alive}"


@contextmanager
def running_lab(root: Path, home: Path) -> Iterator[str]:
    """`nbops lab` serving the project at `root` with HOME=`home`; yields its base URL.

    On exit the server gets SIGTERM (as Ctrl-C would), and every process it started — kernels
    included — must be gone within STOP_TIMEOUT_S.
    """
    port = free_port()
    env = {**os.environ, "JUPYTER_TOKEN": TOKEN, "HOME": str(home), "NBOPS_PROJECT_ROOT": str(root)}
    command = [sys.executable, "-m", "nbops", "lab", "--port", str(port), "--no-browser"]
    server = subprocess.Popen(
        command,
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/api/status", server)
        yield base
    finally:
        started = process_tree(server.pid)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    stop_leaving_nothing(started)
