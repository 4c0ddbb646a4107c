"""The show's glossary: the file, `reportage glossary`, and its terms reaching the decoder."""

import json

import pytest
import tomllib
from conftest import one_error_line

from pipeline import glossary
from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.glossary import Term


def test_terms_are_added_updated_and_removed_in_a_readable_file(tmp_path):
    assert glossary.load(tmp_path) == []
    assert glossary.add(tmp_path, Term("Rogier  Creemers", misspellings=["Kreemers"]))
    assert glossary.add(tmp_path, Term("Sesame Credit", english="Sesame Credit"))
    assert not glossary.add(tmp_path, Term("rogier creemers", misspellings=["kreemers"]))
    assert glossary.add(tmp_path, Term("Rogier Creemers", misspellings=["Creamers"]))
    text = (tmp_path / glossary.FILENAME).read_text(encoding="utf-8")
    assert tomllib.loads(text)["term"][0] == {"text": "Rogier Creemers",
                                             "misspellings": ["Kreemers", "Creamers"]}
    assert [t.text for t in glossary.load(tmp_path)] == ["Rogier Creemers", "Sesame Credit"]
    assert glossary.remove(tmp_path, "sesame  credit")
    assert not glossary.remove(tmp_path, "Sesame Credit")
    assert [t.text for t in glossary.load(tmp_path)] == ["Rogier Creemers"]


def test_a_hand_edit_is_kept_when_a_term_is_added(tmp_path):
    glossary.add(tmp_path, Term("Alibaba"))
    path = tmp_path / glossary.FILENAME
    path.write_text(path.read_text(encoding="utf-8") + '\n[[term]]\ntext = "Tencent"\n'
                    'english = "Tencent"\n', encoding="utf-8")
    glossary.add(tmp_path, Term("Xi Jinping"))
    assert [t.text for t in glossary.load(tmp_path)] == ["Alibaba", "Tencent", "Xi Jinping"]


def test_an_editors_comments_and_layout_survive_adding_updating_and_removing(tmp_path):
    path = tmp_path / glossary.FILENAME
    path.write_text("# Our names: ask Anna before removing one\n\n# the host\n[[term]]\n"
                    'text = "Rogier Creemers"   # our guest\n\n# companies\n[[term]]\n'
                    'text = "Sesame Credit"\n', encoding="utf-8")
    glossary.add(tmp_path, Term("Rogier Creemers", english="Rogier Creemers",
                                misspellings=["Kreemers"]))
    glossary.add(tmp_path, Term("Alibaba"))
    glossary.remove(tmp_path, "Sesame Credit")
    text = path.read_text(encoding="utf-8")
    for comment in ("# Our names: ask Anna", "# the host", "# our guest", "# companies"):
        assert comment in text
    # a new key of a term goes with it, not below the comment above the next term
    assert text.index("misspellings") < text.index("# companies")
    assert [(t.text, t.misspellings) for t in glossary.load(tmp_path)] == [
        ("Rogier Creemers", ["Kreemers"]), ("Alibaba", [])]
    glossary.remove(tmp_path, "Rogier Creemers")
    glossary.remove(tmp_path, "Alibaba")
    assert glossary.load(tmp_path) == [] and "# Our names" in path.read_text(encoding="utf-8")


def test_only_the_changed_terms_lines_change(tmp_path):
    path = tmp_path / glossary.FILENAME
    first = '# the host\n[[term]]\ntext = "Alibaba"\n\n# companies\n'
    path.write_text(first + '[[term]]\ntext = "Tencent"', encoding="utf-8")  # no last newline
    glossary.add(tmp_path, Term("Tencent", english="Tencent"))  # the last term
    glossary.add(tmp_path, Term("Tencent", misspellings=["Tensent"]))
    assert path.read_text(encoding="utf-8") == first + (
        '[[term]]\ntext = "Tencent"\nenglish = "Tencent"\nmisspellings = ["Tensent"]\n')
    glossary.add(tmp_path, Term("Sesame Credit"))
    glossary.remove(tmp_path, "alibaba")  # the comment above the next term stays above it
    assert path.read_text(encoding="utf-8").startswith("# the host\n\n# companies\n[[term]]\n")
    path.write_text(path.read_text(encoding="utf-8") + '[[term]]\ntext = "TENCENT"\n')
    glossary.remove(tmp_path, "Tencent")  # a copy in other letters goes too
    assert [t.text for t in glossary.load(tmp_path)] == ["Sesame Credit"]


