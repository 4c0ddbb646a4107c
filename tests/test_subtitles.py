"""The cue builder: broadcast norms, line breaks, speakers, chapters, no word lost."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.document import Segment, Word
from pipeline.formats.conformance import check, parse_srt
from pipeline.formats.cues import (
    NETFLIX_NL,
    PODCAST,
    Norms,
    build_cues,
    cue_chars,
    cue_words,
    episode_cues,
    layout,
    segment_words,
)
from pipeline.formats.subtitles import to_srt
from tests.synthetic import synthetic_episode, timed_segment


def broken_rules(cues, norms: Norms = NETFLIX_NL) -> list[str]:
    """Hard limits the cues break, as the checker sees them in the written SRT."""
    return [f"{v.cue}:{v.rule}" for v in check(parse_srt(to_srt(cues)), norms) if v.hard]


def test_synthetic_episode_meets_every_hard_limit_in_both_languages():
    episode = synthetic_episode()
    for lang in ("nl", "en"):
        cues = episode_cues(episode, lang)
        assert broken_rules(cues) == []
        assert cue_words(cues) == segment_words(episode.segments, lang)


def test_long_sentence_breaks_into_balanced_lines_at_a_phrase_boundary():
    text = "Ik ging gisteren naar de markt in Delft, en daar kocht ik verse appels."
    [cue] = build_cues([timed_segment("s", 0.0, text, cps=12)])
    assert cue.lines == [
        "Ik ging gisteren naar de markt in Delft,",
        "en daar kocht ik verse appels.",
    ]


SENTENCE = "Zij zag gisteren op het plein de nieuwe burgemeester van de stad"


def test_lines_never_end_on_an_article():
    lines, _ = layout(tuple(SENTENCE.split()), 42, 2)
    assert len(lines) == 2
    assert lines[0].split()[-1] not in {"de", "het", "een"}


def test_short_text_stays_on_one_line():
    lines, cost = layout(("Dank", "je", "wel."), 42, 2)
    assert lines == ("Dank je wel.",) and cost == 0


def test_a_word_longer_than_a_line_gets_a_line_of_its_own():
    long_word = "hottentottententententoonstellingsterrein" * 2
    cues = build_cues([timed_segment("s", 0.0, f"Kijk, een {long_word} hier.")])
    assert any(cue.lines == [long_word] for cue in cues)
    assert cue_words(cues) == ["Kijk,", "een", long_word, "hier."]


def test_a_new_speaker_starts_a_new_cue():
    first = timed_segment("a", 0.0, "Ben je er klaar voor?", speaker="Anna")
    second = timed_segment("b", first.end + 0.2, "Ja hoor.", speaker="Bram")
    cues = build_cues([first, second])
    assert [(c.text, c.speaker) for c in cues] == [
        ("Ben je er klaar voor?", "Anna"),
        ("Ja hoor.", "Bram"),
    ]
    # Without the speaker change the two short lines share one cue.
    first.speaker = second.speaker = "Anna"
    assert len(build_cues([first, second])) == 1


def test_a_chapter_start_starts_a_new_cue():
    first = timed_segment("a", 0.0, "Dat was het nieuws.")
    second = timed_segment("b", first.end + 0.2, "Nu het weer.")
    assert len(build_cues([first, second])) == 1
    cues = build_cues([first, second], chapter_starts=[second.start])
    assert [c.text for c in cues] == ["Dat was het nieuws.", "Nu het weer."]
    # Its first cue never leads in from the chapter before: it starts with the chapter.
    assert cues[1].start == pytest.approx(second.start, abs=0.001) and cues[0].end < second.start


def test_fast_speech_is_stretched_into_the_following_pause():
    text = "Dit is een behoorlijk snel uitgesproken zin met heel veel woorden erin."
    fast = timed_segment("a", 0.0, text, cps=30)
    later = timed_segment("b", fast.end + 3.0, "Daarna.")
    cue = build_cues([fast, later])[0]
    assert cue.end > fast.end
    assert cue_chars(cue.lines) / (cue.end - cue.start) <= 17.0 + 1e-9


def test_speech_too_fast_for_any_pause_still_never_exceeds_the_hard_limit():
    text = " ".join(["snelle woorden zonder adem"] * 12)
    cues = build_cues([timed_segment("a", 0.0, text, cps=35)])
    assert broken_rules(cues) == []
    assert max(cue_chars(c.lines) / (c.end - c.start) for c in cues) <= 20.0 + 1e-9


def test_english_without_word_times_is_split_over_the_segment_span():
    seg = Segment(
        "s",
        10.0,
        22.0,
        "Nederlands.",
        en="This is a fairly long English sentence, which has to be split across more than "
        "one cue because it does not fit into two lines of forty-two characters.",
    )
    cues = build_cues([seg], lang="en")
    assert len(cues) >= 2
    assert cue_words(cues) == seg.en.split()
    assert cues[0].start == 10.0 and 20.0 <= cues[-1].end <= 23.0


def test_an_edit_keeps_the_times_of_the_words_it_did_not_change():
    words = [
        Word("Eerst", 0.0, 0.4),
        Word("dit.", 0.5, 1.0),
        Word("Dan", 4.0, 4.4),
        Word("dat.", 4.5, 5),
    ]
    seg = Segment("s", 0.0, 5.0, "Eerst dit. Dan dat.", words=words)
    seg.nl = "Eerst nog dit. Dan pas dat."
    cues = build_cues([seg])
    assert [(c.text, c.start) for c in cues] == [("Eerst nog dit.", 0.0), ("Dan pas dat.", 4.0)]


def test_podcast_norms_keep_lines_to_32_characters():
    cues = episode_cues(synthetic_episode(), "nl", PODCAST)
    assert max(len(line) for c in cues for line in c.lines) <= 32
    assert broken_rules(cues, PODCAST) == []


def test_backwards_word_times_are_made_monotonic():
    seg = Segment(
        "s",
        0.0,
        2.0,
        "een twee drie",
        words=[
            Word(" een", 0.0, 0.5),
            Word(" twee", 0.4, 0.3),
            Word(" drie", 0.2, 1.0),
        ],
    )
    assert broken_rules(build_cues([seg])) == []


# ---------------------------------------------------------------- property test

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=18) | st.sampled_from(
    ["de", "en", "van", "het", "maar", "in"]
)
_punct = st.sampled_from(["", "", "", ",", ".", "?"])


@st.composite
def segments(draw) -> tuple[list[Segment], list[float]]:
    segs, t = [], draw(st.floats(0, 5))
    for n in range(draw(st.integers(1, 12))):
        words = []
        for _ in range(draw(st.integers(1, 30))):
            text = draw(_word) + draw(_punct)
            duration = draw(st.floats(0.02, 1.2))
            words.append(Word(f" {text}", t, t + duration))
            t += duration + draw(st.sampled_from([0.0, 0.0, 0.05, 0.3, 1.0, 2.5]))
        speaker = draw(st.sampled_from([None, "A", "B"]))
        said = [w.text.strip() for w in words]
        # Sometimes an editor has changed a stretch of words since they were timed.
        cut = sorted(draw(st.lists(st.integers(0, len(said)), min_size=2, max_size=2)))
        edited = said[: cut[0]] + draw(st.lists(_word, max_size=3)) + said[cut[1] :]
        text = " ".join(edited or said)
        en = draw(st.sampled_from([None, text.upper()]))
        segs.append(Segment(f"s{n}", words[0].start, words[-1].end, text, en, speaker, words))
        t += draw(st.floats(0, 3))
    chapters = draw(st.lists(st.sampled_from([s.start for s in segs]), max_size=3))
    return segs, chapters


_SHORT_BEFORE_A_CHAPTER = (  # a word of 0.5 s, and a chapter right after it
    [Segment(f"s{n}", a, b, "a", words=[Word(" a", a, b)])
     for n, (a, b) in enumerate([(0.0, 0.5), (0.5, 1.5), (1.5, 2.5)])], [0.5])


@settings(max_examples=80, deadline=None)
@given(segments(), st.sampled_from([NETFLIX_NL, PODCAST]))
@example(_SHORT_BEFORE_A_CHAPTER, NETFLIX_NL)
def test_no_word_is_lost_or_duplicated_and_hard_limits_hold(data, norms):
    segs, chapters = data
    for lang in ("nl", "en"):
        cues = build_cues(segs, lang, chapters, norms)
        assert cue_words(cues) == segment_words(segs, lang)
        assert broken_rules(cues, norms) == []
        # No cue begins in the chapter before and runs on into it; but one that is as short as
        # a cue may be: a word said just before a chapter, no earlier room to show it.
        for chapter in chapters:
            assert not any(c.start < chapter - 0.001 < c.end - 0.002
                           and c.end - c.start > norms.min_duration + 0.002 for c in cues), chapter
