"""Benchmark: a sweep of 8 runs with `--jobs 2`, and on a 2-worker Dask cluster, against the
same 8 runs one at a time (`--jobs 1`).

The notebook is tests/notebooks/scores_parameters.ipynb (tiny: each run is mostly the fixed cost
of `nbops run`, which is CPU-bound); `--sleep S` adds S seconds of idle notebook work per run.
Tracking is off, so the figures measure the executors, not MLflow. Prints the wall times and the
speedups (target on 2 cores: 1.8x for --jobs 2), measured in the same invocation.

    python tests/bench/bench_sweep.py [--runs 8] [--sleep 0] [--no-dask]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from sweep_support import NOTEBOOK, LocalCluster  # noqa: E402

TARGET = 1.8


def timed_sweep(runs: int, sleep: float, runs_dir: Path, *extra: str) -> float:
    """Wall seconds of one `nbops sweep` over X=0..runs-1, which must succeed."""
    grid = "X=" + ",".join(str(i) for i in range(runs))
    command = [sys.executable, "-m", "nbops", "sweep", NOTEBOOK, "--grid", grid, "--no-progress"]
    command += ["-p", "SLEEP_S", str(sleep), "--runs-dir", str(runs_dir), *extra]
    env = dict(os.environ, NBOPS_TRACKING="off")
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nbops-bench-sweep-") as scratch:
        scratch = Path(scratch)
        serial = timed_sweep(args.runs, args.sleep, scratch / "serial", "--jobs", "1")
        parallel = timed_sweep(args.runs, args.sleep, scratch / "jobs2", "--jobs", "2")
        print(f"{args.runs} runs, one at a time:  {serial:6.1f} s")
        ratio = serial / parallel
        print(f"{args.runs} runs, --jobs 2:       {parallel:6.1f} s   speedup {ratio:.2f}x")
        print(f"  (target {TARGET}x on 2 cores)")
        if args.no_dask:
            return
        cluster = LocalCluster(workers=2).start()
        try:
            dask = timed_sweep(
                args.runs,
                args.sleep,
                scratch / "dask",
                "--jobs",
                "2",
                "--scheduler",
                cluster.address,
            )
        finally:
            cluster.stop()
        print(f"{args.runs} runs, 2 Dask workers: {dask:6.1f} s   speedup {serial / dask:.2f}x")


if __name__ == "__main__":
    main()
