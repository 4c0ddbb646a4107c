"""The topics stage: chapters at topic shifts, with titles (see pipeline/chapters/)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from pipeline.chapters.tiling import Tiling, make_chapters
from pipeline.stages.base import Context


class TopicsStage:
    name = "topics"

    def enabled(self, ctx: Context) -> bool:
        return True  # with --no-chapters it runs too: it clears the chapters

    def inputs(self, ctx: Context) -> dict:
        s = ctx.settings
        if s.no_chapters:
            return {"chapters": "off"}
        spoken = [(seg.start, seg.end, seg.nl, seg.en) for seg in ctx.episode.segments]
        blob = json.dumps(spoken, ensure_ascii=False).encode()
        return {"segments": hashlib.sha256(blob).hexdigest(), "count": s.chapters,
                "min_chapter_s": s.min_chapter_s, "embedder": ctx.engines.embedder().name,
                "tiling": asdict(Tiling())}  # tuned defaults: a change redoes the chapters

    def run(self, ctx: Context) -> dict:
        s = ctx.settings
        if s.no_chapters:
            ctx.episode.chapters = []
            return {"engine": None}
        total = ctx.episode.source.duration_s
        ctx.progress("chapters", 0, total)
        embedder = ctx.engines.embedder()
        ctx.episode.chapters = make_chapters(
            ctx.episode.segments, count=s.chapters, min_chapter_s=s.min_chapter_s,
            embedder=embedder,
        )
        ctx.progress("chapters", total, total)
        return {"engine": embedder.name, "chapters": len(ctx.episode.chapters)}
