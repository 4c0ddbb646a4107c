"""The transcribe stage: speech to Dutch segments with word timings, keeping human edits."""

from __future__ import annotations

from dataclasses import asdict

from pipeline.asr import AsrSegment
from pipeline.document import Segment, segment_id
from pipeline.stages.base import Context


def to_segments(asr_segments: list[AsrSegment], taken: set[str]) -> list[Segment]:
    return [
        Segment(id=segment_id(a.start, taken), start=round(a.start, 3), end=round(a.end, 3),
                nl=a.text, words=a.words)
        for a in asr_segments
    ]


def merge_keeping_edits(old: list[Segment], new: list[AsrSegment]) -> list[Segment]:
    """New machine segments replace the old ones, except where a human edited a segment:
    an edited segment is kept, and new segments that overlap it are dropped."""
    kept = [seg for seg in old if any(seg.edited.values())]  # text or speaker
    fresh = [a for a in new if not any(_overlaps(a, k) for k in kept)]
    taken = {seg.id for seg in kept}
    return sorted(kept + to_segments(fresh, taken), key=lambda s: (s.start, s.end))


def _overlaps(a: AsrSegment, seg: Segment) -> bool:
    return a.start < seg.end and seg.start < a.end


class TranscribeStage:
    name = "transcribe"

    def enabled(self, ctx: Context) -> bool:
        return True

    def inputs(self, ctx: Context) -> dict:
        s = ctx.settings
        asr = asdict(s.asr) | {"device": None}  # where and how fast it runs: same text
        del asr["threads"]
        return {"audio": ctx.episode.source.sha256, "engine": s.engine,
                "model": s.model or "base", "asr": asr}

    def run(self, ctx: Context) -> dict:
        total = ctx.episode.source.duration_s
        ctx.progress("decoding audio", 0, total)
        samples = ctx.audio  # decode first: a damaged file fails before a model loads
        ctx.progress("loading speech model", 0, total)
        engine = ctx.engines.asr()
        ctx.progress("transcribing", 0, total)
        found = []
        for seg in engine.transcribe(samples):  # segments come as each batch of chunks is done
            found.append(seg)
            ctx.progress("transcribing", min(seg.end, total), total)
        ctx.progress("transcribing", total, total)
        ctx.episode.segments = merge_keeping_edits(ctx.episode.segments, found)
        return {"engine": engine.name, "model": engine.model_name}
