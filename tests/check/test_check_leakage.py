"""Leakage rules on purpose-named Kaggle-style notebooks: each one, then precision and recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nbfactory import FIXTURES

from nbops.check import CheckConfig, check_notebook

LEAKAGE = ("NB301", "NB302", "NB303", "NB304")
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
