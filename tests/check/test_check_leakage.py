"""Leakage rules on purpose-named Kaggle-style notebooks: each one, then precision and recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nbfactory import FIXTURES, code, md, notebook

from nbops.check import CheckConfig, check_notebook

LEAKAGE = ("NB301", "NB302", "NB303", "NB304", "NB306")
CONFIG = CheckConfig(select=("NB3",))


def _fixtures(folder: str) -> list:
    paths = sorted((FIXTURES / folder).glob("*.ipynb"))
    return [pytest.param(path, id=path.stem) for path in paths]


def expected(path: Path) -> list[str]:
    """The codes a fixture declares in metadata.nbops_test.expect."""
    return json.loads(path.read_text(encoding="utf-8"))["metadata"]["nbops_test"]["expect"]


def found(path: Path) -> list[str]:
    return sorted({d.code for d in check_notebook(path, CONFIG)})


def test_there_are_enough_fixtures():
    assert len(_fixtures("leak")) >= 15
    assert len(_fixtures("clean")) >= 15


@pytest.mark.parametrize("path", _fixtures("leak"))
def test_leaking_notebook_is_flagged(path):
    assert found(path) == expected(path)


@pytest.mark.parametrize("path", _fixtures("clean"))
def test_clean_notebook_is_silent(path):
    assert found(path) == expected(path)
    assert not set(found(path)) & set(LEAKAGE)


def test_leak_is_reported_where_the_fit_happens():
    (finding,) = check_notebook(FIXTURES / "leak" / "scaler_before_split.ipynb", CONFIG)
    assert (finding.cell, finding.line) == (3, 1)
    assert "StandardScaler fitted on the full data" in finding.message
    assert "reaches the model trained at cell 3:3" in finding.message


def test_precision_and_recall(capsys):
    true_pos = false_pos = false_neg = 0
    for folder in ("leak", "clean"):
        for param in _fixtures(folder):
            want = {c for c in expected(param.values[0]) if c in LEAKAGE}
            got = {c for c in found(param.values[0]) if c in LEAKAGE}
            true_pos += len(want & got)
            false_pos += len(got - want)
            false_neg += len(want - got)
    precision = true_pos / ((true_pos + false_pos) or 1)
    recall = true_pos / ((true_pos + false_neg) or 1)
    with capsys.disabled():
        print(
            f"\nleakage rules on {len(_fixtures('leak'))} leaking + {len(_fixtures('clean'))} clean"
            f" notebooks: precision {precision:.2f}, recall {recall:.2f}"
            f" (tp={true_pos} fp={false_pos} fn={false_neg})"
        )
    assert precision >= 0.9
    assert recall >= 0.9


PY2_HEADER = """\
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("data/churn.csv")
X, y = df.drop(columns=["churn"]), df["churn"]"""


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        pytest.param(
            'X = StandardScaler().fit_transform(X)\nprint "scaled", X.shape',
            ["NB300", "NB301"],
            id="python2-print-beside-a-leak",
        ),
        pytest.param(
            'X_train = X\nexec "x = 1"\nprint >>log, "done"',
            ["NB300"],
            id="python2-statements-in-a-clean-notebook",
        ),
    ],
)
def test_python2_code_is_reported_once_and_the_rest_analysed(write_nb, cell, want):
    train = (
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
        "model = LogisticRegression().fit(X_train, y_train)\n"
        'print "accuracy", model.score(X_test, y_test)'
    )
    path = write_nb(notebook(md("# Old notebook"), code(PY2_HEADER), code(cell), code(train)))
    findings = check_notebook(path, CheckConfig(select=("NB3",)))
    assert sorted({d.code for d in findings}) == want
    (unparsed,) = [d for d in findings if d.code == "NB300"]
    assert unparsed.cell == 3 and "does not parse as Python 3" in unparsed.message


def test_code_too_deep_to_follow_stops_one_cell_only(write_nb):
    deep = "total = " + " + ".join(["X"] * 3000)
    leak = (
        "X_scaled = StandardScaler().fit_transform(X)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, random_state=0)\n"
        "LogisticRegression().fit(X_train, y_train)"
    )
    path = write_nb(notebook(code(PY2_HEADER), code(deep), code(leak)))
    findings = check_notebook(path, CheckConfig(select=("NB3",)))
    assert {(d.code, d.cell) for d in findings} >= {("NB300", 2), ("NB301", 3)}


def test_each_leak_names_its_fit_and_a_fix():
    path = FIXTURES / "leak" / "user_function_standardises_before_split.ipynb"
    finding = check_notebook(path, CONFIG)[0]
    assert (finding.code, finding.cell, finding.line) == ("NB301", 3, 3)
    assert ".mean() computed on the full data" in finding.message
    assert "compute it on the training split" in finding.message


def test_model_fitted_on_all_rows_is_located_where_it_is_scored():
    path = FIXTURES / "leak" / "fit_all_rows_scored_on_test_split.ipynb"
    (finding,) = check_notebook(path, CONFIG)
    assert finding.code == "NB302" and (finding.cell, finding.line) == (3, 3)
    assert "the model trained at cell 3:2 is scored on rows it was trained on" in finding.message


def test_only_training_score_has_its_own_code_and_fix():
    path = FIXTURES / "leak" / "training_score_is_the_only_score.ipynb"
    (finding,) = check_notebook(path, CONFIG)
    assert finding.code == "NB306"
    assert "evaluated only on the rows it was trained on" in finding.message
    assert "hold out a test split or cross-validate" in finding.message


def test_refit_on_test_split_is_preprocessing_leakage_and_encoder_refit_a_bug():
    (scaler,) = check_notebook(FIXTURES / "leak" / "scaler_refitted_on_test_split.ipynb", CONFIG)
    assert scaler.code == "NB301" and "scaled by their own statistics" in scaler.message
    path = FIXTURES / "leak" / "label_encoder_refitted_on_test_split.ipynb"
    (encoder,) = check_notebook(path, CONFIG)
    assert encoder.code == "NB305" and "its codes may differ" in encoder.message


MERGE_HEADER = """\
import pandas as pd
from sklearn.linear_model import LogisticRegression

