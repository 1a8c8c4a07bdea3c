"""nbops.kit.data: loading, column and target checks, duplicates, splits and overlap counting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbops.kit.data import (
    UnreadableTableError,
    count_overlap_rows,
    drop_columns,
    feature_types,
    load_table,
    require_column,
    split_by_time,
    split_report,
    split_stratified,
    target_split_report,
    validate_numeric_target,
    validate_target,
)
from nbops.kit.errors import DataError, DriftDetectedError, KitError
from nbops.kit.record import file_sha256

pytestmark = pytest.mark.filterwarnings("error")

ROOT = Path(__file__).resolve().parents[1]
PENGUINS = ROOT / "data" / "penguins.csv"


@pytest.fixture(autouse=True)
def run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "run"
    monkeypatch.setenv("NBOPS_RUN_DIR", str(folder))
    monkeypatch.setenv("NBOPS_PROJECT_ROOT", str(ROOT))
    return folder


@pytest.fixture
def penguins() -> pd.DataFrame:
    return pd.read_csv(PENGUINS)


def test_load_table_reads_csv_and_records_the_dataset(run_folder: Path) -> None:
    frame = load_table(PENGUINS)
    assert frame.shape == (344, 8)
    entries = [json.loads(line) for line in (run_folder / ".data.jsonl").read_text().splitlines()]
    assert entries == [{"path": "data/penguins.csv", "sha256": file_sha256(PENGUINS), "rows": 344}]


def test_load_table_finds_a_relative_path_from_a_subfolder(
    run_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "templates")  # where JupyterLab starts a template's kernel
    assert len(load_table(Path("data/penguins.csv"))) == 344
    entry = json.loads((run_folder / ".data.jsonl").read_text())
    assert entry["path"] == "data/penguins.csv"


def test_load_table_reads_parquet(tmp_path: Path, penguins: pd.DataFrame) -> None:
    path = tmp_path / "penguins.parquet"
    penguins.to_parquet(path)
    pd.testing.assert_frame_equal(load_table(path), penguins)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("missing.csv", "not found: set DATA_PATH", id="missing-file"),
        pytest.param("table.xlsx", "expected one of .csv", id="unknown-suffix"),
    ],
)
def test_load_table_rejects_unreadable_paths(tmp_path: Path, name: str, message: str) -> None:
    if name.endswith(".xlsx"):
        (tmp_path / name).write_text("not a table")
    with pytest.raises(DataError, match=message):
        load_table(tmp_path / name)


def test_validate_target_returns_rows_per_class(penguins: pd.DataFrame) -> None:
    counts = validate_target(penguins, "species")
    assert counts.to_dict() == {"Adelie": 152, "Chinstrap": 68, "Gentoo": 124}


@pytest.mark.parametrize(
    ("frame", "target", "message"),
    [
        pytest.param(
            pd.DataFrame({"species": ["a", "b"]}), "specie", "did you mean 'species'", id="typo"
        ),
        pytest.param(
            pd.DataFrame({"y": [np.nan, np.nan], "x": [1, 2]}), "y", "no values", id="all-null"
        ),
        pytest.param(pd.DataFrame({"y": ["a", "a", None]}), "y", "one class", id="single-class"),
    ],
)
def test_validate_target_errors_say_what_is_wrong(
    frame: pd.DataFrame, target: str, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        validate_target(frame, target)


def test_drop_columns_removes_the_named_columns(penguins: pd.DataFrame) -> None:
    kept = drop_columns(penguins, ["year", "island"], target="species")
    assert "year" not in kept.columns and "island" not in kept.columns
    assert drop_columns(penguins, [], target="species").equals(penguins)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        pytest.param(["yeer"], "unknown column 'yeer' \\(did you mean 'year'", id="typo"),
        pytest.param(["species"], "contains the target", id="target"),
        pytest.param("year", "must be a list", id="string-not-list"),
    ],
)
def test_drop_columns_rejects_bad_names(penguins: pd.DataFrame, columns, message: str) -> None:
    with pytest.raises(DataError, match=message):
        drop_columns(penguins, columns, target="species")


def test_dropping_missing_targets_as_the_templates_do_counts_and_renumbers() -> None:
    # The templates call pandas directly: count the missing targets, then drop them.
    frame = pd.DataFrame({"y": ["a", None, "b", np.nan], "x": [1, 2, 3, 4]})
    dropped = int(frame["y"].isna().sum())
    kept = frame.dropna(subset=["y"], ignore_index=True)
    assert dropped == 2
    assert kept["x"].tolist() == [1, 3]
    assert kept.index.tolist() == [0, 1]


def test_duplicate_rows_as_the_templates_count_them_treat_missing_values_as_equal() -> None:
    frame = pd.DataFrame({"a": [1.0, 1.0, np.nan, np.nan, 2.0], "b": ["x", "x", None, None, "x"]})
    assert int(frame.duplicated().sum()) == 2
    assert int(frame.drop_duplicates().duplicated().sum()) == 0


def test_split_stratified_keeps_class_shares(penguins: pd.DataFrame) -> None:
    train, test = split_stratified(penguins, "species", test_size=0.2, random_state=42)
    assert (len(train), len(test)) == (275, 69)
    overall = penguins["species"].value_counts(normalize=True)
    for split in (train, test):
        share = split["species"].value_counts(normalize=True)
        assert (share - overall).abs().max() < 1 / len(test)


def test_split_stratified_is_reproducible_and_seed_dependent(penguins: pd.DataFrame) -> None:
    first, _ = split_stratified(penguins, "species", test_size=0.2, random_state=42)
    again, _ = split_stratified(penguins, "species", test_size=0.2, random_state=42)
    other, _ = split_stratified(penguins, "species", test_size=0.2, random_state=7)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_split_stratified_names_a_single_row_class() -> None:
    frame = pd.DataFrame({"y": ["a"] * 5 + ["b"] * 5 + ["lonely"], "x": range(11)})
    with pytest.raises(DataError, match="class 'lonely' of 'y' has a single row"):
        split_stratified(frame, "y", test_size=0.3, random_state=0)


def test_split_report_shows_rows_and_shares_per_split(penguins: pd.DataFrame) -> None:
    train, test = split_stratified(penguins, "species", test_size=0.2, random_state=42)
    report = split_report(train, test, "species")
    assert report.index.tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    assert list(report.columns) == ["train_rows", "train_share", "test_rows", "test_share"]
    assert report["train_rows"].sum() == 275 and report["test_rows"].sum() == 69
    assert report["test_share"].sum() == pytest.approx(1.0)


def test_count_overlap_rows_counts_test_rows_seen_in_training() -> None:
    train = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": ["x", "y", None]})
    test = pd.DataFrame({"a": [1.0, 1.0, np.nan, 3.0, 2.0], "b": ["x", "x", None, "z", "x"]})
    # rows 0 and 1 repeat a training row, row 2 repeats one with missing values
    assert count_overlap_rows(train, test) == 3


def test_count_overlap_rows_is_zero_for_a_split_of_distinct_rows(penguins: pd.DataFrame) -> None:
    train, test = split_stratified(penguins, "species", test_size=0.2, random_state=42)
    assert count_overlap_rows(train, test) == 0
    assert count_overlap_rows(train, train.head(10)) == 10


def test_count_overlap_rows_requires_the_same_columns() -> None:
    with pytest.raises(DataError, match="same columns"):
        count_overlap_rows(pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]}))


def test_feature_types_sorts_columns_by_kind(penguins: pd.DataFrame) -> None:
    frame = penguins.assign(empty=np.nan, flag=penguins["year"] > 2008)
    features = feature_types(frame, "species")
    assert features.numeric == [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "year",
    ]
    assert features.categorical == ["island", "sex", "flag"]
    assert features.empty == ["empty"]


def test_feature_types_leaves_out_every_excluded_column(penguins: pd.DataFrame) -> None:
    features = feature_types(penguins, "species", "year", "")
    assert "year" not in features.numeric and "species" not in features.categorical
    assert features.categorical == ["island", "sex"]


def test_require_column_names_the_parameter_and_the_closest_column(penguins) -> None:
    require_column(penguins, "island", "SEGMENT_COLUMN")
    with pytest.raises(
        DataError, match="SEGMENT_COLUMN 'islnd' not found \\(did you mean 'island'"
    ):
        require_column(penguins, "islnd", "SEGMENT_COLUMN")
    with pytest.raises(DataError, match="TIME_COLUMN 'when' not found \\(columns: species, "):
        require_column(penguins, "when", "TIME_COLUMN")


def test_validate_numeric_target_summarises_a_numeric_target(penguins: pd.DataFrame) -> None:
    assert validate_numeric_target(penguins, "body_mass_g")["count"] == 342
    with pytest.raises(DataError, match="regression needs numbers"):
        validate_numeric_target(penguins, "species")
    with pytest.raises(DataError, match="did you mean 'body_mass_g'"):
        validate_numeric_target(penguins, "body_mass")


def test_split_by_time_holds_out_the_last_rows_with_their_index(penguins: pd.DataFrame) -> None:
    development, test = split_by_time(penguins, 44)
    assert (len(development), len(test)) == (300, 44)
    assert test.index[0] == 300 and development.index[-1] == 299
    with pytest.raises(DataError, match="TEST_STEPS=344 must be between 1 and 343"):
        split_by_time(penguins, 344)


def test_target_split_report_puts_the_splits_side_by_side(penguins: pd.DataFrame) -> None:
    train, test = penguins.iloc[:200], penguins.iloc[200:]
    report = target_split_report(train, test, "body_mass_g")
    assert list(report.columns) == ["train", "test"]
    assert report.loc["count", "train"] + report.loc["count", "test"] == 342


def test_every_kit_error_derives_from_kit_error_a_value_error() -> None:
    assert issubclass(KitError, ValueError)
    assert issubclass(DataError, KitError) and issubclass(DriftDetectedError, KitError)


@pytest.mark.parametrize(
    "content", [b"a,b\n1,2\n3,4,5,6\n", b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00" * 50]
)
def test_an_unreadable_table_names_its_parameter_and_file(tmp_path, content):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    with pytest.raises(UnreadableTableError) as caught:
        load_table(bad)
    assert isinstance(caught.value, KitError)
    message = str(caught.value)
    assert "DATA_PATH" in message and "bad.csv" in message and "\n" not in message


def test_a_header_only_table_says_it_has_no_rows(tmp_path):
    table = tmp_path / "header_only.csv"
    table.write_text("bill_length_mm,species\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_table(table, parameter="DATA_PATH")
    assert str(caught.value) == (
        f"DATA_PATH {table.as_posix()!r} has no rows (a header at most): "
        "point DATA_PATH at a table with data"
    )
    empty = pd.DataFrame({"species": pd.Series([], dtype=object)})
    with pytest.raises(DataError, match="species' has no values: the table has no rows"):
        validate_target(empty, "species")
    missing = pd.DataFrame({"species": [None, None]})
    with pytest.raises(DataError, match="has no values: every row is missing"):
        validate_target(missing, "species")
