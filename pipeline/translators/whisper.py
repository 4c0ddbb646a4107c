"""Speech translation with Whisper: the speech decoded again with task="translate", on the
speech model the transcribe stage already loaded, and the English mapped back onto sentences.

Whole sentences are packed into windows of up to 28 s, so Whisper hears each sentence with its
neighbours (better English) and the encoder runs once per window, not once per sentence (about
four times less work). The English comes back with timestamps, and each English piece goes to
the sentences its time overlaps.
"""

from __future__ import annotations

import numpy as np

from pipeline.asr import TRANSLATE_BEAM, TimedText
from pipeline.asr.guards import MAX_COMPRESSION, loop_free, norm
from pipeline.document import Segment
from pipeline.errors import ReportageError
from pipeline.translators.groups import MAX_SPAN_S, sentence_groups, split_proportionally, spread

SAMPLE_RATE = 16000
PAD_S = 0.2  # audio kept around a window, so a clipped first or last syllable still decodes
MIN_OVERLAP = 0.3  # share of an English piece, or of a sentence, that makes them belong together
REPEAT_WORDS = 3  # English this long said twice for other Dutch is a repeat ("Ja." / "Jawel.")
BATCH = 8  # windows per batched decode (translate_segments hands over 32 segments at a time)

Span = tuple[float, float]


class WhisperTranslator:
    name = "whisper"
    needs_audio = True

    def __init__(self, engine):
        """`engine`: the run's loaded faster-whisper engine (see check_options)."""
        self.model_name = engine.model_name
        self.options = engine.options
        self.pipeline = engine.batched

    def translate(self, segments: list[Segment], audio: np.ndarray | None) -> list[str]:
        if audio is None:
            raise ReportageError("the whisper translator needs the episode's audio")
        groups = sentence_groups(segments)
        windows = pack(_sentences(segments, groups))
        spans = [_padded(segments, groups, w, len(audio) / SAMPLE_RATE) for w in windows]
        return english_of(segments, self._decode(audio, spans))

    def _decode(self, audio: np.ndarray, spans: list[Span]) -> list[TimedText]:
        """The English pieces of the spans, with their times in the episode."""
        found, _info = self.pipeline.transcribe(
            audio, language=self.options.language, task="translate", hotwords=self.options.hotwords,
            beam_size=TRANSLATE_BEAM, batch_size=BATCH, without_timestamps=False,
            clip_timestamps=[{"start": a, "end": b} for a, b in spans],
        )
        pieces = [(p.start, p.end, p.text.strip()) for p in found
                  if p.text.strip() and p.compression_ratio <= MAX_COMPRESSION]
        # A runaway repetition loop, in one piece or over a window's pieces: no translation.
        inside = [[p for p in pieces if a <= (p[0] + p[1]) / 2 <= b] for a, b in spans]
        return [p for window in inside for p in window[:loop_free([t for *_, t in window])]]


def english_of(segments: list[Segment], pieces: list[TimedText]) -> list[str]:
    """Each segment's English from English pieces with times: every piece goes to the sentences
    it overlaps, and a sentence's English is split over its segments."""
    groups = sentence_groups(segments)
    english = assign(pieces, _sentences(segments, groups))
    dutch = [" ".join(segments[i].nl for i in group) for group in groups]
    return spread(segments, groups, unrepeated(english, dutch))


def unrepeated(english: list[str], dutch: list[str]) -> list[str]:
    """The sentences' English less a repeat: Whisper may decode the sentence before once more
    for the next one (two lines of other Dutch under one English, 6 of the dev sets' 930
    lines). Such a sentence is left without English, for the caller to translate it again on
    its own; the same English for the same Dutch stays, and a short reply's ("Yes.")."""
    return [text if i == 0 or len(norm(text).split()) < REPEAT_WORDS
            or norm(text) != norm(english[i - 1]) or norm(dutch[i]) == norm(dutch[i - 1])
            else "" for i, text in enumerate(english)]


def _sentences(segments: list[Segment], groups: list[list[int]]) -> list[Span]:
    return [(segments[g[0]].start, segments[g[-1]].end) for g in groups]


def pack(sentences: list[Span], limit_s: float = MAX_SPAN_S) -> list[list[int]]:
    """Indices of consecutive sentences packed into windows of at most `limit_s` seconds."""
    windows: list[list[int]] = []
    for i, (_start, end) in enumerate(sentences):
        if windows and end - sentences[windows[-1][0]][0] <= limit_s:
            windows[-1].append(i)
        else:
            windows.append([i])
    return windows


def assign(pieces: list[TimedText], sentences: list[Span]) -> list[str]:
    """Each sentence's English: every piece goes to the sentences its time overlaps, split
    over them in proportion to the overlap when it spans several."""
    texts: list[list[str]] = [[] for _ in sentences]
    for start, end, text in pieces:
        overlaps = [max(0.0, min(end, b) - max(start, a)) for a, b in sentences]
        chosen = [i for i, (o, (a, b)) in enumerate(zip(overlaps, sentences, strict=True))
                  if o > 0 and o >= MIN_OVERLAP * min(end - start, b - a)]
        if not chosen:  # timestamps can drift into a pause: the nearest sentence takes it
            middle = (start + end) / 2
            chosen = [min(range(len(sentences)),
                          key=lambda i: abs((sentences[i][0] + sentences[i][1]) / 2 - middle))]
        weights = [overlaps[i] or 1.0 for i in chosen]
        for i, part in zip(chosen, split_proportionally(text, weights), strict=True):
            texts[i].append(part)
    return [" ".join(t for t in parts if t) for parts in texts]


def _padded(segments: list[Segment], groups: list[list[int]], window: list[int],
            duration: float) -> Span:
    """The window's audio with a little padding, never reaching into a neighbour's speech."""
    first, last = groups[window[0]][0], groups[window[-1]][-1]
    before = segments[first - 1].end if first > 0 else 0.0
    after = segments[last + 1].start if last + 1 < len(segments) else duration
    start = max(min(segments[first].start, max(before, segments[first].start - PAD_S)), 0.0)
    end = min(max(segments[last].end, min(after, segments[last].end + PAD_S)), duration)
    return start, end