rows = pd.read_csv("data/rows.csv")
lookup = pd.read_csv("data/lookup.csv")"""


@pytest.mark.parametrize(
    "merge",
    [
        'joined = lookup.merge(rows, on="key")',
        'joined = lookup.merge(right=rows, on="key")',
        'joined = pd.merge(lookup, rows, on="key")',
        'joined = pd.merge(left=lookup, right=rows, on="key")',
    ],
)
def test_merge_keeps_the_rows_in_positional_and_keyword_form(write_nb, merge):
    score = (
        'model = LogisticRegression().fit(rows[["a"]], rows["y"])\n'
        'print(model.score(joined[["a"]], joined["y"]))'
    )
    path = write_nb(notebook(md("# Merge"), code(MERGE_HEADER), code(merge), code(score)))
    assert [d.code for d in check_notebook(path, CONFIG)] == ["NB302"]


def test_rows_read_back_with_pickle_are_a_source_like_read_csv(write_nb):
    cells = [
        md("# Pickled rows"),
        code("import pickle\nfrom sklearn.preprocessing import StandardScaler"),
        code('with open("rows.pkl", "rb") as handle:\n    train = pickle.load(handle)'),
        code('train["a"] = StandardScaler().fit_transform(train[["a"]])'),
    ]
    findings = check_notebook(write_nb(notebook(*cells)), CONFIG)
    assert findings == []  # labelled rows that nothing divides or scores: no leak yet


def test_cross_validated_leak_names_the_folds_and_rank_fix_does_not_mention_imputing():
    path = FIXTURES / "leak" / "scaler_then_cross_val.ipynb"
    (finding,) = check_notebook(path, CONFIG)
    assert "the labelled rows that the cross-validation folds divide" in finding.message
    assert "before the train/test split" not in finding.message
    path = FIXTURES / "leak" / "rank_over_all_rows_before_split.ipynb"
    messages = [d.message for d in check_notebook(path, CONFIG)]
    assert messages and all("impute" not in message for message in messages)
