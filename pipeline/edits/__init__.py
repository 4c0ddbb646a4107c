"""Human edits of an episode: applied under the episode lock, logged, reversible.

Segments and speaker names here, chapters in chapters.py, the log in log.py. Every change is
checked against a `rev` (a stale write is refused, never merged), marks what it changed as
edited (so a re-run keeps it), is appended to `edits.jsonl`, and is followed at once by the
derived files and the search index.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path

from pipeline.document import Episode, Segment, free_speaker_id
from pipeline.edits import chapters, title
from pipeline.edits.log import (
    MACHINE,
    Edit,
    append_log,
    documents,
    last_id,
    now,
    read_log,
    replaced_machines,
    saving,
)
from pipeline.errors import ReportageError
from pipeline.formats.markup import CONTROL, NOT_IN_NAMES, as_typed, one_line, shows
from pipeline.glossary import proposals
from pipeline.library import find_episode, locked
from pipeline.search.index import reindex_segment
from pipeline.stages.publish import index_or_say, publish

FIELDS = ("nl", "en", "speaker")  # a segment's; "speaker" reassigns it (an id, or "new")
NAME = "speaker_name"  # an episode's: the name of the speaker whose id the edit's segment holds
MAX_TEXT = 5000  # characters; a segment is a sentence or two, never a chapter
MAX_NAME = 80
SPEAKER_ID = re.compile(r"S[1-9][0-9]*")  # the ids voices get: S1, S2, ...


Retranslate = Callable[[Episode, list[str]], None]


class UnknownSegment(ReportageError):
    pass


class UnknownSpeaker(ReportageError):
    pass


class NameTaken(ReportageError):
    """The name is another speaker's (`holder`): a swap of the two names can give it."""

    def __init__(self, message: str, holder: str):
        super().__init__(message)
        self.holder = holder


class ChangedSince(ReportageError):
    """A revert refused: a newer edit changed the thing since, and its work would be lost."""

    def __init__(self, message: str, target: int):
        super().__init__(message)
        self.target = target


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
        # A rev from the future was never seen: stale as well (the log has nothing after it).
        if rev > seg.rev or seg.rev != rev and not _others_since(folder, seg, rev, changes):
            raise StaleRevision(seg)
        _apply(library, folder, episode, seg, changes, editor, retranslate=retranslate)
        return seg


def _others_since(folder: Path, seg: Segment, rev: int, changes: dict[str, str]) -> bool:
    """Whether every save of the segment since `rev` is in the log and changed only other
    fields than `changes`: one editor's English and another's Dutch of a line are both kept."""
    since = [e for e in read_log(folder) if e.segment == seg.id and e.rev > rev]
    if {e.rev for e in since} != set(range(rev + 1, seg.rev + 1)):
        return False  # a save the log does not show: nothing to tell the fields by
    return not {e.field for e in since} & set(changes)


def rename_speaker(library: Path, slug: str, speaker: str, name: str, editor: str,
                   rev: int | None = None, swap: bool = False) -> list[Edit]:
    """Name a speaker everywhere (an empty name goes back to the id); `rev`, when given, is the
    episode's speakers_rev the editor saw (a stale rename is refused). With `swap`, a name
    another speaker has is taken from it, and that speaker gets this one's name (or its id):
    the fix for two voices named the wrong way round, in one save."""
    folder = find_episode(library, slug)
    with locked(folder):
        episode = documents.load(folder)
        if rev is not None and rev != episode.speakers_rev and (
                swap or _renamed_since(folder, speaker, rev)):
            raise StaleSpeakers(episode)  # a rename of another speaker meanwhile is no clash
        name = clean_name(name)
        holder = _name_holder(episode, speaker, name) if swap else None
        if holder is None:
            return _rename(folder, episode, speaker, name, editor)
        _known(episode, speaker)
        mine = episode.speakers.get(speaker) or ""
        return _save_names(folder, episode, [(holder, mine), (speaker, name)], editor)


