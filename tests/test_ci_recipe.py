"""The CI recipes: `.ci/run` and the GitHub Actions workflow users copy run the same steps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "notebooks.yml"
ACTIONLINT = Path(sys.executable).with_name("actionlint")


def steps() -> list[dict]:
    (job,) = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"].values()
    return job["steps"]


def uses(name: str) -> dict:
    (step,) = [step for step in steps() if step.get("uses", "").startswith(f"{name}@")]
    return step


def test_workflow_lints_and_tests_on_push_and_pull_request():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(triggers) == {"push", "pull_request"}
    commands = [step.get("run", "") for step in steps()]
    assert commands.index("make lint") < commands.index("make test")


def test_workflow_caches_uv_and_keeps_every_run_report():
    assert uses("astral-sh/setup-uv")["with"]["enable-cache"] is True
    upload = uses("actions/upload-artifact")
    assert "runs/*/report.html" in upload["with"]["path"].split()
    assert upload["if"] == "${{ !cancelled() }}"  # failed runs leave a report worth reading


def test_local_ci_installs_the_browser_and_postgresql_then_lints_and_tests():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line.startswith("make ")] == [
        "make browser-deps",
        "make postgres-deps",
        "make lint",
        "make test",
    ]


@pytest.mark.skipif(not ACTIONLINT.exists(), reason="actionlint is in the dev group")
def test_workflow_passes_actionlint():
    result = subprocess.run(
        [ACTIONLINT, WORKFLOW], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
