"""Atomic file writes: a report is either the old file, the new file, or absent.

Never a half-written report: the bytes go to a temporary file in the same
directory (so ``os.replace`` is a rename on one filesystem), are fsynced, then
renamed over the target. If rendering fails nothing is written at all, because
``write_rendered`` renders to bytes first.

>>> write_atomic("results/summary.json", b"{}")
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, creating parent directories; returns the path."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            # mkstemp makes the file 0600; a report should get the usual umask-based mode.
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(parent)
    return target


def write_rendered(path: str | os.PathLike[str], render: Callable[[T], bytes], value: T) -> Path:
    """Render ``value`` completely, then write it atomically: a failing render leaves no file."""
    from loadlib.redact import redact_bytes

    data = redact_bytes(render(value))  # no secret (API key, JWT, ...) reaches a report
    return write_atomic(path, data)


def check_writable(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be written (a short reason), or None when it can.

    Used at ``init`` so a bad report path fails before any traffic. Creates
    missing parent directories, the same thing the final write would do.
    """
    target = Path(path)
    if str(path).strip() == "":
        return "the path is empty"
    if target.is_dir():
        return "it is a directory"
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create directory {str(parent)!r}: {exc.strerror or exc}"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"directory {str(parent)!r} is not writable"
    if target.exists() and not os.access(target, os.W_OK):
        return "the file exists and is not writable"
    return None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk; best effort
    # (not every platform/filesystem lets a directory be opened for fsync).
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
