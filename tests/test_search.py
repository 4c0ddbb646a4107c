"""The search index: what it finds, how it ranks, and how it stays current."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from pipeline import search
from pipeline.document import Chapter, Episode, Segment, Source
from pipeline.errors import ReportageError
from pipeline.search import index


def exact(*args, **kw):
    """Word search, as these tests are about the words (meaning: test_search_modes.py)."""
    return search.search(*args, mode="exact", **kw)


def make_episode(slug: str, lines: list[tuple[str, str]], created: str = "2026-01-01", **kw):
    """An episode with one 5-second segment per (Dutch, English) line."""
    segments = [
        Segment(f"s{i:03d}", i * 5.0, i * 5.0 + 4.5, nl, en) for i, (nl, en) in enumerate(lines)
    ]
    return Episode(
        slug=slug,
        title=kw.get("title", f"Episode {slug}"),
        source=Source(f"{slug}.mp3", "0" * 64, len(lines) * 5.0, 16000),
        created=created,
        segments=segments,
        chapters=kw.get("chapters", []),
    )


CREDIT = make_episode(
    "krediet",
    [
        ("Het Chinese kredietsysteem is streng.", "The Chinese credit system is strict."),
        ("Wie op de zwarte lijst staat, kan niet reizen.", "Whoever is blacklisted cannot travel."),
        ("De coöperatie zegt van niet.", "The cooperative says no."),
        ("Lijst zwarte woorden door elkaar.", "Words mixed up on purpose."),
    ],
    title="Sesame Credit",
    chapters=[
        Chapter("c1", 0.0, 10.0, "Het systeem", "The system", segment_ids=["s000", "s001"]),
        Chapter("c2", 10.0, 20.0, "De coöperatie", None),  # by time only
    ],
)
WEATHER = make_episode(
    "weer",
    [
        ("Morgen wordt het zonnig.", "Tomorrow will be sunny."),
        ("De kredietsystemen van banken zijn anders.", "Banks have other credit systems."),
    ],
    created="2026-03-01",
)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    for episode in (CREDIT, WEATHER):
        search.index_episode(tmp_path, episode)
    return tmp_path


def found(library: Path, query: str, **kw) -> list[tuple[str, str]]:
    return [(h.episode, h.segment) for h in exact(library, query, **kw)]


def test_dutch_stemming_finds_other_forms(library):
    assert set(found(library, "kredietsystemen")) == {("krediet", "s000"), ("weer", "s001")}
    assert set(found(library, "kredietsysteem")) == {("krediet", "s000"), ("weer", "s001")}


def test_english_stemming(library):
    assert found(library, "blacklist") == [("krediet", "s001")]
    assert set(found(library, "systems", lang="en")) == {("krediet", "s000"), ("weer", "s001")}


def test_case_and_diacritics_do_not_matter(library):
    for query in ("coöperatie", "cooperatie", "COOPERATIE", "Coöperátie"):
        assert found(library, query) == [("krediet", "s002")], query
    assert found(library, "ZONNIG") == [("weer", "s000")]


def test_phrase_needs_the_words_together_in_order(library):
    assert found(library, '"zwarte lijst"') == [("krediet", "s001")]
    assert found(library, '"lijst zwarte"') == [("krediet", "s003")]
    assert found(library, '"zwarte lijsten"') == []  # quoted means these very words


def test_bare_words_all_have_to_match_anywhere(library):
    assert set(found(library, "zwarte lijst")) == {("krediet", "s001"), ("krediet", "s003")}
    assert not any(hit.partial for hit in exact(library, "zwarte lijst"))


def test_without_every_word_together_segments_with_some_of_them_follow(library):
    # A misheard word must not hide the moment: "zonnig" and "zwarte" never share a segment.
    hits = exact(library, "zwarte zonnig")
    assert all(hit.partial for hit in hits)
    assert {(h.episode, h.segment) for h in hits} == {
        ("krediet", "s001"), ("krediet", "s003"), ("weer", "s000")}
    assert (hits[0].episode, hits[0].segment) == ("weer", "s000")  # the rarer word ranks first
    assert found(library, "onbekend zonnig") == [("weer", "s000")]
    assert found(library, "onbekend nergens") == []


def test_prefix(library):
    assert set(found(library, "krediet*")) == {("krediet", "s000"), ("weer", "s001")}
    assert found(library, '"zwarte lij"*') == [("krediet", "s001")]


def test_language_filter(library):
    assert found(library, "sunny", lang="nl") == []
    assert found(library, "sunny", lang="en") == [("weer", "s000")]
    assert found(library, "zonnig", lang="en") == []
    with pytest.raises(ReportageError, match="unknown language"):
        exact(library, "zonnig", lang="de")


def test_episode_filter(library):
    assert found(library, "kredietsysteem", episode="weer") == [("weer", "s001")]
    with pytest.raises(ReportageError, match="no episode 'nope'"):
        exact(library, "kredietsysteem", episode="nope")


def test_hit_fields(library):
    (hit,) = exact(library, "blacklisted")
    assert (hit.title, hit.start, hit.end) == ("Sesame Credit", 5.0, 9.5)
    assert hit.link == "krediet/index.html#t=5.00"
    assert hit.lang == "en" and hit.snippet == "Whoever is blacklisted cannot travel."
    assert [hit.snippet[s:e] for s, e in hit.marks] == ["blacklisted"]
    assert hit.chapter == "The system"  # the English title, as the snippet is English
    assert hit.to_dict()["link"] == hit.link and hit.to_dict()["nl"] == hit.nl
    (hit,) = exact(library, "coöperatie")
    assert hit.chapter == "De coöperatie" and hit.score > 0


def test_phrase_highlight_covers_the_phrase(library):
    (hit,) = exact(library, '"zwarte lijst"')
    assert [hit.snippet[s:e] for s, e in hit.marks] == ["zwarte lijst"]


def test_long_segment_snippet_is_cut_around_the_match(tmp_path):
    text = " ".join(["woord"] * 60) + " kredietcrisis " + " ".join(["woord"] * 60)
    search.index_episode(tmp_path, make_episode("lang", [(text, "")]))
    (hit,) = exact(tmp_path, "kredietcrisis")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) < len(text)
    assert [hit.snippet[s:e] for s, e in hit.marks] == ["kredietcrisis"]


def test_bm25_prefers_more_and_denser_matches(tmp_path):
    episode = make_episode(
        "rank",
        [
            ("krediet en nog heel veel andere woorden in een lange zin hier", ""),
            ("krediet krediet", ""),
            ("krediet hier", ""),
            ("geen match", ""),
        ],
    )
    search.index_episode(tmp_path, episode)
    hits = exact(tmp_path, "krediet")
    assert [h.segment for h in hits] == ["s001", "s002", "s000"]
    assert hits[0].score > hits[1].score > hits[2].score > 0


def test_rare_words_outrank_common_ones(tmp_path):
    lines = [("de de de", "")] * 5 + [("de kat", ""), ("de hond", "")]
    search.index_episode(tmp_path, make_episode("r", lines))
    assert found(tmp_path, "de kat")[0] == ("r", "s005")


def test_equal_scores_go_to_the_newer_episode(tmp_path):
    for slug, created in (("old", "2025-01-01"), ("new", "2026-06-01"), ("mid", "2025-06-01")):
        search.index_episode(tmp_path, make_episode(slug, [("zelfde tekst", "")], created))
    hits = exact(tmp_path, "tekst")
    assert [h.episode for h in hits] == ["new", "mid", "old"]
    assert len({h.score for h in hits}) == 1


def test_limit(library):
    assert len(exact(library, "de", limit=1)) == 1
    with pytest.raises(ReportageError, match="limit"):
        exact(library, "de", limit=0)


def test_many_matches_are_ranked_within_the_window(tmp_path, monkeypatch):
    lines = [("krediet " + "vul " * (i % 7), "") for i in range(30)]
    search.index_episode(tmp_path, make_episode("w", lines))
    everything = exact(tmp_path, "krediet", limit=100)
    assert len(everything) == 30
    monkeypatch.setattr(search, "RANK_WINDOW", 10)
    windowed = exact(tmp_path, "krediet", limit=100)
    assert {h.segment for h in windowed} == {f"s{i:03d}" for i in range(20, 30)}  # newest ten
    assert [h.score for h in windowed] == sorted((h.score for h in windowed), reverse=True)


# --- keeping the index current -------------------------------------------------------------


def tables(library: Path) -> dict[str, list]:
    """The index's derived statistics and rows, to compare two ways of reaching one state."""
    db = sqlite3.connect(search.index_path(library))
    try:
        db.execute("INSERT INTO text(text, rank) VALUES ('integrity-check', 0)")
        return {
            "totals": sorted(db.execute("SELECT * FROM totals")),
            "terms": sorted(db.execute("SELECT * FROM terms WHERE df_nl > 0 OR df_en > 0")),
            "segments": sorted(
                db.execute(
                    "SELECT e.slug, segment, start_ms, end_ms, speaker, chapter, nl, en "
                    "FROM segments s JOIN episodes e ON e.id = s.episode"
                )
            ),
        }
    finally:
        db.close()


