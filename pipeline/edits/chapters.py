"""An editor's chapter edits: move a start, split, add a start (an episode without chapters
gets its first ones), merge into the previous chapter, rename.

Every edit is checked against the episode's `chapters_rev` (a stale edit is refused), marks
what it changed in `Chapter.edited` (so a re-run keeps the editor's chapters), is logged in
`edits.jsonl` and is followed at once by every derived file and the search index. A move, a
split, an add or a merge logs the chapters before and after it, so a revert restores them
exactly. Titles stay with their chapters through a move or a merge; a new chapter gets a
machine title of its own; a new Dutch title given alone brings the machine's English for it
(`rename`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

from pipeline.chapters.english import english_for
from pipeline.chapters.make import ALL, regroup, spoken_segments
from pipeline.document import Chapter, Episode
from pipeline.edits.chapter_log import shape, starts_of
from pipeline.edits.log import (
    LOG,
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
from pipeline.embeddings import load_embedder
from pipeline.errors import ReportageError
from pipeline.formats.markup import CONTROL, has_markup, one_line, shows
from pipeline.library import find_episode, locked
from pipeline.stages.publish import publish
from pipeline.timefmt import clock

STRUCTURE = "chapters"  # the log's field for a move, split, add or merge: before/after: JSON
TITLES = {"chapter_title": "title", "chapter_title_en": "title_en"}
FIELDS = (STRUCTURE, *TITLES)
MAX_TITLE = 120
AT_SEGMENT_S = 0.05  # a start this close to a segment's start is that segment's start


def person(name: str) -> str:
    """An editor's name as the log records it: never the machine's, whose edits it tells apart
    (a service account may well be called reportage)."""
    return f"{name} (editor)" if name.lower() == MACHINE else name


class UnknownChapter(ReportageError):
    pass


class BadChapterEdit(ReportageError):
    """The edit cannot be made as asked (it would leave the chapters broken); nothing changed."""


class StaleChapters(Exception):
    """The chapters changed since the editor loaded them; carries the episode."""

    def __init__(self, episode: Episode):
        super().__init__(f"the chapters of {episode.slug} are at rev {episode.chapters_rev}")
        self.episode = episode


Change = Callable[[Episode], tuple[list[Chapter], list[float]] | None]  # None: no change


def move(library: Path, slug: str, chapter_id: str, start: float, rev: int,
         editor: str) -> list[Edit]:
    """Let the chapter begin at another segment start between its neighbours' starts."""

    def change(episode: Episode) -> tuple[list[Chapter], list[float]] | None:
        chapters, i = episode.chapters, _index(episode, chapter_id)
        if i == 0:
            raise BadChapterEdit("the first chapter begins with the episode; move the next one")
        at = _segment_start(episode, start)
        if at == chapters[i].start:
            return None  # where it begins already: nothing to save, the rev stays
        following = chapters[i + 1].start if i + 1 < len(chapters) else float("inf")
        if not chapters[i - 1].start < at < following:
            raise BadChapterEdit("a chapter can only move between the starts of the chapters "
                                 "before and after it")
        starts = [c.start for c in chapters]
        starts[i] = at
        return chapters, starts

    return _restructure(library, slug, rev, editor, chapter_id, change)


def split(library: Path, slug: str, chapter_id: str, at: float, rev: int,
          editor: str) -> list[Edit]:
    """Start a new chapter at a segment inside this one (not at its first segment)."""

    def change(episode: Episode) -> tuple[list[Chapter], list[float]]:
        chapters, i = episode.chapters, _index(episode, chapter_id)
        at_s = _segment_start(episode, at)
        inside = [seg.start for seg in spoken_segments(episode.segments)
                  if seg.id in chapters[i].segment_ids]  # an emptied line starts no chapter
        if at_s not in inside or at_s <= inside[0]:
            raise BadChapterEdit("split at a segment inside the chapter, after its first one: "
                                 "both parts must keep a segment")
        new = Chapter(id=_new_id(episode, at_s), start=at_s, end=at_s, title="")
        starts = [c.start for c in chapters]
        starts.insert(i + 1, at_s)
        return chapters[: i + 1] + [new] + chapters[i + 1 :], starts

    return _restructure(library, slug, rev, editor, chapter_id, change)


