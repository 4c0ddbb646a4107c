"""SRT, WebVTT and the Podcasting 2.0 transcript, read back by real parsers."""

from __future__ import annotations

import io
import json

import srt
import webvtt

from pipeline.formats.cues import Cue, episode_cues
from pipeline.formats.podcast_transcript import transcript_json
from pipeline.formats.subtitles import to_srt, to_vtt
from pipeline.stages.publish import publish
from pipeline.timefmt import hms_millis
from tests.synthetic import synthetic_episode

CUES = [
    Cue(0.5, 2.25, ["Tom & Jerry <live>", "in de studio."], "Anna"),
    Cue(2.4, 4.0, ["Een tweede cue."], None),
    Cue(3661.001, 3663.5, ["Na een uur."], "Bram <B>"),
]


def test_srt_parses_with_the_srt_library():
    parsed = list(srt.parse(to_srt(CUES)))
    assert [s.index for s in parsed] == [1, 2, 3]
    assert [s.content.split("\n") for s in parsed] == [c.lines for c in CUES]
    assert [(s.start.total_seconds(), s.end.total_seconds()) for s in parsed] == [
        (c.start, c.end) for c in CUES
    ]


def test_an_arrow_in_the_text_is_no_timing_line_in_srt():
    typed = [Cue(1.0, 2.0, ["00:00:05,000 --> 00:00:06,000", "00:00:07,000 ---> 00:00:08,000"],
                 None)]
    [cue] = srt.parse(to_srt(typed))
    assert cue.content == "00:00:05,000 -> 00:00:06,000\n00:00:07,000 -> 00:00:08,000"
    assert (cue.start.total_seconds(), cue.end.total_seconds()) == (1.0, 2.0)


def test_vtt_parses_with_webvtt_py_with_voices_and_escaped_text():
    captions = webvtt.from_buffer(io.StringIO(to_vtt(CUES))).captions
    assert [(c.start, c.end) for c in captions] == [
        (hms_millis(c.start, "."), hms_millis(c.end, ".")) for c in CUES
    ]
    assert [c.voice for c in captions] == ["Anna", None, "Bram &lt;B&gt;"]
    assert captions[0].raw_text == "<v Anna>Tom &amp; Jerry &lt;live&gt;\nin de studio.</v>"
    assert captions[1].raw_text == "Een tweede cue."


def test_transcript_json_follows_podcasting_2_0():
    data = json.loads(transcript_json(CUES))
    assert data["version"] == "1.0.0"
    assert data["segments"][0] == {
        "startTime": 0.5,
        "endTime": 2.25,
        "body": "Tom & Jerry <live> in de studio.",
        "speaker": "Anna",
    }
    assert "speaker" not in data["segments"][1]


def test_publish_writes_subtitles_in_both_languages_and_the_json_transcript(tmp_path):
    episode = synthetic_episode()
    written = {p.name for p in publish(tmp_path, episode)}
    assert {"nl.srt", "nl.vtt", "en.srt", "en.vtt", "transcript.json"} <= written
    for lang in ("nl", "en"):
        cues = episode_cues(episode, lang)
        subs = list(srt.parse((tmp_path / f"{lang}.srt").read_text(encoding="utf-8")))
        captions = webvtt.read(str(tmp_path / f"{lang}.vtt")).captions
        assert len(subs) == len(captions) == len(cues)
        assert {c.voice for c in captions} == {"Anna", "Bram"}
        assert (
            " ".join(s.content.replace("\n", " ") for s in subs).split()
            == " ".join(seg.nl if lang == "nl" else seg.en for seg in episode.segments).split()
        )
    segments = json.loads((tmp_path / "transcript.json").read_text(encoding="utf-8"))["segments"]
    assert [s["body"] for s in segments] == [c.text for c in episode_cues(episode, "nl")]


def test_publish_skips_english_when_there_is_none(tmp_path):
    episode = synthetic_episode()
    for seg in episode.segments:
        seg.en = None
    written = {p.name for p in publish(tmp_path, episode)}
    assert "nl.vtt" in written and "en.vtt" not in written
