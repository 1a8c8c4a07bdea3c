"""Helpers for the gallery tests and benchmark: run folders synthesised from one real run, and
the page's timings (the browser itself is browser_support's, re-exported here)."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from browser_support import chromium, find_browser, requested_urls

__all__ = ["chromium", "find_browser", "requested_urls", "synthesise_runs", "timed"]

NOTEBOOKS = ("templates/classification.ipynb", "templates/regression.ipynb")
STATUSES = ("succeeded",) * 8 + ("failed", "interrupted")
MODELS = ("hist_gradient_boosting", "random_forest", "logistic_regression")


def synthesise_runs(source: Path, runs_dir: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` run folders shaped like the real run `source`: the same files, with ids, times,
    statuses, durations, parameters and metrics varied; figures link to the source's."""
    rng = random.Random(seed)
    record = json.loads((source / "run.json").read_text(encoding="utf-8"))
    params = json.loads((source / "params.json").read_text(encoding="utf-8"))
    metrics = json.loads((source / "metrics.json").read_text(encoding="utf-8"))
    figures = sorted((source / "figures").glob("*.png"))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    folders = []
    for index in range(count):
        notebook = NOTEBOOKS[index % len(NOTEBOOKS)]
        moment = start + timedelta(minutes=7 * index + rng.randint(0, 5))
        stem = Path(notebook).stem
        run_id = f"{moment:%Y%m%d-%H%M%S}-{stem}-r{index}"
        folder = runs_dir / run_id
        (folder / "figures").mkdir(parents=True)
        status = rng.choice(STATUSES)
        duration = round(rng.uniform(5, 400), 3)
        run = {
            **record,
            "id": run_id,
            "notebook": notebook,
            "status": status,
            "started_at": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "duration_s": duration,
            "error": {"cell": 3, "ename": "ValueError", "evalue": "x"}
            if status == "failed"
            else None,
        }
        varied = {**params, "MODEL": rng.choice(MODELS), "MAX_DEPTH": rng.choice([None, 4, 8, 16])}
        scores = {
            name: (value * rng.uniform(0.8, 1.0) if isinstance(value, float) else value)
            for name, value in metrics.items()
        }
        _write(folder / "run.json", run)
        _write(folder / "params.json", varied)
        _write(folder / "metrics.json", scores if status == "succeeded" else {})
        for figure in figures:
            os.symlink(figure.resolve(), folder / "figures" / figure.name)
        for name in ("report.html", "model_card.md"):
            if (source / name).is_file():
                os.symlink((source / name).resolve(), folder / name)
        folders.append(folder)
    return folders


def _write(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload), encoding="utf-8")


def timed(chrome, action: str) -> float:
    """Seconds the page takes to run `action` (JavaScript) and lay the table out again."""
    return chrome.execute_script(
        "const t0 = performance.now();" + action + ";"
        "document.getElementById('runs').getBoundingClientRect();"
        "void document.body.offsetHeight;"
        "return (performance.now() - t0) / 1000;"
    )