def test_a_bracket_in_a_comment_or_string_never_swallows_the_lines_after_it(tmp_path):
    path = tmp_path / glossary.FILENAME
    path.write_text('[[term]]\nenglish = "Sesame Credit"  # the [social score\n'
                    'text = "Zhima Xinyong"\n\n[[term]]\ntext = "Huawei"\nmisspellings = [\n'
                    '  "Hoe[wei",  # heard so ]\n  "Wawei",\n]\nenglish = "Huawei"\n',
                    encoding="utf-8")
    glossary.add(tmp_path, Term("Zhima Xinyong", misspellings=["Zima Xinyong"]))
    glossary.add(tmp_path, Term("Huawei", misspellings=["Huawai"]))
    terms = {t.text: (t.english, t.misspellings) for t in glossary.load(tmp_path)}
    assert terms == {"Zhima Xinyong": ("Sesame Credit", ["Zima Xinyong"]),
                     "Huawei": ("Huawei", ["Hoe[wei", "Wawei", "Huawai"])}


def added(library, text: str, term: Term) -> str:
    """The glossary file `text` after `glossary add` of `term`."""
    path = library / glossary.FILENAME
    path.write_text(text, encoding="utf-8")
    glossary.add(library, term)
    return path.read_text(encoding="utf-8")


def test_comments_on_a_changed_terms_lines_and_on_a_term_a_line_stay(tmp_path):
    path = tmp_path / glossary.FILENAME
    text = added(tmp_path, '[[term]]\ntext = "Huawei"\nenglish = "Huawei # Inc"  # as the '
                 'company writes it\nmisspellings = [\n  "Hoewei",  # heard\n]  # ask Anna\n',
                 Term("Huawei", misspellings=["Huawai"]))
    assert 'english = "Huawei # Inc"  # as the company writes it\n' in text
    assert 'misspellings = [\n  "Hoewei",  # heard\n  "Huawai",\n]  # ask Anna\n' in text

    path.write_text("# Names of the show\nRogier Creemers   # the China expert\n"
                    "Sesame Credit\n", encoding="utf-8")  # one a line, until a term needs more
    glossary.add(tmp_path, Term("Huawei", misspellings=["Hoewei"]))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Names of the show\n")
    assert 'text = "Rogier Creemers"  # the China expert\n' in text
    assert [t.text for t in glossary.load(tmp_path)] == ["Rogier Creemers", "Sesame Credit",
                                                         "Huawei"]


def test_a_list_one_item_a_line_keeps_its_layout_and_comments(tmp_path):
    assert added(tmp_path, '[[term]]\ntext = "Huawei"\nmisspellings = [  # from the radio\n'
                 '    "Hoe#wei", "Wawei",  # both heard\n    \'Hua\'  # ep. 3\n  ]\n',
                 Term("Huawei", misspellings=["Huawai"])) == (
        '[[term]]\ntext = "Huawei"\nmisspellings = [  # from the radio\n    "Hoe#wei",\n'
        '    "Wawei",  # both heard\n    "Hua",  # ep. 3\n    "Huawai",\n]\n')


def test_a_list_whose_first_item_shares_its_opening_line_keeps_that_comment_once(tmp_path):
    text = added(tmp_path, '[[term]]\ntext = "Jansen"\nmisspellings = ["Janse",  # heard twice\n'
                 '  "Jansse",\n]\n', Term("Jansen", misspellings=["Jantsen"]))
    assert text.count("# heard twice") == 1 and '"Janse",  # heard twice\n' in text


