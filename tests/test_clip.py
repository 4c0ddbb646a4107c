"""`reportage clip`: a moment's audio cut at word boundaries, faded and normalised, and its
subtitles re-timed to the clip; bad input is one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import srt
import webvtt
from conftest import one_error_line
from web_fixtures import make_library

from pipeline.audio import SAMPLE_RATE, decode, probe
from pipeline.document import Episode, Word
from pipeline.errors import ReportageError
from pipeline.formats import clip as clip_module
from pipeline.formats.clip import make_clip, parse_time, snap
from pipeline.stages.publish import publish

GAP = 0.2  # share of each word's slot left silent after it


def add_words(library: Path) -> Episode:
    """Word timings for every segment: its 2.5 s shared evenly, each word followed by a pause."""
    folder = library / "haven"
    episode = Episode.load(folder)
    for seg in episode.segments:
        texts = seg.nl.split()
        slot = (seg.end - seg.start) / len(texts)
        seg.words = [Word(t, seg.start + k * slot, seg.start + (k + 1 - GAP) * slot)
                     for k, t in enumerate(texts)]
    episode.save(folder)
    publish(folder, episode, index=False)
    return episode


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    library = make_library(tmp_path_factory.mktemp("clip"))
    add_words(library)
    return library


@pytest.fixture(scope="module")
def episode(library):
    return Episode.load(library / "haven")


def seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def word_at(episode: Episode, t: float) -> Word:
    return next(w for s in episode.segments for w in s.words if w.start < t < w.end)


def test_snap_moves_out_to_whole_words(episode):
    inside = word_at(episode, 7.5)  # "over", in the third segment
    assert inside.text == "over"
    assert snap(episode, 3.0, 7.5) == (3.0, inside.end)
    first = word_at(episode, 3.2)
    assert snap(episode, 3.2, 7.5) == (first.start, inside.end)
    # in a pause between words nothing moves
    pause = inside.end + 0.01
    assert snap(episode, pause, pause + 0.5)[0] == pytest.approx(pause)


def test_clip_audio_subtitles_and_loudness(library, episode, tmp_path):
    out = tmp_path / "moment.mp3"
    result = make_clip(library / "haven", 3.0, 7.5, out)
    end = word_at(episode, 7.5).end
    assert (result.start, result.end) == (3.0, pytest.approx(end))
    length = end - 3.0
    # mp3 adds an encoder delay of a few ms: the decoded length is the cut within 60 ms
    assert probe(out).duration_s == pytest.approx(length, abs=0.06)
    samples = decode(out)
    assert len(samples) / SAMPLE_RATE == pytest.approx(length, abs=0.06)
    # the source tone peaks at 0.2 (-14 dBFS); normalised, the clip peaks near 0 dBFS
    peak_db = 20 * np.log10(np.abs(samples).max())
    assert -2.0 < peak_db <= 0.5
    # faded in and out: the first and last milliseconds are near silent
    assert np.abs(samples[:40]).max() < 0.1 * np.abs(samples).max()
    assert np.abs(samples[-40:]).max() < 0.1 * np.abs(samples).max()

    names = sorted(p.name for p in result.subtitles)
    assert names == ["moment.en.srt", "moment.en.vtt", "moment.nl.srt", "moment.nl.vtt"]
    for lang in ("nl", "en"):
        cues = list(srt.parse((tmp_path / f"moment.{lang}.srt").read_text(encoding="utf-8")))
        vtt = list(webvtt.read(str(tmp_path / f"moment.{lang}.vtt")))
        assert len(cues) == len(vtt) >= 1
        assert cues[0].start.total_seconds() == pytest.approx(0.0, abs=0.05)
        assert seconds(vtt[0].start) == pytest.approx(cues[0].start.total_seconds(), abs=1e-3)
        assert seconds(vtt[-1].end) <= length + 1e-3
        assert cues[-1].end.total_seconds() <= length + 1e-3
        assert all(c.end > c.start for c in cues)
    dutch = " ".join(c.content for c in srt.parse(
        (tmp_path / "moment.nl.srt").read_text(encoding="utf-8")))
    # the first segment whole, of the second only the words inside the cut
    assert dutch.replace("\n", " ") == ("De schepen komen vroeg binnen. "
                                        "Een kraanmachinist vertelt over")
    english = (tmp_path / "moment.en.srt").read_text(encoding="utf-8")
    assert "The ships come in early." in english and "Good morning" not in english


def test_m4a_and_one_language(library, tmp_path):
    out = tmp_path / "kort.m4a"
    result = make_clip(library / "haven", 12.0, 14.0, out, lang="en")
    assert [p.name for p in result.subtitles] == ["kort.en.srt", "kort.en.vtt"]
    assert probe(out).duration_s == pytest.approx(result.end - result.start, abs=0.1)
    assert not (tmp_path / "kort.nl.srt").exists()


def test_a_clip_written_over_with_fewer_languages_leaves_no_subtitles_of_the_old(library,
                                                                                 tmp_path):
    out = tmp_path / "deel.mp3"
    make_clip(library / "haven", 3.0, 7.0, out)
    with pytest.raises(ReportageError, match="exists: --force"):
        make_clip(library / "haven", 12.0, 14.0, out, lang="nl", replace=False)
    for name in ("deel.nl.srt", "deel.nl.vtt", "deel.mp3"):  # the old clip's English left:
        (tmp_path / name).unlink()  # still refused without --force
    with pytest.raises(ReportageError, match="deel.en.srt exists"):
        make_clip(library / "haven", 12.0, 14.0, out, lang="nl", replace=False)
    make_clip(library / "haven", 12.0, 14.0, out, lang="nl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deel.mp3", "deel.nl.srt",
                                                           "deel.nl.vtt"]


def test_a_clip_stopped_by_ctrl_c_leaves_no_encoder_files(library, tmp_path, monkeypatch):
    """pydub's encoder keeps its files in the temp folder, removed only when it succeeds."""
    import tempfile

    from pipeline.cli.clip import clip

    def stopped(*args, **kwargs):
        with tempfile.NamedTemporaryFile(delete=False) as half:  # as pydub's
            half.write(b"half an encoding")
        raise KeyboardInterrupt

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setattr(clip_module, "make_clip", stopped)
    with pytest.raises(KeyboardInterrupt):
        clip("haven", "3", "7", "both", None, False, library)
    assert list(scratch.iterdir()) == [] and tempfile.tempdir is None


