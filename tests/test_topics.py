"""Topic segmentation and chapter titles with the lexical signal (no model: fast)."""


import numpy as np
import pytest
from audiogen import CLIPS, clip, silence
from topic_corpus import mean_pk, multi_topic_texts, timed_segments, topic_blocks

from pipeline.chapters.english import english_title
from pipeline.chapters.make import METHOD, MIN_CHAPTER_S, make_chapters
from pipeline.chapters.placement import best_starts, estimate_count
from pipeline.document import Episode, Segment, Source, Word
from pipeline.embeddings import LexicalEmbedder, content_stems, load_embedder
from pipeline.errors import ReportageError
from pipeline.stages.base import Context, Engines, Settings
from pipeline.stages.topics import TopicsStage

LEXICAL = LexicalEmbedder()


def starts_of(chapters, segments) -> list[int]:
    ids = [s.id for s in segments]
    return [ids.index(c.segment_ids[0]) for c in chapters[1:]]


def test_lexical_signal_finds_the_topics_of_clean_dutch_texts():
    mean, pks = mean_pk(24, LEXICAL)
    # The lexical fallback is weaker than embeddings (tests/test_topics_model.py: Pk <= 0.15).
    assert mean <= 0.25, pks


def test_chapters_cover_every_segment_in_order_and_start_at_segment_starts():
    topics = multi_topic_texts(1)[0]
    segments = timed_segments(topics)
    chapters = make_chapters(segments, embedder=LEXICAL)
    assert len(chapters) >= 2
    assert [sid for c in chapters for sid in c.segment_ids] == [s.id for s in segments]
    by_id = {s.id: s for s in segments}
    assert chapters[0].start == 0.0
    for before, after in zip(chapters, chapters[1:], strict=False):
        assert after.start == by_id[after.segment_ids[0]].start
        assert before.end == after.start
        assert after.start - before.start >= MIN_CHAPTER_S or before is chapters[0]
    assert chapters[-1].end == segments[-1].end
    assert len({c.id for c in chapters}) == len(chapters)


def test_forced_count_is_honoured():
    segments = timed_segments(multi_topic_texts(2)[1])
    for count in (1, 3, 7):
        assert len(make_chapters(segments, count=count, embedder=LEXICAL)) == count


def test_no_speech_gives_no_chapters():
    silent = [Segment(id="s1", start=0, end=5, nl="  "), Segment(id="s2", start=6, end=9, nl="")]
    assert make_chapters([], embedder=LEXICAL) == []
    assert make_chapters(silent, embedder=LEXICAL) == []


def test_an_episode_shorter_than_two_minimum_chapters_is_one_chapter():
    segments = timed_segments([topic_blocks()["voetbal"][:4], topic_blocks()["koken"][:3]])
    assert segments[-1].end < 2 * 90
    chapters = make_chapters(segments, min_chapter_s=90, embedder=LEXICAL)
    assert len(chapters) == 1
    assert chapters[0].segment_ids == [s.id for s in segments]


def test_bad_settings_are_user_errors():
    segments = timed_segments(multi_topic_texts(1)[0])
    with pytest.raises(ReportageError, match="at least 1"):
        make_chapters(segments, count=0, embedder=LEXICAL)


def test_without_evidence_the_chapters_are_an_even_split():
    times = np.arange(0.0, 600.0, 10.0)  # a segment every 10 s for ten minutes
    flat = np.zeros(len(times))
    assert best_starts(times, 600.0, flat, 4, 45.0) == [15, 30, 45]
    # A small preference (a long pause, say) moves a boundary to a nearby gap, not far off,
    nudged = flat.copy()
    nudged[17] = nudged[38] = 0.15  # in sd of the evidence
    first, middle, last = best_starts(times, 600.0, nudged, 4, 45.0)
    assert first == 17 and abs(middle - 30) <= 1 and last == 45
    # while a strong shift of topic wins over the equal lengths.
    strong = flat.copy()
    strong[40] = 3.0
    first, middle, last = best_starts(times, 600.0, strong, 4, 45.0)
    assert last == 40 and abs(first - 13) <= 1 and abs(middle - 27) <= 1  # even before it


