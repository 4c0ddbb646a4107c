"""Chapter files: Podcasting 2.0 JSON chapters (`<podcast:chapters>`), a WebVTT chapters track."""

from __future__ import annotations

import json

from pipeline.document import Chapter, Episode
from pipeline.formats.subtitles import vtt_escape
from pipeline.timefmt import hms_millis

JSON_CHAPTERS_VERSION = "1.2.0"


def chapter_spans(episode: Episode) -> list[tuple[Chapter, float, float]]:
    """(chapter, start, end); the last chapter runs to the end of the audio."""
    chapters = episode.chapters
    spans = []
    for n, ch in enumerate(chapters):
        end = ch.end if n + 1 < len(chapters) else max(ch.end, episode.source.duration_s)
        spans.append((ch, ch.start, end))
    return spans


# The English title, beside the Dutch one podcast apps show: the format has no field for a
# second language, and a prefixed key of one's own is how publishers add fields (apps ignore it).
TITLE_EN = "reportage:titleEn"


def chapters_json(episode: Episode) -> str:
    items = [
        {"startTime": round(start, 3), "endTime": round(end, 3), "title": ch.title}
        | ({TITLE_EN: ch.title_en} if ch.title_en else {})
        for ch, start, end in chapter_spans(episode)
    ]
    data = {"version": JSON_CHAPTERS_VERSION, "chapters": items}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def chapters_vtt(episode: Episode) -> str:
    parts = ["WEBVTT\n"]
    for ch, start, end in chapter_spans(episode):
        title = ch.title + (f" / {ch.title_en}" if ch.title_en else "")
        times = f"{hms_millis(start, '.')} --> {hms_millis(end, '.')}"
        parts.append(f"{ch.id}\n{times}\n{vtt_escape(title)}\n")
    return "\n".join(parts)
