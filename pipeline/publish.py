"""Writes an episode's derived files from its document. The only place that writes them."""

from __future__ import annotations

from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.document import Episode, Segment
from pipeline.text import transcript_text
from pipeline.timefmt import hms_millis


def publish(folder: Path, episode: Episode) -> list[Path]:
    """Rebuild every derived file of the episode in `folder`; returns the paths written."""
    outputs = {"transcript.txt": transcript_text(episode)}
    for lang in ("nl", "en"):
        if any(_text(seg, lang) for seg in episode.segments):
            outputs[f"{lang}.srt"] = _srt(episode.segments, lang)
            outputs[f"{lang}.vtt"] = _vtt(episode.segments, lang)
    written = []
    for name, content in outputs.items():
        write_atomic(folder / name, content)
        written.append(folder / name)
    return written


def _text(seg: Segment, lang: str) -> str:
    return (seg.nl if lang == "nl" else seg.en or "").strip()


def _srt(segments: list[Segment], lang: str) -> str:
    blocks = []
    for n, seg in enumerate((s for s in segments if _text(s, lang)), 1):
        times = f"{hms_millis(seg.start, ',')} --> {hms_millis(seg.end, ',')}"
        blocks.append(f"{n}\n{times}\n{_text(seg, lang)}\n")
    return "\n".join(blocks)


def _vtt(segments: list[Segment], lang: str) -> str:
    blocks = ["WEBVTT\n"]
    for seg in segments:
        if _text(seg, lang):
            times = f"{hms_millis(seg.start, '.')} --> {hms_millis(seg.end, '.')}"
            blocks.append(f"{seg.id}\n{times}\n{_text(seg, lang)}\n")
    return "\n".join(blocks)