def test_reindexing_an_episode_replaces_it(library):
    changed = make_episode("weer", [("Morgen regent het.", "Rain tomorrow.")], "2026-03-01")
    search.index_episode(library, changed)
    assert found(library, "zonnig") == []
    assert found(library, "regent") == [("weer", "s000")]
    assert found(library, "kredietsysteem") == [("krediet", "s000")]


def test_edit_reindexes_one_segment(library):
    edited = make_episode("krediet", [(s.nl, s.en) for s in CREDIT.segments], title="Sesame Credit")
    edited.chapters = CREDIT.chapters
    edited.segments[2].nl = "De vakbond zegt van wel."
    search.reindex_segment(library, edited, "s002")
    assert found(library, "coöperatie") == []
    assert found(library, "vakbond") == [("krediet", "s002")]
    assert found(library, '"zwarte lijst"') == [("krediet", "s001")]


def test_incremental_updates_match_a_rebuild(library):
    edited = make_episode("krediet", [(s.nl, s.en) for s in CREDIT.segments], title="Sesame Credit")
    edited.chapters = CREDIT.chapters
    edited.segments[0].nl = "Een heel andere zin over kredieten."
    edited.segments[1].en = None
    for seg in (0, 1):
        search.reindex_segment(library, edited, f"s{seg:03d}")
    search.index_episode(library, WEATHER)  # again, unchanged
    incremental = tables(library)
    for episode in (edited, WEATHER):
        (library / episode.slug).mkdir()
        episode.save(library / episode.slug)
    report = search.rebuild(library)
    assert (report.episodes, report.segments, report.skipped) == (2, 6, [])
    assert tables(library) == incremental