def add(library: Path, slug: str, at: float, rev: int, editor: str) -> list[Edit]:
    """Start a chapter at a spoken segment: in the chapter before it in time (the chapters are
    then regrouped, so a line an earlier edit left in no chapter can begin one), or, in an
    episode without chapters, its first chapters: from its first spoken line, and from `at`."""
    folder = find_episode(library, slug)
    with locked(folder):
        episode = _current(folder, rev, none_ok=True)
        at_s = _segment_start(episode, at)
        chapters = episode.chapters
        if any(_first_start(episode, c) == at_s for c in chapters):
            raise BadChapterEdit(f"a chapter begins at {clock(at_s)} already")
        new = Chapter(id=_new_id(episode, at_s), start=at_s, end=at_s, title="")
        if chapters:
            i = sum(1 for c in chapters if c.start < at_s)
            chapters = chapters[:i] + [new] + chapters[i:]
        else:
            first = spoken_segments(episode.segments)[0].start
            opening = Chapter(id=_new_id(episode, first), start=first, end=first, title="")
            chapters = [opening, new] if at_s > first else [opening]  # `new` itself at first
        return _save_structure(folder, episode, new.id, editor, chapters,
                               [c.start for c in chapters])


def _first_start(episode: Episode, chapter: Chapter) -> float | None:
    """Where the chapter's first spoken line starts."""
    ids = set(chapter.segment_ids)
    return next((s.start for s in spoken_segments(episode.segments) if s.id in ids), None)


def merge(library: Path, slug: str, chapter_id: str, rev: int, editor: str) -> list[Edit]:
    """Join the chapter to the one before it."""

    def change(episode: Episode) -> tuple[list[Chapter], list[float]]:
        chapters, i = episode.chapters, _index(episode, chapter_id)
        if i == 0:
            raise BadChapterEdit("the first chapter has no chapter before it to merge into")
        kept = chapters[:i] + chapters[i + 1 :]
        return kept, [c.start for c in kept]

    return _restructure(library, slug, rev, editor, chapter_id, change)


def rename(library: Path, slug: str, chapter_id: str, rev: int, editor: str,
           title: str | None = None, title_en: str | None = None) -> list[Edit]:
    """Give the chapter a Dutch and/or English title of the editor's own. A new Dutch title
    given alone takes its English along where no editor wrote the English one: the machine
    English for it, or none where there is none (never the old title's English)."""
    changes = {name: _given_title(text, name) for name, text in
               (("title", title), ("title_en", title_en)) if text is not None}
    if not changes:
        raise BadChapterEdit("nothing to change: give title or title_en")
    folder = find_episode(library, slug)
    with locked(folder):
        episode = _current(folder, rev)
        chapter = episode.chapters[_index(episode, chapter_id)]
        follows = (title_en is None and changes["title"] != chapter.title
                   and not chapter.edited.get("title_en"))
        if follows:
            changes["title_en"] = _machine_english(episode, chapter, changes["title"])
        return _set_titles(folder, episode, chapter, changes, editor,
                           machine=frozenset({"title_en"} if follows else ()))


def _machine_english(episode: Episode, chapter: Chapter, title: str) -> str:
    """The machine English for an editor's Dutch title of the chapter, "" where none is found."""
    ids = set(chapter.segment_ids)
    group = [s for s in episode.segments if s.id in ids]
    return english_for(title, group, load_embedder()) or ""


def undo(library: Path, slug: str, edit_ids: list[int], rev: int, editor: str) -> list[Edit]:
    """Take back the change that left the chapters at `rev` (the edits its reply listed: a
    move, split or merge, or a rename's titles) as one new change, if nothing changed them
    since: an older edit is for `reportage revert`, which says what it undoes."""
    folder = find_episode(library, slug)
    with locked(folder):
        episode = _current(folder, rev)
        logged = {e.id: e for e in read_log(folder)}
        targets = [logged.get(i) for i in dict.fromkeys(edit_ids)]
        one_change = targets and all(t is not None and t.rev == rev for t in targets) and (
            [t.field for t in targets] == [STRUCTURE]
            or all(t.field in TITLES and t.segment == targets[0].segment for t in targets))
        if not one_change:
            raise BadChapterEdit(f"undo takes the edits of the last chapter change of {slug}")
        if not all(_as_left(episode, t) for t in targets):
            raise StaleChapters(episode)  # a re-run changed them without an edit
        if targets[0].field == STRUCTURE:  # a structure change logs one edit
            return revert(folder, episode, targets[0], editor)
        return _revert_titles(folder, episode, targets, editor)


