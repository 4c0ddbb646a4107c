"""The translate stage: English for every Dutch segment, one to one, keeping human edits.

Only segments whose English is stale (their Dutch changed since it was translated) are
translated again, unless the translator settings changed; English edited by hand is never
overwritten. With the whisper translator the English was mostly decoded already, along with
the Dutch in the transcribe stage: it is shared out over the sentences by time, and only what it
left empty is translated here. A segment the translator leaves empty is retried once with its
neighbours as context, then marked `en_missing`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import numpy as np

from pipeline.asr import TRANSLATE_BEAM, TimedText
from pipeline.document import Episode, Segment
from pipeline.glossary.fixes import fix_english
from pipeline.stages.base import Context, Settings
from pipeline.translators import Translator
from pipeline.translators.groups import MAX_SPAN_S, split_proportionally
from pipeline.translators.whisper import english_of

Progress = Callable[[float, float], None]  # (audio seconds done, seconds total)


def settings_key(settings: Settings) -> dict:
    """The translator settings the English depends on."""
    t = settings.translate
    key = {"translator": t.translator, "target": t.target_language}
    if t.translator == "whisper":
        return key | {"engine": settings.engine, "model": settings.model or "base",
                      "language": settings.asr.language, "beam_size": TRANSLATE_BEAM}
    return key | {"model": t.mt_model}


class TranslateStage:
    name = "translate"

    def enabled(self, ctx: Context) -> bool:
        return ctx.settings.translate.enabled

    def inputs(self, ctx: Context) -> dict:
        inputs = {"nl": [seg.nl for seg in ctx.episode.segments], **settings_key(ctx.settings)}
        if ctx.settings.glossary:  # its terms' English is kept (fix_english)
            inputs["glossary"] = [asdict(t) for t in ctx.settings.glossary]
        return inputs

    def run(self, ctx: Context) -> dict:
        key = settings_key(ctx.settings)
        before = ctx.episode.provenance.get(self.name, {}).get("settings")
        everything = ctx.settings.force or before != key
        ids = [seg.id for seg in ctx.episode.segments
               if seg.en_stale or (everything and seg.nl.strip() and not seg.edited.get("en"))]
        details = {"engine": key["translator"], "model": key["model"], "settings": key,
                   "translated": len(ids)}
        if ids:
            details |= self._translate(ctx, key, ids)
        if ctx.settings.glossary:  # the show's names keep their form in the English too
            details["glossary_fixes"] = fix_english(ctx.episode.segments, ctx.settings.glossary)
        return details

    def _translate(self, ctx: Context, key: dict, ids: list[str]) -> dict:
        total = ctx.episode.source.duration_s
        ctx.progress("loading translator", 0, total)
        translator = ctx.engines.translator()

        def progress(done: float, _until: float) -> None:
            ctx.progress("translating", min(done, total), total)

        progress(0, total)

        missing = translate_segments(ctx.episode, ids, translator,
                                     ctx.audio if translator.needs_audio else None, progress,
                                     _shared_english(ctx.episode, key))
        progress(total, total)
        return {"model": translator.model_name, "missing": len(missing)}


def _shared_english(episode: Episode, key: dict) -> list[TimedText] | None:
    """The English the transcribe stage decoded with the Dutch, if under these settings."""
    along = episode.provenance.get("transcribe", {}).get("english")
    return [tuple(p) for p in along["pieces"]] if along and along["settings"] == key else None


def translate_segments(
    episode: Episode, ids: list[str], translator: Translator, audio: np.ndarray | None = None,
    progress: Progress = lambda *_: None, along: list[TimedText] | None = None,
) -> list[str]:
    """Translate the given segments of `episode` in place (the editor's re-translation of
    edited segments); returns the ids left without English. English edited by hand is kept.
    `along`: English already decoded with the Dutch, shared out instead of translating."""
    wanted = set(ids)
    segments = [s for s in episode.segments if s.id in wanted and not s.edited.get("en")]
    spoken = [s for s in segments if s.nl.strip()]
    from_audio = along is not None or translator.needs_audio  # not from the Dutch text
    if along is None:
        english = _translated(episode, spoken, translator, audio, progress)
    else:
        english = _shared_out(episode, spoken, along)
    if from_audio:
        # Where the English of the speech left a gap (a window dropped as a loop, a sentence
        # given the English of the one before), those segments are translated on their own.
        gaps = [seg for seg, text in zip(spoken, english, strict=True) if not text.strip()]
        redone = dict(zip([g.id for g in gaps], _translated(episode, gaps, translator, audio),
                          strict=True))
        english = [redone.get(seg.id, text) for seg, text in zip(spoken, english, strict=True)]
    for seg, text in zip(spoken, english, strict=True):
        text = text.strip() or _with_context(episode, seg, translator, audio)
        if text == seg.en and seg.edited.get("nl") and from_audio:  # the same English again
            continue  # (Whisper's): it follows no editor's Dutch, so it stays stale
        seg.en, seg.en_missing = text or None, not text
        seg.en_for = seg.nl
        seg.fixes = [f for f in seg.fixes if f["lang"] != "en"]  # fixes of the old English
    for seg in segments:
        if not seg.nl.strip():
            seg.en, seg.en_for, seg.en_missing = None, seg.nl, False
    return [s.id for s in spoken if s.en_missing]


def _translated(episode: Episode, spoken: list[Segment], translator: Translator,
                audio: np.ndarray | None, progress: Progress = lambda *_: None) -> list[str]:
    english: list[str] = []
    for chunk in _chunks(episode, spoken, 32):
        english += translator.translate(chunk, audio)
        progress(chunk[-1].end, spoken[-1].end)
    return english


def _shared_out(episode: Episode, spoken: list[Segment], along: list[TimedText]) -> list[str]:
    """The segments' English from pieces decoded elsewhere, each run of neighbours taking
    the pieces that overlap it."""
    english: list[str] = []
    for run in _chunks(episode, spoken, len(spoken)):
        english += english_of(run, [p for p in along if p[0] < run[-1].end and run[0].start < p[1]])
    return english


def _chunks(episode: Episode, segments: list[Segment], size: int) -> list[list[Segment]]:
    """Runs of segments that are neighbours in the episode (a translator may join those into
    sentences), cut to `size` for progress and bounded memory on long episodes."""
    position = {s.id: i for i, s in enumerate(episode.segments)}
    chunks: list[list[Segment]] = []
    for seg in segments:
        last = chunks[-1][-1] if chunks else None
        if last and position[seg.id] == position[last.id] + 1 and len(chunks[-1]) < size:
            chunks[-1].append(seg)
        else:
            chunks.append([seg])
    return chunks


def _with_context(episode: Episode, seg: Segment, translator: Translator,
                  audio: np.ndarray | None) -> str:
    """Translate the segment together with its neighbours, and keep its share of the English.
    A neighbour that would stretch the audio past Whisper's 30 s window stays out: beyond it
    Whisper hears nothing, the segment itself perhaps included."""
    i = episode.segments.index(seg)
    around = [s for s in episode.segments[max(i - 1, 0):i + 2] if s.nl.strip()]
    while len(around) > 1 and around[-1].end - around[0].start > MAX_SPAN_S:
        around.pop(-1 if around[-1] is not seg else 0)  # the next neighbour goes first
    joined = Segment(id=seg.id, start=around[0].start, end=around[-1].end,
                     nl=" ".join(s.nl.strip() for s in around))
    [text] = translator.translate([joined], audio)
    pieces = split_proportionally(text, [len(s.nl.strip()) for s in around])
    return pieces[around.index(seg)].strip()