def test_edit_of_a_removed_segment_removes_its_row(library):
    shorter = make_episode("weer", [("Morgen wordt het zonnig.", "Tomorrow will be sunny.")])
    shorter.created = "2026-03-01"
    search.reindex_segment(library, shorter, "s001")
    assert found(library, "kredietsysteem") == [("krediet", "s000")]
    assert found(library, "zonnig") == [("weer", "s000")]


def test_edit_of_an_unindexed_episode_indexes_it(tmp_path):
    search.reindex_segment(tmp_path, WEATHER, "s000")
    assert set(found(tmp_path, "kredietsysteem")) == {("weer", "s001")}


def test_first_index_takes_in_the_whole_library(tmp_path):
    for episode in (CREDIT, WEATHER):
        (tmp_path / episode.slug).mkdir()
        episode.save(tmp_path / episode.slug)
    search.index_episode(tmp_path, WEATHER)  # no index yet: all episodes go in
    assert set(found(tmp_path, "kredietsysteem")) == {("krediet", "s000"), ("weer", "s001")}


def test_rebuild_skips_unreadable_episodes_and_says_so(tmp_path):
    (tmp_path / "good").mkdir()
    make_episode("good", [("Goed.", "Good.")]).save(tmp_path / "good")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "episode.json").write_text("{not json")
    report = search.rebuild(tmp_path)
    assert (report.episodes, report.segments) == (1, 1)
    assert len(report.skipped) == 1 and "bad" in report.skipped[0]
    assert found(tmp_path, "goed") == [("good", "s000")]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert search.index_path(tmp_path).stat().st_mode & 0o777 == 0o644  # others may read it


