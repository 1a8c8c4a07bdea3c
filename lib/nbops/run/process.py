"""The lifetime of nbops' processes: who runs a run, whether it still does, and children that
die with their parent (Linux parent-death signal), so no kernel outlives `nbops run`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

import psutil

_PR_SET_PDEATHSIG = 1
_START_TOLERANCE_S = 1.0


def identity(pid: int | None = None) -> dict[str, Any]:
    """The pid, start time and boot time of a process: enough to tell it from a reused pid."""
    process = psutil.Process(pid or os.getpid())
    return {"pid": process.pid, "started": process.create_time(), "boot_time": psutil.boot_time()}


def is_gone(runner: Mapping[str, Any] | None) -> bool:
    """True when the process `identity` described has exited (False when unknown)."""
    if not runner or not isinstance(runner.get("pid"), int):
        return False
    if abs(float(runner.get("boot_time") or 0) - psutil.boot_time()) > _START_TOLERANCE_S * 60:
        return True  # the machine rebooted since
    try:
        process = psutil.Process(runner["pid"])
        if process.status() == psutil.STATUS_ZOMBIE:
            return True
        started = process.create_time()
    except psutil.NoSuchProcess:
        return True
    except psutil.AccessDenied:
        return False
    return abs(started - float(runner.get("started") or 0)) > _START_TOLERANCE_S


def die_with_parent(signum: int = signal.SIGKILL, parent: int | None = None) -> None:
    """Ask Linux to send `signum` to this process when its parent exits (no-op elsewhere).

    When `parent` is given and is already gone (re-parented before the call), exit at once.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)
