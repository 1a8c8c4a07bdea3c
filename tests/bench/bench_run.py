"""Benchmark: what `nbops run` costs over running the same notebook as a plain Python script.

Four ways to execute a template (classification by default) with its defaults on the embedded
data, with the same thread caps and hash seed, interleaved so drift in machine load hits them all:

- plain: the notebook exported by nbconvert to a script and run with `python`; it logs to MLflow
  in-process (its own sqlite store) what `nbops run` logs: the model and its registration, as the
  notebook does when opened interactively, then its parameters, metrics, input data (dataset),
  figures and tables (`PLAIN_LOGGING`);
- papermill: the `papermill` command alone, tracking off;
- nbops off: `nbops run` with NBOPS_TRACKING=off;
- nbops on: `nbops run` with tracking (the default, the embedded store).

Prints the median seconds of each phase and the total's ratio to the plain script, then whether the
targets of issue 23 are met (tracking on <= 1.3x the plain script, off <= 1.1x), the plain
script's seconds beside them. Phases are cut at marks every version of nbops leaves behind:

    cli start      launch -> run.json `started_at` (papermill: launch -> its own start)
    before kernel  run.json `started_at` -> papermill's `start_time` in the executed notebook
    kernel start   papermill's start -> the first cell's start
    cells          the first cell's start -> the last cell's end
    report         the last cell's end -> report.html written (kernel shutdown included)
    tracking       report.html written -> the process exits (what is left of the MLflow work)

The `cpu` column is the user+system CPU seconds of the whole process tree (kernel included):
on a loaded machine it moves far less than wall time. `--baseline REF` adds `nbops off/on` rows
for the nbops of git revision REF (its `lib/` exported to a temporary folder and put first on
PYTHONPATH), measured in the same interleaved loop.

    python tests/bench/bench_run.py [--repeat N] [--notebook PATH] [--baseline REF]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PHASES = ("cli start", "before kernel", "kernel start", "cells", "report", "tracking", "total")
COLUMNS = (*PHASES, "cpu")
ON_RATIO, OFF_RATIO = 1.3, 1.1
# Appended to the plain script: the records `nbops run` logs besides the model, logged the way a
# script would (the notebook's parameters are the names its `parameters` cell assigns).
PLAIN_LOGGING = """
import json as _json, os as _os
from pathlib import Path as _Path
import mlflow as _mlflow
_folder = _Path(_os.environ["NBOPS_RUN_DIR"])
_names = {names}
_mlflow.log_params({{n: str(globals()[n])[:6000] for n in _names}})
_mlflow.log_metrics(_json.loads((_folder / "metrics.json").read_text()))
if "raw" in globals():  # the table the template loaded, as the input dataset
    _mlflow.log_input(_mlflow.data.from_pandas(raw, source=DATA_PATH, name=DATA_PATH))
for _sub in ("figures", "tables"):
    if (_folder / _sub).is_dir():
        _mlflow.log_artifacts(str(_folder / _sub), artifact_path=_sub)
_mlflow.end_run()
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Launch time (epoch seconds), wall seconds and CPU seconds of one command (which must
    succeed); the CPU counts every process it started and reaped."""
    launched, started, cpu = time.time(), time.perf_counter(), _children_cpu()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command[:3])} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return launched, time.perf_counter() - started, _children_cpu() - cpu


def export_lib(ref: str, target: Path) -> Path:
    """The `lib/` folder of git revision `ref`, exported under `target`."""
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", ref, "lib"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "lib"


def export_script(notebook: Path, target: Path) -> Path:
    """The notebook's code cells as a plain script (display() imported, no IPython needed) that
    ends by logging the records `nbops run` logs."""
    import nbformat
    import papermill
    from nbconvert import PythonExporter

    body, _ = PythonExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    names = sorted(papermill.inspect_notebook(str(notebook)))
    footer = PLAIN_LOGGING.format(names=repr(names))
    text = "from IPython.display import display  # noqa\n" + body + footer
    target.write_text(text, encoding="utf-8")
    return target


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def notebook_marks(path: Path) -> tuple[float, float, float]:
    """Papermill's start, the first cell's start and the last cell's end (epoch seconds)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c["metadata"]["papermill"] for c in nb["cells"] if c["cell_type"] == "code"]
    starts = [_epoch(c["start_time"]) for c in cells if c.get("start_time")]
    ends = [_epoch(c["end_time"]) for c in cells if c.get("end_time")]
    return _epoch(nb["metadata"]["papermill"]["start_time"]), min(starts), max(ends)


def papermill_phases(launched: float, wall: float, notebook: Path) -> dict[str, float]:
    """Seconds per phase of a papermill run (everything before its own start is its CLI)."""
    started, first_cell, last_cell = notebook_marks(notebook)
    return {
        "cli start": started - launched,
        "before kernel": 0.0,
        "kernel start": first_cell - started,
        "cells": last_cell - first_cell,
        "report": 0.0,
        "tracking": launched + wall - last_cell,  # kernel shutdown and exit
        "total": wall,
    }


def nbops_phases(launched: float, wall: float, run_dir: Path) -> dict[str, float]:
    """Seconds per phase of an `nbops run`, from its run folder."""
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    if record["status"] != "succeeded":
        sys.exit(f"{run_dir.name} ended {record['status']}: {record.get('error')}")
    runner_start = _epoch(record["started_at"])
    started, first_cell, last_cell = notebook_marks(run_dir / "notebook.ipynb")
    report_done = (run_dir / "report.html").stat().st_mtime
    return {
        "cli start": runner_start - launched,
        "before kernel": started - runner_start,
        "kernel start": first_cell - started,
        "cells": last_cell - first_cell,
        "report": report_done - last_cell,
        "tracking": launched + wall - report_done,
        "total": wall,
    }


