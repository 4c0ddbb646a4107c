"""The default engine on real Dutch speech, and its guards against Whisper's failures."""

import numpy as np
import pytest
from audiogen import clip, noise, reference, silence, tone

from pipeline.asr import AsrOptions, AsrSegment, load_engine
from pipeline.asr.guards import guarded, is_hallucination, loop_free
from pipeline.document import Word
from pipeline.evaluate.metrics import error_rates

SR = 16000


def assert_heard(segments: list[AsrSegment], *clips: str) -> None:
    """Every clip's sentence is in the text, judged against the reference texts, not against the
    words one CPU's int8 kernels happened to produce ("dialog" here, "dialoog" may come
    elsewhere). Measured on vl04108 + vl12745: WER 0.20-0.32, CER 0.06-0.10 over the four
    decodings in this file. A missing sentence alone costs CER > 0.4."""
    text = " ".join(s.text for s in segments)
    rates = error_rates([" ".join(reference(c) for c in clips)], [text])
    assert rates["wer"] <= 0.5 and rates["cer"] <= 0.25, (rates, text)


@pytest.fixture(scope="module")
def engine():
    return load_engine("faster-whisper", None, AsrOptions())


@pytest.mark.model
@pytest.mark.parametrize("filler", [noise(20), tone(20)], ids=["noise", "tone"])
def test_no_text_in_silence_or_noise(engine, filler):
    first, second = clip("vl04108"), clip("vl12745")
    samples = np.concatenate([first, silence(30), filler, second])
    quiet_from, quiet_to = len(first) / SR, (len(samples) - len(second)) / SR
    segments = list(engine.transcribe(samples))
    assert segments, "the speech itself must be transcribed"
    for seg in segments:
        for word in seg.words:
            middle = (word.start + word.end) / 2
            assert not quiet_from + 0.5 < middle < quiet_to - 0.5, (word, quiet_from, quiet_to)
    assert_heard(segments, "vl04108", "vl12745")


@pytest.mark.model
def test_word_timestamps_are_ordered_and_inside_segments(engine):
    segments = list(engine.transcribe(clip("vl04108")))
    for seg in segments:
        starts = [w.start for w in seg.words]
        assert starts == sorted(starts)
        assert seg.start - 0.05 <= seg.words[0].start and seg.words[-1].end <= seg.end + 0.05


def _seg(text, p=0.9, **kw):
    return AsrSegment(0, 1, text, words=[Word(t, 0, 1, p) for t in text.split()], **kw)


def test_guards_drop_hallucinations_and_loops():
    assert is_hallucination(_seg("Bedankt voor het kijken", no_speech_prob=0.9, avg_logprob=-1.2))
    assert is_hallucination(_seg("ja ja ja", p=0.1))
    assert is_hallucination(_seg("  ...  "))
    assert not is_hallucination(_seg("Dit is gewone spraak.", avg_logprob=-0.3))
    loop = [_seg("Dank je wel.") for _ in range(6)] + [_seg("En verder.")]
    assert [s.text for s in guarded(loop)] == ["Dank je wel.", "Dank je wel.", "En verder."]


def test_a_window_that_loops_keeps_what_came_before_the_loop():
    # Seen on a dev episode: every piece short, each passing on its own, the window a loop.
    looped = ["Would it help if you could just click on the line-up items?"] + [
        "Do you try to get the biggest dancers?"] * 9
    assert loop_free(looped) == 2
    assert loop_free(["Go on like this, on and on and on. " * 12]) == 0  # a loop in one piece
    normal = ["Yes.", "Do you see that night door?", "Yes.", "I feel the nostalgia coming up."]
    assert loop_free(normal) == len(normal)  # a short reply said twice is no loop
    assert loop_free([]) == 0


def test_long_audio_is_cut_in_pieces_at_a_quiet_moment():
    from pipeline.audio import PIECE_S, SEARCH_S, pieces

    samples = noise(25 * 60, level=0.2)
    quiet_at = 612 * SR
    samples[quiet_at : quiet_at + SR] = 0  # one second of silence just past the 10-minute mark
    ranges = list(pieces(samples))
    assert ranges[0][0] == 0 and ranges[-1][1] == len(samples)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    assert all(end - start <= (PIECE_S + SEARCH_S) * SR for start, end in ranges)
    assert quiet_at <= ranges[0][1] <= quiet_at + SR
    assert list(pieces(samples[: 5 * SR])) == [(0, 5 * SR)]


@pytest.mark.model
def test_batched_and_sequential_decoding_hear_the_same_sentences(engine):
    """With VAD the chunks are decoded in batches; without, one window after the other. Both
    keep Whisper's own segments, a sentence each here, not one segment per 30 s chunk."""
    samples = np.concatenate([clip("vl04108"), silence(2), clip("vl12745")])
    sequential = load_engine("faster-whisper", None, AsrOptions(vad=False))
    for eng in (engine, sequential):
        segments = list(eng.transcribe(samples))
        assert len(segments) >= 2, [s.text for s in segments]
        assert_heard(segments, "vl04108", "vl12745")
