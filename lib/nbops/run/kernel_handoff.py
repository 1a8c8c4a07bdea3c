"""The MLflow run handed from `nbops run` to a kernel that started before the run was open.

Opening the MLflow run (importing mlflow, opening the store, creating the run) takes seconds, so
the runner does it while the kernel starts and runs. The kernel is started with one IPython
startup line (`kernel_arguments`) that installs an import hook: the first time the notebook
imports mlflow, the hook waits for the runner's handoff file (named by NBOPS_TRACKING_HANDOFF) and
copies its variables (MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, ... or NBOPS_TRACKING=off) into
`os.environ` first, so the notebook's own mlflow calls land in the run, as when the variables were
in the kernel's environment from the start. A notebook that never imports mlflow never waits,
and one that does so late (the templates' `log_model` cell) finds the run long open. Imported by
the kernel at startup, so it stays cheap: standard library and `nbops.files`/`nbops.project` only.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbops.files import read_json, write_json_atomic
from nbops.project import TRACKING_ENV, TRACKING_HANDOFF_ENV

WAIT_LIMIT_S = (
    150.0  # the kernel goes on untracked after this (the runner's own limit is papermill's)
)
_POLL_S = 0.02


def kernel_arguments() -> list[str]:
    """IPython kernel arguments that make the kernel receive the handoff before mlflow loads."""
    return [f"--IPKernelApp.exec_lines=import {__name__}; {__name__}.receive_before_mlflow()"]


class _BeforeMlflow(importlib.abc.MetaPathFinder):
    """Receives the handoff when `mlflow` is first imported, then steps aside for good."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname == "mlflow" or fullname.startswith("mlflow."):
            with contextlib.suppress(ValueError):
                sys.meta_path.remove(self)
            receive()
        return None  # the ordinary finders import it


def receive_before_mlflow() -> None:
    """In the kernel: receive the handoff (`receive`) just before mlflow is first imported."""
    if not os.environ.get(TRACKING_HANDOFF_ENV):
        return
    if "mlflow" in sys.modules:
        receive()
    else:
        sys.meta_path.insert(0, _BeforeMlflow())


def publish(path: Path, variables: Mapping[str, str]) -> None:
    """Hand `variables` to the kernel waiting on `path` (written atomically)."""
    write_json_atomic(path, dict(variables))


def receive(limit: float = WAIT_LIMIT_S) -> None:
    """In the kernel: wait for the handoff file and add its variables to `os.environ`.

    Without NBOPS_TRACKING_HANDOFF it does nothing. If no handoff arrives in `limit` seconds,
    tracking is turned off for the kernel (its `nbops.kit` helpers become no-ops) with one line on
    stderr (the run's kernel.log).
    """
    path = os.environ.pop(TRACKING_HANDOFF_ENV, None)
    if not path:
        return
    deadline = time.monotonic() + limit
    while not Path(path).is_file():
        if time.monotonic() > deadline:
            os.environ[TRACKING_ENV] = "off"
            print(f"nbops: no MLflow run handed over in {limit:.0f} s: untracked", file=sys.stderr)
            return
        time.sleep(_POLL_S)
    os.environ.update({str(k): str(v) for k, v in (read_json(path) or {}).items()})
