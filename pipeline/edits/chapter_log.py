"""Chapter structure edits as `edits.jsonl` holds them (JSON snapshots of the chapters before
and after a move, split, add or merge), read back for reverts and told in words for the history."""

from __future__ import annotations

import json

from pipeline.chapters.make import SAME_START_S
from pipeline.timefmt import clock


def outline(snapshot: str | None) -> str:
    """A logged structure as a reader scans it: "00:00 Haven · 01:40 Markt", or "no chapters"
    (a damaged log line as it is)."""
    chapters = shape(snapshot)
    try:
        return " · ".join(f"{clock(c['start'])} {c['title']}" for c in chapters) or "no chapters"
    except (TypeError, KeyError, ValueError, OverflowError):  # NaN, 1e400: no time to show
        return snapshot or ""


def structure_change(before: str | None, after: str | None) -> str:
    """What a move, split or merge did, as an editor says it: 'new chapter at 01:23 "Markt"',
    '"Markt" merged into the chapter before', '"Markt" moved from 01:10 to 01:20', an
    episode's first chapters or the revert of them; the outline after it where the change is
    none of these (a revert of several)."""
    old, new = shape(before), shape(after)
    if old and new == []:
        return "chapters removed"
    try:
        was = {c["id"]: c for c in old}
        added = [c for c in new if c["id"] not in was]
        kept = {c["id"] for c in new}
        gone = [c for c in old if c["id"] not in kept]
        moved = [c for c in new if c["id"] in was and abs(c["start"] - was[c["id"]]["start"])
                 > SAME_START_S]
        if old == [] and new:
            return f"chapters begun: {outline(after)}"
        if len(added) == 1 and not gone:
            return f"new chapter at {clock(added[0]['start'])} “{added[0]['title']}”"
        if len(gone) == 1 and not added:
            return f"“{gone[0]['title']}” merged into the chapter before"
        if len(moved) == 1 and not added and not gone:
            c = moved[0]
            return (f"“{c['title']}” moved from {clock(was[c['id']]['start'])} to "
                    f"{clock(c['start'])}")
    except (TypeError, KeyError, ValueError, OverflowError):  # a damaged log line
        pass
    return outline(after)


def starts_of(chapters: list | None) -> list | None:
    try:
        return None if chapters is None else [(c["id"], c["start"]) for c in chapters]
    except (TypeError, KeyError):  # a damaged log line: the revert says so
        return None


def shape(snapshot: str | None) -> list | None:
    try:
        return [{k: v for k, v in d.items() if k != "edited"} for d in json.loads(snapshot or "")]
    except (ValueError, TypeError, AttributeError):
        return None  # a damaged log line: the revert says so
