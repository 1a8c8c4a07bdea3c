"""Benchmark the leakage rules: accuracy on the development corpus, speed against ruff.

Run: `python tests/bench/bench_leakage.py [COUNT]`. Prints figures; asserts nothing.
`--save FILE` writes every finding of every rule on the corpus (notebook, code, cell, line, message)
as JSON; `--diff FILE` prints what changed against such a file (both skip the figures).

1. Per-kind tp / fp / fn, precision and recall on `../shared/leakage-dev/` (relative to the
   project root; skipped with a message when absent), scored the way its `score.py` does: NB301
   against preprocessing, NB302 alone and NB302 + NB306 against overlap, NB303 against the
   multi-test sample. Raw: the corpus `labels.csv` as shipped; adjudicated: with the rows of
   `leakage_adjudication.csv` (next to this script) replacing the labels that contradict a
   policy of issue 25, and adding the hand-classified multi-test sample. Its columns: notebook,
   kind (preprocessing / overlap / multi_test), corpus (the shipped label, empty for
   multi_test), adjudicated, policy (1-4 of issue 25), evidence (`cell:line`, both counted from 1
   over the notebook's cells and the cell's lines, and the line's start, as the corpus notebook
   has it), reason. The multi-test rows are the 40 notebooks of
   `random.Random(25).sample(sorted(ids), 40)`, classified by hand under policy 3.
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
ADJUDICATION = Path(__file__).with_name("leakage_adjudication.csv")
# (what is scored, the kind of label, the codes that flag it)
SCORED = (
    ("NB301", "preprocessing", ("NB301",)),
    ("NB302", "overlap", ("NB302",)),
    ("NB302+NB306", "overlap", ("NB302", "NB306")),
    ("NB303", "multi_test", ("NB303",)),
)
CODES = ("NB301", "NB302", "NB303", "NB306")


def corpus_findings(folder: Path) -> dict[str, set[str]]:
    """Notebook ids flagged per rule by `nbops check` (in-process, unreadable files skipped)."""
    from nbops.check import CheckConfig, check_notebook
    from nbops.errors import NotebookError

    config = CheckConfig(select=CODES)
    flagged: dict[str, set[str]] = {code: set() for code in CODES}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            found = check_notebook(path, config)
        except NotebookError:
            continue
        for finding in found:
            if finding.code in flagged:
                flagged[finding.code].add(path.stem)
    return flagged


def corpus_labels(labels_path: Path) -> dict[tuple[str, str], str]:
    """The shipped labels: (notebook, kind) -> Y / N (unknown ones left out)."""
    with labels_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kinds = ("preprocessing", "overlap", "multi_test")
    return {
        (row["id"], kind): row[kind]
        for row in rows
        for kind in kinds
        if row[kind] in "YN" and row[kind]
    }


def adjudicated(labels: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """The labels with every row of the adjudication file applied."""
    with ADJUDICATION.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {**labels, **{(row["notebook"], row["kind"]): row["adjudicated"] for row in rows}}


def score(flagged: dict[str, set[str]], labels: dict[tuple[str, str], str]) -> list[tuple]:
    """(what, kind, Y, N, tp, fp, fn, precision, recall) per scored rule or pair of rules."""
    rows = []
    for what, kind, codes in SCORED:
        hits = set().union(*(flagged[code] for code in codes))
        yes = {nb for (nb, k), label in labels.items() if k == kind and label == "Y"}
        no = {nb for (nb, k), label in labels.items() if k == kind and label == "N"}
        tp, fp, fn = len(hits & yes), len(hits & no), len(yes - hits)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        rows.append((what, kind, len(yes), len(no), tp, fp, fn, precision, recall))
    return rows


def bench_corpus() -> None:
    if not (CORPUS / "labels.csv").is_file():
        print(f"leakage corpus: skipped ({CORPUS} not found)")
        return
    start = time.perf_counter()
    flagged = corpus_findings(CORPUS / "notebooks")
    seconds = time.perf_counter() - start
    raw = corpus_labels(CORPUS / "labels.csv")
    print(
        f"leakage corpus {CORPUS} ({seconds:.1f} s); labels raw | adjudicated ({ADJUDICATION.name})"
    )
    head = f"{'Y/N':>8} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>5} {'R':>5}"
    print(f"  {'rule':<26} {head} | {head}")
    for before, after in zip(score(flagged, raw), score(flagged, adjudicated(raw)), strict=True):
        label = f"{before[0]} {before[1]}"
        print(f"  {label:<26} {_figures(before)} | {_figures(after)}")


def _figures(row: tuple) -> str:
    _, _, yes, no, tp, fp, fn, precision, recall = row
    return f"{f'{yes}/{no}':>8} {tp:>4} {fp:>4} {fn:>4} {precision:>5.2f} {recall:>5.2f}"


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
