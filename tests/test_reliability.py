"""Issue 12: a true record after any fault, one clear line for any bad input.

Real `nbops run` processes, real signals, a real MLflow sqlite store. A run is paused at a named
stage with the test-only hook (NBOPS_TEST_PAUSE_AT, which creates NBOPS_TEST_PAUSE_READY when the
run gets there) so each signal lands deterministically. Every run-level test checks the exit
code, the one stderr line, run.json, the MLflow status and that no process is left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from nbops.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(__file__).parent / "notebooks"
NBOPS = Path(sys.executable).with_name("nbops")
WAIT_S = 90


# ---------------------------------------------------------------- helpers


@pytest.fixture
def tracked(tmp_path: Path, empty_mlflow_store: Path) -> tuple[Path, dict[str, str]]:
    """A runs folder with its embedded MLflow store, and the environment of a tracked run."""
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    shutil.copy(empty_mlflow_store, runs_dir / "mlflow.db")
    env = {**os.environ, "NBOPS_TRACKING": "on"}
    return runs_dir, env


class Run:
    """One `nbops run` child process, with every process it ever started remembered."""

    def __init__(self, args: list, env: dict[str, str], cwd: Path = ROOT) -> None:
        self.proc = subprocess.Popen(
            [NBOPS, "run", *map(str, args)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.seen: dict[int, float] = {}

    def watch(self) -> None:
        try:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                self.seen.setdefault(child.pid, child.create_time())
        except psutil.NoSuchProcess:
            pass

    def wait_for(self, condition, what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            self.watch()
            if condition():
                return
            assert self.proc.poll() is None, f"nbops ended before {what}: {self.proc.stderr.read()}"
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    def finish(self) -> tuple[int, list[str]]:
        _out, err = self.proc.communicate(timeout=WAIT_S)
        return self.proc.returncode, [line for line in err.splitlines() if line.strip()]

    def kernels(self) -> list[int]:
        self.watch()
        found = []
        for pid in self.seen:
            try:
                if "ipykernel" in " ".join(psutil.Process(pid).cmdline()):
                    found.append(pid)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                pass
        return found

    def assert_nothing_left(self) -> None:
        deadline = time.monotonic() + 10
        alive = self._alive()
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = self._alive()
        assert not alive, f"processes left behind: {alive}"

    def _alive(self) -> list[str]:
        alive = []
        for pid, started in self.seen.items():
            try:
                process = psutil.Process(pid)
                if process.create_time() == started and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(" ".join(process.cmdline()))
            except psutil.NoSuchProcess:
                pass
        return alive


def only_run(runs_dir: Path) -> Path:
    folders = [p for p in runs_dir.iterdir() if p.is_dir() and not p.is_symlink()]
    folders = [p for p in folders if (p / "run.json").is_file()]
    assert len(folders) == 1, folders
    return folders[0]


def record_of(runs_dir: Path) -> dict:
    return json.loads((only_run(runs_dir) / "run.json").read_text())


def mlflow_run(runs_dir: Path, record: dict) -> tuple[str, int | None]:
    """(status, end_time) of the run's MLflow run, read straight from the sqlite store."""
    with sqlite3.connect(runs_dir / "mlflow.db") as db:
        row = db.execute(
            "select status, end_time from runs where run_uuid = ?", (record["mlflow"]["run_id"],)
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def mlflow_tag(runs_dir: Path, record: dict, key: str) -> str | None:
    with sqlite3.connect(runs_dir / "mlflow.db") as db:
        row = db.execute(
            "select value from tags where run_uuid = ? and key = ?",
            (record["mlflow"]["run_id"], key),
        ).fetchone()
    return row[0] if row else None


def assert_no_temp_files(folder: Path) -> None:
    assert not [p.name for p in folder.rglob("*.tmp")]


# ---------------------------------------------------------------- 1. signals at every stage

# Both signals during a cell (Ctrl-C and a scheduler's TERM are most likely there); elsewhere one
# signal per stage, alternating, so each signal is seen before the kernel and after it has ended.
# The signal-after-failure test below adds TERM during MLflow logging.
STAGES = [
    ("before-kernel", signal.SIGINT),
    ("cell", signal.SIGINT),
    ("cell", signal.SIGTERM),
    ("report", signal.SIGTERM),
    ("mlflow", signal.SIGINT),
]


@pytest.mark.kernel
@pytest.mark.parametrize(
    ("stage", "signum"), STAGES, ids=[f"{stage}-{signum.name[3:]}" for stage, signum in STAGES]
)
def test_a_signal_at_any_stage_ends_interrupted(tracked, tmp_path, stage, signum):
    runs_dir, env = tracked
    ready = tmp_path / "ready"
    seconds = "60" if stage == "cell" else "0"
    if stage != "cell":
        env |= {"NBOPS_TEST_PAUSE_AT": stage, "NBOPS_TEST_PAUSE_READY": str(ready)}
    run = Run([SAMPLES / "sleeps.ipynb", "--runs-dir", runs_dir, "-p", "SECONDS", seconds], env)
    if stage == "cell":

        def sleeping() -> bool:  # the cell before the sleep has printed: the sleep is running
            notebooks = list(runs_dir.glob("*/notebook.ipynb"))
            return bool(notebooks) and '"started\\n"' in notebooks[0].read_text()

        run.wait_for(sleeping, "the sleeping cell")
        assert run.kernels()
    else:
        run.wait_for(ready.exists, f"stage {stage}")
    run.proc.send_signal(signum)
    code, err = run.finish()

    assert code == 130
    assert len(err) == 1 and "interrupted" in err[0], err
    record = record_of(runs_dir)
    assert record["status"] == "interrupted"
    assert record["finished_at"] and record["duration_s"] is not None
    if stage in ("before-kernel", "report"):
        assert "report.html" in record["missing"]
    status, end_time = mlflow_run(runs_dir, record)
    assert status == "KILLED" and end_time
    assert mlflow_tag(runs_dir, record, "nbops.status") == "interrupted"
    assert_no_temp_files(only_run(runs_dir))
    run.assert_nothing_left()


@pytest.mark.kernel
def test_a_signal_after_the_notebook_failed_keeps_failed_and_it_reproduces(tracked, tmp_path):
    runs_dir, env = tracked
    ready = tmp_path / "ready"
    env |= {"NBOPS_TEST_PAUSE_AT": "mlflow", "NBOPS_TEST_PAUSE_READY": str(ready)}
    run = Run([SAMPLES / "fails_at_cell_4.ipynb", "--runs-dir", runs_dir], env)
    run.wait_for(ready.exists, "stage mlflow")
    run.proc.send_signal(signal.SIGTERM)
    code, err = run.finish()

    assert code == 130
    assert len(err) == 1 and "interrupted" in err[0] and "failed" in err[0], err
    record = record_of(runs_dir)
    assert record["status"] == "failed" and record["error"]["ename"] == "ZeroDivisionError"
    status, end_time = mlflow_run(runs_dir, record)
    assert status == "FAILED" and end_time
    run.assert_nothing_left()

    # 8. reproducing a failed run: the same error again is reproduced, never an empty diff
    done = subprocess.run(
        [NBOPS, "reproduce", str(only_run(runs_dir)), "--runs-dir", str(runs_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NBOPS_TRACKING": "off"},
        timeout=WAIT_S * 2,
    )
    assert "differs:\n\n" not in done.stdout
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.kernel
def test_kill_9_takes_the_kernel_down_and_the_record_reads_crashed(tracked):
    runs_dir, env = tracked
    run = Run([SAMPLES / "sleeps.ipynb", "--runs-dir", runs_dir], env)
    run.wait_for(lambda: bool(run.kernels()), "the kernel")
    run.wait_for(lambda: (record_of(runs_dir)["mlflow"] or {}).get("run_id"), "the MLflow run")
    run.proc.kill()
    run.finish()
    run.assert_nothing_left()

    assert record_of(runs_dir)["status"] == "running"  # nothing could write it: shown as crashed
    done = subprocess.run(
        [NBOPS, "runs", "--runs-dir", str(runs_dir)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "crashed" in done.stdout and "running" not in done.stdout
    crashed = only_run(runs_dir) / "run.json"

    # the next `nbops run` meets the crashed record and ends its MLflow run as KILLED
    again = Run([SAMPLES / "records_metrics.ipynb", "--runs-dir", runs_dir], env)
    assert again.finish()[0] == 0
    crashed = json.loads(crashed.read_text())
    assert crashed["mlflow"]["ended"] == "KILLED"
    status, end_time = mlflow_run(runs_dir, crashed)
    assert status == "KILLED" and end_time
    assert mlflow_tag(runs_dir, crashed, "nbops.status") == "crashed"


# ---------------------------------------------------------------- 2. unwritable or full disk


def _mount_tmpfs(target: Path, options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")


@pytest.fixture
def mounts():
    mounted: list[Path] = []
    yield mounted
    for target in reversed(mounted):
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def test_a_read_only_or_impossible_runs_dir_is_one_line_exit_2(tmp_path, mounts, capsys):
    read_only = tmp_path / "ro"
    _mount_tmpfs(read_only, "ro,size=1m")
    mounts.append(read_only)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for runs_dir in (read_only, blocker / "runs"):
        code = main(["run", str(SAMPLES / "sleeps.ipynb"), "--runs-dir", str(runs_dir)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2
        assert len(err) == 1 and str(runs_dir) in err[0], err
    assert not list(read_only.iterdir())
    assert not (blocker / "runs").exists()


FILL_DISK = """\
import os
from pathlib import Path

path = Path(os.environ["NBOPS_RUN_DIR"]) / "filler.bin"
try:
    with open(path, "wb") as handle:
        while True:
            handle.write(b"x" * 65536)
            handle.flush()
except OSError as exc:
    print("disk full:", exc.errno)
"""


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell("SIZE = 1  # unused")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(source) for source in cells)]
    nbformat.write(nb, path)
    return path


@pytest.mark.kernel
def test_a_full_disk_leaves_complete_files_and_says_what_is_missing(tracked, tmp_path, mounts):
    runs_dir, env = tracked
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "size=2m")
    mounts.append(disk)
    shutil.copy(runs_dir / "mlflow.db", tmp_path / "mlflow.db")
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp_path / 'mlflow.db'}"
    notebook = _notebook(tmp_path / "fills_disk.ipynb", FILL_DISK, 'print("y" * 400_000)', "1")
    run = Run([notebook, "--runs-dir", disk], env, cwd=tmp_path)
    code, err = run.finish()

    assert code == 1
    assert len(err) == 1 and "No space left" in err[0], err
    assert "Traceback" not in "\n".join(err)
    folder = only_run(disk)
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "failed"
    assert "report.html" in record["missing"] or "metrics.json" in record["missing"]
    if (folder / "notebook.ipynb").exists():
        nbformat.read(folder / "notebook.ipynb", as_version=4)  # complete, valid JSON
    assert_no_temp_files(folder)
    with sqlite3.connect(tmp_path / "mlflow.db") as db:
        status, end_time = db.execute("select status, end_time from runs").fetchone()
    assert status == "FAILED" and end_time
    run.assert_nothing_left()


# ---------------------------------------------------------------- 3. unreachable tracking server


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.kernel
def test_an_unreachable_tracking_server_warns_fast_and_the_run_goes_on(tmp_path):
    runs_dir = tmp_path / "runs"
    uri = f"http://127.0.0.1:{_closed_port()}"
    env = {**os.environ, "NBOPS_TRACKING": "on", "MLFLOW_TRACKING_URI": uri}
    started = time.monotonic()
    run = Run(
        [
            SAMPLES / "records_metrics.ipynb",
            "--runs-dir",
            runs_dir,
            "--params",
            "LABEL=Bob's model",
        ],
        env,
    )
    first = run.proc.stderr.readline()
    assert time.monotonic() - started < 10, "the warning took too long"
    assert "warning" in first and "unreachable" in first and "nbops sync" in first
    code, err = run.finish()

    assert code == 0 and err == [], err
    record = record_of(runs_dir)
    assert record["status"] == "succeeded" and "unreachable" in record["tracking"]["reason"]
    assert record["tracking"]["status"] == "skipped"  # kept in the embedded store meanwhile
    # 4. the whole PARAMS string reached the notebook as data
    params = json.loads((only_run(runs_dir) / "params.json").read_text())
    assert params["LABEL"] == "Bob's model"
    run.assert_nothing_left()


# ---------------------------------------------------------------- 4. Makefile quoting


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    """A BIN folder whose `nbops` writes its arguments to argv.json and exits $FAKE_EXIT."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "nbops"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"open({str(tmp_path / 'argv.json')!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        "sys.exit(int(os.environ.get('FAKE_EXIT', '0')))\n"
    )
    script.chmod(0o755)
    return folder


def _make(fake_bin: Path, *assignments: str, exit_code: int = 0) -> tuple[int, list[str]]:
    env = {**os.environ, "FAKE_EXIT": str(exit_code)}
    done = subprocess.run(
        ["make", "-s", "-o", ".venv/.nbops-synced", f"BIN={fake_bin}", *assignments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    argv_file = fake_bin.parent / "argv.json"
    argv = json.loads(argv_file.read_text()) if argv_file.exists() else []
    return done.returncode, argv


def test_make_passes_variables_as_data_and_fails_when_nbops_does(fake_bin, tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    canary = tmp_path / "pwned"
    hostile = f"x'; touch {canary}; echo '"
    code, argv = _make(
        fake_bin, "run-notebook", "PARAMS=TITLE=Bob's model A=1", f"NAME={hostile}", "NB=a b.ipynb"
    )
    assert code == 0
    assert argv == ["run", "a b.ipynb", "--params", "TITLE=Bob's model A=1", "--name", hostile]
    assert not canary.exists()

    code, argv = _make(fake_bin, "predict", f"INPUT={hostile}", "OUTPUT=o.csv", "MODEL=m")
    assert argv == ["predict", "m", hostile, "o.csv"] and not canary.exists()
    code, argv = _make(fake_bin, "drift", "REF=a b.csv", "CUR=c'd.csv")
    assert argv[:6] == ["run", "templates/drift.ipynb", "--set", "REFERENCE_PATH=a b.csv"] + [
        "--set",
        "CURRENT_PATH=c'd.csv",
    ]
    code, _argv = _make(fake_bin, "run-notebook", exit_code=2)
    assert code != 0


def test_params_string_splits_where_a_new_name_begins():
    from nbops.params import split_params_string

    assert split_params_string("TITLE=Bob's model A=1 B=x=y") == [
        "TITLE=Bob's model",
        "A=1",
        "B=x=y",
    ]
    assert split_params_string("  ") == []


# ---------------------------------------------------------------- 5. bad data named by parameter


@pytest.mark.parametrize(
    "content", [b"a,b\n1,2\n3,4,5,6\n", b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00" * 50]
)
def test_an_unreadable_table_names_its_parameter_and_file(tmp_path, content):
    from nbops.kit.data import UnreadableTableError, load_table
    from nbops.kit.errors import KitError

    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    with pytest.raises(UnreadableTableError) as caught:
        load_table(bad)
    assert isinstance(caught.value, KitError)
    message = str(caught.value)
    assert "DATA_PATH" in message and "bad.csv" in message and "\n" not in message


@pytest.mark.kernel
def test_a_run_on_a_ragged_table_fails_in_one_line_naming_data_path(tmp_path):
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b\n1,2\n3,4,5,6\n")
    notebook = _notebook(
        tmp_path / "loads.ipynb", f"from nbops.kit.data import load_table\nload_table({str(bad)!r})"
    )
    run = Run([notebook, "--runs-dir", tmp_path / "runs"], {**os.environ})
    code, err = run.finish()
    assert code == 1
    assert len(err) == 1 and "DATA_PATH" in err[0] and "ragged.csv" in err[0], err
    assert record_of(tmp_path / "runs")["status"] == "failed"
    run.assert_nothing_left()


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


def test_predict_on_a_garbage_csv_is_one_line(tmp_path, capsys):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\xff\xfe\x89" * 100)
    code = main(["predict", str(tmp_path / "model"), str(garbage), str(tmp_path / "out.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "garbage.csv" in err[0], err
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------- 6. serve and predict checks


def test_serve_without_the_alias_checks_first(tracked, capsys):
    runs_dir, _env = tracked
    code = main(["serve", "models:/penguins-species@champion", "--runs-dir", str(runs_dir)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "champion" in err[0], err


def test_predict_without_input_or_output_says_what_is_missing(capsys):
    code = main(["predict", "models:/penguins-species@champion", "", ""])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "INPUT and OUTPUT" in err[0], err


# ---------------------------------------------------------------- 7. drift without a date column


def test_drift_default_time_column_is_optional_an_explicit_one_is_not(tmp_path, monkeypatch):
    from nbops.kit.drift_data import drift_columns, load_drift_tables, time_span
    from nbops.kit.errors import DataError

    for name in ("a", "b"):
        (tmp_path / f"{name}.csv").write_text("x,y\n1,p\n2,q\n3,p\n")
    monkeypatch.setenv("NBOPS_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.delenv("NBOPS_GIVEN_PARAMS", raising=False)
    ref, cur = load_drift_tables(tmp_path / "a.csv", tmp_path / "b.csv", time_column="date")
    columns = drift_columns(ref, cur, time_column="date")
    assert "x" in columns.kinds and columns.time is None
    assert list(time_span(ref, cur, "date").columns) == ["rows"]

    monkeypatch.setenv("NBOPS_GIVEN_PARAMS", "REFERENCE_PATH,TIME_COLUMN")
    with pytest.raises(DataError, match="date"):
        drift_columns(ref, cur, time_column="date")


# ---------------------------------------------------------------- 8. smaller


def test_a_missing_data_path_is_found_before_the_kernel(tmp_path, capsys):
    runs_dir = tmp_path / "runs"
    notebook = SAMPLES / "records_metrics.ipynb"
    args = ["run", str(notebook), "-p", "DATA_PATH", "data/nope.csv", "--runs-dir", str(runs_dir)]
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "DATA_PATH" in err[0] and "nope.csv" in err[0], err
    assert not runs_dir.exists()


def test_an_empty_path_parameter_means_none(tmp_path):
    from nbops.params import Parameter, missing_input_paths

    declared = {"REFERENCE_PATH": Parameter("REFERENCE_PATH", "", (str,))}
    missing_input_paths(declared, {"REFERENCE_PATH": ""}, tmp_path)  # no error


def test_reproduce_refuses_when_a_data_file_is_missing(tmp_path, capsys):
    folder = tmp_path / "runs" / "20260101-000000-x"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLES / "sleeps.ipynb", folder / "notebook.ipynb")
    record = {"id": folder.name, "status": "succeeded", "notebook": "x.ipynb"}
    record["data"] = [{"path": "data/gone.csv", "sha256": "0", "rows": 1}]
    (folder / "run.json").write_text(json.dumps(record))
    code = main(["reproduce", str(folder)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "data/gone.csv" in err[0], err


def test_an_untracked_notebook_is_not_recorded_clean(tmp_path):
    from nbops.run.provenance import git_state

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "README").write_text("x")
    git("add", "README")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    notebook = tmp_path / "new.ipynb"
    notebook.write_text("{}")
    assert git_state(tmp_path, notebook)["dirty"] == "untracked"
    git("add", "new.ipynb")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "y")
    assert git_state(tmp_path, notebook)["dirty"] is False
