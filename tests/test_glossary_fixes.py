"""The glossary's post-pass (unsure words that sound like a term become the term, marked) and
the terms proposed from editors' corrections."""

import json
import threading

import pytest

from pipeline.document import Segment, Word
from pipeline.errors import ReportageError
from pipeline.glossary import Term, load, proposals
from pipeline.glossary.fixes import fix_dutch, fix_english, fix_spans, unfix, unsure_spans
from pipeline.glossary.soundalike import key


def segment(*words: tuple[str, float], en: str | None = None) -> Segment:
    """A machine segment from (text, probability) words, each a second long."""
    ws = [Word(f" {text}" if n else text, n, n + 1.0, p) for n, (text, p) in enumerate(words)]
    nl = "".join(w.text for w in ws)
    return Segment("s1", 0.0, len(ws), nl, en=en, en_for=nl, words=ws)


@pytest.mark.parametrize("a, b", [
    ("Creemers", "Kremers"), ("kredietsysteem", "krediet systeem"), ("Alibaba", "Ali Baba"),
    ("Tencent", "Tensent"), ("Hangzhou", "Hangzou"), ("Beijing", "Bijing"),
])
def test_dutch_spellings_that_sound_alike_have_one_key(a, b):
    assert key(a) == key(b)


def test_unsure_words_that_sound_like_a_term_become_the_term_and_are_marked():
    seg = segment(("Volgens", 0.98), ("Rogier", 0.9), ("Kremers", 0.31), ("is", 0.99),
                  ("het", 0.99), ("krediet", 0.42), ("systeem.", 0.55))
    terms = [Term("Creemers"), Term("kredietsysteem")]
    assert fix_dutch([seg], terms) == 2
    assert seg.nl == "Volgens Rogier Creemers is het kredietsysteem."
    assert [w.text for w in seg.words] == ["Volgens", " Rogier", " Creemers", " is", " het",
                                           " kredietsysteem."]
    assert seg.words[-1].start == 5.0 and seg.words[-1].end == 7.0
    assert seg.fixes == [{"lang": "nl", "was": "Kremers", "now": "Creemers", "at": 15},
                         {"lang": "nl", "was": "krediet systeem", "now": "kredietsysteem",
                          "at": 31}]
    assert fix_spans(seg) == [("nl", 15, 23, "Kremers"), ("nl", 31, 45, "krediet systeem")]
    assert fix_dutch([seg], terms) == 0  # already right: nothing more to do


def test_sure_words_common_words_and_edited_lines_are_left_alone():
    sure = segment(("Kremers", 0.97), ("zegt", 0.99), ("het.", 0.99))
    common = segment(("Ik", 0.5), ("niet", 0.5), ("leiden", 0.4))
    edited = segment(("Kremers", 0.2))
    edited.edited["nl"] = True
    terms = [Term("Creemers"), Term("Knight"), Term("Leiden")]
    assert fix_dutch([sure, common, edited], terms) == 0
    assert (sure.nl, common.nl, edited.nl) == ("Kremers zegt het.", "Ik niet leiden", "Kremers")


def test_a_known_misspelling_is_replaced_even_when_it_sounds_different():
    seg = segment(("De", 0.99), ("Krummel", 0.6), ("kwam.", 0.9))
    assert fix_dutch([seg], [Term("Creemers", misspellings=["Krummel"])]) == 1
    assert seg.nl == "De Creemers kwam."


def test_a_mishearing_fixed_once_is_fixed_where_the_recogniser_was_sure_of_it():
    unsure = segment(("Vaste", 0.28), ("hardwaarsleutels.", 0.87))
    sure = segment(("Een", 0.93), ("hoop", 0.92), ("hardwaarsleutels.", 0.98))
    assert fix_dutch([unsure, sure], [Term("hardwaresleutels")]) == 2
    assert (unsure.nl, sure.nl) == ("Vaste hardwaresleutels.", "Een hoop hardwaresleutels.")