def phone_line(samples: np.ndarray) -> np.ndarray:
    """The samples as a telephone passes them: 300-3400 Hz only."""
    spectrum = np.fft.rfft(samples)
    hz = np.fft.rfftfreq(len(samples), 1 / 16000)
    spectrum[(hz < 300) | (hz > 3400)] = 0
    return np.fft.irfft(spectrum, len(samples)).astype(np.float32)


def test_the_sound_of_the_speech_places_a_chapter_where_the_text_cannot():
    """One reader says the same line 24 times, the last 16 over a telephone line: the text
    gives no clue, the sound moves the start from the even split's place to the first call."""
    said = [clip(CLIPS[i % len(CLIPS)]) for i in range(24)]
    pieces, segments, t = [], [], 0.0
    for i, samples in enumerate(said):
        if i >= 8:
            samples = phone_line(samples)
        pieces += [samples, silence(0.6)]
        segments.append(Segment(id=f"s{i:02d}", start=t, end=t + len(samples) / 16000,
                                nl="We lezen hier steeds dezelfde zin voor."))
        t += len(samples) / 16000 + 0.6
    audio = np.concatenate(pieces)
    heard = make_chapters(segments, count=2, min_chapter_s=20, embedder=LEXICAL, audio=audio)
    unheard = make_chapters(segments, count=2, min_chapter_s=20, embedder=LEXICAL)
    assert starts_of(heard, segments) == [8]
    assert starts_of(unheard, segments) != [8]


def test_the_sound_signal_copes_with_silence_and_odd_times():
    from pipeline.chapters.signals import distance, sound_vectors

    segments = [Segment("a", -0.5, 1.0, "x"), Segment("b", 2.0, 2.0, "y"),
                Segment("c", 3.0, 2.5, "z"), Segment("d", 9.0, 12.0, "past the end")]
    for audio in (silence(4.0), clip(CLIPS[0])):
        rows = sound_vectors(audio, segments, 60.0)
        assert rows.shape == (4, 40) and np.isfinite(rows).all()
    flat = sound_vectors(silence(4.0), segments, 60.0)
    assert not distance(flat, np.array([s.start for s in segments]), 30.0).any()  # no change


def test_every_chapter_keeps_the_minimum_length():
    times = np.arange(0.0, 300.0, 5.0)
    evidence = np.zeros(len(times))
    evidence[[2, 3, 30, 31]] = 5.0  # peaks closer together than the minimum
    starts = best_starts(times, 300.0, evidence, 3, 45.0)
    edges = [0.0, *times[starts], 300.0]
    assert all(b - a >= 45.0 for a, b in zip(edges, edges[1:], strict=False))


def test_the_count_follows_the_clear_peaks_and_the_duration():
    times = np.arange(0.0, 600.0, 10.0)
    evidence = np.zeros(len(times))
    assert estimate_count(times, 600.0, evidence, 45.0) == 1
    evidence[[20, 40]] = 4.0
    assert estimate_count(times, 600.0, evidence, 45.0) == 3
    evidence[[3, 22]] = 4.0  # a peak too close to another one or to the start adds nothing
    assert estimate_count(times, 600.0, evidence, 45.0) == 3
    hour = np.arange(0.0, 3600.0, 10.0)
    peaks = np.zeros(len(hour))
    peaks[::6] = 3.0  # a clear peak every minute: more chapters than a listener scans
    assert estimate_count(hour, 3600.0, peaks, 45.0) == 20


