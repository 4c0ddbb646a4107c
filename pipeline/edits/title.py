"""An episode's title, renamed by an editor: checked against the `title_rev` the editor saw,
logged, reversible, and followed at once by the pages, transcripts and search index."""

from __future__ import annotations

from pathlib import Path

from pipeline.document import TITLE_CHARS, Episode
from pipeline.edits.chapters import clean_title
from pipeline.edits.log import Edit, append_log, documents, last_id, now, saving
from pipeline.errors import ReportageError
from pipeline.formats.markup import plain_title
from pipeline.library import find_episode, locked
from pipeline.stages.publish import publish

SEGMENT, FIELD = "episode", "title"  # how the log names a title edit


def of_title(edit: Edit) -> bool:
    return (edit.segment, edit.field) == (SEGMENT, FIELD)


class StaleTitle(Exception):
    """The title was renamed since the editor loaded it; carries the episode."""

    def __init__(self, episode: Episode):
        super().__init__(f"the title of {episode.slug} is at rev {episode.title_rev}")
        self.episode = episode


def rename(library: Path, slug: str, title: str, editor: str, rev: int | None = None
           ) -> list[Edit]:
    """Give the episode a new title; `rev`, when given, is the title_rev the editor saw."""
    folder = find_episode(library, slug)
    with locked(folder):
        episode = documents.load(folder)
        if rev is not None and rev != episode.title_rev:
            raise StaleTitle(episode)
        return save(folder, episode, title, editor)


def save(folder: Path, episode: Episode, title: object, editor: str,
         revert_of: int | None = None) -> list[Edit]:
    """The title set and logged (nothing when it is the title already); the caller holds the
    episode's lock. A title typed is checked as a chapter's; one a revert gives back may be a
    tag's as it was (markup and all, shown as text everywhere), tidied as ingest tidies one
    (the log is a file anyone can change)."""
    if revert_of is None:
        title = clean_title(title, "an episode's title", TITLE_CHARS)
    elif not isinstance(title, str) or not (title := plain_title(title, TITLE_CHARS)):
        raise ReportageError(f"edit {revert_of} holds no title to give back")
    if title == episode.title:
        return []
    edit = Edit(last_id(folder) + 1, now(), editor, SEGMENT, FIELD, episode.title, title,
                episode.title_rev + 1, revert_of)
    with saving(folder, episode):
        episode.title, episode.title_rev = title, edit.rev
    append_log(folder, [edit])
    publish(folder, episode)  # the page, transcript.txt and the search index follow
    return [edit]