def revert(library: Path, slug: str, edit_id: int, editor: str,
           force: bool = False) -> list[Edit]:
    """Restore what an edit replaced; the revert is an edit of its own, logged like any.
    What a newer edit changed since is refused (it would be lost) unless `force`."""
    folder = find_episode(library, slug)
    with locked(folder):
        log = read_log(folder)
        target = next((e for e in log if e.id == edit_id), None)
        if target is None:
            raise ReportageError(f"no edit {edit_id} in the history of {slug}")
        episode = documents.load(folder)
        if not force:
            _refuse_if_changed_since(episode, target, log)
        if target.field in chapters.FIELDS:
            return chapters.revert(folder, episode, target, editor, force)
        if target.field == NAME:
            return _revert_names(folder, episode, log, target, editor, force)
        if title.of_title(target):
            return title.save(folder, episode, {target.field: target.before}, editor,
                              revert_of=target.id)
        seg = _segment(episode, target.segment)
        changes, machine = restoring(log, seg, target)
        return _apply(library, folder, episode, seg, clean_changes(changes), editor,
                      revert_of=edit_id, machine=machine)


def _revert_names(folder: Path, episode: Episode, log: list[Edit], target: Edit, editor: str,
                  force: bool) -> list[Edit]:
    """A rename gives back the name it replaced; a swap (the renames of one save) is undone
    whole, or the name given back would be the other speaker's. The log is a file anyone can
    change: what it gives back is checked as a rename is."""
    together = [e for e in log if e.field == NAME and e.rev == target.rev]
    if len(together) == 1:
        name = clean_name(target.before or "")
        try:
            return _rename(folder, episode, target.segment, name, editor, revert_of=target.id)
        except NameTaken as taken:
            raise ReportageError(f"{name!r} now names speaker {taken.holder}: rename that one "
                                 "first") from None
    for partner in together:
        if not force:
            _refuse_if_changed_since(episode, partner, log)
        _known(episode, partner.segment)
    names = [(e.segment, clean_name(e.before or "")) for e in together]
    swapped = {speaker for speaker, _ in names}
    for speaker, name in names:  # a speaker outside the swap may have taken one since
        holder = _name_holder(episode, speaker, name)
        if holder is not None and holder not in swapped:
            raise ReportageError(f"{name!r} now names speaker {holder}: rename that one first")
    if [(s, episode.speakers.get(s) or "") for s, _ in names] == names:
        return []  # undone already
    return _save_names(folder, episode, names, editor, {e.segment: e.id for e in together})


def restoring(log: list[Edit], seg: Segment, target: Edit
              ) -> tuple[dict[str, str], frozenset[str]]:
    """What a revert of `target` gives back (its field, and the English that went with its
    Dutch), and which of those fields it gives back as the machine's."""
    restored = [target, *_taken_along(log, seg, target)]
    return ({e.field: e.before or "" for e in restored},
            frozenset(e.field for e in restored if replaced_machines(log, e)))


def _taken_along(log: list[Edit], seg: Segment, target: Edit) -> list[Edit]:
    """The English that went with the Dutch in `target`, where it still stands: the machine's
    that emptying the line took along, or a revert's of it (the same save). It goes back with
    the Dutch."""
    return [e for e in log if target.field == "nl" and e.field == "en"
            and (e.editor == MACHINE or e.revert_of is not None and target.revert_of is not None)
            and (e.segment, e.rev) == (target.segment, target.rev)
            and (seg.en or "") == (e.after or "")]


