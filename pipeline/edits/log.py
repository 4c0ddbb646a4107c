"""The edit log and the held documents, shared by every kind of human edit.

`edits.jsonl` in the episode folder holds one JSON line per edit, appended and flushed before
the edit counts as saved; `documents` keeps the last few parsed episode documents between
requests, and `saving` writes a changed one.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipeline.document import FILENAME, Episode

LOG = "edits.jsonl"
# The log's editor of what an edit took along: the English of a renamed chapter or an emptied
# line. No editor is logged under this name (chapters.person).
MACHINE = "reportage"


@dataclass
class Edit:
    id: int
    time: str
    editor: str
    segment: str
    field: str
    before: str | None
    after: str | None
    rev: int  # the segment's rev after this edit
    revert_of: int | None = None


class Documents:
    """The last few parsed episode documents, kept between requests. Every save renames a new
    file into place, so (inode, mtime, size) of episode.json changes whenever anyone writes it."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._held: dict[Path, tuple[tuple[int, int, int], Episode]] = {}

    def load(self, folder: Path) -> Episode:
        folder = _key(folder)
        held = self._held.pop(folder, None)
        if held and held[0] == _stamp(folder):
            self._held[folder] = held  # now the most recently used
            return held[1]
        episode = Episode.load(folder)
        self.saved(folder, episode)
        return episode

    def saved(self, folder: Path, episode: Episode) -> None:
        self._held.pop(_key(folder), None)
        self._held[_key(folder)] = (_stamp(folder), episode)
        while len(self._held) > self.size:
            self._held.pop(next(iter(self._held)))

    def forget(self, folder: Path) -> None:
        self._held.pop(_key(folder), None)


def _key(folder: Path) -> Path:
    # Absolute, but links kept: a linked episode folder is the episode of the link's name.
    return Path(os.path.abspath(folder))


def _stamp(folder: Path) -> tuple[int, int, int]:
    stat = (folder / FILENAME).stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


documents = Documents()


@contextmanager
def saving(folder: Path, episode: Episode):
    """Change the held copy of `episode` in the block, then save it; on any failure the held
    copy is forgotten, since it no longer matches the disk."""
    try:
        yield
        episode.save(folder)
    except BaseException:
        documents.forget(folder)
        raise
    documents.saved(folder, episode)


def read_log(folder: Path) -> list[Edit]:
    path = folder / LOG
    if not path.exists():
        return []
    edits = []
    for line in path.read_bytes().splitlines():
        try:
            edit = Edit(**json.loads(line))
        except (ValueError, TypeError):  # bad JSON, or UTF-8 cut inside a character
            continue  # a line torn by a crash mid-append: the edit never completed
        if _well_typed(edit):  # the log is a file anyone can change
            edits.append(edit)
    return edits


def _well_typed(edit: Edit) -> bool:
    def whole(n: object) -> bool:
        return isinstance(n, int) and not isinstance(n, bool)

    return (whole(edit.id) and whole(edit.rev) and (edit.revert_of is None or whole(edit.revert_of))
            and all(isinstance(v, str) for v in (edit.time, edit.editor, edit.segment, edit.field))
            and all(v is None or isinstance(v, str) for v in (edit.before, edit.after)))


def last_id(folder: Path) -> int:
    return max((e.id for e in read_log(folder)), default=0)


def append_log(folder: Path, edits: list[Edit]) -> None:
    """One write per edit line, flushed to disk before the edit counts as saved."""
    path = folder / LOG
    with open(path, "ab") as log:
        if log.tell() and _last_byte(path) != b"\n":
            log.write(b"\n")  # close a line torn by a crash, so it cannot swallow the next
        for edit in edits:
            log.write(json.dumps(asdict(edit), ensure_ascii=False).encode() + b"\n")
            log.flush()
            os.fsync(log.fileno())


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def replaced_machines(log: list[Edit], edit: Edit) -> bool:
    """Whether what `edit` replaced was the machine's: no edit of it came before, or the last
    was the machine's (the English a chapter rename or an emptied line took along), or a revert
    that gave the machine's back. A revert gives the machine's text back as the machine's, so a
    re-run (or a chapter's next Dutch rename) may change it again. A log changed by hand may
    point anywhere: only back."""
    by_id = {e.id: e for e in log}
    while True:
        last = max((e for e in log if e.id < edit.id
                    and (e.segment, e.field) == (edit.segment, edit.field)),
                   key=lambda e: e.id, default=None)
        if last is None or last.editor == MACHINE:
            return True
        if last.revert_of is None or last.revert_of not in by_id or last.revert_of >= last.id:
            return False
        edit = by_id[last.revert_of]  # what that revert gave back: as it was before this one
