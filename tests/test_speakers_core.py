"""Speaker labels: clustering and turn logic on made-up embeddings, then the real encoder on
two espeak-ng voices and on a real recorded voice (tests/data, one Flemish reader)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from audiogen import CLIPS, SENTENCES, VOICE_A, VOICE_B, clip, noise, silence, speak

from pipeline.audio import mel_basis, mel_frames
from pipeline.speakers import Segment, Word, encoder, label_speakers, labels

RATE = 16000


def voice_vectors(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=256), rng.normal(size=256)
    return a / np.linalg.norm(a), b / np.linalg.norm(b)


def around(centre: np.ndarray, n: int, rng, spread: float = 0.02) -> np.ndarray:
    """n unit vectors near `centre` (cosine about 0.95 to it at the default spread)."""
    x = centre + rng.normal(scale=spread, size=(n, len(centre)))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# --- mel frames and clustering, no model ---------------------------------------------------

def test_mel_frames_match_librosa_as_resemblyzer_calls_it():
    import librosa

    x = noise(3.0, seed=1) * np.sin(np.linspace(0, 40, 3 * RATE)).astype(np.float32)
    ours = mel_frames(x)
    theirs = librosa.feature.melspectrogram(y=x, sr=RATE, n_fft=400, hop_length=160, n_mels=40).T
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1e-4 * theirs.max()
    assert np.allclose(mel_basis(), librosa.filters.mel(sr=RATE, n_fft=400, n_mels=40), atol=1e-6)


def test_two_voices_are_two_and_one_voice_is_one():
    rng = np.random.default_rng(1)
    a, b = voice_vectors()
    two = np.concatenate([around(a, 60, rng), around(b, 40, rng)])
    centroids, estimate = labels._cluster(two, np.ones(100), None)
    assert estimate == 2 and len(centroids) == 2
    one = around(a, 100, rng)
    assert labels._cluster(one, np.ones(100), None)[1] == 1


def test_a_voice_with_a_sliver_of_the_talk_is_not_counted():
    rng = np.random.default_rng(2)
    a, b = voice_vectors()
    c = voice_vectors(seed=3)[0]
    x = np.concatenate([around(a, 60, rng), around(b, 60, rng), around(c, 3, rng)])
    assert labels._cluster(x, np.ones(len(x)), None)[1] == 2  # 3 of 123: under MIN_SHARE


def test_a_forced_count_is_obeyed_and_noted():
    rng = np.random.default_rng(4)
    x = around(voice_vectors()[0], 50, rng)
    centroids, estimate = labels._cluster(x, np.ones(50), 2)
    assert len(centroids) == 2 and estimate == 1


# --- the whole flow on made-up embeddings: windows, turns, splits, label order --------------

def fake_episode(monkeypatch, change_s: float):
    """Noise where words are spoken; the encoder replaced by one that answers voice A for
    windows mostly before `change_s` and voice B after, so the flow runs without the model."""
    a, b = voice_vectors()
    rng = np.random.default_rng(5)

    def embed(mel, windows, done=None):
        late = np.array([np.mean(w >= change_s * 100) > 0.5 for w in windows])
        return np.where(late[:, None], around(b, len(windows), rng), around(a, len(windows), rng))

    monkeypatch.setattr(labels, "embed", embed)
    samples = silence(40.0)
    return samples, rng


def spoken(samples, rng, start, n_words, word_s=0.35, gap_s=0.05):
    """Write noise 'words' into samples from `start`; their (start, end) times."""
    words, t = [], start
    for _ in range(n_words):
        i, j = int(t * RATE), int((t + word_s) * RATE)
        samples[i:j] = rng.normal(scale=0.1, size=j - i)
        words.append(Word(t, t + word_s))
        t += word_s + gap_s
    return tuple(words)


def test_a_change_inside_a_segment_splits_at_the_word_where_it_happens(monkeypatch):
    samples, rng = fake_episode(monkeypatch, change_s=24.0)
    segments = []
    for start in (0.0, 6.0, 12.0):  # voice A alone, 4.8 s each
        words = spoken(samples, rng, start, 12)
        segments.append(Segment(start, words[-1].end, words))
    first = spoken(samples, rng, 18.0, 14)  # A, up to 23.6 s
    second = spoken(samples, rng, 24.0, 10)  # B, after a 0.4 s pause
    segments.append(Segment(18.0, second[-1].end, first + second))
    words = spoken(samples, rng, 30.0, 14)  # B alone
    segments.append(Segment(30.0, words[-1].end, words))

    result = label_speakers(samples, segments)
    assert result.count == 2
    assert result.labels == ["S1", "S1", "S1", "S1", "S2"]
    assert result.splits == [labels.Split(segment=3, word=14, speaker="S2")]
    forced = label_speakers(samples, segments, count=1)
    assert forced.labels == ["S1"] * 5 and forced.splits == []
    assert forced.note == "asked for 1 speaker; the voices alone suggest 2"


def test_a_brief_change_inside_a_segment_is_no_turn(monkeypatch):
    samples, rng = fake_episode(monkeypatch, change_s=100.0)  # voice A throughout...
    segments = [Segment(s, s + 5, spoken(samples, rng, s, 12)) for s in (0.0, 6.0, 12.0, 18.0)]
    a, b = voice_vectors()
    embed = labels.embed

    # ...but for one window, as a back-channel would be
    def one_odd_window(mel, windows, done=None):
        out = embed(mel, windows)
        out[5] = b
        return out

    monkeypatch.setattr(labels, "embed", one_odd_window)
    result = label_speakers(samples, segments)
    assert result.count == 1 and result.splits == [] and set(result.labels) == {"S1"}


def test_segments_come_as_tuples_or_objects():
    @dataclass
    class W:
        text: str
        start: float
        end: float

    @dataclass
    class S:
        start: float
        end: float
        words: list

    assert labels.as_segment((1, 2)) == Segment(1.0, 2.0)
    assert labels.as_segment((1, 2, [(1, 1.5)])) == Segment(1.0, 2.0, (Word(1.0, 1.5),))
    assert labels.as_segment(S(1, 2, [W("ja", 1, 1.5)])) == Segment(1.0, 2.0, (Word(1.0, 1.5),))
    assert label_speakers(silence(1.0), []).labels == []


# --- the real encoder -------------------------------------------------------------------------

def dialogue(parts: list[tuple[np.ndarray, str]], pause_s: float = 0.5):
    """Join (samples, who) parts with pauses: the audio, segments and who speaks each."""
    pieces, segments, who, t = [], [], [], 0.0
    for samples, name in parts:
        segments.append(Segment(t, t + len(samples) / RATE))
        who.append(name)
        pieces += [samples, silence(pause_s)]
        t += len(samples) / RATE + pause_s
    return np.concatenate(pieces), segments, who


@pytest.mark.model
def test_two_alternating_voices_get_two_labels_and_progress_is_told(tmp_path, monkeypatch):
    parts = [(speak(s, VOICE_A if i % 2 == 0 else VOICE_B, tmp_path), "AB"[i % 2])
             for i, s in enumerate(SENTENCES)]
    samples, segments, who = dialogue(parts)
    monkeypatch.setattr(encoder, "BATCH", 4)  # several batches, so a share between 0 and 1
    shares = []
    result = label_speakers(samples, segments, progress=shares.append)
    assert result.count == 2 and result.note == ""
    assert result.labels == ["S1" if w == "A" else "S2" for w in who]
    assert len(shares) > 2 and shares == sorted(shares) and 0 < shares[0] < 1 == shares[-1]


@pytest.mark.model
def test_one_synthetic_voice_is_one_speaker_unless_told_otherwise(tmp_path):
    samples, segments, _ = dialogue([(speak(s, VOICE_A, tmp_path), "A") for s in SENTENCES])
    result = label_speakers(samples, segments)
    assert result.count == 1 and set(result.labels) == {"S1"}
    forced = label_speakers(samples, segments, count=2)
    assert forced.count == 2
    assert forced.note == "asked for 2 speakers; the voices alone suggest 1"


@pytest.mark.model
def test_one_real_reader_is_one_speaker():
    samples, segments, _ = dialogue([(clip(name), "A") for name in CLIPS], pause_s=1.0)
    result = label_speakers(samples, segments)
    assert result.count == 1 and set(result.labels) == {"S1"}


@pytest.mark.model
def test_a_voice_change_inside_a_segment_splits_at_that_word(tmp_path):
    """Words spoken one at a time, so each word's time is known; the fourth segment holds
    voice A's sentence and then, 0.3 s later, voice B's."""
    def say(text, voice, start):
        pieces, words, t = [], [], start
        for word in text.rstrip(".?").split():
            samples = speak(word, voice, tmp_path)
            words.append(Word(t, t + len(samples) / RATE))
            pieces += [samples, silence(0.06)]
            t += len(samples) / RATE + 0.06
        return np.concatenate(pieces), tuple(words)

    plan = [[(0, VOICE_A)], [(1, VOICE_B)], [(2, VOICE_A)], [(3, VOICE_A), (4, VOICE_B)],
            [(5, VOICE_B)], [(6, VOICE_A)], [(7, VOICE_B)]]
    parts, segments, t = [], [], 0.0
    for sentences in plan:
        start, words = t, ()
        for sentence, voice in sentences:
            samples, said = say(SENTENCES[sentence], voice, t)
            parts += [samples, silence(0.3)]
            words += said
            t += len(samples) / RATE + 0.3
        segments.append(Segment(start, words[-1].end, words))
        parts.append(silence(0.2))
        t += 0.2

    result = label_speakers(np.concatenate(parts), segments)
    assert result.count == 2
    assert result.labels == ["S1", "S2", "S1", "S1", "S2", "S1", "S2"]
    first_of_b = len(SENTENCES[3].rstrip(".").split())
    assert result.splits == [labels.Split(segment=3, word=first_of_b, speaker="S2")]


@pytest.mark.model
def test_the_encoder_loads_without_importing_resemblyzer_or_webrtcvad():
    """webrtcvad's `import pkg_resources` fails with setuptools >= 81: it must never load."""
    code = ("import sys; from pipeline.speakers.encoder import load_encoder; load_encoder(); "
            "print(sorted({'resemblyzer', 'webrtcvad', 'librosa'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.model
def test_under_two_seconds_of_speech_is_one_speaker(tmp_path):
    samples = speak("Ja, goed.", VOICE_A, tmp_path)
    assert len(samples) < 2 * RATE
    result = label_speakers(np.concatenate([samples, silence(0.5)]),
                            [Segment(0.0, len(samples) / RATE)])
    assert result.labels == ["S1"] and result.count == 1 and result.splits == []


@pytest.mark.parametrize("given, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_threads_sleep_unless_told_otherwise(given, expected):
    """torch's OpenMP (the voice encoder's) reads OMP_WAIT_POLICY as it loads: set by then, so
    idle threads sleep instead of spinning on cores other work needs (the speakers stage took
    8x as long beside a busy process); a producer's own setting stands."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    code = ("import os, sys, pipeline.speakers.encoder; assert 'torch' not in sys.modules; "
            "print(os.environ['OMP_WAIT_POLICY'])")
    seen = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent, check=True)
    assert seen.stdout.strip() == expected
