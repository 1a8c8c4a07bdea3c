"""What a run depends on: the git state, the Python and package versions, the data files read."""

from __future__ import annotations

import json
import platform
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from nbops.files import file_sha256
from nbops.project import RunFolder

KEY_PACKAGES = (
    "nbops",
    "papermill",
    "ipykernel",
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "matplotlib",
    "seaborn",
    "mlflow",
    "evidently",
)


def git_state(root: Path, notebook: Path | None = None) -> dict[str, Any]:
    """The commit checked out at `root` and whether the work tree differs from it.

    `dirty` is "untracked" when `notebook` is not in git (the commit cannot give it back) and
    None when git cannot tell (no repository, no git).
    """

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    dirty: bool | str | None = bool(status) if status is not None and commit else None
    if commit and notebook is not None:
        tracked = git("ls-files", "--error-unmatch", "--", str(Path(notebook).resolve()))
        if tracked is None:
            dirty = "untracked"
    return {"commit": commit, "dirty": dirty}


def versions() -> dict[str, Any]:
    """Python and the key package versions installed where nbops runs."""
    packages = {}
    for name in KEY_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"python": platform.python_version(), "packages": packages}


def data_inputs(run_dir: Path, params: Mapping[str, Any], root: Path) -> list[dict[str, Any]]:
    """The data files of a run: those the notebook recorded, plus existing `*_PATH` parameters."""
    found: dict[str, dict[str, Any]] = {}
    sidecar = RunFolder(run_dir).data_sidecar
    if sidecar.is_file():
        for line in sidecar.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                found[entry["path"]] = entry
    for name, value in params.items():
        if not (name.endswith("_PATH") and isinstance(value, str) and value):
            continue
        path = root / value
        if value not in found and path.is_file():
            found[value] = {"path": value, "sha256": file_sha256(path), "rows": None}
    return sorted(found.values(), key=lambda entry: entry["path"])
