"""Benchmark: the time MLflow tracking adds to a template run (tracking on vs NBOPS_TRACKING=off).

Runs `nbops run NOTEBOOK` in a subprocess REPEATS times in each mode, alternating the modes so
that a change in machine load hits both alike, each mode into a runs folder of its own (the
tracked one holds a fresh embedded store, created by its first run). Prints every wall time, the
medians, their difference and their ratio. Asserts nothing.

    python tests/bench/bench_tracking.py [--repeats 3] [--notebook templates/classification.ipynb]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NBOPS = Path(sys.executable).with_name("nbops")
MODES = ("on", "off")


def timed_run(notebook: str, runs_dir: Path, mode: str) -> float:
    """Wall seconds of one `nbops run` with NBOPS_TRACKING=`mode`; exits on a failed run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["NBOPS_TRACKING"] = mode
    command = [str(NBOPS), "run", notebook, "--runs-dir", str(runs_dir), "--no-progress"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"run failed (tracking {mode}): {done.stderr.strip()}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--notebook", default="templates/classification.ipynb")
    args = parser.parse_args()
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="nbops-bench-tracking-") as scratch:
        for repeat in range(args.repeats):
            for mode in MODES:
                seconds = timed_run(args.notebook, Path(scratch, mode), mode)
                times[mode].append(seconds)
                print(f"  run {repeat + 1}, tracking {mode:<3}: {seconds:6.1f} s", flush=True)
    on, off = (statistics.median(times[mode]) for mode in MODES)
    print(f"{args.notebook}, {args.repeats} runs each, {os.cpu_count()} CPUs")
    print(f"  median with tracking:    {on:6.1f} s (first run creates the store)")
    print(f"  median NBOPS_TRACKING=off: {off:6.1f} s")
    print(f"  tracking adds {on - off:+.1f} s per run: ratio {on / off:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
