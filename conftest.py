"""Shared pytest configuration: sample notebooks, the project root, and CLI helpers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent
SAMPLES = ROOT / "tests" / "notebooks"


@pytest.fixture
def project_root() -> Path:
    """The repository root (runs execute with it as their working directory)."""
    return ROOT


@pytest.fixture
def sample_notebook(tmp_path: Path):
    """Copy a purpose-named sample notebook from tests/notebooks/ into tmp_path."""

    def copy(name: str) -> Path:
        target = tmp_path / "notebooks" / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLES / f"{name}.ipynb", target)
        return target

    return copy


def descendants(pid: int) -> list[psutil.Process]:
    """Every process below `pid` (empty once it is gone)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def command_line(process: psutil.Process) -> str:
    """The process's command line, or "" once it has exited (a zombie has none)."""
    try:
        return " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return ""


@pytest.fixture
def start_sleeping_run():
    """Start `nbops run tests/notebooks/sleeps.ipynb`; return the process once its kernel runs."""
    started: list[subprocess.Popen] = []

    def start(runs_dir: Path, timeout: float = 60) -> subprocess.Popen:
        nbops = Path(sys.executable).with_name("nbops")
        proc = subprocess.Popen(
            [nbops, "run", "tests/notebooks/sleeps.ipynb", "--runs-dir", runs_dir],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        deadline = time.monotonic() + timeout
        kernels: list[psutil.Process] = []
        while time.monotonic() < deadline and not kernels:
            time.sleep(0.2)
            kernels = [p for p in descendants(proc.pid) if "ipykernel" in command_line(p)]
        assert kernels, "the kernel never started"
        time.sleep(2)  # let it reach the sleeping cell
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
