"""Atomic file writes (a temp file in the target's folder, flushed and synced, then one rename),
JSON reads and file digests.

A write that fails (full disk, signal, read-only folder) leaves the previous complete file or
nothing, never a half-written one, and removes its temp file. The written file's mode honours
the umask like `open()` does (0644 under the usual 022): `mkstemp` creates its temp file 0600
whatever the umask, so it is widened before the rename, and a shared runs folder stays readable.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Replace `path` with `data` in one step; on any error the old file is left untouched."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def current_umask() -> int:
    """The process's umask, read without changing it (os.umask sets it, racing other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temp_files_of(path: str | os.PathLike) -> list[Path]:
    """Temp files an atomic write of `path` cut short by SIGKILL may have left beside it."""
    target = Path(path)
    return sorted(target.parent.glob(f".{glob.escape(target.name)}.*.tmp"))


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Replace `path` with UTF-8 `text` in one step."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike, payload: Any) -> Path:
    """Replace `path` with `payload` as indented JSON (non-JSON values via str) in one step."""
    return write_text_atomic(path, json.dumps(payload, indent=2, default=str) + "\n")


def read_json(path: str | os.PathLike, default: Any = None) -> Any:
    """The JSON in `path`, or `default` when the file is missing."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def read_json_object(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON object in `path`; {} when the file is missing, unreadable or not an object."""
    try:
        payload = read_json(path, {})
    except (OSError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
