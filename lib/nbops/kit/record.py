"""Where a notebook's results go: the run folder's metrics, figures, models and data provenance.

Under `nbops run` the runner sets NBOPS_RUN_DIR; opened interactively, results go to
`interactive/` in the project's runs folder (`[tool.nbops] runs-dir`), so the same cells work in
both places. File names and the project root come from `nbops.project`; every write is atomic.
"""

from __future__ import annotations

import io
import json
import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path

from nbops.files import file_sha256, read_json, write_bytes_atomic, write_json_atomic
from nbops.project import (
    GIVEN_PARAMS_ENV,
    INTERACTIVE_RUN,
    RUN_DIR_ENV,
    Project,
    RunFolder,
    find_project_root,
)

# Types a saved pipeline may contain that skops does not trust by default (e.g. tree arrays).
TRUSTED_MODEL_MODULES = ("sklearn.", "numpy.", "scipy.")


def project_root() -> Path:
    """The project root: NBOPS_PROJECT_ROOT (set by `nbops run`), else the nearest project."""
    return find_project_root()


def run_dir() -> Path:
    """The folder this run's results go to (created if missing)."""
    managed = os.environ.get(RUN_DIR_ENV)
    folder = Path(managed) if managed else Project.load().runs_dir / INTERACTIVE_RUN
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def given_parameters() -> frozenset[str]:
    """The parameters the user set for this run (`nbops run` passes their names); empty outside
    a managed run, where every value is the notebook's own default."""
    names = os.environ.get(GIVEN_PARAMS_ENV, "")
    return frozenset(name for name in names.split(",") if name)


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
    path = RunFolder(run_dir()).metrics
    recorded = read_json(path, {})
    recorded.update(clean)
    write_json_atomic(path, dict(sorted(recorded.items())))
    return recorded


def record_verdict(kind: str, verdict: Mapping[str, object]) -> Path | None:
    """Note a verdict the notebook reached (`gate`, `drift`) in the run's verdicts.json; under
    `nbops run` only (opened interactively, the notebook's printed verdict is all there is)."""
    if not in_managed_run():
        return None
    path = RunFolder(run_dir()).verdicts
    recorded = read_json(path, {})
    recorded[kind] = dict(verdict)
    return write_json_atomic(path, dict(sorted(recorded.items())))


def save_figure(fig, name: str = ""):
    """Save a matplotlib figure as figures/<name>.png in the run folder and return the figure.

    `name` defaults to the name the kit's plot helpers give their figures (`roc_curve`...), so
    one line saves a plot and, as a cell's last expression, shows it.
    """
    name = name or fig.get_label()
    _check_plain_name(name, "figure", "roc_curve")
    folder = RunFolder(run_dir()).figures
    folder.mkdir(exist_ok=True)
    image = io.BytesIO()
    # No Software/date metadata: the same figure gives the same bytes in every run.
    fig.savefig(image, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    write_bytes_atomic(folder / f"{name}.png", image.getvalue())
    titles_path = RunFolder(run_dir()).figure_titles
    titles = read_json(titles_path, {})
    entry = {"title": figure_title(fig) or name, "execution_count": _execution_count()}
    write_json_atomic(titles_path, titles | {name: entry})
    return fig


def _execution_count() -> int | None:
    """The number of the notebook cell running now (its In [n]), None outside IPython: the
    report gives that cell's images the titles of the figures it saved."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, "execution_count", None) if shell is not None else None


def figure_title(fig) -> str:
    """The figure's title (suptitle), else its axes' titles joined: the report's alt text."""
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        return suptitle.get_text()
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible() and ax.get_title()]
    return "; ".join(titles)


def save_model(model, name: str = "model") -> Path:
    """Save a fitted model as <name>.skops in the run folder (skops format) and return its path."""
    import skops.io

    _check_plain_name(name, "model", "model")
    return write_bytes_atomic(RunFolder(run_dir()).model(name), skops.io.dumps(model))


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


def record_dataset(path: str | os.PathLike, rows: int) -> dict:
    """Note that the notebook read `path` (rows, sha256), for the run record."""
    resolved = Path(path).resolve()
    root = project_root().resolve()
    shown = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(path)
    entry = {"path": shown, "sha256": file_sha256(resolved), "rows": int(rows)}
    if in_managed_run():
        with open(RunFolder(run_dir()).data_sidecar, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
    return entry


def _check_plain_name(name: str, what: str, example: str) -> None:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"{what} name {name!r} must be a plain file name such as {example!r}")
