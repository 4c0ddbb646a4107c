"""The glossary stage: the show's terms put right where the recogniser was unsure of a word
that sounds like one (glossary/fixes.py). Cheap, so a changed glossary applies to every episode
a re-run passes over; each replacement is marked in its segment and can be undone, and one to a
term removed from the library's glossary is taken back."""

from __future__ import annotations

from dataclasses import asdict

from pipeline import glossary
from pipeline.glossary.fixes import fix_dutch, put_in, unfix
from pipeline.stages.base import Context


class GlossaryStage:
    name = "glossary"

    def enabled(self, ctx: Context) -> bool:
        # Without terms it runs while fixes stand: those of removed terms are taken back.
        return bool(ctx.settings.glossary) or any(seg.fixes for seg in ctx.episode.segments)

    def inputs(self, ctx: Context) -> dict:
        # The segments it works on are those of the stages before it.
        before = {name: ctx.episode.provenance.get(name, {}).get("fingerprint")
                  for name in ("transcribe", "speakers")}
        # Which terms are the library's: one removed from it takes its fixes back (run()).
        library = sorted(put_in(glossary.load(ctx.folder.parent)))
        return {"terms": [asdict(t) for t in ctx.settings.glossary], "library": library, **before}

    def run(self, ctx: Context) -> dict:
        total = ctx.episode.source.duration_s
        ctx.progress("glossary", 0, total)
        # Fixes to a term removed from the library's glossary go; a run's own terms (a
        # --glossary file) are for that run, and what they put in stays after it.
        library = put_in(glossary.load(ctx.folder.parent))
        before = set(ctx.episode.provenance.get(self.name, {}).get("library", []))
        undone = unfix(ctx.episode.segments, before - library - put_in(ctx.settings.glossary))
        replaced = fix_dutch(ctx.episode.segments, ctx.settings.glossary)
        ctx.progress("glossary", total, total)
        return {"terms": len(ctx.settings.glossary), "replaced": replaced, "undone": undone,
                "library": sorted(library)}
