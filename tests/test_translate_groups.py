"""Sentence grouping across segments and the proportional split of English back over them."""

from hypothesis import given
from hypothesis import strategies as st

from pipeline.document import Segment
from pipeline.translators.groups import sentence_groups, split_proportionally, spread
from pipeline.translators.whisper import assign, pack


def seg(start: float, end: float, nl: str) -> Segment:
    return Segment(id=f"s{start}", start=start, end=end, nl=nl)


def test_fragments_join_until_a_sentence_ends():
    segments = [seg(0, 2, "Toen we in Shenzhen"), seg(2.1, 4, "aankwamen, regende het."),
                seg(4.5, 6, "Wat nu?"), seg(6.2, 8, "Niemand wist het.")]
    assert sentence_groups(segments) == [[0, 1], [2], [3]]


def test_groups_close_before_a_long_pause_or_window():
    segments = [seg(0, 2, "en dan"), seg(5, 7, "na een pauze"), seg(7.1, 20, "een lange zin"),
                seg(20.1, 34, "die doorloopt")]
    assert sentence_groups(segments, max_gap_s=2.0, max_span_s=28.0) == [[0], [1, 2], [3]]
    assert sentence_groups(segments, max_chars=30, max_gap_s=9.0, max_span_s=99) == [
        [0, 1], [2, 3]]


def test_split_follows_the_dutch_proportions_at_word_boundaries():
    english = "When we arrived in Shenzhen it was raining all day long"
    first, second = split_proportionally(english, [10, 30])
    assert f"{first} {second}" == english
    assert len(first) < len(second)
    assert first and second


def test_split_prefers_a_clause_boundary_nearby():
    english = "Rogier Creemers arrived, and it rained on all of us"
    assert split_proportionally(english, [1, 1])[0] == "Rogier Creemers arrived,"


def test_spread_gives_each_segment_its_share():
    segments = [seg(0, 2, "Toen we"), seg(2, 4, "aankwamen."), seg(5, 6, "Ja.")]
    assert spread(segments, [[0, 1], [2]], ["When we arrived.", "Yes."]) == [
        "When we", "arrived.", "Yes."]


@given(st.lists(st.text(alphabet="ab ,.", min_size=0, max_size=12), min_size=0, max_size=30),
       st.lists(st.integers(0, 50), min_size=1, max_size=6))
def test_split_keeps_every_word_in_order(words, weights):
    text = " ".join(words)
    pieces = split_proportionally(text, [float(w) for w in weights])
    assert len(pieces) == len(weights)
    assert " ".join(p for p in pieces if p).split() == text.split()
    # While there are words enough, no piece is left empty.
    if len(text.split()) >= len(weights):
        assert all(pieces)


def test_whole_sentences_pack_into_windows_whisper_can_hear_at_once():
    sentences = [(0, 8), (9, 20), (21, 27), (28, 40), (41, 50), (80, 85)]
    assert pack(sentences, limit_s=28) == [[0, 1, 2], [3, 4], [5]]


def test_english_pieces_go_to_the_sentences_their_time_overlaps():
    sentences = [(0.0, 4.0), (4.5, 9.0), (10.0, 14.0), (20.0, 24.0)]
    pieces = [
        (0.0, 4.2, "One sentence alone."),
        (4.4, 14.2, "two sentences heard together and translated as one long piece"),
        (16.5, 18.0, "Drifted into the pause."),  # nearest sentence: the last one
    ]
    english = assign(pieces, sentences)
    assert english[0] == "One sentence alone."
    assert english[1] and english[2]
    assert f"{english[1]} {english[2]}" == pieces[1][2]
    assert english[3] == "Drifted into the pause."
    assert assign([], sentences) == ["", "", "", ""]


def test_a_cut_moves_to_a_nearby_sentence_end():
    english = "Look, now you're out. So, we're outside again. Which building?"
    assert split_proportionally(english, [5.6, 3.4]) == [
        "Look, now you're out. So, we're outside again.", "Which building?"]


def test_the_same_english_from_the_audio_stays_stale_only_after_an_editors_dutch():
    """Whisper's English comes from the audio: shared out again after the Dutch changed, it is
    the same. It follows a glossary's fix as well as it ever did; an editor's correction not."""
    from pipeline.document import Episode, Source
    from pipeline.stages.translate import translate_segments

    fixed = Segment("s0", 0.0, 2.0, "Hallo Creemers.", en="Hello Kremers.", en_for="Hallo Kremers.")
    corrected = Segment("s1", 3.0, 5.0, "De kaai.", en="The quay.", en_for="De kade.",
                        edited={"nl": True})
    episode = Episode("e", "E", Source("e.wav", "0" * 64, 5.0, 16000, "e.wav"),
                      segments=[fixed, corrected])
    along = [(0.0, 2.0, "Hello Kremers."), (3.0, 5.0, "The quay.")]
    translate_segments(episode, ["s0", "s1"], translator=None, along=along)
    assert (fixed.en, fixed.en_stale) == ("Hello Kremers.", False)
    assert (corrected.en, corrected.en_stale) == ("The quay.", True)