def test_a_clip_of_a_pause_says_its_subtitles_are_empty(library, tmp_path):
    result = make_clip(library / "haven", 2.55, 2.95, tmp_path / "stil.mp3")  # between lines
    assert [w for w in result.warnings if "is said" in w] == [
        "no Dutch line is said in 2.5–3.0 s: its subtitles are empty",
        "no English line is said in 2.5–3.0 s: its subtitles are empty"]


def test_a_span_past_the_end_ends_with_the_episode(library, episode, tmp_path):
    duration = episode.source.duration_s
    result = make_clip(library / "haven", duration - 3, duration + 60, tmp_path / "eind.mp3")
    assert result.end == pytest.approx(duration) and "ends at" in result.warnings[0]
    with pytest.raises(ReportageError, match="holds no sound"):  # its very end
        make_clip(library / "haven", duration - 0.01, duration + 5, tmp_path / "leeg.mp3")


def test_a_clip_whose_subtitles_cannot_be_written_leaves_nothing(library, tmp_path,
                                                                 monkeypatch):
    (tmp_path / "d.nl.srt").mkdir()  # in the way of a subtitle file: found before encoding
    with pytest.raises(ReportageError, match="is a folder"):
        make_clip(library / "haven", 3.0, 7.0, tmp_path / "d.mp3")
    assert not (tmp_path / "d.mp3").exists()
    real = clip_module.write_atomic

    def disk_full_at_the_vtt(path, data):
        if path.suffix == ".vtt":
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(clip_module, "write_atomic", disk_full_at_the_vtt)
    with pytest.raises(ReportageError, match="No space left"):
        make_clip(library / "haven", 3.0, 7.0, tmp_path / "e.mp3")
    assert not list(tmp_path.glob("e.*"))


def test_the_cli_names_the_clip_after_the_moment(cli, library, tmp_path):
    result = cli("clip", "haven", "0:03", "7.5", "--lang", "nl", "--library", str(library),
                 "--out", str(tmp_path / "x.mp3"))
    assert result.rc == 0, result.err
    assert (tmp_path / "x.mp3").stat().st_size > 1000
    assert (tmp_path / "x.nl.vtt").is_file() and not (tmp_path / "x.en.vtt").exists()
    (tmp_path / "x.nl.srt").write_text("mine")  # a file of that name: kept unless --force
    again = cli("clip", "haven", "0:03", "7.5", "--lang", "nl", "--library", str(library),
                "--out", str(tmp_path / "x.mp3"))
    assert "exists: --force replaces it" in one_error_line(again)
    assert (tmp_path / "x.nl.srt").read_text() == "mine"
    forced = cli("clip", "haven", "0:03", "7.5", "--lang", "nl", "--library", str(library),
                 "--out", str(tmp_path / "x.mp3"), "--force")
    assert forced.rc == 0 and "-->" in (tmp_path / "x.nl.srt").read_text()


