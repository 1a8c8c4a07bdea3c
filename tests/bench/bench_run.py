"""Benchmark: what `nbops run` costs over running the same notebook as a plain Python script.

Both sides execute the classification template with its defaults on the embedded data, with the
same thread caps and hash seed; the baseline is the notebook exported by nbconvert to a script
and run with `python`. Prints the median wall times and their ratio (measured in the same run).

    python tests/bench/bench_run.py [--repeat N] [--notebook PATH]
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
BIN = Path(sys.executable).parent


def timed(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one command, which must succeed."""
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def export_script(notebook: Path, target: Path) -> Path:
    """The notebook's code cells as a plain script (display() imported, no IPython needed)."""
    import nbformat
    from nbconvert import PythonExporter

    body, _ = PythonExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target.write_text("from IPython.display import display  # noqa\n" + body, encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--notebook", type=Path, default=ROOT / "templates/classification.ipynb")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nbops-bench-") as scratch:
        scratch = Path(scratch)
        env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        env["MPLBACKEND"] = "Agg"
        env["NBOPS_TRACKING"] = "off"
        script = export_script(args.notebook, scratch / "notebook.py")
        nbops = [str(BIN / "nbops"), "run", str(args.notebook), "--runs-dir", str(scratch / "runs")]
        plain = [str(BIN / "python"), str(script)]
        nbops_times, plain_times = [], []
        for _ in range(args.repeat):  # interleaved, so drift in machine load hits both sides
            plain_env = dict(env, NBOPS_RUN_DIR=str(scratch / "plain"))
            plain_times.append(timed(plain, plain_env))
            nbops_times.append(timed(nbops, env))
    base, ours = statistics.median(plain_times), statistics.median(nbops_times)
    print(f"notebook: {args.notebook.relative_to(ROOT)}  repeats: {args.repeat}")
    print(f"plain python script   median {base:6.2f} s  runs {[round(t, 2) for t in plain_times]}")
    print(f"nbops run             median {ours:6.2f} s  runs {[round(t, 2) for t in nbops_times]}")
    print(f"ratio nbops/plain: {ours / base:.2f}x  (overhead {ours - base:+.2f} s per run)")


if __name__ == "__main__":
    main()
