"""Each rule fires on a bad notebook and stays silent on a good one."""

from __future__ import annotations

import pytest
from nbfactory import CONFIGS, IMPORTS, code, md, notebook, template

from nbops.check import CheckConfig, check_notebook


def codes(nb: dict, select: str, **settings) -> list[str]:
    """The codes found when only `select` runs."""
    config = CheckConfig(select=(select,), **settings)
    return [d.code for d in check_notebook(nb, config)]


def test_well_written_template_has_no_findings():
    assert check_notebook(template()) == []


NOT_SECTIONED = notebook(md("Some notes"), code("import pandas as pd"))


@pytest.mark.parametrize(
    ("nb", "expected"),
    [
        pytest.param(template(), [], id="title-present"),
        pytest.param(notebook(code("x = 1")), ["NB101"], id="starts-with-code"),
        pytest.param(NOT_SECTIONED, ["NB101"], id="markdown-without-heading"),
        pytest.param(notebook(md("## Imports"), code("x = 1")), ["NB101"], id="level-2-first"),
    ],
)
def test_nb101_title(nb, expected):
    assert codes(nb, "NB101") == expected


def _sections(*titles: str) -> dict:
    cells = [md("# T")]
    for title in titles:
        cells += [md(f"## {title}"), code("pass")]
    return notebook(*cells)


@pytest.mark.parametrize(
    ("nb", "expected"),
    [
        pytest.param(template(), 0, id="all-in-order"),
        pytest.param(
            _sections("Imports", "Config", "Data", "Exploratory Data Analysis", "Model", "Results"),
            0,
            id="synonyms",
        ),
        pytest.param(
            _sections("Imports", "Configs", "Datasets", "EDA", "Modeling"), 1, id="missing"
        ),
        pytest.param(
            _sections("Imports", "Configs", "Modeling", "Datasets", "EDA", "Evaluation"),
            1,
            id="modeling-before-data",
        ),
        pytest.param(_sections(), 6, id="no-sections"),
    ],
)
def test_nb102_sections(nb, expected):
    assert codes(nb, "NB102") == ["NB102"] * expected


def test_nb102_message_names_the_missing_section():
    nb = _sections("Imports", "Configs", "Datasets", "EDA", "Modeling")
    (finding,) = check_notebook(nb, CheckConfig(select=("NB102",)))
    assert "'Evaluation' is missing" in finding.message


def _untagged() -> dict:
    nb = template()
    nb["cells"][4]["metadata"] = {}
    return nb


def _tagged_twice() -> dict:
    nb = template()
    nb["cells"][6]["metadata"] = {"tags": ["parameters"]}
    return nb


@pytest.mark.parametrize(
    ("nb", "expected"),
    [
        pytest.param(template(), 0, id="one-under-configs"),
        pytest.param(_untagged(), 1, id="none"),
        pytest.param(_tagged_twice(), 1, id="two"),
    ],
)
def test_nb103_parameters_cell(nb, expected):
    assert codes(nb, "NB103") == ["NB103"] * expected


def test_nb103_parameters_cell_outside_configs():
    nb = template()
    nb["cells"][4]["metadata"] = {}
    nb["cells"][2]["metadata"] = {"tags": ["parameters"]}  # the Imports cell
    assert codes(nb, "NB103") == ["NB103"]


@pytest.mark.parametrize(
    ("modeling", "expected"),
    [
        pytest.param("model = 1", [], id="imports-in-imports"),
        pytest.param("from sklearn.svm import SVC\nmodel = SVC()", ["NB104"], id="late-import"),
        pytest.param("def f():\n    import json\n    return json", [], id="import-in-function"),
        pytest.param(
            "try:\n    import xgboost\nexcept ImportError:\n    pass", ["NB104"], id="try"
        ),
    ],
)
def test_nb104_imports(modeling, expected):
    assert codes(template(modeling=modeling), "NB104") == expected