def test_a_change_that_would_lose_part_of_the_glossary_is_refused():
    from pipeline.glossary import editing

    text = '[[term]]\ntext = "A"\nenglish = """x\n[[term]]\ntext = "B"\n"""\n'
    with pytest.raises(ReportageError, match="without breaking it"):
        editing.with_term(text, Term("A", english="y"), 0)  # a header-like line in a string


def test_a_list_of_one_term_a_line_stays_one_until_a_term_needs_more(tmp_path):
    path = tmp_path / glossary.FILENAME
    path.write_text("# our names\nCreemers  # the guest\nAlibaba", encoding="utf-8")
    glossary.add(tmp_path, Term("Tencent"))
    glossary.remove(tmp_path, "alibaba")
    assert path.read_text(encoding="utf-8") == "# our names\nCreemers  # the guest\nTencent\n"
    glossary.add(tmp_path, Term("Creemers", misspellings=["Kreemers"]))
    assert path.read_text(encoding="utf-8").startswith("# our names\n")
    assert glossary.load(tmp_path) == [Term("Creemers", None, ["Kreemers"]), Term("Tencent")]


@pytest.mark.parametrize("odd", ["E=mc2", "C#", "#hashtag", "[Sic] Krant"])
def test_a_term_a_line_cannot_hold_turns_the_list_into_tables(tmp_path, odd):
    path = tmp_path / glossary.FILENAME
    path.write_text("Alpha\nBeta\n", encoding="utf-8")
    glossary.add(tmp_path, Term(odd))
    assert [t.text for t in glossary.load(tmp_path)] == ["Alpha", "Beta", odd]
    assert glossary.remove(tmp_path, odd)
    assert [t.text for t in glossary.load(tmp_path)] == ["Alpha", "Beta"]


def test_a_term_is_removed_whatever_unicode_form_it_is_typed_in(tmp_path):
    (tmp_path / glossary.FILENAME).write_text("Café\nZoë\n", encoding="utf-8")
    assert glossary.remove(tmp_path, "cafe\u0301") and glossary.remove(tmp_path, "ZOE\u0308")
    assert glossary.load(tmp_path) == []


def test_terms_written_inline_are_never_broken(tmp_path):
    path = tmp_path / glossary.FILENAME
    path.write_text('term = [{text = "Alibaba"}]\n', encoding="utf-8")
    for change in (lambda: glossary.add(tmp_path, Term("Tencent")),
                   lambda: glossary.add(tmp_path, Term("Alibaba", english="Alibaba")),
                   lambda: glossary.remove(tmp_path, "Alibaba")):
        with pytest.raises(ReportageError, match="by hand|as a \\[\\[term\\]\\] table"):
            change()
        assert path.read_text(encoding="utf-8") == 'term = [{text = "Alibaba"}]\n'


@pytest.mark.parametrize("term, message", [
    (Term("Bar", misspellings=["alibaba"]), "is a term of the glossary itself"),
    (Term("kreemers"), "is a misspelling of 'Rogier Creemers'"),
    (Term("Rob Kramers", misspellings=["KREEMERS"]), "already a misspelling of 'Rogier Creemers'"),
])
def test_a_word_is_a_term_or_a_misspelling_never_both(tmp_path, term, message):
    glossary.add(tmp_path, Term("Alibaba"))
    glossary.add(tmp_path, Term("Rogier Creemers", misspellings=["Kreemers", "kreemers"]))
    before = (tmp_path / glossary.FILENAME).read_bytes()
    with pytest.raises(ReportageError, match=message):
        glossary.add(tmp_path, term)
    assert (tmp_path / glossary.FILENAME).read_bytes() == before
    assert glossary.load(tmp_path)[1].misspellings == ["Kreemers"]  # each spelling once


