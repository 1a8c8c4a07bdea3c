"""Benchmark: Evidently drift report time and HTML size by table size, with and without sampling.

Two tables of N rows x 20 columns (14 numeric, 6 categorical; the current one slightly shifted)
go through the drift template's steps: sample to MAX_ROWS (when on), run the drift and summary
presets, read the per-column verdicts, save the HTML. Times are wall seconds of one run each,
after one warm-up report (Evidently's imports are not counted); ratios are against the first
size without sampling, measured in the same run. Without sampling, 1M rows takes minutes (236 s
on 2 busy cores, against 5.4 s for 10k rows), so by default unsampled runs stop at 100k rows:
pass --skip-unsampled-above 0 to time every size.

    python tests/bench/bench_drift.py [--sizes 10000 100000 1000000] [--max-rows 50000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "lib"))

from nbops.kit import data, drift, drift_data  # noqa: E402

NUMERIC_COLUMNS, CATEGORICAL_COLUMNS = 14, 6


def table(rows: int, seed: int, shift: float) -> pd.DataFrame:
    """A seeded table of 20 columns; `shift` moves the numeric means and the category shares."""
    rng = np.random.default_rng(seed)
    columns = {f"num_{i:02d}": rng.normal(shift, 1.0, rows) for i in range(NUMERIC_COLUMNS)}
    shares = np.array([0.4, 0.3, 0.2, 0.1]) + np.array([-shift, 0.0, 0.0, shift])
    for i in range(CATEGORICAL_COLUMNS):
        columns[f"cat_{i}"] = rng.choice(["a", "b", "c", "d"], rows, p=shares / shares.sum())
    return pd.DataFrame(columns)


def measure(rows: int, max_rows: int, folder: Path) -> dict[str, float]:
    """Seconds for sampling + report + verdicts, seconds to save the HTML, and its size in MB."""
    reference, current = table(rows, 1, 0.0), table(rows, 2, 0.05)
    started = time.perf_counter()
    reference = data.sample_rows(reference, max_rows, random_state=42)
    current = data.sample_rows(current, max_rows, random_state=42)
    columns = drift_data.drift_columns(reference, current)
    snapshot = drift.run_drift_report(reference, current, columns, drift_share=0.5)
    verdict = drift.drift_verdict(drift.drift_table(snapshot, columns), 0.5)
    report_s = time.perf_counter() - started
    started = time.perf_counter()
    path = drift.save_report(snapshot)
    html_s = time.perf_counter() - started
    return {
        "report_s": report_s,
        "html_s": html_s,
        "html_mb": path.stat().st_size / 1e6,
        "drifted": len(verdict.drifted),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--max-rows", type=int, default=50_000, help="MAX_ROWS when sampling")
    parser.add_argument(
        "--skip-unsampled-above",
        type=int,
        default=100_000,
        help="skip runs without sampling above N rows (0: skip none)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nbops-bench-drift-") as scratch:
        os.environ["NBOPS_RUN_DIR"] = scratch
        measure(1_000, 0, Path(scratch))  # warm-up: imports and first-call costs
        print(
            f"{'rows':>9} {'MAX_ROWS':>9} {'report s':>9} {'x base':>7} {'html s':>7} "
            f"{'html MB':>8} {'drifted':>8}"
        )
        base = None
        for rows in args.sizes:
            for max_rows in (0, args.max_rows):
                if max_rows and rows <= max_rows:
                    continue  # sampling changes nothing below MAX_ROWS
                if not max_rows and args.skip_unsampled_above and rows > args.skip_unsampled_above:
                    print(f"{rows:>9} {'off':>9} {'skipped':>9}")
                    continue
                result = measure(rows, max_rows, Path(scratch))
                base = base or result["report_s"]
                shown = max_rows or "off"
                print(
                    f"{rows:>9} {shown:>9} {result['report_s']:>9.1f} "
                    f"{result['report_s'] / base:>7.1f} {result['html_s']:>7.1f} "
                    f"{result['html_mb']:>8.1f} {result['drifted']:>8}",
                    flush=True,
                )
    print(f"x base: report time / report time of {args.sizes[0]} rows without sampling")


if __name__ == "__main__":
    main()
