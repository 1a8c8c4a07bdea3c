"""`nbops lab`: the project's Jupyter folders, and the real server listing every template."""

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
from pathlib import Path

import psutil
import pytest

from nbops import lab

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(path.name for path in (ROOT / "templates").glob("*.ipynb"))
TOKEN = "nbops-test-token"
STARTUP_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20


def test_jupyter_folders_are_inside_the_project(tmp_path):
    env = lab.jupyter_environment(tmp_path, base={"HOME": "/home/someone", "PATH": "/bin"})
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        assert Path(env[name]).is_relative_to(tmp_path / ".jupyter"), name
    assert env["PATH"] == "/bin" and env["HOME"] == "/home/someone"


def test_templates_sit_in_a_sub_folder_of_the_template_dir(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "a.ipynb").write_text("{}")
    listed = lab.template_dir(tmp_path)
    assert listed == tmp_path / ".jupyter" / "templates"
    assert (listed / "nbops" / "a.ipynb").read_text() == "{}"
    assert lab.template_dir(tmp_path) == listed  # idempotent
    (tmp_path / "templates" / "b.ipynb").write_text("{}")
    assert (listed / "nbops" / "b.ipynb").exists()  # a link: new templates show up


def test_lab_listens_on_loopback_only_and_allows_root_only_as_root():
    command = lab.lab_command(8899, open_browser=False, is_root=False)
    assert "--ServerApp.ip=127.0.0.1" in command and "--ServerApp.port=8899" in command
    assert "--no-browser" in command and "--allow-root" not in command
    assert "--allow-root" in lab.lab_command(8899, open_browser=True, is_root=True)


def test_committed_config_applies_the_project_settings():
    config = ROOT / ".jupyter" / "jupyter_server_config.py"
    assert "configure(" in config.read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_for(url: str, server: subprocess.Popen) -> dict:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}")
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer {url} within {STARTUP_TIMEOUT_S} s")


@pytest.mark.server
def test_real_lab_lists_every_template_and_serves_its_parameters_cell(tmp_path):
    port = free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "JUPYTER_TOKEN": TOKEN, "HOME": str(home)}
    command = [sys.executable, "-m", "nbops", "lab", "--port", str(port), "--no-browser"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started: list[psutil.Process] = []
    try:
        base = f"http://127.0.0.1:{port}"
        names = wait_for(f"{base}/templates/names", server)
        started = [psutil.Process(server.pid), *psutil.Process(server.pid).children(True)]
        listed = sorted(Path(entry["name"]).name for entry in names["templates"]["nbops"])
        assert listed == TEMPLATES
        assert set(names["templates"]) == {"nbops"}  # no sample templates of the extension
        for template in TEMPLATES:
            fetched = get(f"{base}/templates/get?template=/nbops/{template}")
            nb = json.loads(fetched["content"])
            tags = [cell.get("metadata", {}).get("tags", []) for cell in nb["cells"]]
            assert sum("parameters" in t for t in tags) == 1, template
            assert nb["metadata"]["kernelspec"]["name"] == "python3"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    _, alive = psutil.wait_procs(started, timeout=STOP_TIMEOUT_S)
    assert alive == [], f"processes outlived the server: {alive}"
    assert list(home.iterdir()) == [], "jupyter wrote into the home folder"
