"""An English word typed finds the Dutch said, through FreeDict's English-Dutch dictionaries:
the dictd files read as they are installed, Dutch words left alone, and only in hybrid search."""

from __future__ import annotations

import gzip
import string
from pathlib import Path

import pytest

from pipeline import search
from pipeline.search import dictionary
from tests.synthetic import lines_episode
from tests.test_search_cli import cli  # noqa: F401  (the in-process CLI fixture)

HINT = f"{dictionary.INSTALL} (scripts/test.sh does)"


def dictd(folder: Path, name: str, entries: list[str]) -> None:
    """A dictionary in dictd's format: the entries gzipped, and an index of each headword's
    offset and length in base 64 (dictd's digits)."""
    digits = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"

    def number(n: int) -> str:
        out = ""
        while True:
            out = digits[n % 64] + out
            n //= 64
            if not n:
                return out

    body, index = b"", ["00databaseshort\tA\tB"]
    for entry in entries:
        data = entry.encode()
        index.append(f"{entry.split(' /')[0].splitlines()[0]}\t{number(len(body))}"
                     f"\t{number(len(data))}")
        body += data
    (folder / f"{name}.dict.dz").write_bytes(gzip.compress(body))
    (folder / f"{name}.index").write_text("\n".join(index) + "\n", encoding="utf-8")


@pytest.fixture
def small(tmp_path, monkeypatch) -> Path:
    dictd(tmp_path, dictionary.EN_NL, [
        "castle /kɑːsl/\nkasteel, burcht\n",
        "build /bɪld/\nbouwen\n",
        "take place /teik pleis/\nplaatsvinden\n",  # several words: a search matches words
        "initial /iniʃl/\n1. initiaal, voorletter\n2. aanvangs‐, begin‐\n",
        "kind /kaind/\nvriendelijk, soort\n",
    ])
    dictd(tmp_path, dictionary.NL_EN, [
        "erfenis /ɛrfənɪs/\ninheritance\n",
        "kind /kɪnt/\nchild\n",
        "bĳl /bɛil/\naxe\n",  # FreeDict's one-letter ij
    ])
    monkeypatch.setattr(dictionary, "FOLDER", tmp_path)
    return tmp_path


def test_a_dictd_dictionary_is_read_both_ways_round(small):
    assert dictionary.installed()
    assert dictionary.dutch("castle") == ["kasteel", "burcht"]
    assert dictionary.dutch("castles") == ["kasteel", "burcht"]  # an English ending taken off
    assert dictionary.dutch("built") == ["bouwen"]  # and an irregular form, by its lemma
    assert dictionary.dutch("inheritance") == ["erfenis"]  # from the Dutch-English one
    assert dictionary.dutch("axe") == ["bijl"]
    assert dictionary.dutch("initial") == ["initiaal", "voorletter"]  # no word fragments
    assert dictionary.dutch("take") == dictionary.dutch("place") == []


def test_a_dutch_word_or_a_stop_word_is_never_translated(small):
    assert dictionary.dutch("kind") == []  # Dutch for child, whatever English makes of it
    assert dictionary.dutch("the") == []


def test_without_the_dictionaries_a_search_goes_on_without_them(tmp_path, monkeypatch):
    monkeypatch.setattr(dictionary, "FOLDER", tmp_path)
    assert not dictionary.installed()
    dictionary._english_tagger.cache_clear()
    assert dictionary.dutch("castles") == []
    assert dictionary._english_tagger.cache_info().currsize == 0  # nor its English model loaded


def test_the_index_command_says_when_they_are_missing(tmp_path, monkeypatch, cli):  # noqa: F811
    library = tmp_path / "library"
    library.mkdir()
    assert "dict-freedict-eng-nld" not in cli("index", "--rebuild", "--library", str(library)).err
    monkeypatch.setattr(dictionary, "FOLDER", tmp_path)
    run = cli("index", "--rebuild", "--library", str(library))
    assert run.rc == 0 and "warning: an English word" in run.err and dictionary.INSTALL in run.err


def test_a_damaged_dictionary_is_left_out(small, caplog):
    (small / f"{dictionary.NL_EN}.index").write_text("erfenis\tA\n", encoding="utf-8")
    assert dictionary.dutch("castle") == []
    assert "unreadable" in caplog.text


def test_the_installed_dictionaries():
    assert dictionary.installed(), HINT
    assert "erfenis" in dictionary.dutch("inheritance")
    assert "regering" in dictionary.dutch("governments")
    assert dictionary.dutch("kind") == []


LINES = [
    "De erfenis van mijn oom ging helemaal naar de kerk.",
    "Het kind speelt de hele middag buiten in de tuin.",
    "Zij is altijd heel vriendelijk tegen de buren.",
    "Morgen gaat het hard regenen in het noorden.",
]
EPISODE = lines_episode("familie", LINES)


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    library = tmp_path_factory.mktemp("dictionary")
    search.index_episode(library, EPISODE)
    return library


@pytest.mark.model
def test_an_english_word_finds_the_dutch_word_said(library):
    assert dictionary.installed(), HINT
    assert search.search(library, "inheritance", mode="exact") == []  # exact stays exact
    hit = search.search(library, "inheritance", mode="hybrid")[0]
    assert (hit.segment, hit.lang) == ("s000", "nl")
    assert hit.matched in {"words", "both"} and not hit.partial
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["erfenis"]  # the listener sees why


@pytest.mark.model
def test_a_dutch_word_keeps_its_meaning(library):
    hits = search.search(library, "kind", mode="hybrid")
    assert hits[0].segment == "s001"
    kindly = [h for h in hits if h.segment == "s002"]  # English "kind" would be "vriendelijk"
    assert all(h.matched == "meaning" and not h.marks for h in kindly)