def test_titles_and_keywords_come_from_the_chapters_own_words():
    blocks = topic_blocks()
    topics = [blocks["sterrenkunde"], blocks["bakken"], blocks["spoorwegen"]]
    english = {
        "sterrenkunde": "Astronomers found a new planet orbiting a distant star with a telescope.",
        "bakken": "Bake the apple pie for an hour in the oven and serve the pie with cream.",
        "spoorwegen": "No trains run between Amsterdam and Utrecht because of a power failure.",
    }
    segments = timed_segments(topics)
    names = ["sterrenkunde"] * 6 + ["bakken"] * 6 + ["spoorwegen"] * 6
    for seg, name in zip(segments, names, strict=True):
        seg.en = english[name]
    chapters = make_chapters(segments, count=3, embedder=LEXICAL)
    for chapter, name in zip(chapters, english, strict=True):
        dutch = " ".join(s.nl for s in segments if s.id in chapter.segment_ids).lower()
        assert chapter.title and chapter.title.lower() in dutch
        assert 3 <= len(chapter.keywords) <= 6
        assert all(k.lower() in dutch for k in chapter.keywords)
        assert chapter.title_en.lower() in english[name].lower()
        assert all(k.lower() in english[name].lower() for k in chapter.keywords_en)
    assert [c.segment_ids[0] for c in chapters] == [segments[i].id for i in (0, 6, 12)]


def test_an_english_title_is_never_a_word_the_translation_left_in_dutch():
    said = Segment("s1", 0.0, 3.0, "Het is ontzettend zwaar werk.", "It is zwaar, very hard work.")
    title = english_title("Zwaar werk", said, LEXICAL)
    assert title and "zwaar" not in title.lower() and title.lower() in said.en.lower()
    # A name is no leftover, however Dutch it is.
    said = Segment("s2", 0.0, 3.0, "Ze studeert in Utrecht.", "She studies in Utrecht.")
    assert english_title("Utrecht", said, LEXICAL) == "Utrecht"


@pytest.mark.parametrize("title, english, context, expected", [
    ("Zwaar werk", "It is very hard work.", "", "Hard work"),  # the translator's own words
    ("De oorlog", "The Oedog goes on.", "", "War"),  # lost in translation: the dictionary's
    ("Rode auto", "A big car drove by.", "", "Red car"),
    ("Deze sleutels", "Put them in the slots.", "He lost the keys again.", "Keys"),
    ("Rustig", "It is enough.", "", "Quiet"),  # an adjective's English, not its adverb
    ("Een beeld", "I have seen a picture of it.", "", "Picture"),  # no words of its own
    ("Brood bakken", "They were in the kitchen.", "", "Baking bread"),  # the verb first
    ("Het huis verkopen", "They sold it.", "", "Selling the house"),
    ("Mijn fiets repareren", "They sold it.", "", "Fixing my bike"),
    ("Vis zien", "They sold it.", "", "Seeing fish"),  # a verb in -n
    ("Deze boeken lezen", "They sold it.", "", "Reading these books"),
    ("De vriend", "My dear friends, come here.", "", "Friend"),  # in the number of the Dutch
    ("Honderd jaar", "It is a hundred years old.", "", "Hundred years"),  # but after a number
    ("Honderd jaar", "It is old.", "", "Hundred years"),  # put into English word by word too
    ("Twee dagen", "They stayed.", "", "Two days"),  # a plural noun, not a verb's form
    ("Grote ogen", "What a big eye he has.", "", "Big eyes"),  # HanTa's lemma: "og"
    ("Paars", "It is all grey.", "", "Purple"),  # HanTa's plural of "paar"
    ("Tweede jaar", "It is something else.", "", "Second year"),  # counted, but not a count
    ("Twee mannen", "Two men came.", "", "Two men"),  # an irregular plural confirms
    ("Mannen", "It is something else.", "", "Men"),
    ("Mooie kombuis", "Good, this is a nice room.", "", "Nice room"),  # unknown: all of it
    ("Hetzelfde probleem", "Problem after problem.", "", "The same problem"),
    ("Brussel", "We went to Brussels.", "", "Brussels"),  # a name as the English says it
    ("Zijn vader", "His father came.", "", "Father"),  # unknown, but "zijn" says nothing
    ("Dezelfde", "It is the same fish.", "", None),  # nothing to translate
    ("Brood bakken en vis zien", "They sold it.", "", "Baking bread and seeing fish"),
])
def test_a_dictionary_checks_an_english_title_or_gives_it(title, english, context, expected,
                                                          tmp_path, monkeypatch):
    from pipeline.search import dictionary
    from tests.test_search_dictionary import dictd

    dictd(tmp_path, dictionary.EN_NL, ["car /kɑː/\nauto, wagen\n", "war /wɔː/\noorlog\n"])
    dictd(tmp_path, dictionary.NL_EN, [
        "zwaar /zwaːr/\nheavy, hard\n", "werk /wɛrk/\nwork\n", "rood /roːt/\nred\n",
        "sleutel /sløːtəl/\nwrench, key\n", "rustig /rʏstəx/\nquietly, quiet\n",
        "beeld /beːlt/\npicture, image\n",
        "brood /broːt/\nbread\n", "bakken /bɑkə/\nbake\n", "huis /hœys/\nhouse\n",
        "verkopen /vərkoːpə/\nsell\n", "fiets /fits/\nbike\n", "repareren /repareːrə/\nfix\n",
        "vis /vɪs/\nfish\n", "zien /zin/\nsee\n", "boek /buk/\nbook\n",
        "lezen /lezə/\nread\n", "vriend /vrint/\nfriend\n", "honderd /hɔndərt/\nhundred\n",
        "jaar /jar/\nyear\n", "probleem /problem/\nproblem\n", "twee /tweː/\ntwo\n",
        "dagen /daɣə/\nassign\n", "dag /dɑx/\nday\n", "groot /ɣroːt/\nbig, large\n",
        "oog /oːx/\neye\n", "paars /paːrs/\npurple\n", "paar /paːr/\npair, couple\n",
        "tweede /tweːdə/\nsecond\n", "man /mɑn/\nman, fellow\n"])
    monkeypatch.setattr(dictionary, "FOLDER", tmp_path)
    said = Segment("s1", 0.0, 3.0, "niet gebruikt", english)
    assert english_title(title, said, LEXICAL, context) == expected