def test_a_real_word_or_an_undone_fix_is_not_fixed_where_the_recogniser_was_sure_of_it():
    real = segment(("Sterke", 0.9), ("magneten.", 0.5))
    unknown = segment(("Sterke", 0.9), ("magnetten.", 0.5))  # sounds like "magneten"
    sure = segment(("Twee", 0.99), ("magneten.", 0.99))
    assert fix_dutch([real, unknown, sure], [Term("magneetveld")]) == 2
    assert sure.nl == "Twee magneten."
    undone = segment(("De", 0.99), ("Kreemers.", 0.4))
    undone.fixes = [{"lang": "nl", "was": "Kreemers", "now": "Creemers", "at": 3}]
    undone.edited["nl"] = True  # the editor put back what was heard
    sure = segment(("Kreemers", 0.99), ("zegt", 0.99), ("het.", 0.99))
    assert fix_dutch([undone, sure], [Term("Creemers")]) == 0


def test_a_known_misspelling_of_several_words_is_fixed_whole():
    seg = segment(("Plof", 0.99), ("Kremers", 0.99), ("kwam.", 0.99))
    assert fix_dutch([seg], [Term("Creemers", misspellings=["Plof Kremers"])]) == 1
    assert seg.nl == "Creemers kwam."


def test_a_word_before_a_mishearing_is_kept_when_the_mishearing_alone_is_closer():
    seg = segment(("Zo'", 0.9), ("n", 0.3), ("zwartkijker.", 0.95))
    assert fix_dutch([seg], [Term("zwartkijker")]) == 0
    assert seg.nl == "Zo' n zwartkijker."


def test_the_english_keeps_the_term_or_its_given_english():
    seg = segment(("Creemers", 0.99), ("en", 0.99), ("Zhima", 0.99),
                  en="Kremers talks about the Sesame Kredit app.")
    terms = [Term("Creemers"), Term("Zhima", english="Sesame Credit")]
    assert fix_english([seg], terms) == 2
    assert seg.en == "Creemers talks about the Sesame Credit app."
    assert [f["was"] for f in seg.fixes] == ["Kremers", "Sesame Kredit"]
    by_hand = segment(("Creemers", 0.99), en="Kremers talks.")
    by_hand.edited["en"] = True
    assert fix_english([by_hand], terms) == 0 and by_hand.en == "Kremers talks."


def test_the_english_keeps_the_terms_case_and_the_fix_can_be_taken_back():
    seg = segment(("Het", 0.99), ("grootste", 0.99), ("Winsor.", 0.99),
                  en="The most winsor, winsor.")
    assert fix_english([seg], [Term("Winsor")]) == 1
    assert seg.en == "The most Winsor, winsor."  # the first, as a near spelling would be
    assert fix_english([seg], [Term("Winsor")]) == 0  # held now
    assert unfix([seg], {"Winsor"}) == 1 and seg.en == "The most winsor, winsor."
    # An English word is not a misheard name, a name held is left, a capital never lowered.
    frank = segment(("Frank", 0.99), ("zegt", 0.99), en="To be frank, he says.")
    held = segment(("Frank", 0.99), ("zegt", 0.99), en="To be frank, says Frank.")
    system = segment(("Het", 0.99), ("kredietsysteem.", 0.99), en="Credit system grows.")
    assert fix_english([frank, held], [Term("Frank")]) == 0
    assert fix_english([system], [Term("kredietsysteem", english="credit system")]) == 0
    assert (frank.en, held.en, system.en) == (
        "To be frank, he says.", "To be frank, says Frank.", "Credit system grows.")


