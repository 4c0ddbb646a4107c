"""A truncated file is refused with a hint, or, when allowed, kept as far as it decodes."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import audio
from pipeline.document import TITLE_CHARS, Episode
from pipeline.errors import ReportageError
from tests.audiogen import noise, tone, with_covers, write_audio


@pytest.fixture
def half_mp3(tmp_path):
    whole = write_audio(tmp_path / "whole.mp3", np.concatenate([tone(5.0), noise(5.0)]))
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) // 2])
    return cut


def test_a_truncated_mp3_is_refused_with_the_way_out(half_mp3):
    with pytest.raises(ReportageError) as caught:
        audio.decode_with_warning(half_mp3)
    message = str(caught.value)
    assert "file is truncated" in message and "--allow-truncated" in message
    assert "\n" not in message


def test_a_truncated_mp3_decodes_as_far_as_it_goes_when_allowed(half_mp3):
    samples, warning = audio.decode_with_warning(half_mp3, allow_truncated=True)
    seconds = len(samples) / audio.SAMPLE_RATE
    assert 2.0 < seconds < 9.0 and samples.dtype == np.float32
    assert warning == f"decoded {seconds:.1f} s of 10.0 s: the file is truncated or damaged"
    # What decodes is the start of the audio: the tone (0.3 peak: 0.21 RMS).
    rms = np.sqrt(np.mean(samples[: 2 * audio.SAMPLE_RATE] ** 2))
    assert rms == pytest.approx(0.3 / np.sqrt(2), abs=0.02)


def test_a_cut_off_wav_is_truncated_by_its_header(tmp_path):
    # ffmpeg reckons a WAV's length from the file's size: the header says what it should be.
    whole = write_audio(tmp_path / "whole.wav", np.concatenate([tone(5.0), noise(5.0)]))
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ReportageError, match=r"truncated \(5.0 s decoded of 10.0 s"):
        audio.decode_with_warning(cut)
    assert audio.decode_with_warning(whole)[1] is None


def test_a_truncated_episode_lasts_as_long_as_what_decodes(half_mp3, tmp_path):
    from pipeline.document import Episode, Source
    from pipeline.runner import Context, Engines, Settings

    ep = Episode(slug="cut", title="cut", source=Source(str(half_mp3), "0" * 64, 10.0, 16000))
    settings = Settings(embedder="lexical", allow_truncated=True)
    ctx = Context(half_mp3, tmp_path, ep, settings, Engines(settings), lambda *_: None)
    seconds = len(ctx.audio) / audio.SAMPLE_RATE
    assert ep.source.duration_s == pytest.approx(seconds, abs=0.01) and seconds < 9.0
    # A re-run that decodes nothing (its stages up to date) keeps what decoded.
    from pipeline.stages.ingest import ingest

    (tmp_path / "cut").mkdir()
    ep.source.sha256 = audio.probe(half_mp3).sha256
    ep.save(tmp_path / "cut")
    again = ingest(tmp_path / "cut", half_mp3, audio.probe(half_mp3))
    assert again.source.duration_s == pytest.approx(seconds, abs=0.01)


@pytest.mark.parametrize("name, tags, title", [
    ("afl-12.mp3", {"title": "Het  sociale\nkredietsysteem"}, "Het sociale kredietsysteem"),
    ("afl-12.ogg", {"title": "De haven"}, "De haven"),  # Vorbis comments, on the stream
    ("afl-12.m4a", {}, "afl-12"),
    ("afl-12.mkv", {"track": "Stereo"}, "afl-12"),  # a track's name is not the recording's
    ("afl-12.mp3", {"title": "\x1b[31mRood\x1b[0m \u202eom"}, "[31mRood[0m om"),
    ("afl-12.mp3", {"title": "\u200b\ufeff"}, "afl-12"),  # invisible: no title at all
    ("afl-12.mp3", {"title": "woord " * 100}, ("woord " * 33).strip() + "…"),  # between words
])
def test_a_file_is_named_by_its_title_tag_else_by_its_name(tmp_path, name, tags, title):
    from pipeline.stages.ingest import ingest

    path = write_audio(tmp_path / name, tone(2.0), **tags)
    named = ingest(tmp_path / "episode", path, audio.probe(path)).title
    assert named == title and len(named) <= TITLE_CHARS


def test_a_new_master_renames_the_episode_by_its_tag_until_an_editor_has(tmp_path):
    from pipeline.edits import title
    from pipeline.stages.ingest import ingest

    folder = tmp_path / "afl-12"
    folder.mkdir()
    path = tmp_path / "afl-12.mp3"

    def master(seconds: float, **tags) -> str:
        write_audio(path, tone(seconds), **tags)
        episode = ingest(folder, path, audio.probe(path))
        episode.save(folder)
        return episode.title

    assert master(2.0, title="De haven") == "De haven"
    assert master(2.5, title="De haven van Rotterdam") == "De haven van Rotterdam"
    assert master(3.0) == "De haven van Rotterdam"  # a master without a tag: the title stays
    title.save(folder, Episode.load(folder), {"title": "Op de kade"}, "anna")
    assert master(3.5, title="De haven, opnieuw") == "Op de kade"


def test_the_same_sound_keeps_its_decoded_length_and_a_mended_file_is_decoded_again(tmp_path):
    from pipeline.stages.ingest import ingest

    folder, path = tmp_path / "afl", tmp_path / "afl.mp3"
    folder.mkdir()
    write_audio(path, tone(2.0))
    first = ingest(folder, path, audio.probe(path))
    first.save(folder)
    with_covers(path, back=150_000)  # the same sound, its file changed: taken as only retagged
    again = ingest(folder, path, audio.probe(path))
    assert again.source.duration_s == first.source.duration_s
    assert again.source.audio_key == first.source.audio_key  # no stage runs again
    # A file that decoded with a warning and was mended around the same packets: every stage
    # runs again (their fingerprints gone), and the sound stays its key.
    again.provenance = {"audio": {"warning": "decoded 2.0 s of 52.0 s"},
                        "transcribe": {"fingerprint": "f"}}
    again.save(folder)
    write_audio(path, tone(2.0))
    mended = ingest(folder, path, audio.probe(path))
    assert mended.source.audio_key == first.source.audio_key
    assert "fingerprint" not in mended.provenance["transcribe"]


@pytest.mark.parametrize("front, back", [(0, 150_000), (60_000, 150_000), (300_000, 0)])
def test_covers_in_tags_are_no_truncation(tmp_path, front, back):
    """A constant-bitrate mp3's duration is reckoned from the file's size: an APEv2 cover at
    its end counts there, not as audio that failed to decode (ffmpeg leaves out an ID3v2 tag)."""
    path = with_covers(write_audio(tmp_path / "afl.mp3", tone(2.0)), front, back)
    assert audio.probe(path).duration_s == pytest.approx(2.0, abs=0.1)
    samples, warning = audio.decode_with_warning(path)
    assert warning is None and len(samples) / audio.SAMPLE_RATE == pytest.approx(2.0, abs=0.1)


def test_a_cut_download_with_a_cover_before_it_is_still_truncated(tmp_path):
    """A cover makes up the bytes the cut took: the frame count still says how long it was."""
    path = with_covers(write_audio(tmp_path / "afl.mp3", tone(30.0)), front=60_000)
    path.write_bytes(path.read_bytes()[:-60_000])
    with pytest.raises(ReportageError, match="truncated"):
        audio.decode_with_warning(path)


def test_a_whole_file_has_no_warning(tmp_path):
    path = write_audio(tmp_path / "x.mp3", tone(2.0))
    samples, warning = audio.decode_with_warning(path, allow_truncated=True)
    assert warning is None and abs(len(samples) / audio.SAMPLE_RATE - 2.0) < 0.1


def test_too_little_audio_is_refused_even_when_allowed(tmp_path):
    whole = write_audio(tmp_path / "whole.wav", tone(8.0)).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[:4000])  # the header and a tenth of a second
    with pytest.raises(ReportageError, match="at least 0.5 s"):
        audio.decode_with_warning(cut, allow_truncated=True)


def test_chapters_of_a_file_that_no_longer_decodes_come_from_the_text(tmp_path, half_mp3):
    """A truncated file an earlier run let through (--allow-truncated) still gets chapters on a
    plain re-run: the sound signal gives way, the text places them."""
    from pipeline.document import Episode, Segment, Source
    from pipeline.runner import Context, Engines, Settings
    from pipeline.stages.topics import TopicsStage, episode_sound

    lines = ["De bijen maken honing in de korf.", "De trein rijdt naar Amsterdam."] * 20
    segments = [Segment(f"s{i:02d}", 5.0 * i, 5.0 * i + 4.0, line) for i, line in
                enumerate(lines)]
    ep = Episode(slug="cut", title="cut", source=Source(str(half_mp3), "0" * 64, 200.0, 16000),
                 segments=segments)
    settings = Settings(embedder="lexical")
    ctx = Context(half_mp3, tmp_path, ep, settings, Engines(settings), lambda *_: None)
    assert episode_sound(ctx) is None
    assert TopicsStage().run(ctx)["sound"] is False  # the provenance says so
    assert ep.chapters and ep.chapters[0].start == 0.0


@pytest.mark.parametrize("made, called, stored", [
    ("a.wav", "really-wav.mp3", "audio.wav"),  # a podcast app told audio/mpeg gets a WAV
    ("a.m4a", "phone.mp3", "audio.m4a"),
    ("a.ogg", "voice.opus", "audio.opus"),  # a name the container goes by is kept
    ("a.mp3", "Episode.MP3", "audio.mp3"),
])
def test_the_audio_copy_is_named_by_what_it_holds(tmp_path, made, called, stored):
    from pipeline.document import Source
    from pipeline.stages.ingest import keep_audio

    path = write_audio(tmp_path / made, tone(1.0)).rename(tmp_path / called)
    folder = tmp_path / "episode"
    folder.mkdir()
    (folder / "audio.mp3").write_bytes(b"an earlier copy")
    source = Source(str(path), audio.sha256_file(path), 1.0, 16000)
    keep_audio(folder, path, source)
    assert source.file == stored
    assert [p.name for p in folder.iterdir()] == [stored]
    assert (folder / stored).read_bytes() == path.read_bytes()
