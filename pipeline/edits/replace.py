"""Replace a word or name everywhere in an episode's Dutch, and undo it: one logged edit per
segment it changed (each revertible on its own), saved and published once."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.edits import MAX_TEXT, Retranslate, change, english_along, propose, restoring
from pipeline.edits.log import MACHINE, Edit, append_log, documents, last_id, read_log, saving
from pipeline.errors import ReportageError
from pipeline.formats.markup import CONTROL, NOT_IN_NAMES, one_line, shows
from pipeline.library import find_episode, locked
from pipeline.stages.publish import publish

MAX_FIND = 100  # characters: a word or a name, not a passage
SENTENCE_MARKS = ".,!?;:…"  # at the edge of what is found, a word may stand right beside one


def pattern(find: str) -> re.Pattern:
    """`find` as whole words, exactly as written (a name's capitals matter); a sentence mark
    at its edge (a "?") needs no word boundary there."""
    find = _one_line(find)
    if not shows(find):
        raise ReportageError("give the words to replace")
    if len(find) > MAX_FIND or CONTROL.search(find):
        raise ReportageError(f"what to replace is at most {MAX_FIND} characters on one line")
    before = "" if find[0] in SENTENCE_MARKS else r"(?<!\w)"  # "'s" is never inside "foto's"
    after = "" if find[-1] in SENTENCE_MARKS else r"(?!\w)"
    return re.compile(rf"{before}{re.escape(find)}{after}")


def replaced(text: str, words: re.Pattern, replacement: str) -> str:
    """`text` with `words` replaced. Taken out (an empty replacement), they take along the
    space before them, and the mark after them where they were a sentence or clause of their
    own: "Bedankt. Eindelijk. Mede" -> "Bedankt. Mede"; a line left without words says
    nothing: ""."""
    if replacement:
        return words.sub(lambda _: replacement, text)
    found = words.pattern
    text = re.sub(rf"(?:^|(?<=[.!?]\s)){found}(?:[,!?;:]|\.+|…)?\s*", "", text)
    text = re.sub(rf"\s*{found}", "", text)
    for left, right in _LEFT_BEHIND:  # "Ja, eh, goed." -> "Ja,, goed." -> "Ja, goed."
        text = re.sub(left, right, text)
    text = text.strip()
    return text if re.search(r"\w", text) else ""


# What taking words out of a sentence leaves behind, tidied: a clause mark doubled, a clause
# mark before a sentence's end or just inside a bracket, dashes or brackets or quotes around
# nothing.
_LEFT_BEHIND = ((r"([,;:])(?:\s*[,;:])+", r"\1"), (r"[,;:]+(\s*[.!?])", r"\1"),
                (r"([(\[])\s*[,;:]\s*", r"\1"), (r"\s[-–—]\s+[-–—](?=\s|$)", ""),
                (r"\s*(?:\(\s*\)|\[\s*\]|\"\s*\")", ""))


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
    if replacement == _one_line(find):
        raise ReportageError("nothing to replace: the words and what replaces them are the same")
    folder = find_episode(library, slug)
    with locked(folder):
        episode = documents.load(folder)
        changes = {seg.id: {"nl": replaced(seg.nl, words, replacement)}
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
        log = read_log(folder)
        logged = {e.id: e for e in log}
        episode = documents.load(folder)
        segments = {seg.id: seg for seg in episode.segments}
        missing = [i for i in edit_ids if i not in logged or logged[i].field not in ("nl", "en")
                   or logged[i].segment not in segments]
        if missing:
            raise ReportageError(f"no text edit {missing[0]} of a segment in {slug}")
        edit_ids = [i for i in edit_ids if logged[i].editor != MACHINE]  # come back with theirs
        if len({(logged[i].segment, logged[i].field) for i in edit_ids}) < len(edit_ids):
            raise ReportageError("undo takes one edit per field of a segment")
        now = {i: getattr(segments[logged[i].segment], logged[i].field) or "" for i in edit_ids}
        # A line changed since (neither as an edit left it nor undone) keeps all its text: its
        # Dutch and English, saved together, are undone together or not at all.
        kept = sorted({logged[i].segment for i in edit_ids
                       if now[i] not in (logged[i].after or "", logged[i].before or "")})
        still = [i for i in edit_ids
                 if now[i] == (logged[i].after or "") and logged[i].segment not in kept]
        changes: dict[str, dict[str, str]] = {}
        machine: dict[str, frozenset[str]] = {}
        reverts: dict[str, dict[str, int]] = {}  # per segment and field: the edit reverted
        for i in still:
            seg_id, target = logged[i].segment, logged[i]
            fields, theirs = restoring(log, segments[seg_id], target)
            changes[seg_id] = changes.get(seg_id, {}) | fields
            machine[seg_id] = machine.get(seg_id, frozenset()) | theirs
            for name in fields:  # the English the Dutch took along goes back as its revert
                if name == target.field or name not in reverts.get(seg_id, {}):
                    reverts.setdefault(seg_id, {})[name] = i
        return _apply(library, folder, episode, changes, editor, retranslate,
                      reverts=reverts, machine=machine), kept


def _apply(library: Path, folder: Path, episode, changes: dict[str, dict[str, str]],
           editor: str, retranslate: Retranslate | None,
           reverts: dict[str, dict[str, int]] | None = None,
           machine: dict[str, frozenset[str]] | None = None) -> list[Edit]:
    """`machine`: per segment, the fields a revert gives back as the machine's."""
    segments = {seg.id: seg for seg in episode.segments}
    edits: list[Edit] = []
    with saving(folder, episode):
        for seg_id, fields in changes.items():
            seg = segments[seg_id]
            fields, theirs = english_along(seg, fields, (machine or {}).get(seg_id, frozenset()))
            edits += change(seg, fields, editor, last_id(folder) + 1 + len(edits),
                            (reverts or {}).get(seg_id), theirs)
        stale = [e.segment for e in edits if e.field == "nl" and segments[e.segment].nl
                 and not segments[e.segment].edited.get("en")]  # an emptied line: no English
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
