"""The drift kit: column checks with clear errors, Evidently's verdict, metrics and plots.

No kernel here; the tests that run Evidently (marked slow) share one report per scenario (module
fixtures, so the module runs on one xdist worker), since a report costs seconds.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from nbops.kit import data_plots, drift, drift_data
from nbops.kit.data import sample_rows
from nbops.kit.errors import DataError

pytestmark = pytest.mark.xdist_group("drift-reports")
ROOT = Path(__file__).resolve().parents[1]
SEATTLE = [ROOT / "data" / "drift" / f"seattle_{year}.csv" for year in (2012, 2015)]
SHIFTED_CUSTOMERS = {"age", "plan"}
METRIC_NAMES = {
    "drift_share",
    "drifted_columns",
    "n_columns",
    "missing_share_reference",
    "missing_share_current",
}


def seattle() -> pd.DataFrame:
    """Both committed years of Seattle weather, 731 daily rows."""
    return pd.concat([pd.read_csv(path) for path in SEATTLE], ignore_index=True)


def customers(rows: int = 4000, seed: int = 0) -> pd.DataFrame:
    """A seeded table of mixed columns, large enough that Evidently uses distance tests."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.normal(40.0, 10.0, rows).round(1),
            "income": rng.lognormal(10.0, 0.5, rows).round(2),
            "tenure": rng.poisson(12.0, rows),
            "score": rng.uniform(0.0, 1.0, rows).round(4),
            "plan": rng.choice(["basic", "plus", "pro"], rows, p=[0.5, 0.3, 0.2]),
            "region": rng.choice(["north", "south", "east", "west"], rows),
        }
    )


