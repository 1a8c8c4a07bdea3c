"""Shared pytest configuration: sample notebooks, the project root."""

from __future__ import annotations

import shutil
from pathlib import Path

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
