"""The topics stage: chapters at topic shifts, with titles (see pipeline/chapters/).

Chapters an editor changed are the editor's: a re-run keeps their starts and the titles the
editor wrote, and only fits them to the (possibly re-transcribed) segments. The machine's
titles are made again for chapters whose segments changed, and for all of them after a new
chapter METHOD (or once, for libraries whose provenance does not record it yet)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

import numpy as np

from pipeline.chapters.make import (
    EDITED,
    METHOD,
    UNCHANGED,
    make_chapters,
    regroup,
    spoken_segments,
)
from pipeline.chapters.signals import Signals
from pipeline.chapters.titles import TranslateTexts
from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.search import dictionary
from pipeline.stages.base import Context


class TopicsStage:
    name = "topics"

    def enabled(self, ctx: Context) -> bool:
        return True  # with --no-chapters it runs too: it clears the chapters

    def inputs(self, ctx: Context) -> dict:
        s = ctx.settings
        if s.no_chapters and not _edited(ctx.episode):
            return {"chapters": "off"}
        spoken = [(seg.start, seg.end, seg.nl, seg.en, seg.speaker) for seg in ctx.episode.segments]
        blob = json.dumps(spoken, ensure_ascii=False).encode()
        return {"segments": hashlib.sha256(blob).hexdigest(), "count": s.chapters,
                "min_chapter_s": s.min_chapter_s, "embedder": ctx.engines.embedder().name,
                "signals": asdict(Signals()),  # defaults: a change redoes the chapters
                "method": METHOD,
                "dictionary": dictionary.installed(),  # English titles check their words in it
                "audio": ctx.episode.source.audio_key,
                "kept_for_an_editor": s.no_chapters}  # --no-chapters refused: said once

    def run(self, ctx: Context) -> dict:
        s = ctx.settings
        episode = ctx.episode
        edited = _edited(episode)
        if s.no_chapters and not edited:
            episode.chapters = []
            return {"engine": None}
        total = episode.source.duration_s
        ctx.progress("chapters", 0, total)
        embedder = ctx.engines.embedder()
        translate = text_translation(ctx)
        sound = None if edited else episode_sound(ctx)
        kept = None
        if edited:  # titles by an older method are made again, but for the editor's own
            made_by = episode.provenance.get(self.name, {}).get("method")
            regrouped = regroup(episode.segments, episode.chapters, embedder,
                                titles=UNCHANGED if made_by == METHOD else EDITED,
                                translate=translate)
            kept = _kept_whole(episode, regrouped)
            if not kept:
                kept = _merged(episode, regrouped)
                episode.chapters = regrouped
        else:
            episode.chapters = make_chapters(episode.segments, count=s.chapters,
                                             min_chapter_s=s.min_chapter_s, embedder=embedder,
                                             translate=translate, audio=sound)
        ctx.progress("chapters", total, total)
        details = {"engine": embedder.name, "chapters": len(episode.chapters), "method": METHOD,
                   "kept_editors_chapters": edited, "sound": sound is not None}
        said = [w for w in (_warning(episode, s.chapters, s.no_chapters, edited).get("warning"),
                            kept) if w]
        return details | ({"warning": "; ".join(said)} if said else {})


def _kept_whole(episode: Episode, regrouped: list) -> str | None:
    """A regroup drops a chapter whose spoken lines an editor emptied (two chapters would
    begin on one line): a run never does that to an editor's chapter. Where the chapters'
    lines are all still there, they stay as they are, and the producer hears why."""
    lost = _lost(episode, regrouped)
    ids = {seg.id for seg in episode.segments}
    if not lost or not all(i in ids for c in episode.chapters for i in c.segment_ids):
        return None
    return (f"kept the chapters as an editor left them: chapter {_names(lost)} has no spoken "
            "line (give it one, or merge it)")


def _merged(episode: Episode, regrouped: list) -> str | None:
    """What the producer hears of an editor's chapter a new transcript left without a line of
    its own to start on (another editor's chapter starts there): it joined the chapter
    before."""
    lost = [c for c in _lost(episode, regrouped) if any(c.edited.values())]
    if not lost:
        return None
    return (f"an editor's chapter {_names(lost)} joined the chapter before: no line of the new "
            "transcript starts it alone (split it again where it begins)")


def _lost(episode: Episode, regrouped: list) -> list:
    """The episode's chapters a regroup left out."""
    kept = {c.id for c in regrouped}
    return [c for c in episode.chapters if c.id not in kept]


def _names(chapters: list) -> str:
    return ", ".join(repr(c.title) for c in chapters)


def _edited(episode: Episode) -> bool:
    """An editor changed a chapter: a run keeps the chapters (regrouped over new lines)."""
    return any(any(c.edited.values()) for c in episode.chapters)


def _warning(episode: Episode, asked: int | None, off: bool, edited: bool) -> dict:
    """The producer's warning where the chapters are not what the options asked for."""
    made, lines = len(episode.chapters), len(spoken_segments(episode.segments))
    if off:
        return {"warning": "kept the chapters: an editor changed them (--no-chapters drops "
                           "an episode's chapters only while no one has)"}
    if not edited and asked and 0 < made < asked:
        return {"warning": f"{made} chapters, not the {asked} asked: each starts at a line "
                           f"with speech, and the episode has {lines}"}
    return {}


def episode_sound(ctx: Context) -> np.ndarray | None:
    """The samples for the sound signal; None when the file no longer decodes as it did (a
    truncated file an earlier run let through): the text alone then places the chapters."""
    try:
        return ctx.audio
    except ReportageError:
        return None


def text_translation(ctx: Context) -> TranslateTexts | None:
    """The run's translator for titles when it translates text (a speech translator needs the
    audio of a whole sentence: titles then come from the English of where they were said)."""
    if not ctx.settings.translate.enabled or ctx.settings.translate.translator == "whisper":
        return None
    return getattr(ctx.engines.translator(), "translate_texts", None)
