"""A plain Dutch word finds its inflected adjective forms (antiek: antieke), and the other way
round, and a verb's -dt form (vindt: vind); an index from before this rule is re-stemmed when
next searched."""

from __future__ import annotations

import sqlite3
from importlib.metadata import version

import pytest
import snowballstemmer

from pipeline import search
from pipeline.document import Episode, Segment, Source
from pipeline.errors import ReportageError
from pipeline.search import textnorm


def exact(*args, **kw):
    """Word search, as these tests are about the words (meaning: test_search_modes.py)."""
    return search.search(*args, mode="exact", **kw)

LINES = [
    "Een antieke kast uit Friesland.",  # s000
    "Die kast is antiek en groot.",  # s001
    "Het grote huis aan de gracht.",  # s002
    "Wat een mooie dag, zo'n dikke trui en lieve woorden.",  # s003
    "Mooi weer, een dik boek en een lief woord.",  # s004
    "Het Chinese kredietsysteem is streng.",  # s005
    "De kredietsystemen van banken zijn anders.",  # s006
    "Het water is koud; wat is dat?",  # s007
    "Zij vindt het niet, en dat geldt voor iedereen.",  # s008
]
EPISODE = Episode(
    slug="vormen",
    title="Vormen",
    source=Source("vormen.mp3", "0" * 64, len(LINES) * 5.0, 16000),
    segments=[Segment(f"s{i:03d}", i * 5.0, i * 5.0 + 4.5, nl) for i, nl in enumerate(LINES)],
)


@pytest.fixture
def library(tmp_path):
    search.index_episode(tmp_path, EPISODE)
    return tmp_path


def found(library, query: str) -> set[str]:
    return {h.segment for h in exact(library, query, lang="nl")}


@pytest.mark.parametrize(
    "query, segments",
    [
        ("antiek", {"s000", "s001"}),
        ("antieke", {"s000", "s001"}),
        ("groot", {"s001", "s002"}),
        ("grote", {"s001", "s002"}),
        ("mooi", {"s003", "s004"}),
        ("dikke", {"s003", "s004"}),
        ("lief", {"s003", "s004"}),
        ("kredietsystemen", {"s005", "s006"}),  # what stemming found before still works
        ("kredietsysteem", {"s005", "s006"}),
        ("water", {"s007"}),  # -er is no inflection here: water is not wat
        ("wat", {"s003", "s007"}),
        ("vind", {"s008"}),  # -dt and -d sound alike: people and the recogniser mix them up
        ("geld", {"s008"}),
        ("wordt", set()),
    ],
)
def test_a_word_finds_its_other_forms(library, query, segments):
    assert found(library, query) == segments


def test_the_inflected_form_is_marked_in_the_snippet(library):
    [hit] = [h for h in exact(library, "antiek", lang="nl") if h.segment == "s000"]
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["antieke"]


def test_stems_drop_only_an_adjectives_e_and_a_verbs_t_after_d():
    stems = {w: textnorm.stem(w, "nl") for w in
             ["antieke", "grote", "mooie", "dikke", "lieve", "boze", "koffie", "zee", "de", "vindt",
              "wordt", "stadt", "dt"]}
    assert stems == {"antieke": "antiek", "grote": "groot", "mooie": "mooi", "dikke": "dik",
                     "lieve": "lief", "boze": "boos", "koffie": "koffie", "zee": "zee", "de": "de",
                     "vindt": "vind", "wordt": "word", "stadt": "stad", "dt": "dt"}


def test_an_index_with_older_stems_is_restemmed_when_searched(library):
    # As an index built before this rule holds them: Snowball's stems only.
    snowball = snowballstemmer.stemmer("dutch")
    db = sqlite3.connect(search.index_path(library))
    terms = [t for (t,) in db.execute("SELECT term FROM terms")]
    db.executemany("UPDATE terms SET nl = ? WHERE term = ?",
                   [(snowball.stemWord(t), t) for t in terms])
    db.execute("UPDATE meta SET value = ? WHERE key = 'stemmer'", (version("snowballstemmer"),))
    db.commit()
    db.close()
    assert found(library, "antiek") == {"s000", "s001"}
    db = sqlite3.connect(search.index_path(library))
    assert db.execute("SELECT value FROM meta WHERE key = 'stemmer'").fetchone() == (
        textnorm.stemmer_version(),)
    assert db.execute("SELECT nl FROM terms WHERE term = 'antieke'").fetchone() == ("antiek",)
    db.close()


def test_a_missing_library_or_an_index_in_the_way_is_said_plainly(tmp_path):
    with pytest.raises(ReportageError, match="no library folder at .*reportage process"):
        search.search(tmp_path / "nowhere", "krab")
    (tmp_path / "index.sqlite").mkdir()  # a folder where the index goes
    with pytest.raises(ReportageError, match=r"cannot write the search index .*index\.sqlite: "):
        search.rebuild(tmp_path)
    assert not list(tmp_path.glob("*.tmp"))  # no temp file left


def test_a_prefix_or_word_counted_in_more_lines_than_there_are_still_ranks(tmp_path):
    """A prefix's words (and a stem's), counted in both languages, can sum past the rows."""
    lines = [("de de", "the this that"), ("de", "the then"), ("de", "there these")]
    episode = Episode(slug="kort", title="Kort", source=Source("kort.mp3", "1" * 64, 15.0, 16000),
                      segments=[Segment(f"s{i}", i * 5.0, i * 5.0 + 4, nl, en)
                                for i, (nl, en) in enumerate(lines)])
    search.index_episode(tmp_path, episode)
    for query in ("th*", "de", "the"):
        assert search.search(tmp_path, query, mode="exact")  # ranked, not a math domain error


def test_an_index_a_killed_writer_left_mid_change_is_rolled_back_when_read(library):
    path = library / "index.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA cache_size = 1")  # the change spills into the file: the journal is hot
    db.execute("BEGIN IMMEDIATE")
    db.execute("DELETE FROM segments")
    db.execute("UPDATE meta SET value = value || 'x'")
    journal = (library / "index.sqlite-journal").read_bytes()
    db.close()  # closing rolls back: put the killed writer's journal back in place
    (library / "index.sqlite-journal").write_bytes(journal)
    assert found(library, "antiek") == {"s000", "s001"}


def test_a_full_disk_is_no_damaged_index(tmp_path):
    """SQLite's "database or disk is full" (SQLITE_FULL, here from a page limit) is a write
    that failed, not an unreadable index to rebuild."""
    from pipeline.search import index

    path = tmp_path / "index.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t(x)")
    db.execute("PRAGMA max_page_count = 2")
    with pytest.raises(ReportageError) as caught, index._readable(path):
        db.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    assert str(caught.value) == f"cannot use search index {path}: database or disk is full"