def test_a_clip_is_named_after_its_times_as_cut(library, episode, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default: the current folder
    duration = episode.source.duration_s
    result = make_clip(library / "haven", 3.0, duration + 60, lang="nl")
    assert result.audio == Path(f"haven-3.0-{duration:.1f}.mp3")  # not the END typed
    assert (tmp_path / result.audio).stat().st_size > 1000
    assert (tmp_path / f"haven-3.0-{duration:.1f}.nl.srt").is_file()
    into = tmp_path / "clips"  # a folder: the clip takes its own name inside it
    into.mkdir()
    assert make_clip(library / "haven", 3.0, 7.0, into, lang="nl").audio.parent == into
    assert len(list(into.glob("haven-3.0-*.mp3"))) == 1


def test_a_clip_is_cut_on_the_transcripts_clock(tmp_path):
    # An mp3's first frame has a time of its own (encoder delay): the transcript counts from
    # the first sample decoded, and so must the cut.
    from audiogen import clip as speech
    from audiogen import write_audio

    path = write_audio(tmp_path / "speech.mp3", speech("vl00203"))
    whole = decode(path)
    for start in (0.5, 1.5):  # from the file's beginning, and after a seek
        cut = clip_module.decode_span(path, start, start + 1.0)
        got = np.array(cut.set_channels(1).set_frame_rate(SAMPLE_RATE).get_array_of_samples(),
                       np.float32) / 32768
        near = whole[int((start - 0.1) * SAMPLE_RATE):int((start + 1.1) * SAMPLE_RATE)]
        lag = np.argmax(np.correlate(near, got[:SAMPLE_RATE // 2], "valid")) / SAMPLE_RATE - 0.1
        assert abs(lag) < 0.002, f"cut {lag * 1000:.0f} ms off at {start} s"


def test_parse_time():
    assert parse_time("75.5") == 75.5
    assert parse_time("1:15.5") == 75.5
    assert parse_time("0:01:15") == 75
    for bad in ("", "abc", "1:75", "-3", "1::2", "-0:05", "9" * 400 + ":00:00",
                "9" * 5000 + ":00"):
        with pytest.raises(ReportageError):
            parse_time(bad)


@pytest.mark.parametrize("args, says", [
    (["haven", "7.5", "3"], "must come after the start"),
    (["haven", "5", "5"], "must come after the start"),
    (["haven", "99", "120"], "outside the episode"),  # past its end (20-99 ends with it)
    (["nergens", "3", "7"], "no episode 'nergens'"),
    (["haven", "drie", "7"], "not a time"),
    (["haven", "-1", "7"], "-1 is not an option: a time or number cannot be negative"),
    (["haven", "0:03", "-0:07"], "-0:07 is not an option: a time or number cannot be negative"),
    (["haven", "3", "7", "--lang", "fr"], "unknown language"),
    (["haven", "3", "7", "--out", "{tmp}/clip.wav"], "unknown clip extension"),
    (["haven", "3", "7", "--out", "{tmp}/clip"], "unknown clip extension"),
    (["haven", "3", "7", "--out", "{tmp}/no/such/folder/clip.mp3"], "cannot write"),
    # a legal name, but not with the hidden temp name of an atomic write: said before any work
    (["haven", "3", "7", "--out", "{tmp}/" + "a" * 242 + ".mp3"], "File name too long"),
    (["haven", "3", "7", "--out", "{library}/haven"], "inside an episode's folder"),
    (["haven", "3", "7", "--out", "{library}/haven/clip.mp3"], "inside an episode's folder"),
])
def test_bad_input_is_one_line(cli, library, tmp_path, args, says):
    folder = sorted((library / "haven").iterdir())
    args = [a.replace("{tmp}", str(tmp_path)).replace("{library}", str(library)) for a in args]
    line = one_error_line(cli("clip", *args, "--library", str(library)))
    assert says in line and "beside" not in line  # refused before the work, not after it
    assert not list(tmp_path.glob("*.mp3"))
    assert sorted((library / "haven").iterdir()) == folder
