"""Writes an episode's derived files from its document. The only place that writes them."""

from __future__ import annotations

from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.chapter_formats import chapters_json, chapters_vtt
from pipeline.document import Episode
from pipeline.podcast_transcript import transcript_json
from pipeline.searchindex import index_episode
from pipeline.subtitle_formats import to_srt, to_vtt
from pipeline.subtitles import episode_cues, segment_text
from pipeline.text import transcript_text
from pipeline.web.pages import static_page


def publish(folder: Path, episode: Episode, index: bool = True) -> list[Path]:
    """Rebuild every derived file of the episode in `folder`; returns the paths written.
    `index=False` leaves the search index to the caller (an edit re-indexes one segment)."""
    outputs = {"transcript.txt": transcript_text(episode), "index.html": static_page(episode)}
    for lang in ("nl", "en"):
        if any(segment_text(seg, lang).strip() for seg in episode.segments):
            cues = episode_cues(episode, lang)
            outputs[f"{lang}.srt"] = to_srt(cues)
            outputs[f"{lang}.vtt"] = to_vtt(cues)
            if lang == "nl":  # the spoken text
                outputs["transcript.json"] = transcript_json(cues)
    chapter_files = {"chapters.json": chapters_json, "chapters.vtt": chapters_vtt}
    for name, render in chapter_files.items():
        if episode.chapters:
            outputs[name] = render(episode)
        else:  # an episode without chapters keeps no chapter files from an earlier run
            (folder / name).unlink(missing_ok=True)
    written = []
    for name, content in outputs.items():
        write_atomic(folder / name, content)
        written.append(folder / name)
    if index:
        index_episode(folder.parent, episode)  # search follows every publish
    return written


def warm(episode: Episode) -> None:
    """Lay out the episode's subtitles once, so the next publish (after an edit) reuses them."""
    for lang in ("nl", "en"):
        episode_cues(episode, lang)