def test_without_english_there_is_no_english_title():
    segments = timed_segments([topic_blocks()["schaken"]])
    (chapter,) = make_chapters(segments, embedder=LEXICAL)
    assert chapter.title_en is None and chapter.keywords_en == []
    assert "schaken" in chapter.title.lower() + " ".join(chapter.keywords).lower()


def test_lexical_features_drop_stop_words_and_stem():
    assert content_stems("De treinen en het treinverkeer rijden niet", "nl") == [
        "trein", "treinverkeer", "rijd"]
    rows = LEXICAL.embed(["de treinen rijden", "een trein reed", "koken met boter"], "nl")
    assert rows[0] @ rows[1] > 0 and rows[0] @ rows[2] == 0


def test_unknown_sentence_transformers_model_is_a_user_error():
    embedder = load_embedder("lexical")
    assert embedder.name == "lexical"
    with pytest.raises(ReportageError, match="/no/such/model"):
        load_embedder("/no/such/model")


def test_a_word_unknown_to_the_word_list_is_title_material_only_as_a_name_or_compound():
    from pipeline.chapters.titles import candidates

    def heard(text: str) -> Segment:
        words = [Word(f" {w}", n, n + 0.5, 0.95) for n, w in enumerate(text.split())]
        return Segment(f"s{text[:4]}", 0.0, 5.0, text, words=words)

    group = [heard("Het kredietsysteem van Creemers werkt met hardwaarsleutels."),
             heard("Dat kredietsysteem van Creemers vraagt hardwaarsleutels.")]
    texts = {c.text.lower() for c in candidates(group)}
    assert {"creemers", "kredietsysteem van creemers"} <= texts
    assert not any("hardwaarsleutels" in t for t in texts)  # misheard the same way twice


def _candidates_of(text: str, unsure: str = "") -> list:
    """The candidates of one line heard surely, but for words holding `unsure` (at 0.7)."""
    from pipeline.chapters.titles import candidates

    words = [Word(f" {w}", n, n + 0.5, 0.7 if unsure and unsure in w else 0.95)
             for n, w in enumerate(text.split(" "))]
    return candidates([Segment("s1", 0.0, 9.0, text, words=words)])


