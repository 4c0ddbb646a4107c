"""Human edits of an episode's segments: applied under the episode lock, logged, reversible.

Every change is checked against the segment's `rev` (a stale write is refused, never merged),
marks the field as edited (so re-transcription keeps it), is appended to `edits.jsonl`, and
is followed at once by the derived files and the search index.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipeline.document import FILENAME, Episode, Segment
from pipeline.errors import ReportageError
from pipeline.library import find_episode, locked
from pipeline.search.index import reindex_segment
from pipeline.stages.publish import publish

LOG = "edits.jsonl"
FIELDS = ("nl", "en", "speaker")  # a segment's; "speaker" reassigns it (an id, or "new")
NAME = "speaker_name"  # an episode's: the name of the speaker whose id the edit's segment holds
MAX_TEXT = 5000  # characters; a segment is a sentence or two, never a chapter
MAX_NAME = 80


Retranslate = Callable[[Episode, list[str]], None]


class UnknownSegment(ReportageError):
    pass


class UnknownSpeaker(ReportageError):
    pass


class StaleSpeakers(Exception):
    """The speakers were renamed since the editor loaded them; carries the episode."""

    def __init__(self, episode: Episode):
        super().__init__(f"the speakers of {episode.slug} are at rev {episode.speakers_rev}")
        self.episode = episode


class StaleRevision(Exception):
    """The segment changed since the editor loaded it; carries the current segment."""

    def __init__(self, segment: Segment):
        super().__init__(f"segment {segment.id} is at rev {segment.rev}")
        self.segment = segment


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
        folder = folder.resolve()
        held = self._held.pop(folder, None)
        if held and held[0] == _stamp(folder):
            self._held[folder] = held  # now the most recently used
            return held[1]
        episode = Episode.load(folder)
        self.saved(folder, episode)
        return episode

    def saved(self, folder: Path, episode: Episode) -> None:
        self._held.pop(folder.resolve(), None)
        self._held[folder.resolve()] = (_stamp(folder), episode)
        while len(self._held) > self.size:
            self._held.pop(next(iter(self._held)))

    def forget(self, folder: Path) -> None:
        self._held.pop(folder.resolve(), None)


def _stamp(folder: Path) -> tuple[int, int, int]:
    stat = (folder / FILENAME).stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


documents = Documents()


def edit_segment(
    library: Path, slug: str, segment_id: str, rev: int, changes: dict[str, str], editor: str,
    retranslate: Retranslate | None = None,
) -> Segment:
    """Apply `changes` ({"nl": ..., "en": ...}) to a segment the editor saw at `rev`;
    `retranslate(episode, ids)` gives new English where the Dutch changed."""
    changes = clean_changes(changes)
    folder = find_episode(library, slug)
    with locked(folder):
        episode = documents.load(folder)
        seg = _segment(episode, segment_id)
        if seg.rev != rev:
            raise StaleRevision(seg)
        _apply(library, folder, episode, seg, changes, editor, retranslate=retranslate)
        return seg


def rename_speaker(library: Path, slug: str, speaker: str, name: str, editor: str,
                   rev: int | None = None) -> list[Edit]:
    """Name a speaker everywhere (an empty name goes back to the id); `rev`, when given, is the
    episode's speakers_rev the editor saw (a stale rename is refused)."""
    folder = find_episode(library, slug)
    with locked(folder):
        episode = documents.load(folder)
        if rev is not None and rev != episode.speakers_rev:
            raise StaleSpeakers(episode)
        return _rename(folder, episode, speaker, clean_name(name), editor)


def revert(library: Path, slug: str, edit_id: int, editor: str) -> list[Edit]:
    """Restore what an edit replaced; the revert is an edit of its own, logged like any."""
    folder = find_episode(library, slug)
    with locked(folder):
        target = next((e for e in read_log(folder) if e.id == edit_id), None)
        if target is None:
            raise ReportageError(f"no edit {edit_id} in the history of {slug}")
        episode = documents.load(folder)
        if target.field == NAME:
            return _rename(folder, episode, target.segment, target.before or "", editor,
                           revert_of=edit_id)
        seg = _segment(episode, target.segment)
        return _apply(library, folder, episode, seg, {target.field: target.before or ""}, editor,
                      revert_of=edit_id)


def clean_name(name: object) -> str:
    if not isinstance(name, str):
        raise ReportageError("a speaker's name must be text")
    name = " ".join(name.split())
    if len(name) > MAX_NAME or re.search(r"[<>\x00-\x1f]", name):
        raise ReportageError(f"a speaker's name is at most {MAX_NAME} characters, without "
                             "markup or control characters")
    return name