def test_fixes_to_a_term_the_glossary_no_longer_has_are_taken_back():
    seg = segment(("Volgens", 0.98), ("Kremers", 0.31), ("is", 0.99), ("het", 0.99),
                  ("krediet", 0.42), ("systeem.", 0.55), en="According to Kremers it is.")
    edited = segment(("Kremers", 0.2), ("zegt", 0.99))
    terms = [Term("Creemers"), Term("kredietsysteem")]
    fix_dutch([seg, edited], terms)
    fix_english([seg], terms)
    edited.edited["nl"] = True  # the editor kept the fix
    assert unfix([seg, edited], {"Creemers"}) == 2  # Creemers went: nl and en
    assert seg.nl == "Volgens Kremers is het kredietsysteem."
    assert seg.en == "According to Kremers it is."
    assert [w.text for w in seg.words][:2] == ["Volgens", " Kremers"]
    assert [f["now"] for f in seg.fixes] == ["kredietsysteem"]
    assert edited.nl == "Creemers zegt"  # a line an editor changed stays as it is
    assert unfix([seg], {"kredietsysteem"}) == 1
    assert seg.nl == "Volgens Kremers is het krediet systeem."
    assert seg.fixes == []


def test_unsure_words_are_found_in_the_text_until_an_editor_changes_it():
    seg = segment(("Het", 0.99), ("Kremers", 0.3), ("systeem", 0.45), ("werkt.", 0.8))
    assert unsure_spans(seg) == [(4, 11), (12, 19)]
    seg.edited["nl"] = True
    assert unsure_spans(seg) == []


def test_a_correction_proposes_the_names_it_puts_in(tmp_path):
    words = [Word("Volgens", 0, 1, 0.99), Word(" Kremers", 1, 2, 0.3), Word(" is", 2, 3, 0.99)]
    found = proposals.from_correction("Volgens Kremers is het zo.", "Volgens Creemers is het zo.",
                                      words)
    assert [(p.text, p.replaced) for p in found] == [("Creemers", ["Kremers"])]
    # A new sentence start, everyday words, markup: nothing to propose.
    assert proposals.from_correction("dat is zo", "Dat is zo", words) == []
    assert proposals.from_correction("hij loopt", "hij rent", words) == []
    assert proposals.from_correction("het is", "het <b>is</b>", words) == []
    assert proposals.from_correction("en dan plan", "en dan plan A", words) == []  # a letter
    assert [p.text for p in proposals.from_correction(
        "met de heer jinping", "met de heer Xi Jinping", [])] == ["Xi Jinping"]
    # Words put in beside the name are not part of it; a rewrite misspells nothing.
    unsure = [Word(" pasdelen.", 0, 1, 0.3), Word(" grubbi", 1, 2, 0.2), Word(" sjie", 2, 3, 0.4)]
    assert [(p.text, p.replaced) for p in proposals.from_correction(
        "Dit gaat pasdelen.", "Dit gaat pas delen, zegt Jansen.", unsure)] == [("Jansen", [])]
    assert proposals.from_correction("Het grubbi.", "Het lege regel ertussen.", unsure) == []
    assert [(p.text, p.replaced) for p in proposals.from_correction(
        "president sjie zegt", "president Xi zegt", unsure)] == [("Xi", ["sjie"])]
    assert [p.text for p in proposals.from_correction(  # dots and "&" inside a name stay
        "van jk rowling en at en t", "van J.K. Rowling en AT&T", [])] == ["J.K. Rowling", "AT&T"]


