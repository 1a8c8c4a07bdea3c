"""Reading, merging, validating and coercing notebook parameters (no kernel), and `nbops run`
refusing bad ones before any kernel starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbops import params
from nbops.cli import main
from nbops.errors import NotebookError, ParameterError

SAMPLES = Path(__file__).parent / "notebooks"


def notebook(source: str, *, tags=("parameters",)) -> dict:
    cell = {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source}
    return {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# T"}, cell]}


CONFIGS = """\
DATA_PATH = "data/penguins.csv"  # input table
N_ESTIMATORS = 200  # trees in the forest
TEST_SIZE = 0.2  # share of rows held out
RUN_GRID_SEARCH = False  # tune hyperparameters
DROP_COLUMNS = ["year"]  # columns to ignore
MAX_DEPTH = None  # deepest tree; None grows fully
LIMIT: int | None = None  # annotated optional int
derived = N_ESTIMATORS * 2
"""


@pytest.fixture
def declared():
    return params.declared_parameters(notebook(CONFIGS))


def test_declared_parameters_keep_order_types_and_comments(declared):
    assert list(declared) == [
        "DATA_PATH",
        "N_ESTIMATORS",
        "TEST_SIZE",
        "RUN_GRID_SEARCH",
        "DROP_COLUMNS",
        "MAX_DEPTH",
        "LIMIT",
    ]
    assert declared["N_ESTIMATORS"].types == (int,)
    assert declared["N_ESTIMATORS"].help == "trees in the forest"
    assert declared["LIMIT"].type_name == "int | None"
    assert "derived" not in declared  # computed, not a literal: papermill could not override it


def test_notebook_without_parameters_cell_is_rejected():
    with pytest.raises(NotebookError, match="no code cell tagged 'parameters'"):
        params.declared_parameters(notebook("A = 1", tags=()))


def test_two_parameters_cells_are_rejected():
    nb = notebook("A = 1")
    nb["cells"].append(nb["cells"][1])
    with pytest.raises(NotebookError, match="2 cells tagged 'parameters'"):
        params.declared_parameters(nb)


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        pytest.param("N_ESTIMATORS", "200", 200, id="int-from-string"),
        pytest.param("N_ESTIMATORS", "1_000", 1000, id="int-with-underscore"),
        pytest.param("N_ESTIMATORS", 50.0, 50, id="int-from-integral-float"),
        pytest.param("TEST_SIZE", "0.25", 0.25, id="float-from-string"),
        pytest.param("TEST_SIZE", 1, 1.0, id="float-from-int"),
        pytest.param("RUN_GRID_SEARCH", "true", True, id="bool-true"),
        pytest.param("RUN_GRID_SEARCH", "No", False, id="bool-no"),
        pytest.param("DATA_PATH", "other.csv", "other.csv", id="str"),
        pytest.param("DROP_COLUMNS", "year,island", ["year", "island"], id="list-comma"),
        pytest.param("DROP_COLUMNS", "[year, 3]", ["year", 3], id="list-yaml"),
        pytest.param("DROP_COLUMNS", "", [], id="list-empty"),
        pytest.param("MAX_DEPTH", "8", 8, id="none-default-takes-int"),
        pytest.param("MAX_DEPTH", "null", None, id="none-default-takes-null"),
        pytest.param("LIMIT", "5", 5, id="annotated-optional-int"),
        pytest.param("LIMIT", "None", None, id="annotated-optional-none"),
    ],
)
def test_values_are_coerced_to_the_declared_type(declared, name, given, expected):
    value = params.coerce(declared[name], given)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("name", "given", "type_name"),
    [
        pytest.param("N_ESTIMATORS", "abc", "int", id="int-from-word"),
        pytest.param("N_ESTIMATORS", "2.5", "int", id="int-from-fraction"),
        pytest.param("N_ESTIMATORS", True, "int", id="int-from-bool"),
        pytest.param("TEST_SIZE", "a fifth", "float", id="float-from-word"),
        pytest.param("RUN_GRID_SEARCH", "maybe", "bool", id="bool-from-word"),
        pytest.param("DATA_PATH", ["a"], "str", id="str-from-list"),
        pytest.param("LIMIT", "lots", "int | None", id="optional-int-from-word"),
    ],
)
def test_uncoercible_value_names_parameter_type_and_value(declared, name, given, type_name):
    with pytest.raises(ParameterError) as caught:
        params.coerce(declared[name], given)
    message = str(caught.value)
    assert name in message and f"expects {type_name}" in message and repr(given) in message
    assert "\n" not in message


def test_unknown_parameter_suggests_the_closest_declared_name(declared):
    with pytest.raises(
        ParameterError, match="unknown parameter N_ESTIMATOR: did you mean N_ESTIMATORS"
    ):
        params.resolve(declared, {"N_ESTIMATOR": "5"})


def test_unknown_parameter_without_close_match_lists_the_declared_ones(declared):
    with pytest.raises(ParameterError, match="declares DATA_PATH, N_ESTIMATORS"):
        params.resolve(declared, {"COMPLETELY_DIFFERENT": "5"})


def test_sources_merge_later_wins_and_defaults_fill_the_rest(declared):
    from_file = {"N_ESTIMATORS": 100, "TEST_SIZE": 0.3}
    from_cli = {"N_ESTIMATORS": "300"}
    effective = params.resolve(declared, from_file, from_cli)
    assert effective["N_ESTIMATORS"] == 300
    assert effective["TEST_SIZE"] == 0.3
    assert effective["DATA_PATH"] == "data/penguins.csv"
    assert effective["DROP_COLUMNS"] == ["year"]


def test_params_file_is_safe_loaded(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("N_ESTIMATORS: 120\nDROP_COLUMNS: [a, b]\n")
    assert params.load_params_file(path) == {"N_ESTIMATORS": 120, "DROP_COLUMNS": ["a", "b"]}
    path.write_text("!!python/object/apply:os.system ['echo unsafe']\n")
    with pytest.raises(ParameterError, match="not valid YAML"):
        params.load_params_file(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("- a\n- b\n", "must be a mapping", id="list-not-mapping"),
        pytest.param("a: [1,\n", "not valid YAML", id="broken-yaml"),
    ],
)
def test_bad_params_file_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "params.yaml"
    path.write_text(content)
    with pytest.raises(ParameterError, match=message):
        params.load_params_file(path)


def test_missing_params_file_is_named(tmp_path):
    with pytest.raises(ParameterError, match="params file not found"):
        params.load_params_file(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        pytest.param(["A=1", "B=x=y"], {"A": "1", "B": "x=y"}, id="value-with-equals"),
        pytest.param(["A="], {"A": ""}, id="empty-value"),
    ],
)
def test_assignments_parse(pairs, expected):
    assert params.parse_assignments(pairs) == expected


def test_assignment_without_equals_is_rejected():
    with pytest.raises(ParameterError, match="is not NAME=VALUE"):
        params.parse_assignments(["N_ESTIMATORS"])


def test_params_string_splits_where_a_new_name_begins():
    assert params.split_params_string("TITLE=Bob's model A=1 B=x=y") == [
        "TITLE=Bob's model",
        "A=1",
        "B=x=y",
    ]
    assert params.split_params_string("  ") == []


def test_an_empty_path_parameter_means_none_and_a_missing_file_is_named(tmp_path):
    declared = {"REFERENCE_PATH": params.Parameter("REFERENCE_PATH", "", (str,))}
    assert params.missing_input_paths(declared, {"REFERENCE_PATH": ""}, tmp_path) is None
    with pytest.raises(ParameterError, match="parameter REFERENCE_PATH: 'gone.csv' does not exist"):
        params.missing_input_paths(declared, {"REFERENCE_PATH": "gone.csv"}, tmp_path)


# ---------------------------------------------------------------- checked before any kernel starts


def test_a_malformed_params_file_gives_its_line(tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_text("SECONDS: 1\nbad: [unclosed\nother: 2\n")
    runs_dir = tmp_path / "runs"
    code = main(
        ["run", str(SAMPLES / "sleeps.ipynb"), "-f", str(params), "--runs-dir", str(runs_dir)]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "line " in err[0], err
    assert not runs_dir.exists()


def test_a_missing_data_path_is_found_before_the_kernel(tmp_path, capsys):
    runs_dir = tmp_path / "runs"
    notebook = SAMPLES / "records_metrics.ipynb"
    args = ["run", str(notebook), "-p", "DATA_PATH", "data/nope.csv", "--runs-dir", str(runs_dir)]
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "DATA_PATH" in err[0] and "nope.csv" in err[0], err
    assert not runs_dir.exists()
