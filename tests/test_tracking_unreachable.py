"""An unreachable tracking server costs a run seconds and one warning, never the run."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
from run_support import SAMPLES, Run, only_run, record_of


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
    # the whole PARAMS string reached the notebook as data
    params = json.loads((only_run(runs_dir) / "params.json").read_text())
    assert params["LABEL"] == "Bob's model"
    run.assert_nothing_left()
