"""Search by words, by meaning, or both: modes, cross-lingual hits, the vectors kept current, an
index from before the vectors, and bad input through the CLI and the web (one clear message,
never a traceback or a 500, and a search never changes the index)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from pipeline import search
from pipeline.document import Episode, Segment, Source
from pipeline.errors import ReportageError
from pipeline.search import fusion, sounds, vectors
from pipeline.web.app import create_app
from tests.conftest import one_error_line
from tests.synthetic import lines_episode
from tests.test_search_cli import cli  # noqa: F401  (the in-process CLI fixture)

LINES = [  # Dutch only: an English query can reach these by meaning alone
    "Morgen gaat het de hele dag hard regenen in het noorden van het land.",
    "Het kabinet wil de belastingen op benzine volgend jaar flink verhogen.",
    "De voetbalwedstrijd eindigde gisteravond in een gelijkspel.",
    "Ik ben mijn sleutels kwijtgeraakt op het station.",
    "De bakker verkoopt elke ochtend vers brood en taart.",
    "In de dierentuin is een olifantje geboren.",
    "De trein naar Amsterdam had een uur vertraging door een storing.",
]
EPISODE = lines_episode("nieuws", LINES)
BAD_QUERIES = ["", "   ", "woord " * 2000, "woord " * 166, "de het een", '"', "*", "NEAR(",
               "AND OR", "🙂🎉", 'NEAR("regen" "noorden", 2)', "regen AND OR NOT",
               '"onafgesloten frase']
COMPLAINTS = ("nothing to search for", "at most 1000 characters, not")  # what they may earn


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    library = tmp_path_factory.mktemp("modes")
    (library / EPISODE.slug).mkdir()
    EPISODE.save(library / EPISODE.slug)
    search.index_episode(library, EPISODE)
    return library


def fingerprint(library: Path) -> str:
    return hashlib.sha256(search.index_path(library).read_bytes()).hexdigest()


@pytest.mark.model
@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
@pytest.mark.parametrize("query, segment", [
    ("heavy showers up north tomorrow", "s000"),
    ("higher fuel taxes", "s001"),
    ("I mislaid my keys", "s003"),
    ("a baby elephant was born at the zoo", "s005"),
])
def test_an_english_query_finds_the_dutch_moment(library, mode, query, segment):
    hits = search.search(library, query, mode=mode, limit=3)
    assert segment in [h.segment for h in hits[:2]], [(h.segment, h.score) for h in hits]
    hit = next(h for h in hits if h.segment == segment)
    assert hit.lang == "nl" and hit.snippet == LINES[int(segment[1:])]
    # By meaning; in hybrid also by a Dutch word alike an English one ("taxes" ~ "belastingen").
    assert hit.matched == "meaning" if mode == "semantic" else hit.matched in {"meaning", "both"}
    assert search.search(library, query, mode="exact") == []  # no Dutch word in it


def test_modes_say_how_they_matched(library):
    exact = search.search(library, "belastingen", mode="exact")
    assert [(h.segment, h.matched) for h in exact] == [("s001", "words")]
    hybrid = search.search(library, "belastingen", mode="hybrid")
    assert (hybrid[0].segment, hybrid[0].matched) == ("s001", "both")
    assert {h.matched for h in hybrid[1:]} <= {"meaning"}
    semantic = search.search(library, "belastingen", mode="semantic")
    assert semantic and {h.matched for h in semantic} == {"meaning"}


def test_a_quoted_query_stays_an_exact_phrase(library):
    hits = search.search(library, '"vers brood"')
    assert [(h.segment, h.matched) for h in hits] == [("s004", "words")]
    assert search.search(library, '"brood vers"') == []


def test_one_hit_per_moment(library):
    hits = search.search(library, "trein vertraging storing", mode="hybrid", limit=20)
    segments = [int(h.segment[1:]) for h in hits]
    assert all(abs(a - b) > 1 for i, a in enumerate(segments) for b in segments[:i])


def test_the_hit_carries_both_languages(tmp_path):
    episode = Episode(slug="tw", title="Tw", source=Source("tw.mp3", "0" * 64, 10.0, 16000),
                      segments=[Segment("s000", 0.0, 4.0, "De kat slaapt op de mat.",
                                        "The cat sleeps on the mat.")])
    search.index_episode(tmp_path, episode)
    (hit,) = search.search(tmp_path, "cat", mode="hybrid")
    assert (hit.lang, hit.snippet, hit.other) == ("en", "The cat sleeps on the mat.",
                                                   "De kat slaapt op de mat.")
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["cat"] and hit.other_marks == []


def test_an_unknown_mode_is_one_clear_error(library, cli):  # noqa: F811
    with pytest.raises(ReportageError, match="unknown search mode 'fuzzy'"):
        search.search(library, "regen", mode="fuzzy")
    run = cli("search", "regen", "--mode", "fuzzy", "--library", str(library))
    assert "unknown search mode" in one_error_line(run)


MISHEARD = Episode(  # what the recogniser wrote, with the words a listener would type beside it
    slug="kooi",
    title="Kooi",
    source=Source("kooi.mp3", "0" * 64, 40.0, 16000),
    segments=[Segment("s000", 0.0, 8.0, "In dit veld moet die koei met dat dier eruit."),  # kooi
              Segment("s001", 10.0, 18.0, "Deze stalen cilinder zit in de weg."),
              Segment("s002", 20.0, 28.0, "Het zilver ligt nog in de kist."),
              Segment("s003", 30.0, 38.0, "Morgen gaan we weer zwemmen in zee.")],
)


@pytest.mark.model
@pytest.mark.parametrize("query, segment", [("kooi", "s000"), ("cylinder", "s001")])
def test_a_word_alike_the_typed_one_finds_the_moment(tmp_path, monkeypatch, query, segment):
    search.index_episode(tmp_path, MISHEARD)
    assert search.search(tmp_path, query, mode="exact") == []  # the words are not there
    hits = search.search(tmp_path, query, mode="hybrid", limit=4)
    assert hits[0].segment == segment, [(h.segment, h.score) for h in hits]
    # never taken for the word typed; "cilinder" is the Dutch FreeDict gives for "cylinder"
    translated = query == "cylinder" and search.dictionary.installed()
    assert hits[0].matched == ("both" if translated else "alike") and hits[0].partial is False
    said = {"kooi": "koei", "cylinder": "cilinder"}[query]  # marked, so a listener sees why
    assert [hits[0].snippet[a:b] for a, b in hits[0].marks] == [said]
    # a misheard word is found only where it looks like the typed one ("cylinder" ~ "cilinder",
    # not ~ "zilver"), and only in hybrid mode: exact stays exact
    lists, real = {}, fusion.fuse
    monkeypatch.setattr(fusion, "fuse", lambda ranked, whole: lists.update(ranked) or real(ranked,
                                                                                         whole))
    search.search(tmp_path, query, mode="hybrid")
    assert lists[search.ALIKE] == [int(segment[1:]) + 1]  # row ids count from 1


@pytest.mark.model
def test_a_hit_found_by_a_look_alike_alone_is_not_partial(tmp_path, monkeypatch):
    # In a large library the line may be in no vector ranking: leave those out to see it alone.
    search.index_episode(tmp_path, MISHEARD)
    monkeypatch.setattr(search, "MEANING_KINDS", ())
    (hit,) = search.search(tmp_path, "kooi", mode="hybrid")
    assert (hit.segment, hit.matched, hit.partial) == ("s000", "alike", False)


def test_the_float16_scan_agrees_with_a_float32_product():
    rng = np.random.default_rng(3)
    rows = rng.standard_normal((1000, vectors.DIM)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    query = rows[:2] + 0.1
    found = vectors._dot(rows.astype(np.float16), query)
    assert found.shape == (2, 1000)
    assert np.abs(found - query.astype(np.float16).astype(np.float32) @ rows.T).max() < 2e-3
    assert vectors._dot(np.zeros((0, vectors.DIM), np.float16), query).shape == (2, 0)


def test_a_word_the_index_never_heard_takes_a_looser_likeness():
    # "toren" and "torens" are indexed, 0.91 alike: too little for a word the index holds, enough
    # for a word it never heard (misheard wherever it was said, or English).
    tower = np.eye(vectors.DIM, dtype=np.float32)[0]
    near = 0.91 * tower + np.sqrt(1 - 0.91**2) * np.eye(vectors.DIM, dtype=np.float32)[1]
    loaded = vectors.Loaded("1", np.zeros(0, np.int64), np.zeros((0, vectors.DIM)), {},
                            ["toren", "torens"], np.array([tower, near]))
    assert set(vectors.alike(loaded, ["toren"], {})) == {"toren"}  # itself
    assert set(vectors.alike(loaded, ["tower"], {"tower": tower})) == {"toren", "torens"}


def test_a_filtered_search_takes_look_alikes_among_the_words_its_lines_say():
    # The best look-alikes in the library may all be in other episodes: the filter's own
    # mishearing must still be found, and a word heard only elsewhere is unheard here.
    axis = np.eye(vectors.DIM, dtype=np.float32)

    def at(cosine: float, other: int) -> np.ndarray:
        return cosine * axis[0] + np.sqrt(1 - cosine**2) * axis[other]

    names = ["kooi", "kooien", "kooitje", "kooitjes", "vogelkooi", "kooideur", "koei"]
    rows = [axis[0]] + [at(0.99 - n / 100, n) for n in range(1, 6)] + [at(0.905, 6)]
    loaded = vectors.Loaded("1", np.zeros(0, np.int64), np.zeros((0, vectors.DIM)), {}, names,
                            np.array(rows))
    assert "koei" not in vectors.alike(loaded, ["kooi"], {})  # kooi is heard: 0.905 is too little
    assert set(vectors.alike(loaded, ["kooi"], {}, scope={"koei", "zee"})) == {"koei"}
    # Six words sound closer than "gezonde", and five are taken a word: the scope comes first.
    closer = ["gezongen", "gezonkan", "gezonkin", "gezonkel", "gezoken", "gezonke"]
    known = sounds.build([*closer, "gezonde", "gezellig"])
    assert set(sounds.alike(known, ["gezonken"])) < set(closer)
    assert set(sounds.alike(known, ["gezonken"], scope={"gezonde", "gezellig"})) == {"gezonde"}


def test_a_word_sounding_like_the_typed_one_is_alike():
    # The recogniser writes a rare word as it sounds; the sound-alike key finds it. Short words
    # get none: one letter off is another word.
    known = sounds.build(["gezongen", "cilinder", "zilver", "vreeslijke", "huis", "kuis"])
    assert sounds.alike(known, ["gezonken"]) == {"gezongen": pytest.approx(7 / 8)}
    assert set(sounds.alike(known, ["cylinder", "vreselijke"])) == {"cilinder", "vreeslijke"}
    assert sounds.alike(known, ["muis"]) == {}


@pytest.mark.model
def test_a_word_sounding_like_the_typed_one_finds_the_moment(tmp_path, monkeypatch):
    episode = Episode(slug="stad", title="Stad", source=Source("stad.mp3", "0" * 64, 20.0, 16000),
                      segments=[Segment("s000", 0.0, 8.0, "De stad is gezongen in de zee."),
                                Segment("s001", 10.0, 18.0, "Morgen gaan we naar de markt.")])
    search.index_episode(tmp_path, episode)
    monkeypatch.setattr(search, "MEANING_KINDS", ())  # no ranking by meaning: sound alone
    monkeypatch.setattr(vectors, "alike", lambda *args: {})  # nor look
    (hit,) = search.search(tmp_path, "gezonken", mode="hybrid")
    assert (hit.segment, hit.matched) == ("s000", "alike")
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["gezongen"]


@pytest.mark.model
def test_a_search_in_one_episode_finds_its_mishearing_of_a_word_said_right_elsewhere(
        tmp_path, monkeypatch):
    # "gezonken" was heard right in another episode: in this one it is still unheard.
    for slug, line in (("stad", "De stad is gezongen in de zee."),
                       ("schip", "Het schip is gezonken bij de kust.")):
        search.index_episode(tmp_path, Episode(
            slug=slug, title=slug, source=Source(f"{slug}.mp3", "0" * 64, 9.0, 16000),
            segments=[Segment("s000", 0.0, 8.0, line)]))
    monkeypatch.setattr(search, "MEANING_KINDS", ())  # no ranking by meaning: sound alone
    monkeypatch.setattr(vectors, "alike", lambda *args: {})  # nor look
    (hit,) = search.search(tmp_path, "gezonken", mode="hybrid", episode="stad")
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["gezongen"]


def test_every_dutch_word_gets_one_word_vector(tmp_path, monkeypatch):
    search.index_episode(tmp_path, EPISODE)
    db = sqlite3.connect(search.index_path(tmp_path))
    words = {w for (w,) in db.execute("SELECT term FROM word_vectors")}
    assert words == vectors.dutch_words(LINES) and {"kabinet", "olifantje"} <= words
    assert not words & {"het", "de", "in", "op"}  # stop words and short words get none
    seen: list[str] = []
    real = vectors.embed_words
    monkeypatch.setattr(vectors, "embed_words", lambda w: seen.extend(w) or real(w))
    edited = Episode.from_dict(EPISODE.to_dict())
    edited.segments[3].nl = "Mijn fiets is gestolen bij het station."
    search.reindex_segment(tmp_path, edited, "s003")
    assert sorted(seen) == ["fiets", "gestolen"]  # only the words new to it ("bij": a stop word)
    words = {w for (w,) in db.execute("SELECT term FROM word_vectors")}
    assert "fiets" in words and "sleutels" not in words  # no line says "sleutels" any more
    search.remove_episode(tmp_path, "nieuws")
    assert db.execute("SELECT count(*) FROM word_vectors").fetchone() == (0,)
    db.close()


# --- keeping the vectors current -----------------------------------------------------------


def embedded(monkeypatch) -> list[str]:
    """Every passage embedded from now on."""
    seen: list[str] = []
    real = vectors.embed_passages
    monkeypatch.setattr(vectors, "embed_passages", lambda texts: seen.extend(texts) or real(texts))
    return seen


def test_an_edit_embeds_only_what_changed(tmp_path, monkeypatch):
    search.index_episode(tmp_path, EPISODE)
    seen = embedded(monkeypatch)
    edited = Episode.from_dict(EPISODE.to_dict())
    edited.segments[3].nl = "Mijn fiets is gestolen bij het station."
    search.reindex_segment(tmp_path, edited, "s003")
    # its Dutch and the three windows holding it
    assert len(seen) == 4 and all("fiets" in text for text in seen)
    hits = search.search(tmp_path, "my bicycle was stolen", mode="semantic", limit=1)
    assert hits[0].segment == "s003"
    seen.clear()
    search.index_episode(tmp_path, edited)  # a republish with nothing new embeds nothing
    assert seen == []


def test_a_removed_segment_and_a_removed_episode_leave_the_vectors(tmp_path):
    search.index_episode(tmp_path, EPISODE)
    shorter = Episode.from_dict(EPISODE.to_dict())
    del shorter.segments[5]
    search.reindex_segment(tmp_path, shorter, "s005")
    assert "s005" not in {h.segment for h in search.search(tmp_path, "olifant", mode="semantic")}
    assert search.remove_episode(tmp_path, "nieuws")
    assert not search.remove_episode(tmp_path, "nieuws")
    with pytest.raises(ReportageError, match="no episode"):
        search.search(tmp_path, "olifant", episode="nieuws")
    assert search.search(tmp_path, "olifant", mode="semantic") == []
    db = sqlite3.connect(search.index_path(tmp_path))
    assert db.execute("SELECT count(*) FROM vectors").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM segments").fetchone() == (0,)
    db.close()


def test_filters_apply_to_meaning_too(tmp_path):
    search.index_episode(tmp_path, EPISODE)
    other = Episode.from_dict(EPISODE.to_dict() | {"slug": "ander"})
    search.index_episode(tmp_path, other)
    hits = search.search(tmp_path, "olifant", mode="semantic", episode="ander")
    assert hits and {h.episode for h in hits} == {"ander"}
    with pytest.raises(ReportageError, match="no speaker named 'Niemand'"):
        search.search(tmp_path, "olifant", mode="semantic", speaker="Niemand")


# --- an index from before the vectors ------------------------------------------------------


def without_vectors(library: Path) -> None:
    """Make the index look as one built before search by meaning."""
    db = sqlite3.connect(search.index_path(library))
    db.execute("DROP TABLE vectors")
    db.execute("DELETE FROM meta WHERE key = 'vectors'")
    db.commit()
    db.execute("VACUUM")
    db.close()


def rows(library: Path) -> dict[str, list]:
    db = sqlite3.connect(search.index_path(library))
    found = {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
             for t in ("episodes", "chapters", "segments", "terms", "totals", "meta")}
    db.close()
    return found


def test_an_old_index_searches_by_words_until_filled(tmp_path, cli):  # noqa: F811
    (tmp_path / EPISODE.slug).mkdir()
    EPISODE.save(tmp_path / EPISODE.slug)
    search.index_episode(tmp_path, EPISODE)
    without_vectors(tmp_path)
    before, old = fingerprint(tmp_path), rows(tmp_path)
    hits = search.search(tmp_path, "belastingen")
    assert [(h.segment, h.matched) for h in hits] == [("s001", "words")]
    with pytest.raises(ReportageError, match="reportage index"):
        search.search(tmp_path, "belastingen", mode="semantic")
    assert fingerprint(tmp_path) == before  # searching changed nothing
    search.index_episode(tmp_path, EPISODE)  # a publish meanwhile adds no vectors piecemeal
    db = sqlite3.connect(search.index_path(tmp_path))
    assert not vectors.present(db)
    db.close()
    run = cli("search", "higher fuel taxes", "--mode", "semantic", "--json",
              "--library", str(tmp_path))
    assert run.rc == 0, run.err
    assert "meaning vectors added" in run.err
    assert json.loads(run.out)[0]["segment"] == "s001"
    new = rows(tmp_path)
    assert int(dict(new.pop("meta"))["vectors"]) >= 1
    old.pop("meta")
    assert new == old  # the fill added the vectors and changed nothing else
    again = cli("search", "higher fuel taxes", "--library", str(tmp_path))
    assert again.rc == 0 and "meaning vectors added" not in again.err


def test_an_index_from_before_the_word_vectors_gets_them_alone(tmp_path, cli, monkeypatch):  # noqa: F811
    (tmp_path / EPISODE.slug).mkdir()
    EPISODE.save(tmp_path / EPISODE.slug)
    search.index_episode(tmp_path, EPISODE)
    search.index_episode(tmp_path, Episode.from_dict(EPISODE.to_dict() | {"slug": "ander"}))
    db = sqlite3.connect(search.index_path(tmp_path))
    db.execute("DROP TABLE word_vectors")
    db.execute("DELETE FROM meta WHERE key = 'encoder'")  # as then: its encoder unknown
    db.commit()
    db.close()
    assert [h.matched for h in search.search(tmp_path, "belastingen")][0] == "words"
    assert search.remove_episode(tmp_path, "ander")  # its vectors go too, though not searched
    seen = embedded(monkeypatch)
    run = cli("search", "belastingen", "--json", "--library", str(tmp_path))
    assert run.rc == 0 and "meaning vectors added" in run.err, run.err
    assert seen == []  # the segments' vectors were there: only the words were embedded
    db = sqlite3.connect(search.index_path(tmp_path))
    assert vectors.present(db)
    assert {w for (w,) in db.execute("SELECT term FROM word_vectors")} == vectors.dutch_words(LINES)
    assert db.execute("SELECT count(*) FROM vectors").fetchone() == (1,)
    # Its segments' vectors may be another encoder's: a rebuild must not take them over.
    assert db.execute("SELECT value FROM meta WHERE key = 'encoder'").fetchone() is None
    db.close()
    assert {h.episode for h in search.search(tmp_path, "olifant", limit=20)} == {"nieuws"}


# --- bad input, through the CLI and the web ------------------------------------------------


@pytest.mark.parametrize("mode", ["exact", "semantic", "hybrid"])
def test_bad_queries_in_the_cli(library, cli, mode):  # noqa: F811
    before = fingerprint(library)
    for query in BAD_QUERIES:
        run = cli("search", query, "--mode", mode, "--json", "--library", str(library))
        if run.rc == 0:
            assert isinstance(json.loads(run.out), list), query
        else:
            assert any(c in one_error_line(run) for c in COMPLAINTS), query
    assert fingerprint(library) == before


@pytest.fixture(scope="module")
def client(library):
    return TestClient(create_app(library, "token", {"testserver"}))


@pytest.mark.parametrize("mode", ["exact", "semantic", "hybrid"])
def test_bad_queries_in_the_web(library, client, mode):
    before = fingerprint(library)
    for query in BAD_QUERIES:
        api = client.get("/api/search", params={"q": query, "mode": mode})
        assert api.status_code in (200, 400), (query, api.text)
        if api.status_code == 400:
            assert any(c in api.json()["detail"] for c in COMPLAINTS), query
        page = client.get("/", params={"q": query, "mode": mode})
        shown = 'class="error"' in page.text  # a blank query shows the library instead
        assert page.status_code == (400 if shown else 200) and "Traceback" not in page.text
    assert fingerprint(library) == before


def test_the_web_takes_a_mode(client):
    api = client.get("/api/search", params={"q": "heavy rain tomorrow", "mode": "semantic"})
    assert api.status_code == 200 and api.json()[0]["matched"] == "meaning"
    assert client.get("/api/search", params={"q": "regen", "mode": "fuzzy"}).status_code == 422
    page = client.get("/", params={"q": "regen", "mode": "fuzzy"})
    assert page.status_code == 400 and "unknown search mode" in page.text  # the page, to fix
    page = client.get("/", params={"q": "belastingen", "mode": "exact"})
    assert '<option value="exact" selected>' in page.text
    assert "<mark>belastingen</mark>" in page.text
    meaning = client.get("/", params={"q": "heavy rain tomorrow", "mode": "semantic"})
    assert "nearest in meaning" not in meaning.text  # asked for meaning: nothing to explain


def test_a_search_by_meaning_is_not_told_that_no_line_holds_the_words(library, cli):  # noqa: F811
    run = cli("search", "heavy rain tomorrow", "--mode", "semantic", "--library", str(library))
    assert run.rc == 0 and "regenen" in run.out
    assert "nearest in meaning" not in run.err


def test_the_web_api_takes_the_clis_filters(client):
    def ask(**params):
        return client.get("/api/search", params={"q": "trein vertraging", **params})

    assert len(ask(limit=1).json()) == 1
    assert {h["episode"] for h in ask(episode=EPISODE.slug).json()} == {EPISODE.slug}
    assert ask(lang="en", mode="exact").json() == [] and ask(lang="nl", mode="exact").json()
    for bad, words in (({"episode": "nope"}, "no episode 'nope'"), ({"lang": "xx"}, "'xx'"),
                       ({"speaker": " "}, "speaker needs a name")):
        reply = ask(**bad)
        assert reply.status_code == 400 and words in reply.json()["detail"]
    assert ask(limit=0).status_code == 422 and ask(limit=51).status_code == 422


def test_a_word_list_holding_every_term_outweighs_two_agreeing_vector_lists():
    # Row 3 is a short line near every short query, first in both vector lists; row 7 holds
    # the very words typed, and the segment vectors place it far down.
    lists = {"words_nl": [7], "words_en": [], "nl": [3] + list(range(100, 138)) + [7],
             "window": [3]}
    assert [f.rowid for f in fusion.fuse(lists, frozenset({"words_nl"}))][:2] == [7, 3]
    assert [f.rowid for f in fusion.fuse(lists)][:2] == [3, 7]  # a list that holds some: 1


def test_a_moment_adds_up_what_its_neighbouring_segments_matched():
    # Row 20 is second in both lists. Rows 10 and 11, neighbours, are first in one list each:
    # one moment, found first by both lists, so it comes first, placed at the row the segment
    # list found (a window ranks a moment but does not place it).
    lists = {"nl": [10, 20], "window": [11, 30, 31, 20]}
    fused = fusion.fuse(lists)
    assert fused[0].rowid == 20
    moments = fusion.moments(fused, {10: 1, 11: 1, 20: 1, 30: 1, 31: 1})
    assert [m.rowid for m in moments][:2] == [10, 20]
    assert moments[0].sources == {"nl", "window"}


def test_a_hit_is_partial_only_when_it_holds_some_of_the_words(tmp_path):
    # The English holds both words in s000; the Dutch only one of them, in s000 and s002.
    lines = [("De container gaat naar de haven.", "The container goes to the port."),
             ("Het regent.", "It rains."), ("Een container op de kade.", "A box on the quay.")]
    episode = Episode(slug="kade", title="Kade", source=Source("kade.mp3", "0" * 64, 15.0, 16000),
                      segments=[Segment(f"s{i:03d}", i * 5.0, i * 5.0 + 4.0, nl, en)
                                for i, (nl, en) in enumerate(lines)])
    search.index_episode(tmp_path, episode)
    without_vectors(tmp_path)  # the words alone rank, so the hits are words-only
    hits = search.search(tmp_path, "container port", mode="hybrid")
    assert [(h.segment, h.partial) for h in hits] == [("s000", False), ("s002", True)]


def test_a_rebuilt_index_is_searched_with_its_own_vectors(tmp_path):
    # A rebuild orders episodes by slug, so rows get other ids; a running server's copy of the
    # old file's vectors must not be taken for the new file's (its counter starts over).
    other = Episode(slug="avond", title="Avond", source=Source("avond.mp3", "0" * 64, 10.0, 16000),
                    segments=[Segment("s000", 0.0, 4.0, "De zon gaat onder boven zee."),
                              Segment("s001", 5.0, 9.0, "Het wordt koud vannacht.")])
    for episode in (EPISODE, other):  # indexed first: "nieuws", whose rows a rebuild moves
        (tmp_path / episode.slug).mkdir()
        episode.save(tmp_path / episode.slug)
        search.index_episode(tmp_path, episode)
    before = search.search(tmp_path, "higher fuel taxes", mode="semantic", limit=1)
    count = counter(tmp_path)
    search.rebuild(tmp_path)
    counter(tmp_path, count)  # the new file happens to count as far as the old one had
    after = search.search(tmp_path, "higher fuel taxes", mode="semantic", limit=1)
    assert [(h.episode, h.segment) for h in after] == [(h.episode, h.segment) for h in before] == [
        ("nieuws", "s001")]


def counter(library: Path, value: str | None = None) -> str:
    """The index's count of vector changes; set to `value` when given."""
    db = sqlite3.connect(search.index_path(library))
    if value is not None:
        db.execute("UPDATE meta SET value = ? WHERE key = 'vectors'", (value,))
        db.commit()
    found = db.execute("SELECT value FROM meta WHERE key = 'vectors'").fetchone()[0]
    db.close()
    return found