def test_proposals_are_counted_accepted_and_dismissed(tmp_path):
    proposals.record(tmp_path, "ep1", [proposals.Proposal("Creemers", ["Kremers"])])
    proposals.record(tmp_path, "ep2", [proposals.Proposal("Creemers", ["Kreemers"]),
                                       proposals.Proposal("Tencent", [])])
    [creemers, tencent] = proposals.pending(tmp_path)
    assert (creemers.count, creemers.episodes, creemers.replaced) == (
        2, ["ep1", "ep2"], ["Kremers", "Kreemers"])
    term = proposals.accept(tmp_path, "creemers")
    assert (term.text, term.misspellings) == ("Creemers", ["Kremers", "Kreemers"])
    assert [t.text for t in load(tmp_path)] == ["Creemers"]
    proposals.dismiss(tmp_path, "Tencent")
    assert proposals.pending(tmp_path) == []
    # A second tab's click says what became of it.
    with pytest.raises(ReportageError, match="accepted already"):
        proposals.dismiss(tmp_path, "Creemers")
    with pytest.raises(ReportageError, match="dismissed already"):
        proposals.accept(tmp_path, "Tencent")
    # Neither a glossary term, nor a dismissed one, nor an undone fix is proposed again.
    proposals.record(tmp_path, "ep3", [proposals.Proposal("Creemers"),
                                       proposals.Proposal("Tencent"),
                                       proposals.Proposal("Kremers", ["Creemers"])])
    assert proposals.pending(tmp_path) == []
    with pytest.raises(proposals.UnknownProposal):
        proposals.accept(tmp_path, "Alibaba")


def test_a_spelling_the_glossary_mends_is_not_proposed_and_any_form_is_accepted(tmp_path):
    (tmp_path / "glossary.toml").write_text(
        '[[term]]\ntext = "Pas Delen"\nmisspellings = ["Pasdelen"]\n', encoding="utf-8")
    proposals.record(tmp_path, "ep1", [proposals.Proposal("Pasdelen"),
                                       proposals.Proposal("Reuzéchtig")])
    assert [p.text for p in proposals.pending(tmp_path)] == ["Reuzéchtig"]
    assert proposals.accept(tmp_path, "reuze\u0301chtig").text == "Reuzéchtig"


def test_an_accept_and_a_dismiss_at_once_leave_one_of_them_done(tmp_path):
    """Two editors at the same moment: the term is either accepted or dismissed, never both."""
    for n in range(8):
        name = f"Kwakkel{n}"
        proposals.record(tmp_path, "ep1", [proposals.Proposal(name, [f"kwakel{n}"])])
        start = threading.Barrier(2)
        outcomes = {}

        def run(action, name=name, start=start, outcomes=outcomes):
            start.wait()
            try:
                getattr(proposals, action)(tmp_path, name)
                outcomes[action] = True
            except proposals.UnknownProposal:
                outcomes[action] = False

        threads = [threading.Thread(target=run, args=(a,)) for a in ("accept", "dismiss")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        in_glossary = name in {t.text for t in load(tmp_path)}
        dismissed = name.casefold() in json.loads(
            (tmp_path / proposals.FILENAME).read_text(encoding="utf-8"))["dismissed"]
        assert sorted(outcomes.values()) == [False, True]
        assert (in_glossary, dismissed) == (outcomes["accept"], outcomes["dismiss"])


def test_a_rewritten_sentence_is_no_misspelling_and_a_refused_accept_keeps_the_proposal(
        tmp_path):
    garbled = " ".join(["lang"] * 1000)  # 4,999 characters: more than a term may hold
    assert proposals.from_correction(garbled, "Het is Kwakkelstein", []) == []
    # A proposal stored before that rule: accepted without the rewrite as a misspelling.
    proposals.record(tmp_path, "ep", [proposals.Proposal("Kwakkelstein", [garbled, "Kwakel"])])
    term = proposals.accept(tmp_path, "Kwakkelstein")
    assert (term.text, term.misspellings) == ("Kwakkelstein", ["Kwakel"])
    # A proposal the glossary refuses outright stays proposed.
    proposals.record(tmp_path, "ep", [proposals.Proposal("x" * 150, ["y"])])
    with pytest.raises(ReportageError, match="at most"):
        proposals.accept(tmp_path, "x" * 150)
    assert [p.text for p in proposals.pending(tmp_path)] == ["x" * 150]
    # So does one accepted while the glossary file cannot be read.
    proposals.record(tmp_path, "ep", [proposals.Proposal("Creemers", ["Kremers"])])
    (tmp_path / "glossary.toml").write_text('[[term]]\ntext = "Alibaba', encoding="utf-8")
    with pytest.raises(ReportageError, match="not valid TOML"):
        proposals.accept(tmp_path, "Creemers")
    assert "Creemers" in [p.text for p in proposals.pending(tmp_path)]


def test_an_unreadable_proposals_file_is_one_clear_error_and_kept(tmp_path):
    path = tmp_path / proposals.FILENAME
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportageError, match="delete it"):
        proposals.pending(tmp_path)
    with pytest.raises(ReportageError):
        proposals.record(tmp_path, "ep", [proposals.Proposal("Creemers")])
    assert path.read_text(encoding="utf-8") == "{not json"
    path.write_text(json.dumps({"proposed": [], "dismissed": []}), encoding="utf-8")
    assert proposals.pending(tmp_path) == []


