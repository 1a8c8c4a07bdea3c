"""Issue 13, run overhead: the MLflow run handed to a kernel that is already starting, and the
imports a run skips. Real kernels and real subprocesses; the speed itself is measured by
tests/bench/bench_run.py, never asserted here."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

from nbops.project import MLFLOW_RUN_ID_ENV, TRACKING_ENV, TRACKING_HANDOFF_ENV
from nbops.run import kernel_handoff

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.kernel
def test_a_kernel_waits_for_the_handoff_only_when_it_imports_mlflow(tmp_path):
    path = tmp_path / ".tracking.json"
    env = {**os.environ, TRACKING_HANDOFF_ENV: str(path)}
    km, kc = start_new_kernel(extra_arguments=kernel_handoff.kernel_arguments(), env=env)
    seen: list[str] = []

    def run(code: str) -> list[str]:
        seen.clear()
        reply = kc.execute_interactive(
            code,
            output_hook=lambda msg: seen.append(
                msg["content"].get("text", "") if msg["content"].get("name") == "stdout" else ""
            ),
            timeout=120,
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(seen).split()

    show = f"print(os.environ.get({MLFLOW_RUN_ID_ENV!r}), os.environ.get({TRACKING_HANDOFF_ENV!r}))"
    later = threading.Timer(1.0, kernel_handoff.publish, (path, {MLFLOW_RUN_ID_ENV: "abc123"}))
    try:
        # Nothing handed over yet, and a cell without mlflow does not wait for it.
        assert run(f"import os; {show}") == ["None", str(path)]
        # Handed over only after the cell importing mlflow has begun: the import waits for it.
        later.start()
        assert run(f"import mlflow.utils; {show}") == ["abc123", "None"]
    finally:
        later.cancel()
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_without_a_handoff_in_time_the_kernel_goes_on_untracked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(TRACKING_HANDOFF_ENV, str(tmp_path / "never.json"))
    monkeypatch.setenv(TRACKING_ENV, "on")
    kernel_handoff.receive(limit=0.05)
    assert os.environ[TRACKING_ENV] == "off"
    assert "untracked" in capsys.readouterr().err


def test_outside_nbops_run_receive_does_nothing(monkeypatch):
    monkeypatch.delenv(TRACKING_HANDOFF_ENV, raising=False)
    monkeypatch.setenv(TRACKING_ENV, "on")
    kernel_handoff.receive(limit=0)
    assert os.environ[TRACKING_ENV] == "on"


def test_notebooks_still_read_and_validate_without_the_iri_grammar():
    code = (
        "import sys\n"
        "from nbops.slow_imports import skip_unused\n"
        "skip_unused()\n"
        "import nbformat, papermill, nbconvert\n"
        "nb = nbformat.read('templates/classification.ipynb', as_version=4)\n"
        "nbformat.validate(nb)\n"
        "print(sys.modules['rfc3987_syntax'] is None)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"
