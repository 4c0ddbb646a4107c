"""The published files a listener can download from an episode's page, in the order listed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Download:
    name: str  # the file beside index.html
    label: str
    media_type: str


DOWNLOADS = (
    Download("nl.srt", "Dutch subtitles (SRT)", "application/x-subrip; charset=utf-8"),
    Download("en.srt", "English subtitles (SRT)", "application/x-subrip; charset=utf-8"),
    Download("nl.vtt", "Dutch subtitles (WebVTT)", "text/vtt; charset=utf-8"),
    Download("en.vtt", "English subtitles (WebVTT)", "text/vtt; charset=utf-8"),
    Download("transcript.txt", "Transcript (text)", "text/plain; charset=utf-8"),
    Download("transcript.json", "Transcript (Podcasting 2.0 JSON)", "application/json"),
    Download("chapters.json", "Chapters (Podcasting 2.0 JSON)", "application/json"),
    Download("chapters.vtt", "Chapters (WebVTT)", "text/vtt; charset=utf-8"),
)
BY_NAME = {d.name: d for d in DOWNLOADS}


def downloads(names: Iterable[str]) -> list[Download]:
    """The downloads among these file names, in the listed order."""
    present = set(names)
    return [d for d in DOWNLOADS if d.name in present]
