"""Atomic file writes: a crash leaves either the old file or the new one, never half of one."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from pipeline.errors import ReportageError


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write to a temp file in the same folder, fsync it, then rename it over `path`."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    mode = kept_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _named(exc, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _named(exc, path) from None
        raise
    _fsync_dir(path.parent)


def kept_mode(path: Path) -> int:
    """The permissions a file written over `path` gets: its own, or 0o644 for a new one
    (mkstemp's 0o600 would shut out a web server or a worker of another account)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o644


def _named(exc: OSError, path: Path) -> OSError:
    """The error as of the file being written, not of its hidden temp file."""
    return type(exc)(exc.errno, exc.strerror, str(path))


def check_writable(path: Path) -> None:
    """A ReportageError unless `path` can be written (atomically): asked before the work that
    makes its content, not after."""
    if path.is_dir():
        raise ReportageError(f"{path}: is a folder")
    # episode.json is document.FILENAME (this module is below document.py)
    if any((parent / "episode.json").is_file() for parent in path.resolve().parents):
        raise ReportageError(f"{path}: inside an episode's folder, whose files reportage "
                             "writes (it could replace one of them); write it elsewhere")
    try:  # named as write_atomic names its temp file: a name near the limit fails here too
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp"):
            pass
    except OSError as exc:
        raise ReportageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _fsync_dir(folder: Path) -> None:
    # The rename itself is durable only once the directory entry is flushed.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
