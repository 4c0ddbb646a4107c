import numpy as np
import pytest
from audiogen import CODECS, noise, speech_episode, tone, write_audio

from pipeline import audio
from pipeline.errors import ReportageError


@pytest.mark.parametrize("suffix", sorted(CODECS))
def test_every_container_decodes_to_16k_mono_float32(tmp_path, suffix):
    samples = np.concatenate([tone(1.5), noise(1.0)])
    path = write_audio(tmp_path / f"x{suffix}", samples, rate=44100)
    decoded = audio.decode(path)
    assert decoded.dtype == np.float32
    assert decoded.ndim == 1
    # 2.5 s of 44.1 kHz input comes out as 2.5 s at 16 kHz (codec padding aside).
    assert abs(len(decoded) / audio.SAMPLE_RATE - 2.5) < 0.1
    assert np.abs(decoded).max() <= 1.0


def test_audio_track_of_a_video_file(tmp_path):
    import av

    path = tmp_path / "clip.mkv"
    samples = tone(2.0)
    with av.open(str(path), "w") as container:
        video = container.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = container.add_stream("flac", rate=16000, layout="mono")
        for i in range(20):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 10, np.uint8), "rgb24")
            frame.pts = i
            container.mux(video.encode(frame))
        pcm = (samples * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate, frame.pts = 16000, 0
        container.mux(sound.encode(frame))
        container.mux(sound.encode(None))
        container.mux(video.encode(None))
    assert abs(len(audio.decode(path)) / 16000 - 2.0) < 0.05


def test_decoding_matches_the_source_samples(tmp_path):
    samples, _ = speech_episode()
    decoded = audio.decode(write_audio(tmp_path / "x.wav", samples))
    assert np.abs(decoded - samples).max() < 1e-3


def test_probe_hashes_and_measures(tmp_path):
    path = write_audio(tmp_path / "x.flac", tone(3.0))
    info = audio.probe(path)
    assert info.duration_s == pytest.approx(3.0, abs=0.05)
    assert info.sample_rate == 16000
    assert len(info.sha256) == 64


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("not audio at all"), "not a readable audio file"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: write_audio(p, tone(0.2)), "at least"),
    ],
    ids=["text-as-mp3", "zero-length", "too-short"],
)
def test_bad_files_give_one_clear_error(tmp_path, make, message):
    path = tmp_path / "bad.mp3"
    make(path)
    with pytest.raises(ReportageError, match=message):
        audio.decode(path)


def test_truncated_mp3_is_refused(tmp_path):
    samples, _ = speech_episode()
    full = write_audio(tmp_path / "full.mp3", samples).read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(full[: len(full) // 3])
    with pytest.raises(ReportageError, match="truncated"):
        audio.decode(cut)


def test_missing_file(tmp_path):
    with pytest.raises(ReportageError, match="no such file"):
        audio.probe(tmp_path / "nope.wav")