@pytest.mark.parametrize(
    ("snippet", "settings", "expected"),
    [
        pytest.param("proba = X_test[:, 1]\nlast = y_test[-1]", {}, [], id="indexing"),
        pytest.param("x = frame.head(0) if TEST_SIZE > 1 else -1", {}, [], id="zero-one-minus-one"),
        pytest.param(
            "frame.sample(frac=0.3, random_state=RANDOM_STATE)", {}, ["NB201"], id="ratio"
        ),
        pytest.param("plt.subplots(figsize=(8, 5))", {}, ["NB201", "NB201"], id="figsize"),
        pytest.param(
            "plt.subplots(figsize=(8, 5))",
            {"allowed_keywords": frozenset({"figsize"})},
            [],
            id="figsize-allowed",
        ),
        pytest.param("n = -5", {}, ["NB201"], id="negative"),
        pytest.param("n = 3", {"allowed_numbers": frozenset({3})}, [], id="allowed-number"),
        pytest.param('label = f"{score:.3f}"', {}, [], id="format-spec"),
        pytest.param("flag = True", {}, [], id="bool"),
    ],
)
def test_nb201_magic_numbers(snippet, settings, expected):
    assert codes(template(eda=snippet), "NB201", **settings) == expected


def test_nb201_location_and_message():
    (finding,) = check_notebook(template(eda="a = 1\nb = 0.3"), CheckConfig(select=("NB201",)))
    assert (finding.cell, finding.line, finding.col) == (9, 2, 5)
    assert finding.message == "magic number 0.3 outside the Configs cell: name it in Configs"


SEEDS = "import numpy as np\nimport random\n" + IMPORTS


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        pytest.param("train_test_split(frame, test_size=TEST_SIZE)", 1, id="split-unseeded"),
        pytest.param("train_test_split(frame, random_state=RANDOM_STATE)", 0, id="split-seeded"),
        pytest.param("train_test_split(frame, shuffle=False)", 0, id="split-not-shuffled"),
        pytest.param("train_test_split(frame, random_state=None)", 1, id="seed-none"),
        pytest.param("RandomForestClassifier(n_estimators=N_ESTIMATORS)", 1, id="forest"),
        pytest.param('DummyClassifier(strategy="most_frequent")', 0, id="dummy-deterministic"),
        pytest.param('DummyClassifier(strategy="stratified")', 1, id="dummy-stratified"),
        pytest.param("GridSearchCV(model, {})", 0, id="search-without-random-state-param"),
        pytest.param("frame.sample(frac=TEST_SIZE)", 1, id="dataframe-sample"),
        pytest.param("frame.sample(frac=TEST_SIZE, random_state=RANDOM_STATE)", 0, id="sample-ok"),
        pytest.param("np.random.rand(N_ESTIMATORS)", 1, id="numpy-legacy"),
        pytest.param("np.random.seed(RANDOM_STATE)\nnp.random.rand(N_ESTIMATORS)", 0, id="seeded"),
        pytest.param("np.random.default_rng()", 1, id="rng-unseeded"),
        pytest.param("np.random.default_rng(RANDOM_STATE).normal()", 0, id="rng-seeded"),
        pytest.param("random.shuffle(items)", 1, id="stdlib-random"),
        pytest.param("split_stratified(frame, TARGET, test_size=TEST_SIZE)", 0, id="kit-helper"),
        pytest.param("RandomForestClassifier(**params)", 0, id="kwargs-unknown"),
    ],
)
def test_nb202_seeds(snippet, expected):
    assert codes(template(imports=SEEDS, modeling=snippet), "NB202") == ["NB202"] * expected


def test_nb202_kfold_only_when_shuffled():
    imports = IMPORTS + "from sklearn.model_selection import KFold\n"
    assert codes(template(imports=imports, modeling="KFold(n_splits=5)"), "NB202") == []
    shuffled = template(imports=imports, modeling="KFold(shuffle=True)")
    assert codes(shuffled, "NB202") == ["NB202"]


