"""An episode's title and its English, renamed by an editor: checked against the `title_rev`
the editor saw, logged, reversible, and followed at once by the pages, transcripts and search
index."""

from __future__ import annotations

from pathlib import Path

from pipeline.document import TITLE_CHARS, Episode
from pipeline.edits.chapters import clean_title
from pipeline.edits.log import Edit, append_log, documents, last_id, now, saving
from pipeline.errors import ReportageError
from pipeline.formats.markup import one_line, plain_title
from pipeline.library import find_episode, locked
from pipeline.stages.publish import publish

SEGMENT = "episode"  # how the log names a title edit; its field is the Episode's attribute
FIELDS = ("title", "title_en")


def of_title(edit: Edit) -> bool:
    return edit.segment == SEGMENT and edit.field in FIELDS


class StaleTitle(Exception):
    """The title was renamed since the editor loaded it; carries the episode."""

    def __init__(self, episode: Episode):
        super().__init__(f"the title of {episode.slug} is at rev {episode.title_rev}")
        self.episode = episode


def rename(library: Path, slug: str, title: str | None, editor: str, rev: int | None = None,
           title_en: str | None = None) -> list[Edit]:
    """Give the episode a new title and/or English title ("" takes the English away); `rev`,
    when given, is the title_rev the editor saw."""
    changes = {name: text for name, text in zip(FIELDS, (title, title_en), strict=True)
               if text is not None}
    if not changes:
        raise ReportageError("nothing to change: give a title or an English title")
    folder = find_episode(library, slug)
    with locked(folder):
        episode = documents.load(folder)
        if rev is not None and rev != episode.title_rev:
            raise StaleTitle(episode)
        return save(folder, episode, changes, editor)


def save(folder: Path, episode: Episode, changes: dict[str, object], editor: str,
         revert_of: int | None = None) -> list[Edit]:
    """The titles in `changes` (title or title_en -> text) set and logged in one save, each
    its own edit (nothing where it is the title already); the caller holds the episode's lock.
    A title typed is checked as a chapter's; one a revert gives back may be a tag's as it was
    (markup and all, shown as text everywhere), tidied as ingest tidies one (the log is a file
    anyone can change)."""
    cleaned = {name: _cleaned(name, text, revert_of) for name, text in changes.items()}
    changed = {name: text for name, text in cleaned.items()
               if text != (getattr(episode, name) or "")}
    if not changed:
        return []
    rev, first = episode.title_rev + 1, last_id(folder) + 1
    edits = [Edit(first + n, now(), editor, SEGMENT, name, getattr(episode, name) or "", text,
                  rev, revert_of) for n, (name, text) in enumerate(changed.items())]
    with saving(folder, episode):
        episode.title = changed.get("title", episode.title)
        if "title_en" in changed:
            episode.title_en = changed["title_en"] or None
        episode.title_rev = rev
    append_log(folder, edits)
    publish(folder, episode)  # the page, transcript.txt and the search index follow
    return edits


def _cleaned(name: str, text: object, revert_of: int | None) -> str:
    if name == "title_en" and isinstance(text, str) and not one_line(text):
        return ""  # no English title
    if revert_of is None:
        what = "an episode's English title" if name == "title_en" else "an episode's title"
        return clean_title(text, what, TITLE_CHARS)
    if not isinstance(text, str) or not (text := plain_title(text, TITLE_CHARS)):
        raise ReportageError(f"edit {revert_of} holds no title to give back")
    return text
