"""Benchmark: the gallery (runs/index.html) over many run folders, and the page in Chromium.

One real run of the classification template (tracking off) is synthesised into N run folders
(10,000 by default: ids, times, statuses, parameters and metrics varied; figures linked). Then:

- cold: `nbops gallery` from nothing (a fresh process: import, read every folder, write the page),
  its wall time and peak RSS, against `nbops runs` of the previous release's shape (reading every
  run.json, the baseline) measured in the same run;
- per run: what a refresh adds to a run when 1,000 runs are present and one new folder appeared
  (a fresh process: import + stat every folder + read the new one + write the page);
- browser: the page opened, filtered and sorted in headless Chromium (selenium), each timed in
  the page (script work and layout) and, for opening, from navigation start.

Targets (issue 22): cold <= 10 s and <= 500 MB for 10,000 runs; a refresh adds <= 0.3 s to a run
with 1,000 runs present; open, filter and sort 10,000 rows <= 1 s each.

    python tests/bench/bench_gallery.py [--runs 10000] [--source RUN_FOLDER] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from gallery_support import chromium, synthesise_runs, timed  # noqa: E402

COLD_S, COLD_MB, PER_RUN_S, BROWSER_S = 10.0, 500, 0.3, 1.0

MEASURE = """
import resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
{body}
took = time.perf_counter() - t0
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
GALLERY = "from nbops.gallery.index import refresh\nrefresh(Path(sys.argv[1]), Path(sys.argv[2]))"
BASELINE = "from nbops.runs import list_runs\nlist_runs(Path(sys.argv[1]))"


def measured(body: str, runs_dir: Path) -> tuple[float, float]:
    """(seconds, peak MB) of `body` in a fresh Python process, imports included."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE.format(body=body), str(runs_dir), str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, megabytes = done.stdout.split()
    return float(seconds), float(megabytes)


def real_run(scratch: Path) -> Path:
    runs = scratch / "source"
    env = {**os.environ, "NBOPS_TRACKING": "off"}
    command = [sys.executable, "-m", "nbops", "run", "templates/classification.ipynb"]
    subprocess.run(
        [*command, "--runs-dir", str(runs), "--no-progress"], cwd=ROOT, env=env, check=True
    )
    return next(p for p in runs.iterdir() if not p.is_symlink() and (p / "run.json").is_file())


def per_run(source: Path, scratch: Path) -> float:
    """Median seconds a refresh adds to a run with 1,000 runs present (5 new runs)."""
    runs_dir = scratch / "thousand"
    synthesise_runs(source, runs_dir, 1000, seed=2)
    measured(GALLERY, runs_dir)  # the cache, as the previous run left it
    times = []
    for index in range(5):
        extra = synthesise_runs(source, scratch / f"new{index}", 1, seed=10 + index)[0]
        shutil.move(extra, runs_dir / f"{extra.name}-new{index}")
        times.append(measured(GALLERY, runs_dir)[0])
    return sorted(times)[len(times) // 2]


def browser(runs_dir: Path, scratch: Path) -> dict[str, float]:
    with chromium(scratch / "profile") as chrome:
        chrome.get((runs_dir / "index.html").as_uri())
        opened = chrome.execute_script(
            "return performance.now() / 1000;"
        )  # navigation start -> the first render done (the script runs at the end of the page)
        rows = chrome.find_element("id", "count").text
        filtered = timed(
            chrome,
            "const q = document.getElementById('q'); q.value = 'random_forest';"
            "q.dispatchEvent(new Event('input'))",
        )
        shown = chrome.find_element("id", "count").text
        timed(
            chrome,
            "const q = document.getElementById('q'); q.value = '';"
            "q.dispatchEvent(new Event('input'))",
        )
        sorts = {
            key: timed(chrome, f"document.querySelector('th[data-key=\"{key}\"]').click()")
            for key in ("d", "id", "t", "nb")
        }
    return {"rows": rows, "open": opened, "filter": filtered, "filtered_rows": shown, **sorts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--source", type=Path, help="a real run folder (default: run one now)")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load: {load[0]:.2f} {load[1]:.2f} (1, 5 min) on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="nbops-bench-gallery-") as tmp:
        scratch = Path(tmp)
        source = args.source or real_run(scratch)
        runs_dir = scratch / "runs"
        started = time.perf_counter()
        synthesise_runs(source, runs_dir, args.runs)
        took = time.perf_counter() - started
        print(f"synthesised {args.runs} run folders from {source.name} in {took:.1f} s")
        base_s, base_mb = measured(BASELINE, runs_dir)
        cold_s, cold_mb = measured(GALLERY, runs_dir)
        warm_s, warm_mb = measured(GALLERY, runs_dir)
        size = (runs_dir / "index.html").stat().st_size / 1e6
        print(
            f"baseline (read every run.json, nbops runs before): {base_s:6.2f} s {base_mb:6.0f} MB"
        )
        print(
            f"gallery cold, {args.runs} runs:   {cold_s:6.2f} s {cold_mb:6.0f} MB  "
            f"({cold_s / base_s:.1f}x baseline; target <= {COLD_S} s, <= {COLD_MB} MB)"
            f"  {'ok' if cold_s <= COLD_S and cold_mb <= COLD_MB else 'MISSED'}"
        )
        print(f"gallery warm (nothing new):  {warm_s:6.2f} s {warm_mb:6.0f} MB  page {size:.1f} MB")
        added = per_run(source, scratch)
        print(
            f"refresh after one run, 1,000 runs present: {added:.3f} s (median of 5; "
            f"target <= {PER_RUN_S} s)  {'ok' if added <= PER_RUN_S else 'MISSED'}"
        )
        if args.no_browser:
            return
        figures = browser(runs_dir, scratch)
        print(f"Chromium: {figures['rows']}")
        for name in ("open", "filter", "d", "id", "t", "nb"):
            label = {
                "d": "sort duration",
                "id": "sort id",
                "t": "sort date",
                "nb": "sort notebook",
            }.get(name, name)
            verdict = "ok" if figures[name] <= BROWSER_S else "MISSED"
            print(f"  {label:<14} {figures[name]:6.3f} s  (target <= {BROWSER_S} s)  {verdict}")
        print(f"  (filtered: {figures['filtered_rows']})")


if __name__ == "__main__":
    main()