@pytest.mark.parametrize("entry", [{"text": 5}, {"text": "X", "episodes": [1]},
                                   {"text": "X", "replaced": "Y"}, {"text": "X", "count": "2"}])
def test_a_hand_damaged_proposals_file_is_one_clear_error(tmp_path, entry):
    (tmp_path / proposals.FILENAME).write_text(json.dumps({"proposed": [entry],
                                                           "dismissed": []}))
    for call in (lambda: proposals.pending(tmp_path), lambda: proposals.accept(tmp_path, "X"),
                 lambda: proposals.dismiss(tmp_path, "X")):
        with pytest.raises(ReportageError, match="not a list of proposed terms"):
            call()


def test_a_run_takes_back_only_what_terms_removed_from_the_librarys_glossary_put_in(tmp_path):
    from pipeline.document import Episode, Source
    from pipeline.stages.base import Context, Engines, Settings
    from pipeline.stages.glossary import GlossaryStage

    seg = segment(("Kremers", 0.3), ("en", 0.99), ("Tensent", 0.3))
    fix_dutch([seg], [Term("Creemers"), Term("Tencent")])
    assert seg.nl == "Creemers en Tencent"
    episode = Episode("e", "E", Source("e.wav", "0" * 64, 3.0, 16000, "e.wav"), segments=[seg])
    # Creemers came from the library's glossary, Tencent from a --glossary file of that run.
    episode.provenance["glossary"] = {"library": ["Creemers"]}
    (tmp_path / "e").mkdir()
    settings = Settings(embedder="lexical")  # this run: no terms at all
    ctx = Context(tmp_path / "e.wav", tmp_path / "e", episode, settings, Engines(settings),
                  lambda *_: None)
    assert GlossaryStage().enabled(ctx)  # fixes stand
    done = GlossaryStage().run(ctx)
    assert done["undone"] == 1 and seg.nl == "Kremers en Tencent"
    assert [f["now"] for f in seg.fixes] == ["Tencent"]


def test_a_term_moved_into_the_librarys_glossary_runs_the_stage_again(tmp_path):
    """Else the run would not record it as the library's, and its removal later would leave
    its fixes in."""
    from pipeline.document import Episode, Source
    from pipeline.stages.base import Context, Engines, Settings
    from pipeline.stages.glossary import GlossaryStage

    episode = Episode("e", "E", Source("e.wav", "0" * 64, 3.0, 16000, "e.wav"))
    (tmp_path / "e").mkdir()
    settings = Settings(embedder="lexical", glossary=[Term("Tencent")])  # a --glossary file's
    ctx = Context(tmp_path / "e.wav", tmp_path / "e", episode, settings, Engines(settings),
                  lambda *_: None)
    before = GlossaryStage().inputs(ctx)
    (tmp_path / "glossary.toml").write_text('[[term]]\ntext = "Tencent"\n', encoding="utf-8")
    assert GlossaryStage().inputs(ctx) != before