@pytest.mark.parametrize("said", ["Dat ligt voor de hand, ontwikkelaars maken het.",
                                  "Dat ligt voor de hand – ontwikkelaars maken het."])
def test_a_title_never_runs_on_over_a_comma_or_a_dash(said):
    texts = {c.text for c in _candidates_of(said)}
    assert "hand" in texts and not any("hand ontwikkelaars" in t.lower() for t in texts)


@pytest.mark.parametrize("verb, gerund", [("steal", "stealing"), ("bake", "baking"),
                                          ("put", "putting"), ("tie", "tying"),
                                          ("panic", "panicking"), ("thin", "thinning")])
def test_an_english_verb_is_made_a_gerund_as_english_spells_it(verb, gerund):
    from pipeline.chapters.english import _gerund

    assert _gerund(verb) == gerund


def test_a_lone_word_is_a_title_as_a_noun_with_its_determiner():
    found = _candidates_of("Wij gaan allebei. De schildpad zwemt. Ik zie de prachtige schildpad. "
                           "De prachtige schildpad. Deze schildpad.")
    assert {c.text: c.title for c in found if " " not in c.text and c.tier == 0} == {
        "schildpad": "de schildpad"}
    # An adverb or an adjective is a title alone only as a last resort, after every phrase.
    assert {c.text: c.tier for c in found if c.text in ("allebei", "prachtige")} == {
        "allebei": 2, "prachtige": 2}
    assert "prachtige schildpad" in {c.text for c in found}
    # A diminutive is a "het" word: "de kaartje" was misheard, and names no noun.
    found = _candidates_of("Het kaartje ligt daar. Ik pak de kaartje.")
    assert "de kaartje" not in {c.title for c in found}


def test_a_word_in_an_english_or_german_spelling_said_once_is_no_title_material():
    # Whisper often writes a Dutch word in a neighbour's spelling: "magnet" for "magneet".
    found = {c.text for c in _candidates_of("Pak de magnet. Kijk naar de magneet.")}
    assert "magneet" in found and "magnet" not in found
    found = {c.text for c in _candidates_of("Pak de magnet. Pak die magnet.")}
    assert "magnet" in found  # a loan the speaker means is said again, and heard clearly
    unsure = _candidates_of("Pak de magnet. Pak die magnet.", unsure="magnet")
    assert "magnet" not in {c.text for c in unsure}  # misheard the same way twice


def test_a_less_sure_phrase_is_a_candidate_ranked_below_a_sure_one():
    from pipeline.chapters.titles import _rank, candidates

    said = [("De", 0.95), ("grote", 0.95), ("kapitein", 0.95), ("zag", 0.95), ("het", 0.95),
            ("rode", 0.95), ("schip.", 0.65), ("Een", 0.95), ("blauwe", 0.95), ("vis.", 0.5)]
    words = [Word(f" {w}", n, n + 0.5, p) for n, (w, p) in enumerate(said)]
    text = " ".join(w for w, _ in said)
    found = {c.text: c for c in candidates([Segment("s1", 0.0, 9.0, text, words=words)])}
    assert {"grote kapitein", "rode schip"} <= set(found)
    assert not any("vis" in t for t in found)  # below the floor
    pair = [found["rode schip"], found["grote kapitein"]]
    same = np.ones(4) / 2  # alike in meaning: confidence decides
    ranked = _rank(pair, same, [same, same])
    assert [c.text for _, c, _ in ranked] == ["grote kapitein", "rode schip"]


def test_a_title_is_a_noun_phrase_never_a_verb_form():
    found = _candidates_of("Dat had hij serieus genomen. We moeten hem helpen. "
                           "Ik hoor iemand roepen. Het lijkt helemaal niet op dit veld.")
    said = {w for c in found for w in c.text.split()}
    assert not said & {"genomen", "helpen", "roepen", "lijkt"}
    found = _candidates_of("We zagen een verzonken schip aan de kant van de muur.")
    assert {"kant van de muur", "verzonken schip"} <= {c.text for c in found}
    # An article inside a phrase follows a preposition: two nouns and "de" are no phrase.
    found = _candidates_of("In iedergeval de camera is kapot.")
    assert "iedergeval de camera" not in {c.text for c in found}
    # A noun before another is part of a compound written apart, no noun phrase of its own.
    found = _candidates_of("De optie zit op het controle panel.")
    assert "het controle" not in {c.title for c in found}


