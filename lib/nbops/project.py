"""The contract every part of nbops shares: where the project is, its `[tool.nbops]` settings,
the environment variables a run passes to its kernel (and the sweep membership one of them
carries), and `RunFolder`, the files of a run.

Nothing here imports the rest of nbops except `errors`; every other module may import this one.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbops.errors import BadInputError

# Environment variables nbops sets for the kernel (and reads back inside it).
ROOT_ENV = "NBOPS_PROJECT_ROOT"  # the project root: relative paths in notebooks resolve here
RUN_DIR_ENV = "NBOPS_RUN_DIR"  # the run folder of a managed run
RUN_ID_ENV = "NBOPS_RUN_ID"  # the run id (the run folder's name)
TRACKING_ENV = "NBOPS_TRACKING"  # "off" turns MLflow tracking off
THREADS_ENV = "NBOPS_THREADS"  # thread cap for BLAS/OpenMP in the kernel
# the variables BLAS/OpenMP libraries read for their thread count, set to the cap in a kernel
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
DEFAULT_THREADS = "1"
SWEEP_ENV = "NBOPS_SWEEP"  # JSON naming the sweep (and MLflow parent run) a run belongs to
GIVEN_PARAMS_ENV = "NBOPS_GIVEN_PARAMS"  # comma-separated names of the parameters the user set
# The file in which `nbops run` hands the kernel its MLflow run (nbops.run.kernel_handoff).
TRACKING_HANDOFF_ENV = "NBOPS_TRACKING_HANDOFF"
# Test-only: pause `nbops run` at a named stage (see nbops.run.interrupts.STAGES) until a signal
# arrives, after creating the file named by NBOPS_TEST_PAUSE_READY. Never set in real use.
PAUSE_AT_ENV = "NBOPS_TEST_PAUSE_AT"
PAUSE_READY_ENV = "NBOPS_TEST_PAUSE_READY"
# MLflow's own variables, which nbops sets so the notebook's mlflow calls land in the run.
MLFLOW_URI_ENV = "MLFLOW_TRACKING_URI"
MLFLOW_RUN_ID_ENV = "MLFLOW_RUN_ID"
MLFLOW_EXPERIMENT_ID_ENV = "MLFLOW_EXPERIMENT_ID"
MLFLOW_EXPERIMENT_NAME_ENV = "MLFLOW_EXPERIMENT_NAME"
MLFLOW_HTTP_TIMEOUT_ENV = "MLFLOW_HTTP_REQUEST_TIMEOUT"  # seconds per request to a server
MLFLOW_HTTP_RETRIES_ENV = "MLFLOW_HTTP_REQUEST_MAX_RETRIES"  # retries of a failed request

TRACKING_OFF_VALUES = frozenset({"off", "0", "false", "no"})

# `[tool.nbops]` keys and their defaults (the only place these paths are spelled out).
DEFAULTS: dict[str, Any] = {
    "runs-dir": "runs",
    "export-package": "nblib",
    "notebooks-dir": "notebooks",
    "templates-dir": "templates",
}
INTERACTIVE_RUN = "interactive"  # the run folder of a notebook opened outside `nbops run`
LATEST = "latest"  # the symlink to the newest run folder


def tracking_enabled(environ: os._Environ | dict | None = None) -> bool:
    """False when NBOPS_TRACKING is off/0/false/no."""
    value = (environ if environ is not None else os.environ).get(TRACKING_ENV, "on")
    return value.strip().lower() not in TRACKING_OFF_VALUES


def encode_sweep_membership(membership: Mapping[str, Any]) -> str:
    """The NBOPS_SWEEP value a sweep gives one run: sweep id, run index, MLflow parent run id."""
    return json.dumps(dict(membership), sort_keys=True)


def sweep_membership(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """run.json's `sweep` entry, read from NBOPS_SWEEP: the sweep this run belongs to, or None."""
    text = (environ if environ is not None else os.environ).get(SWEEP_ENV)
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {"id": text}
    return value if isinstance(value, dict) else {"id": str(value)}


