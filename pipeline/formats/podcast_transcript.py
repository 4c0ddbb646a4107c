"""Podcasting 2.0 JSON transcript: `transcript.json`, linked from a feed as
<podcast:transcript type="application/json">."""

from __future__ import annotations

import json

from pipeline.formats.cues import Cue
from pipeline.formats.markup import plain

VERSION = "1.0.0"


def transcript_json(cues: list[Cue]) -> str:
    """One transcript segment per cue: short phrases that apps can highlight while playing.
    A body is plain text: the cue's formatting tags go."""
    segments = []
    for cue in cues:
        segment = {"startTime": cue.start, "endTime": cue.end, "body": plain(cue.text)}
        if cue.speaker:
            segment["speaker"] = cue.speaker
        segments.append(segment)
    return (
        json.dumps({"version": VERSION, "segments": segments}, ensure_ascii=False, indent=1) + "\n"
    )
