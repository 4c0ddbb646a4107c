"""transcript.txt: the readable transcript, with chapter headings and, where known, English."""

from __future__ import annotations

from pipeline.document import Chapter, Episode
from pipeline.formats.cues import listener_text
from pipeline.timefmt import clock


def transcript_text(episode: Episode) -> str:
    title = episode.title + (f" / {episode.title_en}" if episode.title_en else "")
    lines = [title, "=" * len(title), ""]
    chapters = {seg_id: ch for ch in episode.chapters for seg_id in ch.segment_ids[:1]}
    previous, headed = None, False
    for seg in episode.segments:
        chapter = chapters.get(seg.id)
        if chapter:
            lines += _heading(chapter)
            headed = True
        nl = listener_text(seg, "nl")
        if not nl.strip():
            continue  # a line an editor emptied (or left only markup in) says nothing
        turn = seg.speaker and (seg.speaker != previous or headed)  # the name at each turn
        speaker = f"{episode.speaker_name(seg.speaker)}: " if turn else ""
        previous, headed = seg.speaker, False
        lines.append(f"[{clock(seg.start)}] {speaker}{nl}")
        if seg.en:
            lines.append(f"{' ' * (len(clock(seg.start)) + 3)}{listener_text(seg, 'en')}")
    return "\n".join(lines).rstrip() + "\n"


def _heading(chapter: Chapter) -> list[str]:
    title = chapter.title + (f" / {chapter.title_en}" if chapter.title_en else "")
    return ["", f"## {clock(chapter.start)} {title}", ""]