def _rename(folder: Path, episode: Episode, speaker: str, name: str, editor: str,
            revert_of: int | None = None) -> list[Edit]:
    if speaker not in {seg.speaker for seg in episode.segments}:
        raise UnknownSpeaker(f"no speaker {speaker!r} in {episode.slug}")
    before = episode.speakers.get(speaker)
    if (before or "") == name:
        return []
    with _saving(folder, episode):
        if name:
            episode.speakers[speaker] = name
        else:
            episode.speakers.pop(speaker, None)
        episode.speakers_rev += 1
    edit = Edit(_last_id(folder) + 1, _now(), editor, speaker, NAME, before, name or None,
                episode.speakers_rev, revert_of)
    _append_log(folder, [edit])
    publish(folder, episode)  # every line of the speaker, and the search index, follow
    return [edit]


def history(library: Path, slug: str, segment_id: str | None = None) -> list[Edit]:
    edits = read_log(find_episode(library, slug))
    return [e for e in edits if segment_id is None or e.segment == segment_id]


def clean_changes(changes: dict) -> dict[str, str]:
    """Only known fields with text of a sane size; line ends normalised, ends trimmed."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ReportageError(f"cannot edit {', '.join(sorted(unknown))}: only nl, en and speaker")
    if not changes:
        raise ReportageError("nothing to change: give nl, en or speaker")
    cleaned = {}
    for name, text in changes.items():
        if not isinstance(text, str):
            raise ReportageError(f"{name} must be text")
        if len(text) > MAX_TEXT:
            raise ReportageError(f"{name} is longer than {MAX_TEXT} characters")
        if "\x00" in text:
            raise ReportageError(f"{name} holds a NUL character")
        cleaned[name] = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return cleaned


def _segment(episode: Episode, segment_id: str) -> Segment:
    try:
        return episode.segment(segment_id)
    except KeyError:
        raise UnknownSegment(f"no segment {segment_id!r} in {episode.slug}") from None


def _apply(
    library: Path, folder: Path, episode: Episode, seg: Segment, changes: dict[str, str],
    editor: str, revert_of: int | None = None, retranslate: Retranslate | None = None,
) -> list[Edit]:
    if changes.get("speaker") == "new":
        changes = changes | {"speaker": _new_speaker(episode)}
    elif "speaker" in changes and changes["speaker"] not in _speaker_ids(episode):
        raise ReportageError(f"no speaker {changes['speaker']!r} in {episode.slug}: give one of "
                             f"{', '.join(sorted(_speaker_ids(episode)))} or new")
    changed = {k: v for k, v in changes.items() if v != (getattr(seg, k) or "")}
    if not changed:
        return []
    next_id = _last_id(folder) + 1
    edits = []
    with _saving(folder, episode):
        seg.rev += 1
        for n, (name, text) in enumerate(changed.items()):
            edits.append(Edit(next_id + n, _now(), editor, seg.id, name, getattr(seg, name),
                              text, seg.rev, revert_of))
            setattr(seg, name, text)
            seg.edited[name] = True
        # Changed Dutch leaves unedited English stale (Segment.en_stale compares en_for)
        # until it is translated again.
        if "nl" in changed and not seg.edited.get("en") and retranslate:
            retranslate(episode, [seg.id])
    _append_log(folder, edits)
    if "speaker" in changed:  # neighbouring cues and turns change too
        publish(folder, episode)
    else:
        refresh(library, folder, episode, seg.id)
    return edits


@contextmanager
def _saving(folder: Path, episode: Episode):
    """Change the held copy of `episode` in the block, then save it; on any failure the held
    copy is forgotten, since it no longer matches the disk."""
    try:
        yield
        episode.save(folder)
    except BaseException:
        documents.forget(folder)
        raise
    documents.saved(folder, episode)


def _speaker_ids(episode: Episode) -> set[str]:
    return {seg.speaker for seg in episode.segments if seg.speaker} | set(episode.speakers)


def _new_speaker(episode: Episode) -> str:
    """The next free id: S1, S2, ..."""
    taken = _speaker_ids(episode)
    return next(f"S{n}" for n in range(1, len(taken) + 2) if f"S{n}" not in taken)


def refresh(library: Path, folder: Path, episode: Episode, segment_id: str) -> None:
    """Derived files and the search index follow the document at once."""
    publish(folder, episode, index=False)
    reindex_segment(library, episode, segment_id)


def read_log(folder: Path) -> list[Edit]:
    path = folder / LOG
    if not path.exists():
        return []
    edits = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            edits.append(Edit(**json.loads(line)))
        except (json.JSONDecodeError, TypeError):
            continue  # a line torn by a crash mid-append: the edit never completed
    return edits


def _last_id(folder: Path) -> int:
    return max((e.id for e in read_log(folder)), default=0)


def _append_log(folder: Path, edits: list[Edit]) -> None:
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
