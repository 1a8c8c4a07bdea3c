"""The pre-commit hooks, run for real in a temporary git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests" / "check"))

from nbfactory import CONFIGS, code, md, notebook, template, write  # noqa: E402

pytestmark = [
    pytest.mark.skipif(
        shutil.which("git") is None or not (VENV_BIN / "pre-commit").exists(),
        reason="needs git and pre-commit in the venv",
    ),
    pytest.mark.slow,  # every commit runs the hooks: seconds each
]


def _git(repo: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    command = ["git", "-c", "user.name=nbops", "-c", "user.email=nbops@example.org", *args]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict]:
    """A git repo with the project's hook config, pyproject and venv, hooks installed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(ROOT / ".pre-commit-config.yaml", repo)
    shutil.copy(ROOT / "pyproject.toml", repo)
    (repo / ".venv").symlink_to(VENV_BIN.parent, target_is_directory=True)
    (repo / ".gitignore").write_text(".venv\n", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(tmp_path),
    }
    assert _git(repo, "init", "-q", "-b", "main", env=env).returncode == 0
    installed = subprocess.run(
        [str(VENV_BIN / "pre-commit"), "install"], cwd=repo, env=env, capture_output=True
    )
    assert installed.returncode == 0, installed.stderr
    _git(repo, "add", ".", env=env)
    first = _git(repo, "commit", "-q", "-m", "config", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    return repo, env


def _executed(nb: dict) -> dict:
    """`nb` as saved after running it: outputs, counts, papermill metadata."""
    nb["metadata"]["papermill"] = {"duration": 1.5, "parameters": {}}
    for count, cell in enumerate((c for c in nb["cells"] if c["cell_type"] == "code"), 1):
        cell["execution_count"] = count
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}]
        cell["metadata"]["papermill"] = {"status": "completed", "duration": 0.1}
    return nb


def test_commit_with_outputs_and_a_magic_number_is_stopped(repo):
    path, env = repo
    nb = _executed(template(eda="frame.head(10)"))
    write(path / "churn.ipynb", nb)
    _git(path, "add", "churn.ipynb", env=env)
    result = _git(path, "commit", "-m", "add churn", env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "NB201 magic number 10" in output
    stripped = json.loads((path / "churn.ipynb").read_text(encoding="utf-8"))
    params = [c for c in stripped["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in params)
    assert all("papermill" not in c["metadata"] for c in stripped["cells"])
    assert "papermill" not in stripped["metadata"]


def test_commit_of_a_clean_notebook_passes(repo):
    path, env = repo
    nb = notebook(
        md("# Tiny\n\nA notebook that follows the rules."),
        md("## Imports"),
        code("from pathlib import Path"),
        md("## Configs"),
        code(CONFIGS, tags=("parameters",)),
        md("## Datasets"),
        code("source = Path(DATA_PATH)\nprint(TARGET, TEST_SIZE, RANDOM_STATE)"),
        md("## EDA"),
        code("print(N_ESTIMATORS, MAX_DEPTH, PERMUTATION_REPEATS, RUN_GRID_SEARCH)"),
        md("## Modeling"),
        md("## Evaluation"),
    )
    write(path / "tiny.ipynb", nb)
    subprocess.run(
        [str(VENV_BIN / "ruff"), "format", "-q", "tiny.ipynb"], cwd=path, env=env, check=True
    )
    _git(path, "add", "tiny.ipynb", env=env)
    result = _git(path, "commit", "-m", "add tiny", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