def test_a_rebuild_embeds_only_what_the_old_index_lacks(tmp_path, monkeypatch):
    from pipeline.search import vectors

    for episode in (CREDIT, WEATHER):
        (tmp_path / episode.slug).mkdir()
        episode.save(tmp_path / episode.slug)
    search.rebuild(tmp_path)
    made: list[str] = []
    for name in ("embed_passages", "embed_words"):  # counted, and made by e5 still
        real = getattr(vectors, name)
        monkeypatch.setattr(vectors, name, lambda texts, f=real: made.extend(texts) or f(texts))

    def stored() -> list:
        with closing(sqlite3.connect(search.index_path(tmp_path))) as db:
            return [sorted(db.execute("SELECT e.slug, v.hashes, v.nl, v.window FROM vectors v "
                                      "JOIN episodes e ON e.id = v.episode")),
                    sorted(db.execute("SELECT * FROM word_vectors"))]

    first = stored()
    search.rebuild(tmp_path)
    assert made == [] and stored() == first
    changed = make_episode("weer", [("Morgen regent het.", "Rain tomorrow."),
                                    (WEATHER.segments[1].nl, WEATHER.segments[1].en)])
    changed.save(tmp_path / "weer")  # one line changed: its passages alone are embedded
    search.rebuild(tmp_path)
    assert sorted(made) == ["Morgen regent het.", "Morgen regent het. De kredietsystemen van "
                            "banken zijn anders.", "regent"]
    with closing(sqlite3.connect(search.index_path(tmp_path))) as db, db:
        db.execute("UPDATE meta SET value = 'another encoder' WHERE key = 'encoder'")
    made.clear()
    search.rebuild(tmp_path)  # another encoder's vectors are no use: all made afresh
    assert "Het Chinese kredietsysteem is streng." in made and "kredietsysteem" in made


def test_rebuild_replaces_a_damaged_index(tmp_path):
    (tmp_path / "good").mkdir()
    make_episode("good", [("Goed.", "Good.")]).save(tmp_path / "good")
    search.index_path(tmp_path).write_bytes(b"not a database at all" * 100)
    with pytest.raises(ReportageError, match="reportage index --rebuild"):
        exact(tmp_path, "goed")
    search.rebuild(tmp_path)
    assert found(tmp_path, "goed") == [("good", "s000")]


def test_a_rebuild_waits_for_a_write_in_progress(tmp_path, monkeypatch):
    # Two processes publishing into one library (workers of `evaluate --jobs 2`, a cluster):
    # a rebuild swapped in under a write in progress deleted its journal (disk I/O error).
    for episode in (CREDIT, WEATHER):
        (tmp_path / episode.slug).mkdir()
        episode.save(tmp_path / episode.slug)
    search.index_episode(tmp_path, CREDIT)
    writing, finish = threading.Event(), threading.Event()
    replace_episode = index._replace_episode

    def slow_write(db, episode, *args, **kw):
        replace_episode(db, episode, *args, **kw)
        if not writing.is_set():  # the first write holds its transaction open a while
            writing.set()
            finish.wait(10)

    monkeypatch.setattr(index, "_replace_episode", slow_write)
    errors: list[Exception] = []

    def run(task, *args):
        try:
            task(*args)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    writer = threading.Thread(target=run, args=(search.index_episode, tmp_path, WEATHER))
    writer.start()
    assert writing.wait(10)
    rebuild = threading.Thread(target=run, args=(search.rebuild, tmp_path))
    rebuild.start()
    rebuild.join(2)
    assert rebuild.is_alive()  # waiting for the write, not swapping the file under it
    finish.set()
    writer.join(10)
    rebuild.join(30)
    assert errors == []
    assert set(found(tmp_path, "kredietsysteem")) == {("krediet", "s000"), ("weer", "s001")}