def test_a_term_is_never_its_own_misspelling_but_its_lower_case_may_be(tmp_path):
    glossary.add(tmp_path, Term("Zed", misspellings=["Zed", "zed"]))  # "zed" is put right
    assert glossary.load(tmp_path) == [Term("Zed", None, ["zed"])]


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe Creemers", "not UTF-8"),
    (b'[[term]]\ntext = "Creemers', "not valid TOML"),
    (b"[[term]]\nenglish = 'x'\n", "needs text"),
    (b"<b>Creemers</b>\n", "markup or control characters"),
    (b"Cree\x07mers\n", "markup or control characters"),
    ("Cree\x9bmers\n".encode(), "markup or control characters"),
    (b"x" * 500 + b"\n", "at most 100 characters"),
    # TOML with a typo is never read as one term a line (and then rewritten without the rest)
    (b'[term]\ntext = "Rogier Creemers"\nmisspellings = ["Kreemers"]\n', "holds only"),
    (b'[[terms]]\ntext = "Rogier Creemers"\n', "not terms"),
    (b'term = "Rogier Creemers"\n', "holds only"),
    (b'term.text = "Rogier Creemers"\n', "holds only"),
    (b'[[term\ntext = "Creemers"\n', "not valid TOML"),
    (b'[[term]]\ntext = "Creemers"\nmispellings = ["Kremers"]\n', "unknown mispellings"),
    (b'[[term]]\ntext = "Creemers"\nmisspellings = ["Kremers", 3]\n', "list of strings"),
])
def test_a_bad_glossary_is_one_clear_error_and_is_never_written_over(tmp_path, content, message):
    path = tmp_path / glossary.FILENAME
    path.write_bytes(content)
    with pytest.raises(ReportageError, match=message) as raised:
        glossary.load(tmp_path)
    assert str(raised.value).startswith(f"{path}: ")  # which of a run's glossaries it is
    with pytest.raises(ReportageError, match=message):
        glossary.add(tmp_path, Term("Alibaba"))
    assert path.read_bytes() == content


