"""Guards against Whisper's known failures on long audio: hallucinated text in silence or
noise, and repetition loops. Applied to every engine's output."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator

from pipeline.asr import AsrSegment

# Whisper fills silence or music with text it saw in subtitled training data.
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
LOW_WORD_PROB = 0.35
MAX_COMPRESSION = 2.4
MAX_REPEATS = 2


def norm(text: str) -> str:
    """The text as repeats are compared: lower case, its words only."""
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def is_hallucination(seg: AsrSegment) -> bool:
    if not norm(seg.text):
        return True
    if seg.no_speech_prob > NO_SPEECH_PROB and seg.avg_logprob < LOW_LOGPROB:
        return True
    if seg.compression_ratio > MAX_COMPRESSION:
        return True
    # Words the model itself barely believes in, all of them: typical of text made up in noise.
    return bool(seg.words and max(w.probability for w in seg.words) < LOW_WORD_PROB)


def loop_free(texts: list[str]) -> int:
    """How many of a window's pieces to keep: all, unless together they are a repetition loop
    (Whisper can fill a window with one sentence over and over, each piece short enough to pass
    on its own); then those before the first repeated piece. A loop is Whisper's own window
    test: the text compresses far better than real language does."""
    data = " ".join(texts).encode()
    if not data or len(data) / len(zlib.compress(data)) <= MAX_COMPRESSION:
        return len(texts)
    seen = [norm(t) for t in texts]
    return next((i for i, key in enumerate(seen) if key in seen[:i]), 0)


def guarded(segments: Iterable[AsrSegment]) -> Iterator[AsrSegment]:
    """Drop hallucinated segments and break repetition loops (the same text again and again)."""
    recent: list[str] = []
    for seg in segments:
        if is_hallucination(seg):
            continue
        key = norm(seg.text)
        if recent.count(key) >= MAX_REPEATS:
            continue
        recent = (recent + [key])[-4:]
        yield seg
