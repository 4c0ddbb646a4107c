"""The transcribe stage: speech to Dutch segments with word timings, keeping human edits."""

from __future__ import annotations

from pipeline.asr import AsrSegment
from pipeline.document import Segment, segment_id


def to_segments(asr_segments: list[AsrSegment], taken: set[str]) -> list[Segment]:
    return [
        Segment(id=segment_id(a.start, taken), start=round(a.start, 3), end=round(a.end, 3),
                nl=a.text, words=a.words)
        for a in asr_segments
    ]


def merge_keeping_edits(old: list[Segment], new: list[AsrSegment]) -> list[Segment]:
    """New machine segments replace the old ones, except where a human edited a segment:
    an edited segment is kept, and new segments that overlap it are dropped."""
    kept = [seg for seg in old if seg.edited.get("nl") or seg.edited.get("en")]
    fresh = [a for a in new if not any(_overlaps(a, k) for k in kept)]
    taken = {seg.id for seg in kept}
    return sorted(kept + to_segments(fresh, taken), key=lambda s: (s.start, s.end))


def _overlaps(a: AsrSegment, seg: Segment) -> bool:
    return a.start < seg.end and seg.start < a.end
