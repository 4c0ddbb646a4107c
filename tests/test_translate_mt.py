"""The transformers translator and the translate stage's rules, on tiny random Marian models
that the tests build themselves (tests/tiny_marian.py)."""

from pathlib import Path

import numpy as np
import pytest
from tiny_marian import build
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.document import Episode, Segment, Source
from pipeline.runner import Context, Engines, Settings
from pipeline.stages.translate import TranslateStage, settings_key, translate_segments
from pipeline.translators import TranslateOptions
from pipeline.translators.seq2seq import Seq2SeqTranslator


@pytest.fixture(scope="module")
def talker(tmp_path_factory) -> Path:
    """Never ends before its token limit: always some English."""
    return build(tmp_path_factory.mktemp("talker"), eos_bias=-100.0)


@pytest.fixture(scope="module")
def mute(tmp_path_factory) -> Path:
    """Ends at once: never any English."""
    return build(tmp_path_factory.mktemp("mute"), eos_bias=100.0)


def segments() -> list[Segment]:
    return [
        Segment("s1", 0.0, 2.0, "Toen Rogier Creemers in Shenzhen"),
        Segment("s2", 2.1, 4.0, "aankwam, had hij 350 en 950 punten."),
        Segment("s3", 4.5, 5.0, "Ja."),
        Segment("s4", 5.5, 6.0, "  "),
    ]


def episode() -> Episode:
    return Episode(slug="t", title="t", source=Source("t.wav", "0" * 64, 6.0, 16000),
                   segments=segments())


def test_one_english_text_per_segment(talker):
    english = Seq2SeqTranslator(str(talker)).translate(segments()[:3], None)
    assert len(english) == 3
    assert all(text.strip() for text in english)


class Recording:
    """A real translator whose calls are recorded."""

    def __init__(self, translator):
        self.inner, self.calls = translator, []
        self.name, self.model_name, self.needs_audio = "transformers", "tiny", False
        self.chunk_size = translator.chunk_size

    def translate(self, segs, audio):
        self.calls.append([s.nl for s in segs])
        return self.inner.translate(segs, audio)


def test_empty_english_is_retried_with_context_then_marked_missing(mute):
    ep = episode()
    translator = Recording(Seq2SeqTranslator(str(mute)))
    missing = translate_segments(ep, ["s3"], translator)
    assert missing == ["s3"]
    # Alone first, then together with its neighbour that has Dutch (s4 has none).
    assert translator.calls == [["Ja."], ["aankwam, had hij 350 en 950 punten. Ja."]]
    s3 = ep.segment("s3")
    assert (s3.en, s3.en_missing, s3.en_for, s3.en_stale) == (None, True, "Ja.", False)


def test_english_whisper_decoded_twice_for_two_sentences_is_translated_again(talker):
    """Whisper may decode the sentence before once more for the next one: that line is
    translated again on its own; a short reply's English stays ("Ja." / "Jawel.")."""
    ep = episode()
    ep.segments = [Segment("a", 0.0, 2.0, "Ik zit opgesloten onder het kasteel."),
                   Segment("b", 2.5, 4.5, "Hoe komt dat staal in het kasteel?"),
                   Segment("c", 5.0, 5.5, "Ja."), Segment("d", 6.0, 6.5, "Jawel.")]
    repeated = "I am locked up under the castle."
    along = [(0.0, 2.0, repeated), (2.5, 4.5, repeated), (5.0, 5.5, "Yes."), (6.0, 6.5, "Yes.")]
    translator = Recording(Seq2SeqTranslator(str(talker)))
    translate_segments(ep, ["a", "b", "c", "d"], translator, along=along)
    assert translator.calls == [["Hoe komt dat staal in het kasteel?"]]
    assert ep.segment("a").en == repeated
    assert ep.segment("b").en and ep.segment("b").en != repeated
    assert ep.segment("c").en == ep.segment("d").en == "Yes."


def test_a_speech_translators_gap_is_translated_alone_before_with_its_neighbours(mute):
    """Speech is translated in windows of sentences: a sentence left without English is heard
    again on its own (another decoding), and only then with its neighbours."""
    ep = episode()
    translator = Recording(Seq2SeqTranslator(str(mute)))
    translator.needs_audio = True  # as Whisper's; this text model ignores the audio
    translate_segments(ep, ["s3"], translator, audio=np.zeros(16000 * 6, np.float32))
    assert translator.calls == [["Ja."], ["Ja."], ["aankwam, had hij 350 en 950 punten. Ja."]]


def test_the_retry_keeps_within_whispers_30_seconds(mute):
    ep = episode()
    ep.segments = [Segment("a", 0.0, 12.0, "Eerst een lange zin."),
                   Segment("b", 13.0, 14.0, "Ja."),
                   Segment("c", 15.0, 29.0, "En dan nog een lange zin.")]
    translator = Recording(Seq2SeqTranslator(str(mute)))
    translate_segments(ep, ["b"], translator)
    # a + b + c would span 29 s: the following neighbour stays out.
    assert translator.calls == [["Ja."], ["Eerst een lange zin. Ja."]]