@pytest.mark.parametrize("text, title", [
    ("Het was een opdracht. Een opdracht.", "een opdracht"),
    ("Ik zag de prachtige. De prachtige.", None),  # an adjective
    ("Wat er gebeurt? Het gebeurt.", None),  # "het" as the subject of a verb
    ("Dat is ons probleem. Ons probleem.", "ons probleem"),
    ("Zij heeft ons gered. Ons gered.", None),  # "ons" as the object of a verb
    ("Het is een vis die zwemt. Die zwemt.", "een vis"),  # "die" as the subject: not "die zwemt"
    ("Kijk, kinderen die spelen. Spelen.", None),  # "die" as a relative pronoun
    ("Waar is die huisje? Huisje.", None),  # "die" before a diminutive was misheard
    ("Dat zijn ons problemen. Problemen.", None),  # "ons" before a plural was misheard
    ("Kijk naar die schildpad. Schildpad.", "die schildpad"),  # tagged a relative pronoun
    ("Dit moet die schildpad zijn. Schildpad.", "die schildpad"),
    ("Ik ken een man die boeken schrijft. Boeken.", "een man"),  # and here it is one
    ("Het zijn mensen die geld hebben. Geld.", None),
])
def test_a_determiner_names_a_noun_not_an_adjective_or_a_verb(text, title):
    found = _candidates_of(text)
    assert {c.title for c in found if c.article} == ({title} if title else set())


def test_a_noun_said_once_after_a_determiner_is_a_candidate_but_not_after_a_pronoun():
    found = _candidates_of("Druk op de knop. Is het zover? Dan zie je onze kamer.")
    # "het" is also a verb's subject ("is het zover"): only a real determiner shows a noun.
    assert {c.title for c in found if " " not in c.text} == {"de knop", "onze kamer"}


def test_a_chapter_whose_phrases_are_taken_is_named_by_a_word_it_said_not_its_opening():
    from pipeline.chapters.titles import chapter_titles

    text = "Ik begin ze nu aardig te vinden. Dat is de oorzaak."
    words = [Word(f" {w}", n, n + 0.5, 0.95) for n, w in enumerate(text.split(" "))]
    group = [Segment("s1", 0.0, 9.0, text, words=words)]
    other = [Segment("s2", 9.0, 12.0, "De oorzaak.")]
    (title, _), taken = chapter_titles([group, other], LEXICAL, fixed={1: "De oorzaak"})
    assert taken == ("De oorzaak", None)
    assert title == "Aardig"  # its one other real word, not "Ik begin ze nu"


def test_a_chapter_without_a_sure_phrase_is_named_by_a_real_word_it_said():
    from pipeline.chapters.titles import candidates

    text = "Ja het kasteel is oud"
    words = [Word(f" {w}", n, n + 0.5, 0.95) for n, w in enumerate(text.split(" "))]
    seg = Segment("s1", 0.0, 3.0, text, words=words)
    assert [c.text for c in candidates([seg])] == ["kasteel"]


def _topics_context(tmp_path) -> Context:
    settings = Settings(embedder="lexical")
    episode = Episode("e", "E", Source("e.wav", "0" * 64, 10.0, 16000, "e.wav"),
                      segments=[Segment("s0", 0.0, 2.0, "Goedemorgen.")])
    return Context(tmp_path / "e.wav", tmp_path, episode, settings, Engines(settings),
                   lambda *_: None)


def test_a_new_chapter_method_redoes_the_automatic_chapters(tmp_path, monkeypatch):
    ctx = _topics_context(tmp_path)
    before = TopicsStage().inputs(ctx)
    assert TopicsStage().inputs(ctx) == before  # the same code: the chapters stand
    monkeypatch.setattr("pipeline.stages.topics.METHOD", METHOD + 1)
    assert TopicsStage().inputs(ctx) != before


