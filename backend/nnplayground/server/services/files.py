"""Crash-safe files: written to a temporary name in the same directory, fsynced, renamed over
the target and the directory fsynced, so a reader (or a restart after ``kill -9``) sees the
old file or the new one, never half of one.  Leftover temporary files are removed at start.
A read-only or full data directory becomes a 503/507 error body naming neither the path nor
the exception."""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import ApiError

log = logging.getLogger("nnplayground.server")
TEMP_PREFIX = ".upload-"
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def storage_error(exc: OSError, action: str) -> ApiError:
    """``action`` says what failed ("save the model"); the path stays in the server log."""
    log.error("cannot %s: %s", action, exc)
    if exc.errno in FULL:
        return ApiError(507, "storage_full", f"cannot {action}: the server's data directory is "
                        "full; delete saved models or runs, or free disk space")
    reason = "read-only" if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) \
        else "unavailable"
    return ApiError(503, "storage_unavailable",
                    f"cannot {action}: the server's data directory is {reason}")


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[str], None], action: str,
                 suffix: str = ".npz") -> None:
    """``write(tmp_name)`` fills a temporary file next to ``path``; it then replaces
    ``path`` in one rename.  Exceptions from ``write`` pass through (the temporary file is
    removed); OSErrors of the file system become ``storage_error``."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(suffix=suffix, dir=path.parent, prefix=TEMP_PREFIX)
        os.close(fd)
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
        fsync_dir(path.parent)
    except OSError as exc:
        raise storage_error(exc, action) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def remove_leftovers(directory: Path) -> int:
    """Delete temporary files a killed server left behind; returns how many."""
    removed = 0
    # Ours (.upload-*), and the engine's own temporary name inside them (.<name>.*.tmp:
    # Sequential.save writes atomically too, so a kill can leave a temp of a temp).
    found = {*directory.glob(f"{TEMP_PREFIX}*"), *directory.glob(".*.tmp")}
    for leftover in sorted(found):
        try:
            leftover.unlink()
            removed += 1
        except OSError as exc:
            log.warning("cannot remove the leftover %s: %s", leftover.name, exc)
    if removed:
        log.warning("removed %d temporary file(s) left by an interrupted write", removed)
    return removed