def test_hand_edited_english_is_never_overwritten(talker):
    ep = episode()
    ep.segment("s1").en, ep.segment("s1").edited["en"] = "By hand", True
    translate_segments(ep, ["s1", "s2", "s3", "s4"], Seq2SeqTranslator(str(talker)))
    assert ep.segment("s1").en == "By hand"
    assert all(ep.segment(i).en and not ep.segment(i).en_stale for i in ("s2", "s3"))
    assert ep.segment("s4").en is None and not ep.segment("s4").en_missing


def test_the_same_english_for_an_editors_dutch_from_a_text_translator_is_current(talker):
    """A text translator's English follows the corrected Dutch, even where it comes out as it
    was ("Hallo Jansen!" for "Hallo Jansen."): the line is no longer out of date."""
    ep, translator = episode(), Seq2SeqTranslator(str(talker))
    translate_segments(ep, ["s1"], translator)
    seg = ep.segment("s1")
    seg.en_for, seg.edited["nl"] = "Toen Rogier Kremers in Shenzhen", True  # corrected since
    assert seg.en_stale
    translate_segments(ep, ["s1"], translator)  # the same Dutch: the same English
    assert not seg.en_stale


def context(tmp_path: Path, ep: Episode, model: Path) -> Context:
    settings = Settings(translate=TranslateOptions(translator="transformers",
                                                   mt_model=str(model)))
    return Context(tmp_path / "t.wav", tmp_path, ep, settings, Engines(settings),
                   lambda *_: None)


def test_stage_translates_only_stale_segments(tmp_path, talker, mute):
    ep = episode()
    ctx = context(tmp_path, ep, talker)
    stage = TranslateStage()
    ep.provenance["translate"] = {"settings": settings_key(ctx.settings)}
    for seg in ep.segments:
        seg.en, seg.en_for = "Earlier English", seg.nl
    ep.segment("s2").nl = "aankwam, had hij 400 punten."  # an editor's fix makes s2 stale
    assert stage.run(ctx)["translated"] == 1
    assert [s.en for s in ep.segments] == ["Earlier English", ep.segment("s2").en,
                                           "Earlier English", "Earlier English"]
    assert ep.segment("s2").en not in (None, "Earlier English")
    assert not ep.segment("s2").en_stale

    # Other translator settings: every segment with Dutch is translated again.
    ctx = context(tmp_path, ep, mute)
    details = stage.run(ctx)
    assert (details["translated"], details["missing"]) == (3, 3)
    assert all(seg.en_missing for seg in ep.segments[:3])


def test_stage_fingerprint_follows_the_dutch(tmp_path, talker):
    ep = episode()
    stage = TranslateStage()
    before = stage.inputs(context(tmp_path, ep, talker))
    ep.segment("s3").nl = "Nee."
    assert stage.inputs(context(tmp_path, ep, talker)) != before


def run_cli(*args: str):
    return CliRunner().invoke(app, ["process", *args])


@pytest.mark.parametrize(("args", "message"), [
    (["--translator", "deepl"], "unknown translator 'deepl'"),
    (["--translator", "transformers"], "needs --mt-model"),
    (["--translator", "transformers", "--mt-model", "no/such-model"], "unknown MT model"),
    (["--mt-model", "x"], "--mt-model needs --translator transformers"),
    (["--target-language", "de"], "unsupported target language 'de'"),
])
def test_bad_translator_settings_fail_before_any_work(tmp_path, args, message):
    library = tmp_path / "lib"
    result = run_cli(str(tmp_path / "episode.wav"), "--library", str(library), *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not library.exists()


def test_a_model_that_is_not_seq2seq_is_refused(tmp_path):
    from transformers import BertConfig

    BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
               intermediate_size=32).save_pretrained(tmp_path / "bert")
    result = run_cli(str(tmp_path / "x.wav"), "--library", str(tmp_path / "lib"),
                     "--translator", "transformers", "--mt-model", str(tmp_path / "bert"))
    assert result.exit_code == 1
    assert "not a seq2seq translation model" in result.stderr


def test_a_text_translator_translates_the_chapter_titles(tmp_path, talker):
    """With a text translator the English title is its translation of the Dutch title."""
    from topic_corpus import multi_topic_texts, timed_segments

    from pipeline.embeddings import LexicalEmbedder
    from pipeline.stages.topics import TopicsStage

    ep = episode()
    ep.segments = timed_segments(multi_topic_texts(1)[0])
    settings = Settings(translate=TranslateOptions(translator="transformers",
                                                   mt_model=str(talker)), embedder="lexical")
    ctx = Context(tmp_path / "t.wav", tmp_path, ep, settings, Engines(settings), lambda *_: None)
    assert isinstance(ctx.engines.embedder(), LexicalEmbedder)
    TopicsStage().run(ctx)
    assert len(ep.chapters) >= 2
    titles = [c.title for c in ep.chapters]
    english = Seq2SeqTranslator(str(talker)).translate_texts(titles)
    assert [c.title_en for c in ep.chapters] == [e[:1].upper() + e[1:] for e in english]
