"""What a run records about where it came from: the git state of the project and the notebook."""

from __future__ import annotations

import subprocess

from nbops.run.provenance import git_state


def test_an_untracked_notebook_is_not_recorded_clean(tmp_path):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "README").write_text("x")
    git("add", "README")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    notebook = tmp_path / "new.ipynb"
    notebook.write_text("{}")
    assert git_state(tmp_path, notebook)["dirty"] == "untracked"
    git("add", "new.ipynb")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "y")
    assert git_state(tmp_path, notebook)["dirty"] is False
