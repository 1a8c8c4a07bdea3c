"""`nbops new`: a template copied to notebooks/NAME.ipynb, retitled, cleared, never overwriting."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from nbops.cli import main
from nbops.new import list_templates, purpose, title_from_name

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(path.stem for path in (ROOT / "templates").glob("*.ipynb"))


def executed_template(folder: Path) -> Path:
    """A small template that looks executed: outputs, counts, papermill metadata."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
        papermill={"duration": 1.5, "parameters": {"N": 3}},
    )
    code = nbformat.v4.new_code_cell("N = 2  # rows", metadata={"tags": ["parameters"]})
    code.execution_count = 7
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    code.metadata["papermill"] = {"status": "completed"}
    code.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Sample: do a thing\n\nFit a model. Then judge it.\n"),
        code,
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sample.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def dirs(tmp_path):
    template = executed_template(tmp_path / "templates")
    return template, tmp_path / "notebooks"


def new(*argv: str, dirs) -> int:
    template, notebooks = dirs
    extra = ["--templates-dir", str(template.parent), "--notebooks-dir", str(notebooks)]
    return main(["new", *argv, *extra])


def test_copies_the_template_retitled_cleared_with_fresh_ids(dirs, capsys):
    template, notebooks = dirs
    assert new("sample", "churn_v2", dirs=dirs) == 0
    created = notebooks / "churn_v2.ipynb"
    assert "created" in capsys.readouterr().out
    nb = nbformat.read(created, as_version=4)
    original = nbformat.read(template, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].source == "# Churn v2\n\nFit a model. Then judge it.\n"
    assert not {c.id for c in nb.cells} & {c.id for c in original.cells}
    code = nb.cells[1]
    assert code.outputs == [] and code.execution_count is None
    assert code.metadata == {"tags": ["parameters"]}
    assert code.source == original.cells[1].source
    assert "papermill" not in nb.metadata
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.metadata.nbops == {"template": "sample"}


def test_refuses_to_overwrite(dirs, capsys):
    _, notebooks = dirs
    assert new("sample", "churn", dirs=dirs) == 0
    before = (notebooks / "churn.ipynb").read_bytes()
    assert new("sample", "churn.ipynb", dirs=dirs) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nbops: error:") and "already exists" in err and "\n" not in err
    assert (notebooks / "churn.ipynb").read_bytes() == before


def test_unknown_template_names_the_available_ones(dirs, capsys):
    assert new("clasification", "churn", dirs=dirs) == 2
    err = capsys.readouterr().err
    assert "unknown template 'clasification'" in err and "sample" in err
    assert not dirs[1].exists()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("a/b", id="slash"),
        pytest.param("..", id="dotdot"),
        pytest.param("../escape", id="parent"),
        pytest.param("a\\b", id="backslash"),
        pytest.param(".hidden", id="leading-dot"),
        pytest.param("with space", id="space"),
        pytest.param("", id="empty"),
    ],
)
def test_rejects_names_that_are_not_plain_file_names(dirs, capsys, name):
    assert new("sample", name, dirs=dirs) == 2
    assert "is not allowed" in capsys.readouterr().err or name == ""
    assert not dirs[1].exists()


def test_missing_arguments_are_bad_input(dirs, capsys):
    assert new("sample", dirs=dirs) == 2
    assert "give a TEMPLATE and a NAME" in capsys.readouterr().err


def test_list_prints_each_template_with_its_purpose(dirs, capsys):
    assert new("--list", dirs=dirs) == 0
    assert capsys.readouterr().out == "sample  Fit a model.\n"


def test_every_real_template_lists_a_purpose():
    listed = list_templates(ROOT / "templates")
    assert [t.name for t in listed] == TEMPLATES
    for template in listed:
        assert template.purpose, f"{template.name}: no paragraph after the title"
        assert "\n" not in template.purpose


def test_purpose_is_the_first_sentence_after_the_title():
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# T\n\nOne line\nwrapped. Second.\n\nMore.")]
    )
    assert purpose(nb) == "One line wrapped."


@pytest.mark.parametrize(
    ("name", "title"),
    [("churn", "Churn"), ("churn_v2", "Churn v2"), ("house-prices.2026", "House prices 2026")],
)
def test_title_from_name(name, title):
    assert title_from_name(name) == title


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_copy_keeps_the_code_ci_runs(template, tmp_path):
    """The copy's code is the template's code, so test_notebooks' runs of the templates cover it."""
    notebooks = tmp_path / "notebooks"
    assert main(["new", template, f"my_{template}", "--notebooks-dir", str(notebooks)]) == 0
    copy = nbformat.read(notebooks / f"my_{template}.ipynb", as_version=4)
    original = nbformat.read(ROOT / "templates" / f"{template}.ipynb", as_version=4)

    def code(nb):
        return [
            (cell.source, cell.metadata.get("tags", []))
            for cell in nb.cells
            if cell.cell_type == "code"
        ]

    assert code(copy) == code(original)


@pytest.mark.kernel
def test_a_template_copied_with_new_runs_headless(tmp_path, capsys):
    """The cheapest template: test_notebooks.py already runs every template as it is."""
    notebooks = tmp_path / "notebooks"
    assert main(["new", "exploration", "my_model", "--notebooks-dir", str(notebooks)]) == 0
    code = main(["run", str(notebooks / "my_model.ipynb"), "--runs-dir", str(tmp_path / "runs")])
    assert code == 0, capsys.readouterr().err
    run = (tmp_path / "runs" / "latest").resolve()
    assert run.name.endswith("-my_model")
    assert json.loads((run / "metrics.json").read_text())
