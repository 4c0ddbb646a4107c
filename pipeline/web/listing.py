"""What the library page lists: a summary of every episode."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.document import FILENAME, Episode
from pipeline.errors import ReportageError
from pipeline.library import episode_slugs


@dataclass
class Summary:
    slug: str
    title: str
    created: str
    duration_s: float
    chapters: int
    segments: int
    audio: str  # file name of the audio in the episode folder
    title_en: str | None = None


class Shelf:
    """Episode summaries, each re-read only when its episode.json changed."""

    def __init__(self, library: Path):
        self.library = library
        self._cache: dict[str, tuple[tuple[int, int], Summary]] = {}

    def summaries(self) -> list[Summary]:
        found = []
        for slug in episode_slugs(self.library):
            summary = self.summary(slug)
            if summary:
                found.append(summary)
        return sorted(found, key=lambda s: (s.created, s.slug), reverse=True)

    def summary(self, slug: str) -> Summary | None:
        path = self.library / slug / FILENAME
        try:
            stat = path.stat()
            key = (stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(slug)
            if cached and cached[0] == key:
                return cached[1]
            episode = Episode.load(path.parent)
        except (OSError, ReportageError):
            return None  # unreadable episodes are left out of the list, not fatal to it
        summary = Summary(slug, episode.title, episode.created[:10], episode.source.duration_s,
                          len(episode.chapters), len(episode.segments), episode.source.file,
                          episode.title_en)
        self._cache[slug] = (key, summary)
        return summary
