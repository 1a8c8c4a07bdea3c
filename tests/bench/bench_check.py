"""Benchmark `nbops check` on 1,000 notebooks, with ruff and a plain JSON read as baselines.

Run: `python tests/bench/bench_check.py [COUNT]`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "templates").glob("*.ipynb")),
    *sorted((ROOT / "tests" / "notebooks" / "check").rglob("*.ipynb")),
]


def make_corpus(folder: Path, count: int) -> list[Path]:
    """`count` notebooks copied round-robin from the templates and the checker fixtures."""
    paths = []
    for index, source in zip(range(count), itertools.cycle(SOURCES), strict=False):
        target = folder / f"nb{index:04d}_{source.name}"
        shutil.copyfile(source, target)
        paths.append(target)
    return paths


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def bench_api(paths: list[Path]) -> tuple[float, int]:
    """In-process: check_notebook on every file, every rule."""
    from nbops.check import check_notebook

    check_notebook(paths[0])  # warm up: rule modules and the scikit-learn list load once
    seconds, found = timed(lambda: sum(len(check_notebook(path)) for path in paths))
    return seconds, found


def bench_command(folder: Path, *command: str) -> float:
    """Wall time of a command over the folder, process start included."""
    seconds, _ = timed(
        lambda: subprocess.run([*command, str(folder)], capture_output=True, check=False)
    )
    return seconds


def main(count: int = 1000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_corpus(folder, count)
        read_s, _ = timed(lambda: [json.loads(p.read_text(encoding="utf-8")) for p in paths])
        api_s, found = bench_api(paths)
        cli_s = bench_command(folder, sys.executable, "-m", "nbops.check")
        ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
        ruff_s = bench_command(folder, ruff, "check", "--no-cache", "--quiet", "--exit-zero")
    rows = [
        ("json.loads only (floor)", read_s),
        ("nbops check, in-process API", api_s),
        ("nbops check, command (python -m)", cli_s),
        ("ruff check --no-cache (baseline)", ruff_s),
    ]
    print(f"{count} notebooks from {len(SOURCES)} sources, {found} findings in the API run")
    for label, seconds in rows:
        print(f"  {label:<36} {seconds:7.2f} s  {count / seconds:8.0f} notebooks/s")
    print(f"  nbops check command / ruff check time ratio: {cli_s / ruff_s:.1f}x")
    print(f"  nbops check API / json.loads time ratio: {api_s / read_s:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
