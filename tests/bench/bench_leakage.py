"""Benchmark the leakage rules: accuracy on the development corpus, speed against ruff.

Run: `python tests/bench/bench_leakage.py [COUNT]`. Prints figures; asserts nothing.
`--save FILE` writes every finding of every rule on the corpus (notebook, code, cell, line, message)
as JSON; `--diff FILE` prints what changed against such a file (both skip the figures).

1. Per-rule tp / fp / fn, precision and recall of NB301 (preprocessing) and NB302 (overlap) on
   `../shared/leakage-dev/` (relative to the project root; skipped with a message when absent),
   scored against its `labels.csv` the way its `score.py` does.
2. Throughput of `nbops check` and `ruff check` on the same COUNT copies of `templates/*.ipynb`,
   process start included, and their ratio.
"""

from __future__ import annotations

import collections
import csv
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "leakage-dev"
KINDS = {"NB301": "preprocessing", "NB302": "overlap"}


def corpus_findings(folder: Path) -> dict[str, set[str]]:
    """Notebook ids flagged per rule by `nbops check` (in-process, unreadable files skipped)."""
    from nbops.check import CheckConfig, check_notebook
    from nbops.errors import NotebookError

    config = CheckConfig(select=tuple(KINDS))
    flagged: dict[str, set[str]] = {code: set() for code in KINDS}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            found = check_notebook(path, config)
        except NotebookError:
            continue
        for finding in found:
            if finding.code in flagged:
                flagged[finding.code].add(path.stem)
    return flagged


def score(flagged: dict[str, set[str]], labels_path: Path) -> list[tuple]:
    """(code, kind, Y, N, tp, fp, fn, precision, recall) per rule."""
    with labels_path.open(newline="", encoding="utf-8") as handle:
        labels = list(csv.DictReader(handle))
    rows = []
    for code, kind in KINDS.items():
        yes = {row["id"] for row in labels if row[kind] == "Y"}
        no = {row["id"] for row in labels if row[kind] == "N"}
        tp, fp = len(flagged[code] & yes), len(flagged[code] & no)
        fn = len(yes - flagged[code])
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        rows.append((code, kind, len(yes), len(no), tp, fp, fn, precision, recall))
    return rows


def bench_corpus() -> None:
    if not (CORPUS / "labels.csv").is_file():
        print(f"leakage corpus: skipped ({CORPUS} not found)")
        return
    start = time.perf_counter()
    flagged = corpus_findings(CORPUS / "notebooks")
    seconds = time.perf_counter() - start
    print(f"leakage corpus {CORPUS} ({seconds:.1f} s)")
    print(f"  {'rule':<22} {'Y/N':>8} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>6}")
    for code, kind, yes, no, tp, fp, fn, precision, recall in score(flagged, CORPUS / "labels.csv"):
        label = f"{code} {kind}"
        print(
            f"  {label:<22} {f'{yes}/{no}':>8} {tp:>4} {fp:>4} {fn:>4}"
            f" {precision:>9.2f} {recall:>6.2f}"
        )


def bench_speed(count: int) -> None:
    templates = sorted((ROOT / "templates").glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for index, source in zip(range(count), itertools.cycle(templates), strict=False):
            shutil.copyfile(source, folder / f"nb{index:04d}_{source.name}")
        nbops = [sys.executable, "-m", "nbops.check"]
        ruff = [shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff", "check"]
        nbops_s = _wall(folder, *nbops)
        ruff_s = _wall(folder, *ruff, "--no-cache", "--quiet", "--exit-zero")
    print(f"throughput on {count} copies of {len(templates)} templates (process start included)")
    for label, seconds in (("nbops check", nbops_s), ("ruff check --no-cache", ruff_s)):
        print(f"  {label:<22} {seconds:7.2f} s  {count / seconds:8.0f} notebooks/s")
    print(f"  nbops check / ruff check time ratio: {nbops_s / ruff_s:.1f}x")


def _wall(folder: Path, *command: str) -> float:
    start = time.perf_counter()
    subprocess.run([*command, str(folder)], capture_output=True, check=False)
    return time.perf_counter() - start


def all_findings(folder: Path) -> list[dict]:
    """Every finding of every rule on the notebooks in `folder`, in a stable order."""
    from nbops.check import check_notebook
    from nbops.errors import NotebookError

    rows = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            found = check_notebook(path)
        except NotebookError as error:
            rows.append({"notebook": path.stem, "code": "unreadable", "message": str(error)})
            continue
        rows += [
            {
                "notebook": path.stem,
                "code": d.code,
                "cell": d.cell,
                "line": d.line,
                "message": d.message,
            }
            for d in found
        ]
    return rows


def save_findings(target: Path) -> None:
    rows = all_findings(CORPUS / "notebooks")
    target.write_text(json.dumps(rows, indent=0) + "\n", encoding="utf-8")
    print(f"{len(rows)} findings on {CORPUS / 'notebooks'} written to {target}")


def diff_findings(baseline: Path) -> None:
    """Findings added and removed against a saved run, by code, then each one."""
    key = lambda row: (row["notebook"], row["code"], row.get("cell"), row.get("line"))  # noqa: E731
    before = {key(row): row for row in json.loads(baseline.read_text(encoding="utf-8"))}
    after = {key(row): row for row in all_findings(CORPUS / "notebooks")}
    added, removed = sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys())
    reworded = sorted(
        k for k in after.keys() & before.keys() if after[k]["message"] != before[k]["message"]
    )
    for label, keys in (("added", added), ("removed", removed), ("reworded", reworded)):
        counts = collections.Counter(k[1] for k in keys)
        print(f"{label}: {len(keys)} {dict(sorted(counts.items()))}")
    for sign, keys in (("+", added), ("-", removed)):
        for notebook, code, cell, line in keys:
            print(f"  {sign} {notebook} {code} cell {cell}:{line}")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--save"]:
        save_findings(Path(argv[1]))
    elif argv[:1] == ["--diff"]:
        diff_findings(Path(argv[1]))
    else:
        bench_corpus()
        bench_speed(int(argv[0]) if argv else 1000)


if __name__ == "__main__":
    main(sys.argv[1:])