@pytest.mark.parametrize(
    ("snippet", "configs", "expected"),
    [
        pytest.param("frame = pd.read_csv(Path(DATA_PATH))", CONFIGS, 0, id="pathlib-constant"),
        pytest.param('frame = pd.read_csv("data/penguins.csv")', CONFIGS, 1, id="literal-path"),
        pytest.param('frame = pd.read_csv(f"data/{TARGET}.csv")', CONFIGS, 1, id="fstring-path"),
        pytest.param(
            "frame = pd.read_csv(Path(DATA_PATH))",
            CONFIGS.replace("data/penguins.csv", "/home/ana/penguins.csv"),
            1,
            id="absolute-in-configs",
        ),
        pytest.param('p = "C:\\\\Users\\\\ana\\\\x.csv"', CONFIGS, 1, id="windows-absolute"),
        pytest.param("p = os.path.join(DATA_PATH, TARGET)", CONFIGS, 1, id="os-path-join"),
        pytest.param('url = "https://example.org/data.csv"', CONFIGS, 0, id="url"),
    ],
)
def test_nb203_paths(snippet, configs, expected):
    imports = IMPORTS + "import os\n"
    nb = template(imports=imports, configs=configs, datasets=snippet)
    assert codes(nb, "NB203") == ["NB203"] * expected


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param("", [], id="all-used"),
        pytest.param("UNUSED_KNOB = 3  # nobody reads this\n", ["NB204"], id="unused"),
    ],
)
def test_nb204_unused_parameters(extra, expected):
    assert codes(template(configs=CONFIGS + extra), "NB204") == expected


def test_nb204_parameter_used_in_a_magic_counts():
    nb = template(configs=CONFIGS + 'OUT_DIR = "out"  # where\n', eda="!ls {OUT_DIR}")
    assert codes(nb, "NB204") == []


def _executed(counts: list[int | None], outputs: bool = False) -> dict:
    cells = [md("# T")]
    for count in counts:
        cell = code("x = 1", count=count)
        if outputs:
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
        cells.append(cell)
    return notebook(*cells)


@pytest.mark.parametrize(
    ("nb", "expected"),
    [
        pytest.param(_executed([None, None]), [], id="stripped"),
        pytest.param(_executed([1, 2]), ["NB401"], id="counts"),
        pytest.param(_executed([None], outputs=True), ["NB401"], id="outputs"),
    ],
)
def test_nb401_outputs(nb, expected):
    assert codes(nb, "NB401") == expected


def test_nb401_keep_output_tag():
    nb = _executed([1], outputs=True)
    nb["cells"][1]["metadata"] = {"tags": ["keep_output"]}
    assert codes(nb, "NB401") == []


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param([1, 2, 3], [], id="in-order"),
        pytest.param([1, None, 4], [], id="gaps-and-unrun"),
        pytest.param([3, 1, 2], ["NB402"], id="out-of-order"),
    ],
)
def test_nb402_order(counts, expected):
    assert codes(_executed(counts), "NB402") == expected


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        pytest.param("n = 7  # noqa: NB201", [], id="noqa-code"),
        pytest.param("n = 7  # noqa", [], id="bare-noqa"),
        pytest.param("n = 7  # noqa: NB202", ["NB201", "NB900"], id="other-code-and-unused"),
        pytest.param("n = 7  # noqa: E501, NB201", [], id="with-ruff-code"),
        pytest.param("n = 7\n# nbops: noqa: NB201\nm = 8", [], id="file-level"),
        pytest.param("n = 0  # noqa: NB201", ["NB900"], id="unused"),
    ],
)
def test_noqa(snippet, expected):
    config = CheckConfig(select=("NB201", "NB202", "NB900"))
    assert [d.code for d in check_notebook(template(eda=snippet), config)] == expected


def test_magics_keep_line_numbers():
    eda = "%matplotlib inline\n!pip list\nframe.describe\nx = 5"
    (finding,) = check_notebook(template(eda=eda), CheckConfig(select=("NB201",)))
    assert (finding.line, finding.col) == (4, 5)


def test_non_python_cell_magic_is_skipped():
    assert codes(template(eda="%%bash\necho 5 > x"), "NB201") == []


def test_syntax_error_cell_is_skipped():
    assert codes(template(eda="def broken(:\n    5"), "NB201") == []
