"""Benchmark: the classification, regression and drift templates on large generated tables.

Each template runs with its own defaults under `nbops run` (tracking on, into a scratch runs
folder), on the seeded table of `make_table.py`: classification predicts `label` (with `amount`
dropped, it is derived from the same signal), regression predicts `amount` (with `label`
dropped), drift compares two tables of the same size drawn with different seeds. Prints wall
time, CPU time and peak RSS of the whole process tree (nbops and every descendant: kernel,
subprocesses), the executed notebook's and report.html's sizes, the 1M/100k time ratio, and the
issue's targets met or not, with the load average before and after (wall times only compare at
a similar load; CPU time is the work done). `--cells` adds each run's five slowest cells.

At the first size, classification and regression run again with `--threads 2` and their
metrics must be identical. 100k rows (with the 2-thread reruns) takes about 12 minutes on this
2-core machine at a load average of 5; 1M rows adds about 8 minutes at a load of 1-2 (11 at a
load of 5), so it is opt-in: NBOPS_BENCH_1M=1 (or --sizes 100000 1000000).

    python tests/bench/bench_scale.py [--sizes 100000 1000000] [--templates classification ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_table import make_table, write_table  # noqa: E402

MB = 1e6
GB = 1e9
# Parameters per template: the generated table's columns instead of the embedded dataset's.
PARAMS = {
    "classification": lambda data: {
        "DATA_PATH": data,
        "TARGET": "label",
        "DROP_COLUMNS": ["amount"],
    },
    "regression": lambda data: {"DATA_PATH": data, "TARGET": "amount", "DROP_COLUMNS": ["label"]},
    "drift": lambda data: {
        "REFERENCE_PATH": data,
        "CURRENT_PATH": data.replace(".parquet", "_current.parquet"),
        "TIME_COLUMN": "",
    },
}
# The targets at 1M rows: seconds, peak RSS, notebook and report size.
TIME_LIMIT_S = {"classification": 300, "regression": 300, "drift": 120}
RSS_LIMIT, NOTEBOOK_LIMIT, REPORT_LIMIT, SCALE_LIMIT = 4 * GB, 5 * MB, 10 * MB, 12.0


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in tree:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
            self.peak = max(self.peak, total)
            self.done.wait(self.interval)


def tables(folder: Path, rows: int) -> str:
    """The seeded table of `rows` rows (and the drift template's current table), cached."""
    path = folder / f"table_{rows}.parquet"
    if not path.exists():
        write_table(make_table(rows, seed=7), path)
    current = folder / f"table_{rows}_current.parquet"
    if not current.exists():
        write_table(make_table(rows, seed=8), current)
    return str(path)


def run_template(
    template: str, data: str, runs_dir: Path, env: dict[str, str], threads: int = 1
) -> dict:
    """Run one template under `nbops run`; wall time, peak tree RSS, sizes and metrics."""
    command = [str(BIN / "nbops"), "run", str(ROOT / "templates" / f"{template}.ipynb")]
    command += ["--threads", str(threads)]
    for name, value in PARAMS[template](data).items():
        command += ["--set", f"{name}={json.dumps(value) if isinstance(value, list) else value}"]
    command += ["--runs-dir", str(runs_dir), "--name", "scale", "--no-progress"]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    sampler = TreeSampler(process.pid)
    sampler.start()
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    sampler.done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{template} failed:\n{output[-3000:]}")
    run_dir = max(runs_dir.glob(f"*{template}*scale"), key=lambda p: p.stat().st_mtime)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    return {
        "cells": slowest_cells(run_dir / "notebook.ipynb"),
        "wall": wall,
        "cpu": cpu,
        "rss": sampler.peak,
        "notebook": (run_dir / "notebook.ipynb").stat().st_size,
        "report": (run_dir / "report.html").stat().st_size,
        "metrics": metrics,
    }


def _children_cpu() -> float:
    """User + system CPU seconds of every finished descendant so far (kernel included): on a
    loaded machine, wall time says how long a run waited, CPU time how much work it did."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def slowest_cells(notebook: Path, count: int = 5) -> list[tuple[float, int, str]]:
    """The `count` slowest code cells of an executed notebook: (seconds, index, first line).

    papermill writes each cell's duration into the cell's metadata.
    """
    cells = json.loads(notebook.read_text())["cells"]
    timed = [
        (cell["metadata"].get("papermill", {}).get("duration") or 0.0, index, cell["source"])
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "code"
    ]
    timed = [(s, i, "".join(src).strip().splitlines()[0][:60]) for s, i, src in timed]
    return sorted(timed, reverse=True)[:count]


def verdicts(template: str, result: dict, base: dict | None) -> list[str]:
    """Which of the issue's targets (for 1M rows) this result misses."""
    missed = []
    if result["wall"] > TIME_LIMIT_S[template]:
        missed.append(f"time > {TIME_LIMIT_S[template]} s")
    if result["rss"] > RSS_LIMIT:
        missed.append("RSS > 4 GB")
    if result["notebook"] > NOTEBOOK_LIMIT:
        missed.append("notebook > 5 MB")
    if result["report"] > REPORT_LIMIT:
        missed.append("report > 10 MB")
    if base and template != "drift" and result["wall"] > SCALE_LIMIT * base["wall"]:
        missed.append("1M/100k > 12x")
    return missed


def load_average() -> str:
    """The machine's load: on 2 shared cores, wall times only compare at a similar load."""
    one, five, fifteen = os.getloadavg()
    return (
        f"load average (1/5/15 min): {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_sizes = [100_000, 1_000_000] if os.environ.get("NBOPS_BENCH_1M") else [100_000]
    parser.add_argument("--sizes", type=int, nargs="+", default=default_sizes)
    parser.add_argument("--templates", nargs="+", default=list(PARAMS), choices=list(PARAMS))
    parser.add_argument(
        "--data-dir", type=Path, help="where the generated tables are cached (default: scratch)"
    )
    parser.add_argument("--cells", action="store_true", help="print each run's five slowest cells")
    parser.add_argument(
        "--skip-threads", action="store_true", help="skip the 2-thread rerun at the first size"
    )
    args = parser.parse_args()
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("NBOPS_TRACKING", None)  # the defaults: tracking on
    print(load_average())
    print(
        f"{'template':<15}{'rows':>9}{'time s':>9}{'CPU s':>8}{'peak RSS GB':>13}"
        f"{'notebook MB':>13}{'report MB':>11}{'x 100k':>8}  targets (1M)"
    )
    with tempfile.TemporaryDirectory(prefix="nbops-bench-scale-") as scratch:
        data_dir = args.data_dir or Path(scratch)
        data_dir.mkdir(parents=True, exist_ok=True)
        runs_dir = Path(scratch) / "runs"
        for template in args.templates:
            base = None
            for rows in args.sizes:
                result = run_template(template, tables(data_dir, rows), runs_dir, env)
                ratio = f"{result['wall'] / base['wall']:.1f}" if base else "-"
                missed = verdicts(template, result, base)
                verdict = "met" if not missed else "NOT met: " + ", ".join(missed)
                print(
                    f"{template:<15}{rows:>9}{result['wall']:>9.1f}{result['cpu']:>8.1f}"
                    f"{result['rss'] / GB:>13.2f}"
                    f"{result['notebook'] / MB:>13.2f}{result['report'] / MB:>11.2f}{ratio:>8}"
                    f"  {verdict if rows >= 1_000_000 else '(' + verdict + ')'}",
                    flush=True,
                )
                if args.cells:
                    for seconds, index, line in result["cells"]:
                        print(f"{'':<15}{seconds:>9.1f} s  cell {index}: {line}", flush=True)
                base = base or result
            if template != "drift" and not args.skip_threads:
                rows = args.sizes[0]
                again = run_template(template, tables(data_dir, rows), runs_dir, env, threads=2)
                same = again["metrics"] == base["metrics"]
                print(
                    f"{template:<15}{rows:>9}  metrics with 2 threads vs 1: "
                    f"{'identical (met)' if same else 'DIFFER (NOT met)'}",
                    flush=True,
                )
    print(load_average())
    print("targets at 1M rows: classification/regression <= 300 s, drift <= 120 s, RSS <= 4 GB,")
    print("notebook <= 5 MB, report <= 10 MB, 1M time <= 12x 100k time (in brackets below 1M)")


if __name__ == "__main__":
    main()
