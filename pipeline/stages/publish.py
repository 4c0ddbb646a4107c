"""Writes an episode's derived files from its document. The only place that writes them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.document import Episode
from pipeline.errors import IndexNotUpdated, ReportageError
from pipeline.formats.chapters import chapters_json, chapters_vtt
from pipeline.formats.cues import PODCAST, episode_cues
from pipeline.formats.feed_item import follow as follow_in_feed
from pipeline.formats.page import static_page
from pipeline.formats.podcast_transcript import transcript_json
from pipeline.formats.subtitles import to_srt, to_vtt
from pipeline.formats.text import transcript_text
from pipeline.search.index import index_episode


def publish(folder: Path, episode: Episode, index: bool = True, feed: bool = True
            ) -> list[Path]:
    """Rebuild every derived file of the episode in `folder`; returns the paths written.
    `index=False` leaves the search index to the caller (an edit re-indexes one segment),
    `feed=False` the episode's item of the feed (a whole library's publish builds it anew)."""
    outputs = {"transcript.txt": transcript_text(episode)}
    # The whole bundle every time, empty where there is nothing to say (silence), so whatever
    # reads it downstream finds every file. English where the episode has any; chapter files
    # unless the producer turned chapters off.
    chapter_files = {"chapters.json": chapters_json, "chapters.vtt": chapters_vtt}
    for name, render in chapter_files.items():
        if _chapters_off(episode):
            (folder / name).unlink(missing_ok=True)
        else:
            outputs[name] = render(episode)
    # English files without English only for silence that was translated: a re-run that made
    # a new transcript without translating (--no-translate) has none to publish.
    english = any(seg.en for seg in episode.segments) or (
        "translate" in episode.provenance and not any(seg.nl.strip() for seg in episode.segments))
    if not english:  # an earlier run's English, on an earlier transcript's times
        for name in ("en.srt", "en.vtt", "en.podcast.srt"):
            (folder / name).unlink(missing_ok=True)
    for lang in ("nl", "en") if english else ("nl",):
        cues = episode_cues(episode, lang)
        outputs[f"{lang}.srt"] = to_srt(cues)
        outputs[f"{lang}.vtt"] = to_vtt(cues)
        # For the feed: the Podcasting 2.0 SRT profile (32 a line, each turn opens with the name).
        outputs[f"{lang}.podcast.srt"] = to_srt(episode_cues(episode, lang, PODCAST, True))
        if lang == "nl":  # the spoken text
            outputs["transcript.json"] = transcript_json(cues)
    outputs["index.html"] = static_page(episode, files=list(outputs))  # links them all
    written = []
    for name, content in outputs.items():
        write_atomic(folder / name, content)
        written.append(folder / name)
    if index:
        with index_or_say(episode):
            index_episode(folder.parent, episode)  # search follows every publish
    if feed:
        follow_in_feed(folder, episode)  # and a feed built before that lists the episode
    return written


@contextmanager
def index_or_say(episode: Episode) -> Iterator[None]:
    """Say what did happen when the search index fails after the save: a caller that took it
    for a failed save would retry an edit that is already in."""
    try:
        yield
    except ReportageError as exc:
        raise IndexNotUpdated(f"{episode.slug}: saved and published, but the search index "
                              f"was not updated: {exc}") from None


def _chapters_off(episode: Episode) -> bool:
    """--no-chapters: the topics stage ran without an embedder and made no chapters."""
    return not episode.chapters and episode.provenance.get("topics", {}).get("engine", "") is None


def warm(episode: Episode) -> None:
    """Lay out the episode's subtitles once, so the next publish (after an edit) reuses them."""
    for lang in ("nl", "en"):
        episode_cues(episode, lang)
        episode_cues(episode, lang, PODCAST, True)
