"""The shipped example: notebooks/penguins_features.ipynb exports a feature used by its pipeline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nbops.cli import main
from nbops.export import export_target

NOTEBOOK = "notebooks/penguins_features.ipynb"


@pytest.fixture
def cells(project_root: Path) -> list[dict]:
    """The example notebook's code cells, each as {id, source, tags}."""
    nb = json.loads((project_root / NOTEBOOK).read_text(encoding="utf-8"))
    return [
        {"id": c["id"], "source": "".join(c["source"]), "tags": c["metadata"].get("tags", [])}
        for c in nb["cells"]
        if c["cell_type"] == "code"
    ]


def notebook_function(cells: list[dict], name: str):
    """Define the exported function as the notebook does, with `pd` as its Imports cell binds it."""
    assert "import pandas as pd\n" in cells[0]["source"]  # the Imports cell, which loads the kit
    exported = [c for c in cells if export_target(c["source"], c["tags"])[0] == "penguin_features"]
    assert len(exported) == 1
    namespace: dict = {"pd": pd}
    exec(exported[0]["source"], namespace)
    return namespace[name]


def test_installed_library_function_gives_the_notebooks_result(project_root, cells):
    from nblib.penguin_features import add_bill_ratios

    penguins = pd.read_csv(project_root / "data" / "penguins.csv")
    expected = notebook_function(cells, "add_bill_ratios")(penguins)
    result = add_bill_ratios(penguins)
    pd.testing.assert_frame_equal(result, expected)
    assert {"bill_ratio", "bill_area_mm2"} <= set(result.columns)
    first = penguins.iloc[0]
    assert result["bill_ratio"].iloc[0] == first["bill_length_mm"] / first["bill_depth_mm"]


def test_the_notebooks_pipeline_uses_the_exported_function(cells):
    pipeline = next(c["source"] for c in cells if "Pipeline(" in c["source"])
    assert "FunctionTransformer(add_bill_ratios)" in pipeline


def test_the_library_is_in_sync_with_the_notebooks(project_root, monkeypatch, capsys):
    monkeypatch.chdir(project_root)
    assert main(["export", "--check"]) == 0, capsys.readouterr().out


def test_the_export_package_imports_from_anywhere_without_path_hacks(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    code = "import importlib.util, nblib; print(importlib.util.find_spec('nblib.penguin_features'))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert Path("lib", "nblib", "penguin_features.py").as_posix() in done.stdout.replace("\\", "/")