def random_halves(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two random halves of `frame`: any difference between them is chance."""
    order = np.random.default_rng(seed).permutation(len(frame))
    half = len(frame) // 2
    first, second = frame.iloc[order[:half]], frame.iloc[order[half:]]
    return first.reset_index(drop=True), second.reset_index(drop=True)


def inject_shift(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """`frame` with the mean of one numeric column moved and a new category on 30% of rows."""
    rng = np.random.default_rng(seed)
    numeric, categorical = ("age", "plan") if "age" in frame else ("temp_max", "weather")
    shifted = frame.copy()
    shifted[numeric] = shifted[numeric] + shifted[numeric].std()
    shifted.loc[rng.random(len(shifted)) < 0.3, categorical] = "new"
    return shifted


def report(reference: pd.DataFrame, current: pd.DataFrame, time_column=None, **options):
    columns = drift_data.drift_columns(reference, current, time_column=time_column)
    reference = drift_data.parse_time_column(reference, time_column, "reference")
    current = drift_data.parse_time_column(current, time_column, "current")
    snapshot = drift.run_drift_report(reference, current, columns, drift_share=0.5, **options)
    return columns, snapshot, drift.drift_table(snapshot, columns)


@pytest.fixture(scope="module")
def shifted_report():
    reference, current = random_halves(customers())
    current = inject_shift(current)
    return (reference, current, *report(reference, current))


# --- Evidently's verdict ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_halves_show_no_drift_and_a_shift_drifts_exactly_its_columns(seed):
    reference, current = random_halves(customers(seed=seed), seed)
    *_, table = report(reference, current)
    assert not table["drifted"].any(), table
    assert not drift.drift_verdict(table, 0.5).detected
    *_, table = report(reference, inject_shift(current, seed))
    assert set(table.index[table["drifted"]]) == SHIFTED_CUSTOMERS, table
    assert set(table.index[:2]) == SHIFTED_CUSTOMERS  # drifted columns come first
    assert set(table["method"]) == {"Wasserstein distance (normed)", "Jensen-Shannon distance"}


@pytest.mark.slow
def test_small_tables_use_p_value_tests():
    """Up to 1000 reference rows Evidently tests p-values, which flag ~5% of unmoved columns by
    chance: the dataset verdict (share of drifted columns) is what stays robust."""
    reference, current = (pd.read_csv(path) for path in SEATTLE)
    columns, _, table = report(reference, current, time_column="date")
    assert columns.time == "date" and "date" not in columns.compared
    assert set(table.index[table["drifted"]]) == {"weather", "temp_max", "temp_min"}
    assert table.loc["weather", "method"] == "chi-square p_value"
    assert table.loc["temp_max", "method"] == "K-S p_value"
    reference, current = random_halves(seattle())
    *_, table = report(reference, current, time_column="date")
    assert not drift.drift_verdict(table, 0.5).detected


@pytest.mark.slow
def test_metrics_are_named_as_the_issue_says(shifted_report):
    reference, current, columns, _, table = shifted_report
    metrics = drift.drift_metrics(table, reference, current, columns)
    per_column = {f"drift_score__{column}" for column in columns.compared}
    assert set(metrics) == METRIC_NAMES | per_column
    assert metrics["drifted_columns"] == 2
    assert metrics["n_columns"] == 6
    assert metrics["drift_share"] == pytest.approx(2 / 6)
    assert metrics["missing_share_reference"] == 0.0


@pytest.mark.slow
def test_fail_on_drift_names_the_drifted_columns(shifted_report):
    *_, table = shifted_report
    verdict = drift.drift_verdict(table, 0.3)
    assert verdict.detected
    drift.fail_on_drift(verdict, False)  # asked not to fail: nothing happens
    with pytest.raises(drift.DriftDetectedError, match=r"2 of 6 columns drifted.*: (age|plan)"):
        drift.fail_on_drift(verdict, True)
    assert "age" in str(verdict) and "plan" in str(verdict)


@pytest.mark.slow
def test_a_share_below_the_threshold_is_no_drift(shifted_report):
    *_, table = shifted_report
    verdict = drift.drift_verdict(table, 0.5)
    assert not verdict.detected and set(verdict.drifted) == SHIFTED_CUSTOMERS
    drift.fail_on_drift(verdict, True)
    assert drift.drift_verdict(table, 2 / 6).detected  # reaching the threshold is drift


@pytest.mark.slow
def test_p_value_and_distance_tests_rank_drifted_columns_first():
    reference, current = random_halves(customers(rows=1000))
    *_, table = report(reference, inject_shift(current), method="psi")
    assert set(table["method"]) == {"psi"}
    assert set(table.index[table["drifted"]]) >= SHIFTED_CUSTOMERS
    assert list(table["drifted"]) == sorted(table["drifted"], reverse=True)


@pytest.mark.slow
def test_save_report_writes_html_into_the_run_folder(shifted_report, tmp_path, monkeypatch):
    monkeypatch.setenv("NBOPS_RUN_DIR", str(tmp_path))
    path = drift.save_report(shifted_report[3])
    assert path == tmp_path / "drift_report.html"
    assert path.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


@pytest.mark.slow
@pytest.mark.parametrize(("tracking", "logged"), [("on", True), ("off", False)])
def test_save_report_logs_to_an_open_mlflow_run_unless_tracking_is_off(
    shifted_report, tmp_path, monkeypatch, tracking, logged
):
    artifacts = []
    fake = types.SimpleNamespace(active_run=lambda: object(), log_artifact=artifacts.append)
    monkeypatch.setitem(sys.modules, "mlflow", fake)
    monkeypatch.setenv("NBOPS_RUN_DIR", str(tmp_path))
    monkeypatch.setenv("NBOPS_TRACKING", tracking)
    path = drift.save_report(shifted_report[3])
    assert artifacts == ([str(path)] if logged else [])


@pytest.mark.slow
def test_distribution_plot_shows_the_most_drifted_columns(shifted_report):
    reference, current, _, _, table = shifted_report
    fig = data_plots.plot_drift_distributions(
        reference, current, table, top=3, bins=10, max_categories=5, figsize=[9.0, 6.0]
    )
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert [title.split(":")[0] for title in titles] == list(table.index[:3])


# --- Model quality when target and prediction exist ------------------------------------------


def with_prediction(frame: pd.DataFrame, accuracy: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    right = rng.random(len(frame)) < accuracy
    return frame.assign(predicted=np.where(right, frame["weather"], "sun"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("target", "prediction", "task", "metric"),
    [
        pytest.param("weather", "predicted", "classification", "Accuracy", id="classification"),
        pytest.param("temp_max", "temp_guess", "regression", "RMSE", id="regression"),
    ],
)
def test_model_quality_is_compared_when_both_tables_have_target_and_prediction(
    target, prediction, task, metric
):
    reference, current = random_halves(seattle())
    reference = with_prediction(reference, 0.9, 1).assign(temp_guess=reference["temp_max"] + 0.5)
    current = with_prediction(current, 0.6, 2).assign(temp_guess=current["temp_max"] + 3.0)
    keep = ["precipitation", "wind", target, prediction]
    columns = drift_data.drift_columns(
        reference[keep], current[keep], target=target, prediction=prediction
    )
    assert columns.task == task
    assert columns.role(target) == "target" and columns.role(prediction) == "prediction"
    snapshot = drift.run_drift_report(reference[keep], current[keep], columns, drift_share=0.5)
    quality = drift.quality_table(snapshot)
    assert metric in quality.index
    better, worse = quality.loc[metric, "reference"], quality.loc[metric, "current"]
    assert (better > worse) if metric == "Accuracy" else (better < worse)
    assert set(drift.drift_table(snapshot, columns).index) == set(keep)


@pytest.mark.slow
def test_binary_labels_use_the_positive_label():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 10, "y": ["no", "yes"] * 20})
    frame["p"] = frame["y"]
    columns = drift_data.drift_columns(frame, frame, target="y", prediction="p")
    snapshot = drift.run_drift_report(frame, frame, columns, drift_share=0.5, positive_label="yes")
    assert drift.quality_table(snapshot).loc["Accuracy", "current"] == 1.0
    with pytest.raises(DataError, match="POSITIVE_LABEL 'maybe' is not a label"):
        drift.run_drift_report(frame, frame, columns, drift_share=0.5, positive_label="maybe")


# --- Column checks: clear errors before any test runs ----------------------------------------


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    reference = pd.DataFrame(
        {"age": [30, 40, 50], "city": ["a", "b", "a"], "income": [1.0, 2.0, 3.0]}
    )
    return reference, reference.copy()


def test_missing_columns_are_listed_per_table():
    reference, current = frames()
    current = current.drop(columns=["city", "income"]).assign(extra=[1, 2, 3])
    with pytest.raises(DataError) as error:
        drift_data.drift_columns(reference, current)
    message = str(error.value)
    assert "missing from the current data: city, income" in message
    assert "missing from the reference data: extra" in message


def test_listed_columns_only_need_to_exist_in_both():
    reference, current = frames()
    current = current.drop(columns=["city"])
    columns = drift_data.drift_columns(reference, current, numeric=["age", "income"])
    assert columns.kinds == {"age": "numeric", "income": "numeric"}


@pytest.mark.parametrize(
    ("reference", "current", "message"),
    [
        pytest.param(
            pd.DataFrame({"a": []}),
            pd.DataFrame({"a": [1]}),
            "reference data has 0 rows",
            id="rows",
        ),
        pytest.param(pd.DataFrame({"a": [1]}), pd.DataFrame(), "point CURRENT_PATH", id="columns"),
    ],
)
def test_empty_tables_are_refused(reference, current, message):
    with pytest.raises(DataError, match=message):
        drift_data.drift_columns(reference, current)


def test_mismatched_dtypes_name_the_column_and_both_dtypes():
    reference, current = frames()
    current["age"] = ["thirty", "forty", "fifty"]
    with pytest.raises(DataError, match=r"'age' has mismatched dtypes: int64 \(numeric\)"):
        drift_data.drift_columns(reference, current)


def test_a_numeric_column_that_holds_text_is_refused():
    reference, current = frames()
    with pytest.raises(DataError, match="NUMERIC_COLUMNS lists 'city' but it is str"):
        drift_data.drift_columns(reference, current, numeric=["city"])


def test_numbers_can_be_compared_as_categories():
    reference, current = frames()
    columns = drift_data.drift_columns(reference, current, categorical=["age"], numeric=["income"])
    assert columns.kinds == {"age": "categorical", "income": "numeric"}


def test_a_column_without_values_is_refused():
    reference, current = frames()
    current["income"] = np.nan
    with pytest.raises(DataError, match="'income' has no values in the current data"):
        drift_data.drift_columns(reference, current)


def test_an_unknown_name_suggests_the_closest_column():
    reference, current = frames()
    with pytest.raises(DataError, match=r"DROP_COLUMNS names 'incom'.*did you mean 'income'"):
        drift_data.drift_columns(reference, current, exclude=["incom"])


def test_excluded_and_time_columns_are_not_compared():
    reference, current = frames()
    columns = drift_data.drift_columns(reference, current, exclude=["city"], time_column="age")
    assert columns.compared == ["income"]


def test_a_target_only_one_table_has_is_noted_and_skipped():
    reference, current = frames()
    reference["label"] = ["x", "y", "x"]
    columns = drift_data.drift_columns(reference, current, target="label", exclude=["label"])
    assert columns.target is None and "label" not in columns.compared
    assert any("missing from the current data" in note for note in columns.notes)


def test_regression_needs_numeric_target_and_prediction():
    reference, current = frames()
    with pytest.raises(DataError, match="TASK 'regression' needs numeric"):
        drift_data.drift_columns(
            reference, current, target="city", prediction="age", task="regression"
        )


def test_a_time_column_that_is_not_dates_is_refused():
    frame = pd.DataFrame({"when": ["2024-01-01", "not a date"], "x": [1, 2]})
    with pytest.raises(DataError, match="TIME_COLUMN 'when' of the current data cannot be read"):
        drift_data.parse_time_column(frame, "when", "current")


def test_load_drift_tables_names_the_parameter_to_fix(tmp_path):
    with pytest.raises(DataError, match="REFERENCE_PATH 'nowhere.csv' is not a file"):
        drift_data.load_drift_tables("nowhere.csv", SEATTLE[1])
    empty = tmp_path / "empty.csv"
    empty.write_text("date,x\n")
    with pytest.raises(DataError, match="CURRENT_PATH .*empty.csv. has no rows"):
        drift_data.load_drift_tables(SEATTLE[0], empty)


def test_sampling_is_seeded_and_keeps_row_order():
    frame = seattle()
    first = sample_rows(frame, 100, random_state=7)
    assert first.equals(sample_rows(frame, 100, random_state=7))
    assert len(first) == 100 and first.index.is_monotonic_increasing
    assert sample_rows(frame, 0, random_state=7) is frame


def test_compare_categories_shows_new_categories():
    reference, current = random_halves(seattle())
    summary = drift_data.compare_categories(reference, inject_shift(current), ["weather"])
    assert summary.loc["weather", "new_in_current"] == "new"
    assert 0.2 < summary.loc["weather", "new_share_current"] < 0.4


def test_drift_default_time_column_is_optional_an_explicit_one_is_not(tmp_path, monkeypatch):
    for name in ("a", "b"):
        (tmp_path / f"{name}.csv").write_text("x,y\n1,p\n2,q\n3,p\n")
    monkeypatch.setenv("NBOPS_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.delenv("NBOPS_GIVEN_PARAMS", raising=False)
    ref, cur = drift_data.load_drift_tables(
        tmp_path / "a.csv", tmp_path / "b.csv", time_column="date"
    )
    columns = drift_data.drift_columns(ref, cur, time_column="date")
    assert "x" in columns.kinds and columns.time is None
    assert list(drift_data.time_span(ref, cur, "date").columns) == ["rows"]

    monkeypatch.setenv("NBOPS_GIVEN_PARAMS", "REFERENCE_PATH,TIME_COLUMN")
    with pytest.raises(DataError, match="date"):
        drift_data.drift_columns(ref, cur, time_column="date")