@pytest.mark.parametrize("table, column, value", [
    ("vectors", "nl", "x'00000000'"), ("vectors", "ids", "x'00000000'"),
    ("word_vectors", "vector", "x'00000000'"), ("word_vectors", "vector", "'abc'")])
def test_damaged_vectors_are_one_line_naming_the_cure_that_works(tmp_path, cli, table, column,  # noqa: F811
                                                                 value):
    (tmp_path / EPISODE.slug).mkdir()
    EPISODE.save(tmp_path / EPISODE.slug)
    search.index_episode(tmp_path, EPISODE)
    with sqlite3.connect(search.index_path(tmp_path)) as db:
        db.execute(f"UPDATE {table} SET {column} = {value}")
    run = cli("search", "regen", "--library", str(tmp_path))
    assert "reportage index --rebuild" in one_error_line(run)
    api = TestClient(create_app(tmp_path, "t", {"testserver"})).get("/api/search",
                                                                    params={"q": "regen"})
    assert api.status_code == 400 and "--rebuild" in api.json()["detail"]
    # The rebuild takes over no damaged vector: it makes them again.
    assert cli("index", "--rebuild", "--library", str(tmp_path)).rc == 0
    assert cli("search", "regen", "--library", str(tmp_path)).rc == 0


def test_two_hits_are_never_neighbouring_segments():
    # 202 comes first; 201, matched by itself, joins it and shows it; 200, two rows from the
    # first, began a moment of its own: next to the one shown at 201.
    fused = fusion.fuse({"window": [202], "nl": [201, 200]})
    moments = fusion.moments(fused, {200: 1, 201: 1, 202: 1})
    assert [m.rowid for m in moments] == [201]
    assert moments[0].sources == {"window", "nl"}


def test_an_old_index_the_user_may_only_read_is_searched_by_words(tmp_path, cli, monkeypatch):  # noqa: F811
    (tmp_path / EPISODE.slug).mkdir()
    EPISODE.save(tmp_path / EPISODE.slug)
    search.index_episode(tmp_path, EPISODE)
    without_vectors(tmp_path)
    before = fingerprint(tmp_path)
    # The tests run as root, whom file modes do not stop: the library reads as not writable.
    monkeypatch.setattr("os.access", lambda path, mode: mode != os.W_OK)
    run = cli("search", "belastingen", "--json", "--library", str(tmp_path))
    assert run.rc == 0, run.err
    assert [(h["segment"], h["matched"]) for h in json.loads(run.out)] == [("s001", "words")]
    semantic = cli("search", "belastingen", "--mode", "semantic", "--library", str(tmp_path))
    assert "reportage index" in one_error_line(semantic)
    assert fingerprint(tmp_path) == before