def find_project_root(start: Path | None = None) -> Path:
    """The project at or above `start` (default: NBOPS_PROJECT_ROOT, else the cwd): the nearest
    folder whose pyproject.toml has a [tool.nbops] table, else the nearest with any
    pyproject.toml, else `start` itself."""
    if start is None and os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV])
    here = (start or Path.cwd()).resolve()
    nearest = None
    for folder in (here, *here.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            if "nbops" in _read_toml(pyproject).get("tool", {}):
                return folder
            nearest = nearest or folder
    return nearest or here


def relative_to(path: Path, root: Path) -> str:
    """`path` relative to `root` in POSIX form when it is inside it, else its absolute path."""
    path, root = Path(path).resolve(), Path(root).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BadInputError(f"cannot read {path}: {error}") from error


@dataclass(frozen=True)
class Project:
    """A project root and its `[tool.nbops]` table, with the paths it implies."""

    root: Path
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, start: Path | None = None) -> Project:
        """The project at or above `start` (see `find_project_root`) with its settings."""
        return cls.at(find_project_root(start))

    @classmethod
    def at(cls, root: Path) -> Project:
        """The project rooted at `root` exactly, with the settings of its pyproject.toml."""
        root = Path(root).resolve()
        pyproject = root / "pyproject.toml"
        config = _read_toml(pyproject) if pyproject.is_file() else {}
        table = config.get("tool", {}).get("nbops", {})
        if not isinstance(table, dict):
            raise BadInputError(f"[tool.nbops] in {pyproject} must be a table")
        return cls(root, table)

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"

    def setting(self, key: str) -> Any:
        """The `[tool.nbops]` value of `key`, else its default."""
        return self.settings.get(key, DEFAULTS.get(key))

    def path_setting(self, key: str) -> Path:
        """A `[tool.nbops]` path, resolved against the project root."""
        value = self.setting(key)
        if not isinstance(value, str) or not value.strip():
            raise BadInputError(f"[tool.nbops] {key} in {self.pyproject} must be a non-empty path")
        return (self.root / value).resolve()

    @property
    def runs_dir(self) -> Path:
        """Where run folders and the embedded MLflow store live (`runs-dir`)."""
        return self.path_setting("runs-dir")

    @property
    def notebooks_dir(self) -> Path:
        return self.path_setting("notebooks-dir")

    @property
    def templates_dir(self) -> Path:
        return self.path_setting("templates-dir")

    @property
    def check_settings(self) -> dict[str, Any]:
        """The `[tool.nbops.check]` table (empty when absent)."""
        table = self.settings.get("check", {})
        if not isinstance(table, dict):
            raise BadInputError(f"[tool.nbops.check] in {self.pyproject} must be a table")
        return table


def runs_dir(override: Path | str | None = None, start: Path | None = None) -> Path:
    """`override` (a --runs-dir flag) when given, else the project's `runs-dir`."""
    if override:
        return Path(override)
    return Project.load(start).runs_dir


@dataclass(frozen=True)
class RunFolder:
    """One run folder and every file nbops or the notebook writes into it."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def notebook(self) -> Path:
        """The executed notebook (partial on failure)."""
        return self.path / "notebook.ipynb"

    @property
    def report(self) -> Path:
        """The executed notebook rendered as HTML."""
        return self.path / "report.html"

    @property
    def params(self) -> Path:
        """The effective parameters, defaults included."""
        return self.path / "params.json"

    @property
    def metrics(self) -> Path:
        """Flat {name: number} recorded by the notebook."""
        return self.path / "metrics.json"

    @property
    def record(self) -> Path:
        """run.json: status, times, provenance, error, mlflow."""
        return self.path / "run.json"

    @property
    def verdicts(self) -> Path:
        """verdicts.json: the registry gate and the drift verdict the notebook reached."""
        return self.path / "verdicts.json"

    @property
    def model_card(self) -> Path:
        return self.path / "model_card.md"

    @property
    def kernel_log(self) -> Path:
        """The kernel's stderr."""
        return self.path / "kernel.log"

    @property
    def figures(self) -> Path:
        """The folder of plots the notebook saved."""
        return self.path / "figures"

    @property
    def figure_titles(self) -> Path:
        """figures/titles.json: {name: {title, execution_count}} of each saved figure (the
        report's alt text for the images of the cell that saved it)."""
        return self.figures / "titles.json"

    @property
    def drift_report(self) -> Path:
        """Evidently's interactive drift report, saved by a drift notebook."""
        return self.path / "drift_report.html"

    @property
    def tables(self) -> Path:
        """The folder of tables the notebook saved."""
        return self.path / "tables"

    @property
    def data_sidecar(self) -> Path:
        """One JSON line per dataset the notebook read (path, sha256, rows)."""
        return self.path / ".data.jsonl"

    @property
    def tracking_handoff(self) -> Path:
        """The MLflow run's variables for the kernel, written once the run is open."""
        return self.path / ".tracking.json"

    @property
    def tracking_pending(self) -> Path:
        """What the kernel could not hand to a tracking server (MLflow models in `models/`,
        registrations in `registrations.json`), kept until `nbops sync` or the runner logs it."""
        return self.path / ".tracking-pending"

    @property
    def reserve(self) -> Path:
        """Space held during a run, given back so run.json can be written on a full disk."""
        return self.path / ".reserve"

    @property
    def reproduce_record(self) -> Path:
        """reproduce.json: the outcome of `nbops reproduce`."""
        return self.path / "reproduce.json"

    def model(self, name: str = "model") -> Path:
        """A fitted model saved by the notebook in skops format."""
        return self.path / f"{name}.skops"

    @property
    def artifact_files(self) -> tuple[Path, ...]:
        """The files MLflow mirrors as artifacts of the run."""
        return (
            self.notebook,
            self.report,
            self.params,
            self.metrics,
            self.verdicts,
            self.model_card,
        )

    @property
    def artifact_folders(self) -> tuple[Path, ...]:
        return (self.figures, self.tables)

    def is_run(self) -> bool:
        """True when the folder holds a run record."""
        return self.record.is_file()