def _refuse_if_changed_since(episode: Episode, target: Edit, log: list[Edit]) -> None:
    """A revert gives back what the edit replaced: refused where the thing holds neither what
    the edit left nor that (a newer edit changed it, and its work would be lost)."""
    now, left, replaced = _seen(episode, target)
    if now is None or now in (left, replaced):
        return
    structure = target.field == chapters.STRUCTURE  # any chapter's move, split or merge
    # The edit to name: an editor's, not the English a rename took along (reverted with it);
    # the newest that made what is there now, not a revert (reverting a revert brings back
    # what it undid, and the advice would go round in circles).
    newer = [e for e in log if e.id > target.id and e.editor != MACHINE and (
        (e.field, e.segment) == (target.field, target.segment)
        or (structure and e.field == chapters.STRUCTURE))]
    standing = [e for e in newer if e.revert_of is None and _left_as_is(episode, e)]
    if not newer:  # a re-run or a hand edit of the document: no edit to revert
        raise ChangedSince(f"this was changed after edit {target.id} by a re-run, not by an "
                           "edit: correct it by hand instead", target.id)
    raise ChangedSince(f"edit {(standing or newer)[-1].id} changed this after edit "
                       f"{target.id}: revert that first", target.id)


def _left_as_is(episode: Episode, edit: Edit) -> bool:
    now, left, _ = _seen(episode, edit)
    return now == left


def _seen(episode: Episode, target: Edit) -> tuple:
    """(now, as the edit left it, as it was before); now is None where the thing is gone."""
    if target.field in chapters.FIELDS:
        return chapters.seen(episode, target)
    if target.field == NAME:
        now = episode.speakers.get(target.segment) or ""
    elif title.of_title(target):
        now = getattr(episode, target.field) or ""
    else:
        seg = next((s for s in episode.segments if s.id == target.segment), None)
        now = None if seg is None else getattr(seg, target.field, None) or ""
    return now, target.after or "", target.before or ""


def clean_name(name: object) -> str:
    if not isinstance(name, str):
        raise ReportageError("a speaker's name must be text")
    name = one_line(name)
    if name and not shows(name):
        raise ReportageError("a speaker's name cannot be only invisible characters: "
                             "give no name to go back to the speaker's id")
    if len(name) > MAX_NAME or NOT_IN_NAMES.search(name):
        raise ReportageError(f"a speaker's name is at most {MAX_NAME} characters, without "
                             "markup or control characters")
    return name


def _rename(folder: Path, episode: Episode, speaker: str, name: str, editor: str,
            revert_of: int | None = None) -> list[Edit]:
    _known(episode, speaker)
    if (episode.speakers.get(speaker) or "") == name:
        return []
    _check_unique_name(episode, speaker, name)
    return _save_names(folder, episode, [(speaker, name)], editor, revert_of)


def _save_names(folder: Path, episode: Episode, names: list[tuple[str, str]], editor: str,
                revert_of: int | dict[str, int] | None = None) -> list[Edit]:
    """Give each (speaker, name) its name ("" goes back to the id) in one save, an edit each;
    `revert_of`: the edit this reverts, or per speaker (a swap undone)."""
    number = last_id(folder) + 1  # the log read before anything changes
    edits = []
    with saving(folder, episode):
        episode.speakers_rev += 1
        for n, (speaker, name) in enumerate(names):
            undoes = revert_of.get(speaker) if isinstance(revert_of, dict) else revert_of
            edits.append(Edit(number + n, now(), editor, speaker, NAME,
                              episode.speakers.get(speaker), name or None,
                              episode.speakers_rev, undoes))
            if name:
                episode.speakers[speaker] = name
            else:
                episode.speakers.pop(speaker, None)
    append_log(folder, edits)
    publish(folder, episode)  # every line of the speakers, and the search index, follow
    return edits


def _renamed_since(folder: Path, speaker: str, rev: int) -> bool:
    return any(e.field == NAME and e.segment == speaker and e.rev > rev for e in read_log(folder))


def _known(episode: Episode, speaker: str) -> None:
    """A speaker with lines, or with a name (its lines moved away, the name still its)."""
    if speaker not in _speaker_ids(episode):
        raise UnknownSpeaker(f"no speaker {speaker!r} in {episode.slug}")


def _name_holder(episode: Episode, speaker: str, name: str) -> str | None:
    """The other speaker whose name `name` is (in any letters), if one is."""
    folded = name.casefold()
    return next((other for other, held in sorted(episode.speakers.items())
                 if other != speaker and folded and held.casefold() == folded), None)


