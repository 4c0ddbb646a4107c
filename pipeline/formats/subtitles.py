"""SRT and WebVTT text for subtitle cues."""

from __future__ import annotations

import re

from pipeline.formats.cues import Cue
from pipeline.formats.markup import FORMAT_TAG
from pipeline.timefmt import hms_millis


def to_srt(cues: list[Cue]) -> str:
    # SRT has no escapes: a line of text holding "-->" would read as a timing line.
    blocks = [
        f"{n}\n{hms_millis(c.start, ',')} --> {hms_millis(c.end, ',')}\n"
        + "\n".join(re.sub(r"-{2,}>", "->", line) for line in c.lines)
        for n, c in enumerate(cues, 1)
    ]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_text(line: str) -> str:
    # Cue text holds only formatting tags (see subtitles.tidy_markup): keep them, escape the rest.
    pieces = FORMAT_TAG.split(line)
    return "".join(p if n % 2 else vtt_escape(p) for n, p in enumerate(pieces))


def _voice(speaker: str) -> str:
    # A voice annotation ends at ">" and may not hold a line break; escape the rest.
    return vtt_escape(re.sub(r"\s+", " ", speaker).strip())


def to_vtt(cues: list[Cue]) -> str:
    parts = ["WEBVTT\n"]
    for c in cues:
        text = "\n".join(_vtt_text(line) for line in c.lines)
        if c.speaker:
            text = f"<v {_voice(c.speaker)}>{text}</v>"
        parts.append(f"{hms_millis(c.start, '.')} --> {hms_millis(c.end, '.')}\n{text}\n")
    return "\n".join(parts)
