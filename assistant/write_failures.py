"""A data dir that cannot take a write (full disk, read-only mount) as one clear message.

The same cause surfaces as OSError ENOSPC, SQLite's "database or disk is full" or a Chroma
compaction error; an operator needs one line saying which directory and how much is free,
not a traceback, and the CLI a distinct exit code (`EXIT_CODE`).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chromadb.errors import ChromaError

EXIT_CODE = 4
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
FULL_TEXTS = ("disk is full", "no space left", "quota exceeded")
READ_ONLY_TEXTS = ("readonly database", "read-only file system", "permission denied")


class DataDirUnwritable(RuntimeError):
    """The data dir is full or read-only; the message says which and what to do."""


def _kind(error: BaseException) -> str | None:
    if isinstance(error, OSError) and error.errno is not None:
        if error.errno in FULL_ERRNOS:
            return "full"
        if error.errno in READ_ONLY_ERRNOS:
            return "read-only"
    if isinstance(error, OSError | sqlite3.Error | ChromaError):
        text = str(error).lower()
        if any(t in text for t in FULL_TEXTS):
            return "full"
        if any(t in text for t in READ_ONLY_TEXTS):
            return "read-only"
    return None


def free_mb(path: Path) -> float:
    """Free space where `path` is (or would be), in MB."""
    for candidate in (path, *path.resolve().parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free / 1e6
    return 0.0


def unwritable(error: BaseException, data_dir: Path) -> DataDirUnwritable | None:
    """The clear error for a write failure of `data_dir`; None for any other error."""
    kind = _kind(error)
    if kind is None:
        return None
    if kind == "full":
        return DataDirUnwritable(
            f"the data dir is full: {data_dir} has {free_mb(data_dir):.0f} MB free; "
            "free some space and run the same command again (nothing half-written was kept)"
        )
    return DataDirUnwritable(
        f"the data dir is read-only: {data_dir} cannot be written; "
        "mount it writable (or point FA_DATA_DIR elsewhere) and run the same command again"
    )


@contextmanager
def reporting_write_failures(data_dir: Path) -> Iterator[None]:
    """Turn a full or read-only data dir, however it surfaces, into DataDirUnwritable."""
    try:
        yield
    except (OSError, sqlite3.Error, ChromaError) as error:
        clear = unwritable(error, data_dir)
        if clear is None:
            raise
        raise clear from error
