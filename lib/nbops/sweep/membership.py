"""What a run knows of the sweep that started it, passed through one environment variable.

The sweep sets NBOPS_SWEEP (JSON: sweep id, run index, MLflow parent run id) for each run it
starts; the runner copies it into run.json as `sweep`, and the run's MLflow tags nest the run
under the parent. Cheap to import: the runner reads it on every run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from nbops.project import SWEEP_ENV


def encode(membership: Mapping[str, Any]) -> str:
    """The NBOPS_SWEEP value for one run."""
    return json.dumps(dict(membership), sort_keys=True)


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """run.json's `sweep` entry: the sweep this run belongs to, or None outside a sweep."""
    text = (environ if environ is not None else os.environ).get(SWEEP_ENV)
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {"id": text}
    return value if isinstance(value, dict) else {"id": str(value)}