def revert(folder: Path, episode: Episode, target: Edit, editor: str,
           force: bool = False) -> list[Edit]:
    """Undo one logged chapter edit (the caller holds the lock). A move, split or merge gives
    back the chapters it replaced with the titles given since (`force`: as they were)."""
    if target.field == STRUCTURE:
        snapshot = _snapshot_in(target)
        if not force:
            snapshot = _titles_since(snapshot, episode, target)
        if shape(_snapshot(episode.chapters)) == shape(_snapshot(snapshot)):
            return []  # reverted already: a second save would only make open pages stale
        return _save_structure(folder, episode, target.segment, editor, snapshot,
                               [c.start for c in snapshot], revert_of=target.id)
    return _revert_titles(folder, episode, [target], editor)


def _titles_since(snapshot: list[Chapter], episode: Episode, target: Edit) -> list[Chapter]:
    """The chapters a structure edit replaced, with the titles another editor gave since to
    those still there: a revert of a split takes back the split, not a rename of another
    chapter. Where the revert would remove a chapter renamed since, it is refused."""
    try:
        left = {d["id"]: (d.get("title"), d.get("title_en")) for d in shape(target.after) or []}
    except (TypeError, KeyError, AttributeError):
        raise BadChapterEdit(f"edit {target.id} is damaged in {LOG}") from None
    now = {c.id: c for c in episode.chapters}
    renamed = {i for i, c in now.items() if i in left and (c.title, c.title_en) != left[i]}
    lost = [now[i] for i in renamed if i not in {c.id for c in snapshot}]
    if lost:
        raise ReportageError(f"chapter “{lost[0].title}” was renamed after edit {target.id}, "
                             "and reverting that edit would remove it: revert the rename first")
    for chapter in snapshot:
        if chapter.id in renamed:
            since = now[chapter.id]
            chapter.title, chapter.title_en = since.title, since.title_en
            for name in ("title", "title_en"):
                chapter.edited.pop(name, None)
                if since.edited.get(name):
                    chapter.edited[name] = True
    return snapshot


def _revert_titles(folder: Path, episode: Episode, targets: list[Edit],
                   editor: str) -> list[Edit]:
    """Give one chapter back the titles these edits of it replaced, in one save; a Dutch
    rename's takes back the English it took along, where that still stands."""
    chapter = next((c for c in episode.chapters if c.id == targets[0].segment), None)
    if chapter is None:
        raise ReportageError(f"chapter {targets[0].segment} no longer exists in {episode.slug}")
    log = read_log(folder)
    targets = list({t.id: t for t in targets + _taken_along(log, episode, targets)}.values())
    # The log is a file anyone can change: what it gives back must be a title still.
    titles = {TITLES[t.field]: _title_or_none(t.before, TITLES[t.field]) or "" for t in targets}
    machine = frozenset(TITLES[t.field] for t in targets if replaced_machines(log, t))
    return _set_titles(folder, episode, chapter, titles, editor,
                       {TITLES[t.field]: t.id for t in targets}, machine)


def _taken_along(log: list[Edit], episode: Episode, targets: list[Edit]) -> list[Edit]:
    """The English titles that went with the Dutch title edits among `targets`, where they
    still stand: the English a rename took along, or a revert's of it (same save)."""
    dutch = {(t.segment, t.rev): t for t in targets if t.field == "chapter_title"}

    def went_with(e: Edit) -> bool:  # the machine's, or reverted in the Dutch one's revert
        rename = dutch.get((e.segment, e.rev))
        return rename is not None and (e.editor == MACHINE or (
            e.revert_of is not None and rename.revert_of is not None))

    return [e for e in log if e.field == "chapter_title_en" and went_with(e)
            and _as_left(episode, e)]


