"""Run folders: unique and atomic under concurrency, safe names, `latest`, atomic records."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nbops import runs
from nbops.errors import BadInputError
from nbops.files import write_json_atomic
from nbops.project import LATEST, RunFolder

FIXED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _allocate_in_process(args: tuple[str, str]) -> str:
    runs_dir, name = args
    return str(runs.allocate(Path(runs_dir), "classification", name or None, now=FIXED))


def test_run_id_is_utc_stamp_stem_and_name(tmp_path):
    folder = runs.allocate(tmp_path, "classification", "baseline", now=FIXED)
    assert folder.name == "20260102-030405-classification-baseline"
    assert folder.is_dir() and folder.parent == tmp_path


def test_same_second_gets_distinct_folders_across_processes(tmp_path):
    jobs = [(str(tmp_path), "")] * 12
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        folders = pool.map(_allocate_in_process, jobs)
    assert len(set(folders)) == 12
    names = sorted(Path(folder).name for folder in folders)
    assert names[0] == "20260102-030405-classification"
    assert all(Path(folder).is_dir() for folder in folders)


def test_existing_folder_is_never_reused(tmp_path):
    first = runs.allocate(tmp_path, "nb", now=FIXED)
    (first / "keep.txt").write_text("precious")
    second = runs.allocate(tmp_path, "nb", now=FIXED)
    assert second != first and second.name.endswith("-2")
    assert (first / "keep.txt").read_text() == "precious"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("../escape", id="parent-dir"),
        pytest.param("a/b", id="slash"),
        pytest.param("..", id="dotdot"),
        pytest.param("/abs", id="absolute"),
        pytest.param("a\\b", id="backslash"),
        pytest.param(".hidden", id="leading-dot"),
        pytest.param("x" * 80, id="too-long"),
        pytest.param("with space", id="space"),
    ],
)
def test_hostile_names_cannot_escape_runs(tmp_path, name):
    runs_dir = tmp_path / "runs"
    with pytest.raises(BadInputError, match="is not allowed"):
        runs.allocate(runs_dir, "nb", name, now=FIXED)
    assert not runs_dir.exists() or list(runs_dir.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["runs"])


def test_latest_points_at_the_newest_run(tmp_path):
    runs.allocate(tmp_path, "nb", now=FIXED)
    newest = runs.allocate(tmp_path, "nb", "second", now=FIXED)
    write_json_atomic(RunFolder(newest).record, {"id": newest.name})
    latest = tmp_path / LATEST
    assert latest.is_symlink() and latest.resolve() == newest.resolve()
    assert runs.find(tmp_path, "latest") == newest.resolve()


def test_write_json_replaces_atomically_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "run.json"
    write_json_atomic(path, {"status": "running"})
    write_json_atomic(path, {"status": "succeeded"})
    assert json.loads(path.read_text()) == {"status": "succeeded"}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_find_rejects_what_is_not_a_run(tmp_path):
    with pytest.raises(BadInputError, match="no run 'nope'"):
        runs.find(tmp_path, "nope")


def test_list_runs_reads_records_oldest_first(tmp_path):
    for name in ("a", "b"):
        folder = runs.allocate(tmp_path, "nb", name, now=FIXED)
        write_json_atomic(RunFolder(folder).record, {"id": folder.name, "status": "succeeded"})
    assert [r["id"] for r in runs.list_runs(tmp_path)] == [
        "20260102-030405-nb-a",
        "20260102-030405-nb-b",
    ]