def test_a_save_during_a_rebuild_is_in_the_rebuilt_index(tmp_path, monkeypatch):
    # The rebuild reads the documents without the lock, so saves go on meanwhile; the one made
    # after its document was read is indexed again before the swap.
    for episode in (CREDIT, WEATHER):
        (tmp_path / episode.slug).mkdir()
        episode.save(tmp_path / episode.slug)
    search.rebuild(tmp_path)
    fill = index._fill
    edited = make_episode("weer", [("Morgen wordt het mistig.", "Tomorrow will be foggy.")],
                          created="2026-03-01")

    def fill_then_save(*args, **kw):
        counts = fill(*args, **kw)
        edited.save(tmp_path / "weer")  # an editor's save while the rebuild was busy
        search.index_episode(tmp_path, edited)  # not held up: the rebuild holds no lock yet
        return counts

    monkeypatch.setattr(index, "_fill", fill_then_save)
    report = search.rebuild(tmp_path)
    assert (report.episodes, report.segments) == (2, 5)
    assert found(tmp_path, "mistig") == [("weer", "s000")] and found(tmp_path, "zonnig") == []


def test_rebuild_needs_a_library(tmp_path):
    with pytest.raises(ReportageError, match="no library folder"):
        search.rebuild(tmp_path / "missing")


# --- damaged or missing index --------------------------------------------------------------


def test_missing_index_names_the_cure(tmp_path):
    with pytest.raises(ReportageError, match=r"no search index .*reportage index --rebuild"):
        exact(tmp_path, "krediet")


def test_garbage_index_names_the_cure(tmp_path):
    search.index_path(tmp_path).write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(ReportageError, match="reportage index --rebuild"):
        exact(tmp_path, "krediet")
    with pytest.raises(ReportageError, match="reportage index --rebuild"):
        search.index_episode(tmp_path, WEATHER)


def test_truncated_index_names_the_cure(library):
    path = search.index_path(library)
    path.write_bytes(path.read_bytes()[:8192])
    with pytest.raises(ReportageError, match="reportage index --rebuild"):
        exact(library, "kredietsysteem")


def test_foreign_sqlite_file_names_the_cure(tmp_path):
    db = sqlite3.connect(search.index_path(tmp_path))
    db.execute("CREATE TABLE something(x)")
    db.commit()
    db.close()
    with pytest.raises(ReportageError, match="reportage index --rebuild"):
        exact(tmp_path, "krediet")


def test_an_unopenable_index_is_one_clear_error(tmp_path):
    search.index_path(tmp_path).mkdir()  # something in the way that SQLite cannot open
    with pytest.raises(ReportageError, match="cannot use search index"):
        search.index_episode(tmp_path, WEATHER)


def test_index_from_another_format_names_the_cure(library):
    db = sqlite3.connect(search.index_path(library))
    db.execute("UPDATE meta SET value = '0' WHERE key = 'format'")
    db.commit()
    db.close()
    with pytest.raises(ReportageError, match="another version.*reportage index --rebuild"):
        exact(library, "krediet")


def test_another_stemmer_version_restems_on_write(library):
    db = sqlite3.connect(search.index_path(library))
    db.execute("UPDATE meta SET value = 'old' WHERE key = 'stemmer'")
    db.execute("UPDATE terms SET nl = 'x', en = 'x'")
    db.commit()
    db.close()
    search.index_episode(library, WEATHER)
    assert set(found(library, "kredietsystemen")) == {("krediet", "s000"), ("weer", "s001")}
