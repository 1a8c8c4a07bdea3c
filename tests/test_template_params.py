"""Template parameters declared `None` carry a type, so a bad value is refused before anything
runs: `nbops run` and `nbops sweep` exit 2 with one line and allocate no run folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbops import params
from nbops.cli import main
from nbops.notebook_file import read_notebook

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "templates").glob("*.ipynb"))
WITH_MAX_DEPTH = [
    t for t in TEMPLATES if "MAX_DEPTH" in params.declared_parameters(read_notebook(t))
]


def declared(template: Path) -> dict[str, params.Parameter]:
    """The template's declared parameters."""
    return params.declared_parameters(read_notebook(template), template)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.stem)
def test_every_parameter_declared_none_names_its_type(template):
    untyped = [
        name
        for name, parameter in declared(template).items()
        if parameter.default is None and object in parameter.types
    ]
    assert untyped == [], (
        f"annotate them, e.g. `{untyped[0] if untyped else 'X'}: int | None = None`"
    )


def test_max_depth_takes_an_int_or_none_and_nothing_else():
    for template in WITH_MAX_DEPTH:
        parameter = declared(template)["MAX_DEPTH"]
        assert params.coerce(parameter, "8") == 8
        assert params.coerce(parameter, "none") is None
        assert params.coerce(parameter, 5) == 5


@pytest.mark.parametrize("template", WITH_MAX_DEPTH, ids=lambda t: t.stem)
def test_a_bad_value_stops_a_run_before_it_starts(template, tmp_path, capsys):
    runs_dir = tmp_path / "runs"
    argv = ["run", str(template), "--params", "MAX_DEPTH=abc", "--runs-dir", str(runs_dir)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == "nbops: error: parameter MAX_DEPTH expects int | None, got 'abc'\n"
    assert not runs_dir.exists()


@pytest.mark.parametrize(
    "source",
    [pytest.param("grid-option", id="grid-option"), pytest.param("params-file", id="params-file")],
)
def test_a_bad_grid_value_stops_a_sweep_before_any_run(source, tmp_path, capsys):
    template = ROOT / "templates" / "classification.ipynb"
    runs_dir = tmp_path / "runs"
    argv = ["sweep", str(template), "--runs-dir", str(runs_dir)]
    if source == "grid-option":
        argv += ["--grid", "MAX_DEPTH=2,x"]
    else:
        spec = tmp_path / "sweep.yaml"
        spec.write_text("grid:\n  MAX_DEPTH: [2, x]\n", encoding="utf-8")
        argv += ["-f", str(spec)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == "nbops: error: parameter MAX_DEPTH expects int | None, got 'x'\n"
    assert not runs_dir.exists()


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.stem)
def test_papermill_reads_every_line_of_the_parameters_cell(template, caplog):
    # papermill parses the cell (a comment holding `=` defeats it) and only logs what it cannot.
    import nbformat
    from papermill.translators import PythonTranslator

    nb = nbformat.read(template, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    with caplog.at_level("WARNING", logger="papermill"):
        PythonTranslator.inspect(cell)
    assert [r.getMessage() for r in caplog.records if "Unable to parse" in r.getMessage()] == []
