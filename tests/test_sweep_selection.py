"""Which score a sweep ranks on, ties, and the runs table of summary.html (no kernel)."""

from __future__ import annotations

import pytest

from nbops.errors import BadInputError
from nbops.sweep import html
from nbops.sweep.plots import metric_limits
from nbops.sweep.selection import choose_metric, is_test_split_metric, rank
from nbops.sweep.summary import Row


def _row(index: int, metrics: dict, **params) -> Row:
    return Row(f"20261206-1200{index:02d}-nb-sweep-{index:03d}", "succeeded", 1.0, params, metrics)


def test_the_default_ranking_metric_is_the_validation_twin_of_the_gate_metric() -> None:
    chosen = choose_metric(None, {"GATE_METRIC": "f1_macro"}, allow_test_selection=False)
    assert (chosen.name, chosen.source, chosen.on_test_split) == (
        "val_f1_macro",
        "GATE_METRIC",
        False,
    )
    assert "val_f1_macro" in chosen.words() and "validation score" in chosen.words()


def test_a_notebook_may_name_its_own_ranking_metric_and_the_option_wins() -> None:
    effective = {"GATE_METRIC": "rmse", "SWEEP_METRIC": "cv_rmse"}
    assert choose_metric(None, effective, allow_test_selection=False).name == "cv_rmse"
    assert choose_metric("val_mae", effective, allow_test_selection=False).name == "val_mae"


@pytest.mark.parametrize("name", ["accuracy", "rmse", "f1_macro_ci_low", "baseline_accuracy"])
def test_a_test_split_metric_needs_allow_test_selection_and_is_labelled(name: str) -> None:
    assert is_test_split_metric(name)
    with pytest.raises(BadInputError, match="--allow-test-selection"):
        choose_metric(name, {}, allow_test_selection=False)
    allowed = choose_metric(name, {}, allow_test_selection=True)
    assert allowed.on_test_split and "TEST-SPLIT" in allowed.words()


def test_no_metric_and_no_gate_metric_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="give --metric"):
        choose_metric(None, {"X": 1}, allow_test_selection=False)


def test_runs_within_one_scored_row_are_tied_and_the_first_is_kept() -> None:
    rows = [
        _row(1, {"val_f1_macro": 0.980, "n_val": 50}),
        _row(2, {"val_f1_macro": 0.985, "n_val": 50}),
        _row(3, {"val_f1_macro": 0.900, "n_val": 50}),
    ]
    ranking = rank(rows, "val_f1_macro", "maximize")
    assert ranking.best is rows[0] and ranking.tied == [rows[1]]
    assert ranking.tolerance == pytest.approx(1 / 50)
    assert "tied with 1 run(s)" in ranking.words("val_f1_macro")


def test_a_recorded_interval_decides_ties_before_the_row_count() -> None:
    best = {"val_rmse": 2.0, "val_rmse_ci_low": 1.9, "val_rmse_ci_high": 2.3, "n_val": 10}
    rows = [_row(1, {"val_rmse": 2.25}), _row(2, best), _row(3, {"val_rmse": 2.35})]
    ranking = rank(rows, "val_rmse", "minimize")
    assert ranking.best is rows[0] and ranking.tied == [rows[1]]
    assert "interval" in ranking.evidence


def test_no_tie_when_scores_differ_by_more_than_the_evidence() -> None:
    rows = [_row(1, {"val_r2": 0.5, "n_val": 1000}), _row(2, {"val_r2": 0.9, "n_val": 1000})]
    ranking = rank(rows, "val_r2", "maximize")
    assert ranking.best is rows[1] and not ranking.tied and ranking.words("val_r2") == ""


def test_metric_axes_stay_within_zero_and_one_for_scores_that_live_there() -> None:
    low, high = metric_limits([0.9855, 0.9855, 0.97])
    assert 0.9 < low < 0.97 and 0.9855 < high <= 1.0
    assert metric_limits([0.99, 1.0])[1] == 1.0
    assert metric_limits([2.0, 3.0])[0] < 2.0


def _page(rows: list[Row]) -> html.Page:
    return html.Page("Sweep s", {}, rows, ["MODEL"], "val_acc", "maximize", rows[0])


def test_the_table_leads_with_the_ranking_metric_and_folds_constant_columns() -> None:
    rows = [
        _row(1, {"acc": 0.9, "val_acc": 0.8, "n_train": 275}, MODEL="a"),
        _row(2, {"acc": 0.7, "val_acc": 0.6, "n_train": 275}, MODEL="b"),
    ]
    page = _page(rows)
    cols, constant = html.split_constant(page, html.columns(page))
    assert [col.title for col in cols][:3] == ["run", "val_acc", "MODEL"]
    assert ("n_train", 275) in constant and ("status", "succeeded") in constant
    assert "acc" in [col.title for col in cols]
    text = html.render(page)
    assert "Same in every run: " in text and 'class="scroll"' in text