def _check_unique_name(episode: Episode, speaker: str, name: str) -> None:
    """Two speakers never show the same label: a name that is another speaker's id or name
    would make two voices one on every page (moving the lines is the way to join them)."""
    if not name:  # back to its id, which is its own
        return
    holder = _name_holder(episode, speaker, name)
    if holder is not None:
        raise NameTaken(f"{name!r} already names speaker {holder} of {episode.slug}: swap the "
                        "two names (--swap), or move the lines to that speaker to join them",
                        holder)
    others = _speaker_ids(episode) - {speaker}  # a named id without lines may get some back
    for other in sorted(others):
        if name.casefold() == other.casefold():
            raise ReportageError(f"{name!r} already names speaker {other} of {episode.slug}; "
                                 "move the lines to that speaker to join the two")


def history(library: Path, slug: str, segment_id: str | None = None) -> list[Edit]:
    """The episode's edits, oldest first; only those of one segment, chapter or speaker id."""
    folder = find_episode(library, slug)
    edits = [e for e in read_log(folder) if segment_id is None or e.segment == segment_id]
    if segment_id is not None and not edits:
        episode = documents.load(folder)
        ids = {x.id for x in (*episode.segments, *episode.chapters)}
        if segment_id not in ids | {seg.speaker for seg in episode.segments} | {title.SEGMENT}:
            raise ReportageError(f"no segment, chapter or speaker {segment_id!r} in {slug}")
    return edits


