"""The library folder (`transcripts/` by default): one folder per episode, and per-episode locks."""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.document import FILENAME, valid_slug
from pipeline.errors import ReportageError

DEFAULT = "transcripts"
MAX_TITLES_READ = 500  # episodes whose titles a wrong name is looked up among
FEEDS = "feeds"  # `feed sync`'s augmented feeds, beside the episodes: never an episode's name


def default_library() -> Path:
    return Path(os.environ.get("REPORTAGE_LIBRARY") or DEFAULT)


def prepare_library(library: Path) -> Path:
    """Create the library folder if need be and make sure files can be written in it, before
    any work is done; every way this fails is one clear line."""
    if library.exists() and not library.is_dir():
        raise ReportageError(f"library path {library} is a file, not a folder")
    try:
        library.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=library):  # a unique name: runs side by side may probe
            pass
    except OSError as exc:
        reason = exc.strerror or exc
        raise ReportageError(f"cannot write to library folder {library}: {reason}") from None
    return library


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:100]
    # A name without a Latin letter or digit (интервью, 访谈) gets one of its own, not "episode".
    # surrogateescape: a file name in no UTF-8 (an old archive's) still names one episode.
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()
    return slug or f"episode-{digest[:8]}"


def episode_slug(name: str) -> str:
    """An episode's name from a file's or a title's: one the library's own folders never have
    ("feeds.mp3", an episode titled "Feeds")."""
    slug = slugify(name)
    return f"{slug}-episode" if slug == FEEDS else slug


def episode_dir(library: Path, slug: str) -> Path:
    if not valid_slug(slug):
        raise ReportageError(f"not a valid episode name: {slug!r}")
    return library / slug


def episode_slugs(library: Path) -> Iterator[str]:
    if not library.is_dir():
        return
    for folder in sorted(library.iterdir()):
        if (folder / FILENAME).is_file() and valid_slug(folder.name):
            yield folder.name


def find_episode(library: Path, slug: str) -> Path:
    try:
        folder = episode_dir(library, slug)
    except ReportageError as exc:
        raise ReportageError(f"{exc}{_meant(library, slug)}") from None
    if not (folder / FILENAME).is_file():
        raise ReportageError(f"no episode {slug!r} in {library}{_meant(library, slug)}")
    return folder


def _meant(library: Path, name: str) -> str:
    """A hint for an episode asked for by its title, its file's name or a near spelling: an
    episode goes by its folder's name. Read only on this error's way out."""
    wanted, slugs = slugify(name), list(episode_slugs(library))
    if wanted in slugs and wanted != name:
        return f"; did you mean {wanted}?"
    for slug in slugs[:MAX_TITLES_READ]:
        try:
            title = json.loads((library / slug / FILENAME).read_text(encoding="utf-8"))["title"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(title, str) and slugify(title) == wanted:
            return f"; the episode titled {title!r} is {slug} (an episode goes by its folder)"
    close = difflib.get_close_matches(wanted, slugs, n=1)
    return f"; did you mean {close[0]}?" if close else ""


@contextmanager
def locked(folder: Path, name: str = ".lock", make: bool = False,
           waiting: Callable[[], None] | None = None):
    """Hold an exclusive lock on an episode folder (a second process waits, and is told so
    through `waiting`). Held only while the document is read or written, so an editor's save
    never waits long. A lock file removed while this waited for it (a new episode's failed run
    removes its folder) is taken anew, in the folder made again where `make`."""
    while True:
        if make:
            folder.mkdir(parents=True, exist_ok=True)
        # Read-only: flock needs no more, so a lock file another user created does not refuse us.
        try:
            fd = os.open(folder / name, os.O_RDONLY | os.O_CREAT, 0o666)
        except FileNotFoundError:
            if make:  # removed between making it and opening the lock: make it again
                continue
            raise
        with open(fd) as handle:
            _wait_for(handle, waiting)
            try:
                if _same_file(handle, folder / name):
                    yield
                    return
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _wait_for(handle, waiting: Callable[[], None] | None) -> None:
    if waiting is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            waiting()
    fcntl.flock(handle, fcntl.LOCK_EX)


def _same_file(handle, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
    except FileNotFoundError:
        return False


def running(folder: Path, waiting: Callable[[], None] | None = None):
    """The run lock: one pipeline run per episode at a time, edits go on meanwhile; the folder
    is made when there is none (or no more: the run before failed on a new episode)."""
    return locked(folder, ".run.lock", make=True, waiting=waiting)