@pytest.mark.parametrize("made_by, kept", [(METHOD, True), (METHOD - 1, False), (None, False)])
def test_titles_by_an_older_method_are_made_again_but_an_editors_stay(tmp_path, made_by, kept):
    from pipeline.document import Chapter

    ctx = _topics_context(tmp_path)
    blocks = list(topic_blocks().values())[:2]
    segments = timed_segments(blocks)
    second = len(blocks[0])
    ctx.episode.segments = segments
    ctx.episode.chapters = [
        Chapter("c1", 0.0, segments[second].start, "Oude titel",
                segment_ids=[s.id for s in segments[:second]]),
        Chapter("c2", segments[second].start, segments[-1].end, "Mijn titel",
                segment_ids=[s.id for s in segments[second:]], edited={"title": True})]
    ctx.episode.provenance["topics"] = {} if made_by is None else {"method": made_by}
    TopicsStage().run(ctx)
    titles = [c.title for c in ctx.episode.chapters]
    assert titles[1] == "Mijn titel" and (titles[0] == "Oude titel") == kept


def test_a_run_keeps_an_editors_chapter_whose_lines_were_emptied_and_says_so(tmp_path):
    from pipeline.document import Chapter

    ctx = _topics_context(tmp_path)
    segments = timed_segments(list(topic_blocks().values())[:2])
    ctx.episode.segments = segments
    ctx.episode.chapters = [
        Chapter("c1", 0.0, segments[2].start, "Begin", segment_ids=[s.id for s in segments[:2]]),
        Chapter("c2", segments[2].start, segments[3].start, "Mijn hoofdstuk",
                segment_ids=[segments[2].id], edited={"start": True, "title": True}),
        Chapter("c3", segments[3].start, segments[-1].end, "Rest",
                segment_ids=[s.id for s in segments[3:]], edited={"start": True})]
    segments[2].nl = ""  # the editor emptied the chapter's only line
    ctx.episode.provenance["topics"] = {"method": METHOD}
    done = TopicsStage().run(ctx)
    assert [c.title for c in ctx.episode.chapters] == ["Begin", "Mijn hoofdstuk", "Rest"]
    assert "'Mijn hoofdstuk' has no spoken line" in done["warning"]


def _retranscribed(segments, join):
    """The segments as a new transcript gives them: new ids, segment `join` and the one after
    it heard as one line."""
    merged = Segment("n-join", segments[join].start, segments[join + 1].end,
                     f"{segments[join].nl} {segments[join + 1].nl}")
    return [Segment(f"n{i}", s.start, s.end, s.nl) for i, s in enumerate(segments[:join])] + [
        merged] + [Segment(f"n{i}", s.start, s.end, s.nl)
                   for i, s in enumerate(segments[join + 2:], start=join + 2)]


@pytest.mark.parametrize("editor_made", ["c2", "c3"])
def test_an_editors_chapter_outlasts_the_machines_on_one_line_of_a_new_transcript(
        tmp_path, editor_made):
    """--force transcribes anew: two chapter starts may fall in one new line. The chapter an
    editor made stays, whichever of the two is nearer."""
    from pipeline.document import Chapter

    ctx = _topics_context(tmp_path)
    segments = timed_segments(list(topic_blocks().values())[:2])
    ctx.episode.chapters = [
        Chapter("c1", 0.0, segments[2].start, "Begin", segment_ids=[s.id for s in segments[:2]]),
        Chapter("c2", segments[2].start, segments[3].start, "Twee",
                segment_ids=[segments[2].id]),
        Chapter("c3", segments[3].start, segments[-1].end, "Drie",
                segment_ids=[s.id for s in segments[3:]])]
    chapter = next(c for c in ctx.episode.chapters if c.id == editor_made)
    chapter.title, chapter.edited = "Van de redacteur", {"start": True, "title": True}
    ctx.episode.segments = _retranscribed(segments, 2)
    ctx.episode.provenance["topics"] = {"method": METHOD}
    done = TopicsStage().run(ctx)
    # (The first chapter's lines are new: the machine titles it again.)
    assert [c.title for c in ctx.episode.chapters][1:] == ["Van de redacteur"]
    assert "warning" not in done


