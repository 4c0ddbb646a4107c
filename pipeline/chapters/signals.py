"""Evidence of a topic shift at every gap between two spoken segments.

Each signal is a curve over the gaps, standardised within the episode (mean 0, sd 1), so
signals of different kinds add up and a strong one stands out however loud the others are:

- meaning: how unlike the text of a window of time before a gap is to the window after it
  (TextTiling with e5 vectors), on the Dutch and, when there is one, the English (windows of
  15, 30 and 60 s averaged were worse on the interview dev set: 30 s alone);
- words: the same for bags of stemmed content words (a repeated name or term binds a topic);
- sound: how far the mean spectrum of the speech (log mel of each segment's louder frames)
  moves across a gap: another place, microphone or line sounds different (a reporter's field
  recording against the studio, a phone guest, another scene), and so do other voices;
- pauses: a long silence is where a speaker often turns to something new;
- turns: in an interview a new topic often opens with the host's question;
- sentence ends: a chapter starts at the start of a sentence.

The weights are a prior, not fitted to a data set: meaning, words and sound carry the topic;
pauses, turns and sentence ends only choose among nearby gaps of equal meaning. Sound counts as
much as meaning: on the interview dev set, recognised with WER ~0.4, it told boundaries apart as
well as the Dutch meaning did (AUC 0.66 against 0.63), and all signals together reached 0.74
with it against 0.65 without.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.audio import FRAMES_PER_S, mel_frames
from pipeline.document import Segment
from pipeline.embeddings import Embedder, LexicalEmbedder

SENTENCE_END = (".", "?", "!", "…")


@dataclass(frozen=True)
class Signals:
    """How the evidence is made (fingerprinted by the topics stage: a change redoes chapters)."""

    windows_s: tuple[float, ...] = (30.0,)  # text and sound on each side of a gap, compared
    meaning: float = 1.0
    words: float = 0.5
    sound: float = 1.0
    sound_range_db: float = 60.0  # below the loud level: the recording's noise floor
    pauses: float = 0.25
    turns: float = 0.25
    sentences: float = 0.25


def gap_evidence(spoken: list[Segment], embedder: Embedder, signals: Signals,
                 sound: np.ndarray | None = None) -> np.ndarray:
    """evidence[i] for the gap in front of segment i (evidence[0], no gap, is 0); `sound`
    (`sound_vectors`) adds the sound signal."""
    n = len(spoken)
    evidence = np.zeros(n)
    if n < 2:
        return evidence
    times = np.array([s.start for s in spoken])
    lexical = _lexical(spoken)
    meaning = [standard(novelty(v, times, w)) for v in text_vectors(spoken, embedder)
               for w in signals.windows_s]
    words = [standard(novelty(lexical, times, w)) for w in signals.windows_s]
    parts = [
        (signals.meaning, np.mean(meaning, axis=0)),
        (signals.words, np.mean(words, axis=0)),
        (signals.pauses, standard(np.log(np.maximum(pauses(spoken), 0.05)))),
        (signals.turns, standard(turns(spoken))),
        (signals.sentences, standard(sentence_starts(spoken))),
    ]
    if sound is not None:
        parts.append((signals.sound, np.mean([standard(distance(sound, times, w))
                                              for w in signals.windows_s], axis=0)))
    evidence[1:] = sum(weight * curve for weight, curve in parts)
    return evidence


def text_vectors(spoken: list[Segment], embedder: Embedder) -> list[np.ndarray]:
    """One matrix per language the episode has: unit rows, centred on the episode's mean so
    that what every segment shares (the show's voice, its recurring words) does not count."""
    views = [embedder.embed([s.nl for s in spoken], "nl")]
    if any(s.en and s.en.strip() for s in spoken):
        views.append(embedder.embed([s.en if s.en and s.en.strip() else s.nl
                                     for s in spoken], "en"))
    return [_centred(_unit_rows(v)) for v in views]


def sound_vectors(audio: np.ndarray, spoken: list[Segment], range_db: float) -> np.ndarray:
    """Per segment, the mean log mel spectrum of its louder 80% of frames (the speech rather
    than the silence between words), centred on the episode's mean. Bands more than range_db
    below the episode's loud level are the recording's noise floor: held at that level."""
    mel = mel_frames(audio)  # in place from here: an hour is 58 MB
    floor = max(float(np.percentile(mel[::10], 99)) * 10 ** (-range_db / 10), 1e-12)
    np.log(np.maximum(mel, floor, out=mel), out=mel)
    rows = []
    for seg in spoken:
        first = min(max(0, int(seg.start * FRAMES_PER_S)), len(mel) - 1)
        frames = mel[first:max(first + 1, int(seg.end * FRAMES_PER_S))]
        level = frames.mean(axis=1)
        rows.append(frames[level >= np.percentile(level, 20)].mean(axis=0, dtype=np.float64))
    return _centred(np.array(rows))


def _lexical(spoken: list[Segment]) -> np.ndarray:
    return _centred(_unit_rows(LexicalEmbedder().embed([s.nl for s in spoken], "nl")))


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _centred(matrix: np.ndarray) -> np.ndarray:
    return matrix - matrix.mean(axis=0)


def novelty(vectors: np.ndarray, times: np.ndarray, window_s: float) -> np.ndarray:
    """1 - cosine between the summed vectors of the window before and after each gap
    (one value per gap: the gap in front of segment 1, 2, ...)."""
    return np.array([1.0 - _cosine(before.sum(axis=0), after.sum(axis=0))
                     for before, after in _windows(vectors, times, window_s)])


def distance(vectors: np.ndarray, times: np.ndarray, window_s: float) -> np.ndarray:
    """How far the mean vector moves from the window before each gap to the window after it,
    beyond what chance gives means of so few rows (the rows' spread over n and m rows). For
    spectra: largest where the sound changes, not wherever both sides differ, as a cosine is."""
    spread = float(np.mean(np.sum((vectors - vectors.mean(axis=0)) ** 2, axis=1)))
    return np.array([
        np.sqrt(max(0.0, float(np.sum((before.mean(axis=0) - after.mean(axis=0)) ** 2))
                    - spread * (1 / len(before) + 1 / len(after))))
        for before, after in _windows(vectors, times, window_s)])


def _windows(vectors: np.ndarray, times: np.ndarray, window_s: float):
    """(rows before, rows after) each gap: window_s of segment starts, at least one each side."""
    for i in range(1, len(vectors)):
        lo = min(int(np.searchsorted(times, times[i] - window_s)), i - 1)
        hi = max(int(np.searchsorted(times, times[i] + window_s)), i + 1)
        yield vectors[lo:i], vectors[i:hi]


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    # Lines that are all alike centre to rounding noise, whose cosines are random: no signal.
    return float(a @ b / norm) if norm > 1e-12 else 0.0


def pauses(spoken: list[Segment]) -> np.ndarray:
    return np.array([b.start - a.end for a, b in zip(spoken, spoken[1:], strict=False)])


def turns(spoken: list[Segment]) -> np.ndarray:
    return np.array([float(a.speaker != b.speaker and b.speaker is not None)
                     for a, b in zip(spoken, spoken[1:], strict=False)])


def sentence_starts(spoken: list[Segment]) -> np.ndarray:
    return np.array([float(a.nl.rstrip().endswith(SENTENCE_END))
                     for a in spoken[:-1]])


def standard(curve: np.ndarray) -> np.ndarray:
    """Mean 0 and sd 1; a flat curve (no information) is all zeros."""
    sd = curve.std()
    return (curve - curve.mean()) / sd if sd > 1e-9 else np.zeros_like(curve)
