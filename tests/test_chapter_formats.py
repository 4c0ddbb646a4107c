"""chapters.json (Podcasting 2.0) and chapters.vtt written by publish."""

import json

from pipeline.document import Chapter, Episode, Segment, Source
from pipeline.stages.publish import publish


def episode_with_chapters() -> Episode:
    segments = [Segment(id=f"s{i}", start=i * 50.0, end=i * 50.0 + 45, nl=f"Zin {i}.")
                for i in range(4)]
    chapters = [
        Chapter(id="c0000000", start=0.0, end=100.0, title="Koken & <bakken>",
                title_en="Cooking", keywords=["koken"], segment_ids=["s0", "s1"]),
        Chapter(id="c0010000", start=100.0, end=195.0, title="Rechtspraak",
                segment_ids=["s2", "s3"]),
    ]
    return Episode(slug="ep", title="Ep", source=Source("ep.mp3", "0" * 64, 200.0, 16000),
                   segments=segments, chapters=chapters)


def test_publish_writes_both_chapter_files(tmp_path):
    publish(tmp_path, episode_with_chapters())
    data = json.loads((tmp_path / "chapters.json").read_text())
    assert data["version"] == "1.2.0"
    assert data["chapters"] == [
        {"startTime": 0.0, "endTime": 100.0, "title": "Koken & <bakken>",
         "reportage:titleEn": "Cooking"},  # English beside it, for what reads both
        {"startTime": 100.0, "endTime": 200.0, "title": "Rechtspraak"},  # to the audio's end
    ]
    vtt = (tmp_path / "chapters.vtt").read_text()
    assert vtt.startswith("WEBVTT\n")
    assert "c0000000\n00:00:00.000 --> 00:01:40.000\nKoken &amp; &lt;bakken&gt; / Cooking\n" in vtt
    assert "00:01:40.000 --> 00:03:20.000\nRechtspraak\n" in vtt
    text = (tmp_path / "transcript.txt").read_text()
    assert "## 01:40 Rechtspraak" in text


def test_chapters_turned_off_leave_no_chapter_files(tmp_path):
    episode = episode_with_chapters()
    publish(tmp_path, episode)
    episode.chapters = []
    episode.provenance["topics"] = {"engine": None}  # as --no-chapters records it
    publish(tmp_path, episode)
    assert not (tmp_path / "chapters.json").exists()
    assert not (tmp_path / "chapters.vtt").exists()


def test_no_chapters_found_gives_empty_chapter_files(tmp_path):
    episode = episode_with_chapters()
    publish(tmp_path, episode)
    episode.chapters = []  # e.g. silence: nothing to cut
    publish(tmp_path, episode)
    assert json.loads((tmp_path / "chapters.json").read_text())["chapters"] == []
    assert (tmp_path / "chapters.vtt").read_text() == "WEBVTT\n"