def clean_title(title: object, what: str = "a chapter title", longest: int = MAX_TITLE) -> str:
    """A typed title, checked: angle brackets around words are text ("Kosten < baten", a file
    named "A<B"), shown as text everywhere; markup is refused."""
    if not isinstance(title, str):
        raise BadChapterEdit(f"{what} must be text")
    title = one_line(title)
    if not shows(title):
        raise BadChapterEdit(f"{what} cannot be empty")
    if len(title) > longest:
        raise BadChapterEdit(f"{what} is at most {longest} characters, not {len(title)}")
    if CONTROL.search(title):
        raise BadChapterEdit(f"{what} cannot hold control characters")
    if has_markup(title):
        raise BadChapterEdit(f"{what} cannot hold markup (an HTML or subtitle tag): "
                             "write it as plain text")
    return title


def _given_title(text: object, name: str) -> str:
    """An editor's title; the English one may be cleared ("": the chapter has none)."""
    if name == "title_en" and isinstance(text, str) and not one_line(text):
        return ""
    return clean_title(text, "the Dutch title" if name == "title" else "the English title")


def _restructure(library: Path, slug: str, rev: int, editor: str, chapter_id: str,
                 change: Change) -> list[Edit]:
    folder = find_episode(library, slug)
    with locked(folder):
        episode = _current(folder, rev)
        changed = change(episode)
        if changed is None:
            return []
        return _save_structure(folder, episode, chapter_id, editor, *changed)


def _save_structure(folder: Path, episode: Episode, chapter_id: str, editor: str,
                    chapters: list[Chapter], starts: list[float],
                    revert_of: int | None = None) -> list[Edit]:
    before, number = _snapshot(episode.chapters), last_id(folder) + 1  # the log read first
    regrouped = regroup(episode.segments, chapters, load_embedder(), starts, titles=ALL)
    _refuse_lost(chapters, regrouped)
    with saving(folder, episode):
        episode.chapters = regrouped
        if not regrouped:  # an episode's first chapters taken back: off, as --no-chapters
            # leaves them (no chapter files), and made again by the next run as it is told
            episode.provenance["topics"] = {"engine": None}
        if revert_of is None:  # a revert restores the snapshot's marks as they were
            for chapter in episode.chapters:
                chapter.edited["start"] = True  # the editor's chapters from now on
        episode.chapters_rev += 1
    edit = Edit(number, now(), editor, chapter_id, STRUCTURE, before,
                _snapshot(episode.chapters), episode.chapters_rev, revert_of)
    append_log(folder, [edit])
    publish(folder, episode)
    return [edit]


def _refuse_lost(wanted: list[Chapter], regrouped: list[Chapter]) -> None:
    """A chapter that would begin on the same spoken line as another (its own first lines
    emptied by an editor) would be dropped: refused, never done silently."""
    kept = {c.id for c in regrouped}
    lost = next((c for c in wanted if c.id not in kept), None)
    if lost is not None:
        named = f"chapter {lost.title!r}" if lost.title else "the new chapter"
        raise BadChapterEdit(f"{named} would keep no spoken line (the lines there are empty):"
                             " start it at a line that is said, or merge it")


def _set_titles(folder: Path, episode: Episode, chapter: Chapter, changes: dict[str, str],
                editor: str, reverts: dict[str, int] | None = None,
                machine: frozenset[str] = frozenset()) -> list[Edit]:
    """`changes`: title or title_en -> text; `reverts`: the same names -> the edit each undoes;
    `machine`: names whose text is the machine's, not marked edited (and, outside a revert,
    logged as MACHINE's: the English a rename took along; a revert is the editor's act)."""
    changed = {k: v for k, v in changes.items() if v != (getattr(chapter, k) or "")}
    if not changed:
        return []
    edits = []
    with saving(folder, episode):
        episode.chapters_rev += 1
        for n, (name, text) in enumerate(changed.items()):
            field = next(f for f, attr in TITLES.items() if attr == name)
            who = MACHINE if name in machine and not reverts else editor
            edits.append(Edit(last_id(folder) + 1 + n, now(), who, chapter.id, field,
                              getattr(chapter, name), text, episode.chapters_rev,
                              (reverts or {}).get(name)))
            setattr(chapter, name, (text or None) if name == "title_en" else text)
            if name in machine:
                chapter.edited.pop(name, None)
            else:
                chapter.edited[name] = True
    append_log(folder, edits)
    publish(folder, episode)
    return edits