def test_an_editors_chapter_a_new_transcript_joins_to_another_is_said(tmp_path):
    from pipeline.document import Chapter

    ctx = _topics_context(tmp_path)
    segments = timed_segments(list(topic_blocks().values())[:2])
    ctx.episode.chapters = [
        Chapter("c1", 0.0, segments[2].start, "Begin", segment_ids=[s.id for s in segments[:2]]),
        Chapter("c2", segments[2].start, segments[3].start, "Twee",
                segment_ids=[segments[2].id], edited={"title": True}),
        Chapter("c3", segments[3].start, segments[-1].end, "Drie",
                segment_ids=[s.id for s in segments[3:]], edited={"title": True})]
    ctx.episode.segments = _retranscribed(segments, 2)
    ctx.episode.provenance["topics"] = {"method": METHOD}
    done = TopicsStage().run(ctx)
    assert [c.title for c in ctx.episode.chapters][1:] == ["Twee"]  # the nearer
    assert "an editor's chapter 'Drie' joined the chapter before" in done["warning"]


def test_an_editors_english_title_keeps_the_dutch_it_was_written_for(tmp_path):
    from pipeline.document import Chapter

    ctx = _topics_context(tmp_path)
    segments = timed_segments(list(topic_blocks().values())[:1])
    ctx.episode.segments = segments
    ctx.episode.chapters = [Chapter("c1", 0.0, segments[-1].end, "Oude titel", "My own",
                                    segment_ids=[s.id for s in segments],
                                    edited={"title_en": True})]
    ctx.episode.provenance["topics"] = {"method": METHOD - 1}  # machine titles are remade
    TopicsStage().run(ctx)
    chapter = ctx.episode.chapters[0]
    assert (chapter.title, chapter.title_en) == ("Oude titel", "My own")


def test_installing_the_dictionary_redoes_the_automatic_chapters(tmp_path, monkeypatch):
    ctx = _topics_context(tmp_path)
    monkeypatch.setattr("pipeline.search.dictionary.FOLDER", tmp_path / "none")
    without = TopicsStage().inputs(ctx)
    for name in ("freedict-eng-nld", "freedict-nld-eng"):
        (tmp_path / f"{name}.index").write_text("")
    monkeypatch.setattr("pipeline.search.dictionary.FOLDER", tmp_path)
    assert TopicsStage().inputs(ctx) != without  # its English titles may now be checked


def test_no_chapters_keeps_an_editors_chapters_fitted_to_new_lines(tmp_path):
    from dataclasses import replace

    from pipeline.document import Chapter

    ctx = _topics_context(tmp_path)
    segments = timed_segments(list(topic_blocks().values())[:2])
    ctx.episode.segments = segments
    ctx.episode.chapters = [Chapter("c1", 0.0, segments[-1].end, "Mijn titel",
                                    segment_ids=[s.id for s in segments], edited={"title": True})]
    ctx.settings.no_chapters = True
    assert TopicsStage().inputs(ctx) != {"chapters": "off"}  # the lines still count
    # A new master: every line new (ids come from start times).
    ctx.episode.segments = [replace(s, id=f"n{i:03d}", start=s.start + 0.5, end=s.end + 0.5)
                            for i, s in enumerate(segments)]
    details = TopicsStage().run(ctx)
    (chapter,) = ctx.episode.chapters
    assert chapter.title == "Mijn titel" and "kept the chapters" in details["warning"]
    assert chapter.segment_ids == [s.id for s in ctx.episode.segments]
    ctx.episode.chapters = [replace(chapter, edited={})]  # no one's: --no-chapters drops them
    assert TopicsStage().inputs(ctx) == {"chapters": "off"}
    assert TopicsStage().run(ctx) == {"engine": None} and ctx.episode.chapters == []