def newest_run(runs_dir: Path) -> Path:
    return max((p for p in runs_dir.iterdir() if (p / "run.json").is_file()), key=os.path.getmtime)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--notebook", type=Path, default=ROOT / "templates/classification.ipynb")
    parser.add_argument("--baseline", metavar="REF", help="also measure the nbops of this git ref")
    args = parser.parse_args()
    print(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory(prefix="nbops-bench-") as scratch:
        results = measure(args, Path(scratch))
    report(args, results)


def measure(args: argparse.Namespace, scratch: Path) -> dict[str, list[dict]]:
    """Every mode `args.repeat` times, interleaved; one dict of phase seconds per run."""
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env["MPLBACKEND"] = "Agg"
    for name in ("NBOPS_TRACKING", "MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "NBOPS_RUN_DIR"):
        env.pop(name, None)
    # The plain script logs into a store of the same kind, its results in a folder of its own.
    plain_env = dict(
        env,
        NBOPS_RUN_DIR=str(scratch / "plain"),
        MLFLOW_TRACKING_URI=f"sqlite:///{(scratch / 'plain-mlflow.db').as_posix()}",
    )
    plain = [str(BIN / "python"), str(export_script(args.notebook, scratch / "notebook.py"))]
    paper_out = scratch / "papermill.ipynb"
    papermill = [str(BIN / "papermill"), str(args.notebook), str(paper_out), "--cwd", str(ROOT)]
    paper_env = dict(env, NBOPS_TRACKING="off", NBOPS_RUN_DIR=str(scratch / "paper"))
    nbops_modes = {"": env}
    if args.baseline:
        lib = export_lib(args.baseline, scratch / "baseline")
        nbops_modes[f" @{args.baseline}"] = dict(env, PYTHONPATH=str(lib))
    runs = {}
    for suffix, base_env in nbops_modes.items():
        runs_dir = scratch / f"runs{suffix.replace(' @', '-')}"
        command = [str(BIN / "python"), "-m", "nbops", "run", str(args.notebook)]
        runs[suffix] = (command + ["--runs-dir", str(runs_dir)], runs_dir, base_env)
    # A first run creates each store (schema migrations): a one-off, not timed.
    for command, _, base_env in runs.values():
        timed(command, base_env)
    timed(plain, plain_env)
    results: dict[str, list[dict]] = {"plain": [], "papermill": []}
    for _ in range(args.repeat):
        launched, wall, cpu = timed(plain, plain_env)
        results["plain"].append({"total": wall, "cpu": cpu})
        launched, wall, cpu = timed(papermill, paper_env)
        results["papermill"].append(papermill_phases(launched, wall, paper_out) | {"cpu": cpu})
        for suffix, (command, runs_dir, base_env) in runs.items():
            for mode in ("off", "on"):
                run_env = dict(base_env, NBOPS_TRACKING=mode)
                launched, wall, cpu = timed(command, run_env)
                phases = nbops_phases(launched, wall, newest_run(runs_dir)) | {"cpu": cpu}
                results.setdefault(f"nbops {mode}{suffix}", []).append(phases)
    return results


def report(args: argparse.Namespace, results: dict[str, list[dict]]) -> None:
    """Print the median phases, the ratios to the plain script and the targets."""
    base = statistics.median(r["total"] for r in results["plain"])
    print(f"notebook: {args.notebook.resolve().relative_to(ROOT)}  repeats: {args.repeat}  "
          f"load average after: {load_average()}  (median seconds per phase)")  # fmt: skip
    print(f"{'':<18}" + "".join(f"{phase:>14}" for phase in COLUMNS) + f"{'x plain':>9}")
    medians = {}
    for name, rows in results.items():
        medians[name] = {p: statistics.median(r[p] for r in rows) for p in COLUMNS if p in rows[0]}
        cells = "".join(
            f"{medians[name][p]:>14.2f}" if p in medians[name] else f"{'-':>14}" for p in COLUMNS
        )
        print(f"{name:<18}{cells}{medians[name]['total'] / base:>8.2f}x")
    for name, rows in results.items():
        print(f"{name:<18} totals: {[round(r['total'], 2) for r in rows]}")
    base_cpu = statistics.median(r["cpu"] for r in results["plain"])
    print(
        "cpu x plain: " + ", ".join(f"{n} {m['cpu'] / base_cpu:.2f}x" for n, m in medians.items())
    )
    on, off = (medians[f"nbops {mode}"]["total"] / base for mode in ("on", "off"))
    print(
        f"target (issue 23): nbops on <= {ON_RATIO}x plain: {on:.2f}x "
        f"{'met' if on <= ON_RATIO else 'NOT met'}; nbops off <= {OFF_RATIO}x plain: {off:.2f}x "
        f"{'met' if off <= OFF_RATIO else 'NOT met'} (plain script {base:.2f} s, the baseline)"
    )
    for name in medians:
        if name.startswith("nbops on @"):
            print(f"  {name}: {medians[name]['total'] / base:.2f}x plain")


if __name__ == "__main__":
    main()
