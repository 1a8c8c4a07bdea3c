"""Where a notebook's results go: the run folder's metrics, figures and data provenance.

Under `nbops run` the runner sets NBOPS_RUN_DIR; opened interactively, results go to
`runs/interactive/` under the project root, so the same cells work in both places.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path

RUN_DIR_ENV = "NBOPS_RUN_DIR"
ROOT_ENV = "NBOPS_PROJECT_ROOT"
DATA_SIDECAR = ".data.jsonl"
METRICS_FILE = "metrics.json"
FIGURES_DIR = "figures"
MODEL_SUFFIX = ".skops"
# Types a saved pipeline may contain that skops does not trust by default (e.g. tree arrays).
TRUSTED_MODEL_MODULES = ("sklearn.", "numpy.", "scipy.")


def find_project_root(start: Path | None = None) -> Path:
    """The nbops project at or above `start` (the cwd): the nearest folder whose pyproject.toml has
    a [tool.nbops] table, else the nearest with any pyproject.toml, else `start` itself."""
    here = (start or Path.cwd()).resolve()
    nearest = None
    for folder in (here, *here.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            if "[tool.nbops" in pyproject.read_text(encoding="utf-8"):
                return folder
            nearest = nearest or folder
    return nearest or here


def project_root() -> Path:
    """The project root: NBOPS_PROJECT_ROOT (set by `nbops run`), else `find_project_root()`."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV])
    return find_project_root()


def run_dir() -> Path:
    """The folder this run's results go to (created if missing)."""
    folder = Path(os.environ.get(RUN_DIR_ENV) or project_root() / "runs" / "interactive")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def in_managed_run() -> bool:
    """True when the notebook is executed by `nbops run`."""
    return bool(os.environ.get(RUN_DIR_ENV))


def _as_number(name: str, value: object) -> float | int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}: {value!r}")
    number = int(value) if isinstance(value, numbers.Integral) else float(value)
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError(f"metric {name!r} is {number}: record only finite numbers")
    return number


def record_metrics(metrics: Mapping[str, object]) -> dict[str, float | int]:
    """Merge `metrics` into the run's metrics.json and return everything recorded so far."""
    clean = {str(name): _as_number(str(name), value) for name, value in metrics.items()}
    path = run_dir() / METRICS_FILE
    recorded = json.loads(path.read_text()) if path.exists() else {}
    recorded.update(clean)
    _write_json(path, dict(sorted(recorded.items())))
    return recorded


def save_figure(fig, name: str) -> Path:
    """Save a matplotlib figure as figures/<name>.png in the run folder and return its path."""
    _check_plain_name(name, "figure", "roc_curve")
    folder = run_dir() / FIGURES_DIR
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    # No Software/date metadata: the same figure gives the same bytes in every run.
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    return path


def save_model(model, name: str = "model") -> Path:
    """Save a fitted model as <name>.skops in the run folder (skops format) and return its path."""
    import skops.io

    _check_plain_name(name, "model", "model")
    path = run_dir() / f"{name}{MODEL_SUFFIX}"
    skops.io.dump(model, path)
    return path


def load_model(path: str | os.PathLike, trusted_modules: tuple[str, ...] = TRUSTED_MODEL_MODULES):
    """Load a .skops model, trusting only types from `trusted_modules` (sklearn, numpy, scipy)."""
    import skops.io

    untrusted = skops.io.get_untrusted_types(file=path)
    refused = sorted(name for name in untrusted if not name.startswith(trusted_modules))
    if refused:
        raise ValueError(
            f"{Path(path).name} contains types outside {', '.join(trusted_modules)}: "
            f"{', '.join(refused)}; pass trusted_modules if you trust them"
        )
    return skops.io.load(path, trusted=untrusted)


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def record_dataset(path: str | os.PathLike, rows: int) -> dict:
    """Note that the notebook read `path` (rows, sha256), for the run record."""
    resolved = Path(path).resolve()
    root = project_root().resolve()
    shown = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(path)
    entry = {"path": shown, "sha256": file_sha256(resolved), "rows": int(rows)}
    if in_managed_run():
        with open(run_dir() / DATA_SIDECAR, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
    return entry


def _check_plain_name(name: str, what: str, example: str) -> None:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"{what} name {name!r} must be a plain file name such as {example!r}")


def _write_json(path: Path, payload: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
