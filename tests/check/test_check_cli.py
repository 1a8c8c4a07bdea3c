"""`nbops check` as a command: output, formats, exit codes, config, discovery."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbfactory import CONFIGS, code, md, notebook, template

from nbops.check.config import CheckConfig, config_from_table, load_config
from nbops.errors import BadInputError

RUFF = Path(sys.executable).with_name("ruff")


def test_clean_notebook_exits_0(write_nb, run_check):
    path = write_nb(template())
    assert run_check(str(path)) == (0, "All checks passed!\n", "")


def test_findings_exit_1_with_ruff_style_lines(write_nb, run_check):
    path = write_nb(template(eda="frame.head(10)"))
    status, out, _ = run_check(str(path))
    assert status == 1
    assert out.splitlines() == [
        f"{path.as_posix()}:cell 9:1:12: NB201 magic number 10 outside the Configs cell:"
        " name it in Configs",
        "Found 1 error.",
    ]


def test_unreadable_file_exits_2_and_others_are_still_checked(write_nb, run_check, tmp_path):
    bad = tmp_path / "broken.ipynb"
    bad.write_text('{"cells": [', encoding="utf-8")
    good = write_nb(template(eda="frame.head(10)"), "good.ipynb")
    status, out, err = run_check(str(bad), str(good))
    assert status == 2
    assert err.strip().splitlines() == [
        f"nbops: error: {bad}: not a notebook: invalid JSON"
        " (Expecting value: line 1 column 12 (char 11))"
    ]
    assert "NB201" in out


def _no_permission(path: Path) -> None:
    path.write_text("{}", encoding="utf-8")
    path.chmod(0)


@pytest.mark.parametrize(
    "make_bad",
    [
        pytest.param(lambda path: path.write_text("", encoding="utf-8"), id="empty"),
        pytest.param(lambda path: path.write_bytes(b"\xff\xfe\x00{"), id="not-utf8"),
        pytest.param(lambda path: None, id="missing"),
        pytest.param(
            _no_permission,
            id="no-permission",
            marks=pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file"),
        ),
    ],
)
@pytest.mark.parametrize("statistics", [False, True], ids=["text", "statistics"])
def test_a_file_that_cannot_be_read_is_never_all_checks_passed(
    tmp_path, run_check, make_bad, statistics
):
    bad = tmp_path / "bad.ipynb"
    make_bad(bad)
    status, out, err = run_check(str(bad), *(["--statistics"] if statistics else []))
    assert status == 2 and err.startswith("nbops: error:") and err.count("\n") == 1
    assert "All checks passed" not in out
    assert out.splitlines()[-1] == "Found 0 errors; 1 file could not be read (not checked)."


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("[1, 2]", id="json-not-a-notebook"),
        pytest.param('{"nbformat": 3, "cells": []}', id="nbformat-3"),
    ],
)
def test_not_a_notebook_exits_2(tmp_path, run_check, content):
    path = tmp_path / "x.ipynb"
    path.write_text(content, encoding="utf-8")
    status, _, err = run_check(str(path))
    assert status == 2 and err.count("\n") == 1


def test_missing_path_exits_2(run_check, tmp_path):
    status, _, err = run_check(str(tmp_path / "nope.ipynb"))
    assert status == 2 and "cannot read" in err


def test_folders_are_searched_and_checkpoints_skipped(write_nb, run_check, tmp_path):
    write_nb(template(eda="frame.head(10)"), "notebooks/a.ipynb")
    write_nb(template(eda="frame.head(10)"), "notebooks/.ipynb_checkpoints/a-checkpoint.ipynb")
    status, out, _ = run_check(str(tmp_path / "notebooks"))
    assert status == 1 and out.count("NB201") == 1


def test_default_paths_are_templates_and_notebooks(write_nb, run_check, tmp_path, monkeypatch):
    write_nb(template(eda="frame.head(10)"), "templates/t.ipynb")
    monkeypatch.chdir(tmp_path)
    status, out, _ = run_check()
    assert status == 1 and out.startswith("templates/t.ipynb:cell 9:1:12: NB201")


def test_select_and_ignore_override_config(write_nb, run_check, tmp_path):
    path = write_nb(template(eda="frame.head(10)\nframe.sample(frac=TEST_SIZE)"))
    pyproject = tmp_path / "cfg.toml"
    pyproject.write_text('[tool.nbops.check]\nignore = ["NB201"]\n', encoding="utf-8")
    status, out, _ = run_check(str(path), "--config", str(pyproject))
    assert "NB201" not in out and "NB202" in out
    status, out, _ = run_check(str(path), "--config", str(pyproject), "--ignore", "NB202")
    assert "NB201" in out and "NB202" not in out
    status, out, _ = run_check(str(path), "--select", "NB202")
    assert "NB201" not in out and "NB202" in out


def test_json_format(write_nb, run_check):
    path = write_nb(template(eda="frame.head(10)"))
    status, out, _ = run_check(str(path), "--format", "json")
    (item,) = json.loads(out)
    assert item["code"] == "NB201" and item["cell"] == 9
    assert item["location"] == {"row": 1, "column": 12}
    assert item["name"] == "magic-number"


def test_github_format_points_at_the_line_in_the_ipynb(write_nb, run_check):
    path = write_nb(template(eda="frame.describe()\nframe.head(10)"))
    _, out, _ = run_check(str(path), "--format", "github")
    row = int(out.split("line=")[1].split(",")[0])
    assert "frame.head(10)" in path.read_text().splitlines()[row - 1]
    assert out.startswith(f"::error title=nbops (NB201),file={path.as_posix()},line={row},")


def test_statistics(write_nb, run_check):
    path = write_nb(template(eda="frame.head(10)\nframe.tail(5)"))
    _, out, _ = run_check(str(path), "--statistics")
    assert out.splitlines() == ["    2\tNB201\tmagic-number", "Found 2 errors."]


@pytest.mark.parametrize("code_", ["NB201", "NB301", "NB402", "nb101"])
def test_explain_prints_the_documentation(run_check, code_):
    status, out, _ = run_check("--explain", code_)
    assert status == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in out


def test_explain_unknown_code_is_bad_input(run_check):
    with pytest.raises(BadInputError, match="unknown rule 'NB999'"):
        run_check("--explain", "NB999")


def test_config_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.nbops.check]\n"
        'select = ["NB1", "NB2"]\n'
        'ignore = ["NB204"]\n'
        "allowed-numbers = [0, 1, -1, 100]\n"
        'allowed-keywords = ["figsize"]\n'
        '[tool.nbops.check.per-file-ignores]\n"notebooks/scratch_*.ipynb" = ["NB2"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "pyproject.toml")
    assert config.enabled("NB201") and not config.enabled("NB204") and not config.enabled("NB301")
    assert 100 in config.allowed_numbers and "figsize" in config.allowed_keywords
    assert not config.enabled("NB201", "notebooks/scratch_1.ipynb")


@pytest.mark.parametrize(
    "table",
    [
        pytest.param({"selct": ["NB"]}, id="unknown-key"),
        pytest.param({"select": "NB2"}, id="not-a-list"),
        pytest.param({"select": ["E501"]}, id="not-an-nbops-code"),
        pytest.param({"allowed-numbers": ["8"]}, id="number-as-string"),
    ],
)
def test_bad_config_is_bad_input(table):
    with pytest.raises(BadInputError):
        config_from_table(table)


def test_longer_prefix_wins():
    config = CheckConfig(select=("NB", "NB201"), ignore=("NB2",))
    assert config.enabled("NB201") and not config.enabled("NB202") and config.enabled("NB101")


@pytest.mark.skipif(not RUFF.exists(), reason="ruff is not installed next to python")
def test_cell_numbers_match_ruff(write_nb):
    """Both tools count every cell (markdown too) from 1: compare on the same import."""
    nb = notebook(
        md("# T"),
        md("## Imports"),
        code("import os"),
        md("## Configs"),
        code(CONFIGS, tags=("parameters",)),
        md("## Modeling"),
        code("%matplotlib inline\nx = 1\nimport json"),
    )
    path = write_nb(nb)
    ruff = subprocess.run(
        [
            str(RUFF),
            "check",
            "--no-cache",
            "--select",
            "F401",
            "--output-format",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    ruff_places = {(d["cell"], d["location"]["row"]) for d in json.loads(ruff.stdout)}
    from nbops.check import check_notebook

    ours = check_notebook(path, CheckConfig(select=("NB104",)))
    assert [(d.cell, d.line, d.col) for d in ours] == [(7, 3, 1)]
    assert (7, 3) in ruff_places


def test_python_dash_m_runs_the_checker(write_nb):
    path = write_nb(template(eda="frame.head(10)"))
    shutil.copy(path, path.with_name("copy.ipynb"))
    result = subprocess.run(
        [sys.executable, "-m", "nbops.check", "--select", "NB201", str(path.parent)],
        capture_output=True,
        text=True,
        check=False,
        cwd=path.parent,
    )
    assert result.returncode == 1 and result.stdout.count("NB201") == 2
