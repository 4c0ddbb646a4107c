"""Replace a word or name everywhere in an episode's Dutch, and undo it: one logged edit per
segment it changed (each revertible on its own), saved and published once."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.edits import MAX_TEXT, Retranslate, change, propose
from pipeline.edits.log import Edit, append_log, documents, last_id, read_log, saving
from pipeline.errors import ReportageError
from pipeline.formats.markup import CONTROL, NOT_IN_NAMES, one_line
from pipeline.library import find_episode, locked
from pipeline.stages.publish import publish

MAX_FIND = 100  # characters: a word or a name, not a passage


def pattern(find: str) -> re.Pattern:
    """`find` as whole words, exactly as written (a name's capitals matter)."""
    find = _one_line(find)
    if not find:
        raise ReportageError("give the words to replace")
    if len(find) > MAX_FIND or CONTROL.search(find):
        raise ReportageError(f"what to replace is at most {MAX_FIND} characters on one line")
    return re.compile(rf"(?<!\w){re.escape(find)}(?!\w)")


def _one_line(text: object) -> str:
    return one_line(text) if isinstance(text, str) else ""


def replace_everywhere(library: Path, slug: str, find: str, replacement: str, editor: str,
                       retranslate: Retranslate | None = None) -> list[Edit]:
    """Every segment whose Dutch holds `find` gets `replacement` instead."""
    words = pattern(find)
    replacement = _one_line(replacement)
    if len(replacement) > MAX_FIND or NOT_IN_NAMES.search(replacement):
        raise ReportageError(f"the replacement is at most {MAX_FIND} characters, without markup "
                             "or control characters")
    folder = find_episode(library, slug)
    with locked(folder):
        episode = documents.load(folder)
        changes = {seg.id: {"nl": words.sub(lambda _: replacement, seg.nl)}
                   for seg in episode.segments if words.search(seg.nl)}
        if any(len(c["nl"]) > MAX_TEXT for c in changes.values()):
            raise ReportageError(f"a segment would be longer than {MAX_TEXT} characters")
        return _apply(library, folder, episode, changes, editor, retranslate)


def undo(library: Path, slug: str, edit_ids: list[int], editor: str,
         retranslate: Retranslate | None = None) -> tuple[list[Edit], list[str]]:
    """Revert several segment edits at once (a replace everywhere): each gets back what it
    replaced, logged as a revert of its own. A line changed since keeps its newer text (a
    correction is never lost to an undo). The edits made, and the segments kept so."""
    folder = find_episode(library, slug)
    with locked(folder):
        logged = {e.id: e for e in read_log(folder)}
        episode = documents.load(folder)
        segments = {seg.id: seg for seg in episode.segments}
        missing = [i for i in edit_ids if i not in logged or logged[i].field not in ("nl", "en")
                   or logged[i].segment not in segments]
        if missing:
            raise ReportageError(f"no text edit {missing[0]} of a segment in {slug}")
        if len({logged[i].segment for i in edit_ids}) < len(edit_ids):
            raise ReportageError("undo takes one edit per segment")
        now = {i: getattr(segments[logged[i].segment], logged[i].field) or "" for i in edit_ids}
        still = [i for i in edit_ids if now[i] == (logged[i].after or "")]
        kept = [logged[i].segment for i in edit_ids  # neither as the edit left it nor undone
                if now[i] not in (logged[i].after or "", logged[i].before or "")]
        changes = {logged[i].segment: {logged[i].field: logged[i].before or ""} for i in still}
        return _apply(library, folder, episode, changes, editor, retranslate,
                      reverts={logged[i].segment: i for i in still}), kept


def _apply(library: Path, folder: Path, episode, changes: dict[str, dict[str, str]],
           editor: str, retranslate: Retranslate | None,
           reverts: dict[str, int] | None = None) -> list[Edit]:
    segments = {seg.id: seg for seg in episode.segments}
    edits: list[Edit] = []
    with saving(folder, episode):
        for seg_id, fields in changes.items():
            edits += change(segments[seg_id], fields, editor, last_id(folder) + 1 + len(edits),
                            (reverts or {}).get(seg_id))
        stale = [e.segment for e in edits
                 if e.field == "nl" and not segments[e.segment].edited.get("en")]
        if stale and retranslate:
            retranslate(episode, stale)
    if edits:
        append_log(folder, edits)
    if reverts is None:  # before publishing, which may fail on the search index alone
        for seg_id in changes:
            propose(library, episode, segments[seg_id], [e for e in edits if e.segment == seg_id])
    if edits:
        publish(folder, episode)
    return edits