def _as_left(episode: Episode, edit: Edit) -> bool:
    """Whether the chapters are still as `edit` left them."""
    if edit.field == STRUCTURE:
        return _snapshot(episode.chapters) == edit.after
    chapter = next((c for c in episode.chapters if c.id == edit.segment), None)
    return chapter is not None and (getattr(chapter, TITLES[edit.field]) or "") == (
        edit.after or "")


def seen(episode: Episode, edit: Edit) -> tuple:
    """(now, as the edit left it, as it was before) of what `edit` changed: for a move, split
    or merge the chapters' ids and starts, for a rename the title; now is None where the
    chapter is gone."""
    if edit.field == STRUCTURE:  # where they start; titles given since stay (_titles_since)
        logged = starts_of(shape(edit.after)), starts_of(shape(edit.before))
        if None in logged:
            raise BadChapterEdit(f"edit {edit.id} is damaged in {LOG}")
        return (starts_of(shape(_snapshot(episode.chapters))), *logged)
    chapter = next((c for c in episode.chapters if c.id == edit.segment), None)
    now = None if chapter is None else getattr(chapter, TITLES[edit.field]) or ""
    return now, edit.after or "", edit.before or ""


def _current(folder: Path, rev: int, none_ok: bool = False) -> Episode:
    """The episode at `rev`, with chapters to edit (or, `none_ok`, at least speech to begin
    them on)."""
    episode = documents.load(folder)
    if rev != episode.chapters_rev:
        raise StaleChapters(episode)
    if none_ok and not spoken_segments(episode.segments):
        raise BadChapterEdit(f"{episode.slug} has no spoken line to begin a chapter on")
    if not episode.chapters and not none_ok:
        raise BadChapterEdit(f"{episode.slug} has no chapters to edit")
    return episode


def _index(episode: Episode, chapter_id: str) -> int:
    for i, chapter in enumerate(episode.chapters):
        if chapter.id == chapter_id:
            return i
    raise UnknownChapter(f"no chapter {chapter_id!r} in {episode.slug}")


def _segment_start(episode: Episode, at: float) -> float:
    """The start of the spoken segment that begins at `at`; anything else is refused."""
    for seg in spoken_segments(episode.segments):
        if abs(seg.start - at) <= AT_SEGMENT_S:
            return seg.start
    end = episode.source.duration_s
    emptied = any(abs(seg.start - at) <= AT_SEGMENT_S for seg in episode.segments)
    where = ("outside the episode" if not 0 <= at <= end
             else "an emptied line, where nothing is said" if emptied
             else "not at the start of a segment")
    raise BadChapterEdit(f"a chapter must start where a segment starts; {at:g} s is {where}")


def _new_id(episode: Episode, start: float) -> str:
    taken = {c.id for c in episode.chapters}
    base = f"c{round(start * 100):07d}"
    return next(candidate for n in range(1, len(taken) + 2)
                if (candidate := base if n == 1 else f"{base}-{n}") not in taken)


def _snapshot(chapters: list[Chapter]) -> str:
    return json.dumps([{"id": c.id, "start": c.start, "title": c.title, "title_en": c.title_en,
                        "edited": c.edited} for c in chapters], ensure_ascii=False)


def _snapshot_in(edit: Edit) -> list[Chapter]:
    """The chapters an edit of the structure replaced, as its log line holds them (none before
    an episode's first chapters)."""
    try:
        snapshot = json.loads(edit.before or "")
        if not isinstance(snapshot, list):
            raise ValueError("no list of chapters")
        return [_chapter_from(d) for d in snapshot]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadChapterEdit(f"edit {edit.id} is damaged in {LOG} ({exc!r})") from None


def _chapter_from(data: dict) -> Chapter:
    """A chapter of a logged snapshot, its fields checked as an edit's are."""
    start, edited = data["start"], data.get("edited", {})
    if not isinstance(data["id"], str) or not isinstance(start, (int, float)) \
            or not math.isfinite(start) or not all(isinstance(v, bool) for v in edited.values()):
        raise ValueError("a chapter needs a text id, a finite start and edited flags")
    return Chapter(id=data["id"], start=start, end=start, title=clean_title(data["title"]),
                   title_en=_title_or_none(data["title_en"], "title_en"), edited=dict(edited))


def _title_or_none(text: object, name: str) -> str | None:
    """A logged title as clean_title leaves it; an English title may be none."""
    return None if name == "title_en" and not text else clean_title(text)