def test_a_plain_list_is_a_glossary_too(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("# names of this episode\nRogier Creemers\n\nAlibaba  # a company\n"
                    "alibaba\n", encoding="utf-8")
    assert [t.text for t in glossary.parse(path)] == ["Rogier Creemers", "Alibaba"]
    path.write_text("", encoding="utf-8")
    assert glossary.parse(path) == []


def test_hotwords_are_bounded_and_say_what_was_left_out():
    assert glossary.hotwords([]) == (None, 0)
    words, left_out = glossary.hotwords([Term("Creemers"), Term("Alibaba"), Term("creemers")])
    assert (words, left_out) == ("Creemers, Alibaba", 0)
    many = [Term(f"Naam{i}") for i in range(10_000)]
    words, left_out = glossary.hotwords(many)
    assert len(words) <= glossary.HOTWORD_CHARS and words.startswith("Naam0, Naam1")
    assert left_out == 10_000 - len(words.split(", "))


def test_the_glossary_command(tmp_path, cli):
    library = str(tmp_path / "lib")
    run = cli("glossary", "add", "Rogier Creemers", "--misspelling", "Kreemers",
              "--library", library)
    assert run.rc == 0, run.err
    assert "a new library" in run.err  # said, so that a mistyped path shows
    typo = tmp_path / "no" / "lib"
    assert cli("glossary", "add", "Huawei", "--library", str(typo)).rc == 1
    assert not typo.parent.exists()
    cli("glossary", "add", "Sesame Credit", "--english", "Sesame Credit", "--library", library)
    listed = cli("glossary", "--library", library)
    assert listed.out.splitlines() == ["Rogier Creemers  [Kreemers]",
                                       "Sesame Credit -> Sesame Credit"]
    assert cli("glossary", "remove", "Sesame Credit", "--library", library).rc == 0
    assert "not in the glossary" in one_error_line(
        cli("glossary", "remove", "Sesame Credit", "--library", library))
    for blank in (" ", "\u3164", "\u200c\u00ad"):  # spaces, or what shows as nothing
        assert "cannot be empty" in one_error_line(cli("glossary", "add", blank, "--library",
                                                       library))
    assert "a misspelling cannot be empty" in one_error_line(
        cli("glossary", "add", "Huawei", "--misspelling", "", "--library", library))
    assert "its English cannot be empty" in one_error_line(
        cli("glossary", "add", "Huawei", "--english", " ", "--library", library))
    # The group's --library holds for the command after it.
    assert cli("glossary", "--library", library, "add", "Huawei").rc == 0
    assert "Huawei" in [t.text for t in glossary.load(tmp_path / "lib")]
    assert cli("glossary", "--library", library, "remove", "Huawei").rc == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[[term]]\ntext = "x', encoding="utf-8")
    assert "not valid TOML" in one_error_line(
        cli("process", str(bad), "--glossary", str(bad), "--library", library))


@pytest.mark.model
def test_the_terms_reach_both_decodes_of_the_batched_path(monkeypatch):
    """The Dutch and the English decoded along are primed with the same hotwords."""
    from audiogen import clip

    from pipeline.asr import AsrOptions, English, load_engine

    engine = load_engine("faster-whisper", None, AsrOptions(hotwords="Creemers, Alibaba"))
    seen = []
    real = engine.model.get_prompt
    monkeypatch.setattr(engine.model, "get_prompt", lambda tokenizer, *a, **kw: seen.append(
        (tokenizer.task, kw.get("hotwords"))) or real(tokenizer, *a, **kw))
    english = English()
    assert list(engine.transcribe(clip("vl04108"), english=english)) and english.pieces
    tasks = {engine.model.hf_tokenizer.token_to_id(f"<|{t}|>"): t
             for t in ("transcribe", "translate")}
    assert {(tasks[task], words) for task, words in seen} == {
        ("transcribe", "Creemers, Alibaba"), ("translate", "Creemers, Alibaba")}


def test_a_run_records_its_terms(library_copy, speech_file, tmp_path, cli):
    names = tmp_path / "names.txt"
    names.write_text("Creemers\nAlibaba\n", encoding="utf-8")
    cli("glossary", "add", "Tencent", "--library", str(library_copy))
    run = cli("process", str(speech_file), "--library", str(library_copy), "--glossary",
              str(names), "--hotwords", "--force", "--no-translate", "--no-chapters",
              "--no-speakers")
    assert run.rc == 0, run.err
    done = Episode.load(library_copy / "vijf-zinnen").provenance
    assert done["transcribe"]["hotwords"] == "Tencent, Creemers, Alibaba"
    assert done["glossary"]["terms"] == 3


def test_a_changed_glossary_is_applied_on_a_rerun_without_transcribing_again(
        library_copy, speech_file, cli):
    folder = library_copy / "vijf-zinnen"
    episode = Episode.load(folder)
    # A word the recogniser heard; given a term that sounds like it (and made unsure here),
    # the re-run puts the term in and marks it.
    word = next(w for seg in episode.segments for w in seg.words if len(w.text.strip()) > 6)
    heard = word.text.strip(" .,?!")
    word.probability = 0.2
    episode.save(folder)
    cli("glossary", "add", heard.upper() + "X", "--library", str(library_copy))
    run = cli("process", str(speech_file), "--library", str(library_copy), "--no-chapters",
              "--json")
    assert run.rc == 0, run.err
    ran = json.loads(run.out.splitlines()[-1])["ran"]
    assert "transcribe" not in ran and "glossary" in ran
    # The Dutch word is fixed (with the word after it where that sounds closer still: "X"
    # may sound like "is"; the English may then hold the same pair and be fixed as well).
    fixed = [f for seg in Episode.load(folder).segments for f in seg.fixes if f["lang"] == "nl"]
    assert len(fixed) == 1 and fixed[0]["now"] == heard.upper() + "X"
    assert fixed[0]["was"].startswith(heard)
    # The term removed, the next run takes its fix back: the line says what was heard again.
    cli("glossary", "remove", heard.upper() + "X", "--library", str(library_copy))
    run = cli("process", str(speech_file), "--library", str(library_copy), "--no-chapters",
              "--json")
    assert run.rc == 0, run.err
    after = Episode.load(folder)
    assert not [f for seg in after.segments for f in seg.fixes]
    assert any(fixed[0]["was"] in seg.nl for seg in after.segments)
    assert heard.upper() + "X" not in (folder / "transcript.txt").read_text(encoding="utf-8")