def clean_changes(changes: dict) -> dict[str, str]:
    """Only known fields with text of a sane size; line ends normalised, ends trimmed, and
    text that shows as nothing empty."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ReportageError(f"cannot edit {', '.join(sorted(unknown))}: only nl, en and speaker")
    if not changes:
        raise ReportageError("nothing to change: give nl, en or speaker")
    cleaned = {}
    for name, text in changes.items():
        what = {"nl": "the Dutch", "en": "the English"}.get(name, "the speaker")
        if not isinstance(text, str):
            raise ReportageError(f"{what} must be text")
        if len(text) > MAX_TEXT:
            raise ReportageError(f"{what} is longer than {MAX_TEXT} characters")
        text = as_typed(text)
        if bad := CONTROL.search(text):
            raise ReportageError(f"{what} holds a control character ({bad.group()!r}): "
                                 "type plain text")
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        # A line of what shows as nothing (a filler, a joiner) is an emptied line.
        cleaned[name] = text if name == "speaker" or shows(text) else ""
    return cleaned


def _segment(episode: Episode, segment_id: str) -> Segment:
    try:
        return episode.segment(segment_id)
    except KeyError:
        raise UnknownSegment(f"no segment {segment_id!r} in {episode.slug}") from None


def _apply(
    library: Path, folder: Path, episode: Episode, seg: Segment, changes: dict[str, str],
    editor: str, revert_of: int | None = None, retranslate: Retranslate | None = None,
    machine: frozenset[str] = frozenset(),
) -> list[Edit]:
    if changes.get("speaker") == "new":
        changes = changes | {"speaker": _new_speaker(episode)}
    elif "speaker" in changes and changes["speaker"] not in _speaker_ids(episode) and not (
            revert_of is not None and _free_to_return(episode, changes["speaker"])):
        raise ReportageError(f"no speaker {changes['speaker']!r} in {episode.slug}: give one of "
                             f"{', '.join(sorted(_speaker_ids(episode)))} or new")
    changes, machine = english_along(seg, changes, machine)
    if not differing(seg, changes, machine):
        return []
    with saving(folder, episode):
        edits = change(seg, changes, editor, last_id(folder) + 1, revert_of, machine)
        # Changed Dutch leaves unedited English stale (Segment.en_stale compares en_for)
        # until it is translated again; an emptied line has nothing to translate.
        if (any(e.field == "nl" for e in edits) and seg.nl and not seg.edited.get("en")
                and retranslate):
            retranslate(episode, [seg.id])
    append_log(folder, edits)
    if revert_of is None:  # before publishing, which may fail on the search index alone
        propose(library, episode, seg, edits)
    if any(e.field == "speaker" for e in edits):  # neighbouring cues and turns change too
        publish(folder, episode)
    else:
        refresh(library, folder, episode, seg.id)
    return edits


def english_along(seg: Segment, changes: dict[str, str], machine: frozenset[str]
                  ) -> tuple[dict[str, str], frozenset[str]]:
    """A line emptied (nothing said) takes its machine English along, as the machine's: a
    revert of the emptying gives it back."""
    if changes.get("nl") == "" and "en" not in changes and seg.en and not seg.edited.get("en"):
        return changes | {"en": ""}, machine | {"en"}
    return changes, machine


def change(seg: Segment, changes: dict[str, str], editor: str, next_id: int,
           revert_of: int | dict[str, int] | None = None, machine: frozenset[str] = frozenset()
           ) -> list[Edit]:
    """Set the fields that differ, mark them edited, and bump the rev; the edits to log.
    `revert_of`: the edit this reverts, or per field (a line's Dutch and English undone at
    once). `machine` names fields whose new text is the machine's: left unmarked (a re-run may
    remake it, and restored English shows stale beside corrected Dutch) and, outside a revert
    (the editor's act), logged as the machine's."""
    changed = differing(seg, changes, machine)
    if changed:
        seg.rev += 1
    edits = []
    for n, (name, text) in enumerate(changed.items()):
        undoes = revert_of.get(name) if isinstance(revert_of, dict) else revert_of
        who = MACHINE if name in machine and undoes is None else editor
        edits.append(Edit(next_id + n, now(), who, seg.id, name, getattr(seg, name),
                          text, seg.rev, undoes))
        setattr(seg, name, text)
        if name in machine:
            seg.edited.pop(name, None)
        else:
            seg.edited[name] = True
    return edits


def differing(seg: Segment, changes: dict[str, str], machine: frozenset[str] = frozenset()
              ) -> dict[str, str]:
    """The changes that would change the segment. Out-of-date English given as it is is a
    change too: the editor says it is still right, which makes it the editor's; and so is an
    editor's text given back as the machine's (`machine`): a revert of "still right" leaves the
    words and makes the English stale again."""
    return {k: v for k, v in changes.items()
            if v != (getattr(seg, k) or "") or (k in machine and seg.edited.get(k))
            or (k == "en" and seg.en_stale and k not in machine)}


def propose(library: Path, episode: Episode, seg: Segment, edits: list[Edit]) -> None:
    """Names and terms the corrections of the Dutch put in, proposed for the glossary. A
    glossary that cannot be read proposes nothing; the edit is saved all the same."""
    found = [p for e in edits if e.field == "nl"
             for p in proposals.from_correction(e.before or "", e.after or "", seg.words)]
    with contextlib.suppress(ReportageError, OSError):
        proposals.record(library, episode.slug, found)


def _speaker_ids(episode: Episode) -> set[str]:
    return {seg.speaker for seg in episode.segments if seg.speaker} | set(episode.speakers)


def _free_to_return(episode: Episode, speaker: str) -> bool:
    """A revert gives a line back to a speaker whose last line moved away: its id comes back,
    unless it is another speaker's name now."""
    return SPEAKER_ID.fullmatch(speaker) is not None and speaker.casefold() not in {
        name.casefold() for name in episode.speakers.values()}


def _new_speaker(episode: Episode) -> str:
    """The next free id (S1, S2, ...), no other speaker's name either."""
    return free_speaker_id(_speaker_ids(episode) | set(episode.speakers.values()))


def refresh(library: Path, folder: Path, episode: Episode, segment_id: str) -> None:
    """Derived files and the search index follow the document at once."""
    publish(folder, episode, index=False)
    with index_or_say(episode):
        reindex_segment(library, episode, segment_id)


