"""`reportage search` and `reportage index`, run as a listener or producer would.

Most run the typer app in-process (fast); one runs the real `python -m pipeline` process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.document import Episode
from tests.conftest import Run
from tests.test_search import CREDIT, WEATHER


@pytest.fixture
def cli():
    """`reportage ARGS` in this process; returns (rc, stdout, stderr) like the process fixture."""

    def invoke(*args: str, env: dict | None = None) -> Run:
        result = CliRunner().invoke(app, list(args), env=env)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """Episode folders with documents only: no index until someone builds one."""
    for episode in (CREDIT, WEATHER):
        (tmp_path / episode.slug).mkdir()
        episode.save(tmp_path / episode.slug)
    return tmp_path


def one_line_error(run) -> str:
    assert run.rc != 0
    assert "Traceback" not in run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    return lines[0]


def test_rebuild_then_search(cli, library):
    built = cli("index", "--rebuild", "--library", str(library))
    assert built.rc == 0, built.err
    assert "2 episodes, 6 segments" in built.err
    run = cli("search", '"zwarte lijst"', "--library", str(library))
    assert run.rc == 0, run.err
    assert "Sesame Credit › Het systeem  00:05" in run.out
    assert "Wie op de zwarte lijst staat, kan niet reizen." in run.out
    assert f"{library}/krediet/index.html#t=5.00" in run.out


def test_json_hits(cli, library):
    cli("index", "--rebuild", "--library", str(library))
    run = cli("search", "kredietsystemen", "--mode", "exact", "--library", str(library), "--json")
    assert run.rc == 0, run.err
    hits = json.loads(run.out)
    assert {(h["episode"], h["segment"]) for h in hits} == {("krediet", "s000"), ("weer", "s001")}
    first = hits[0]
    for key in ("episode", "segment", "start", "end", "nl", "en", "chapter", "score", "link"):
        assert key in first
    # As the text output gives it: a path a browser opens, the library folder included.
    assert first["link"] == f"{library}/{first['episode']}/index.html#t={first['start']:.2f}"


def test_a_hit_in_english_shows_the_episodes_english_title(cli, library):
    episode = Episode.load(library / "krediet")
    episode.title_en = "The credit score"
    episode.save(library / "krediet")
    cli("index", "--rebuild", "--library", str(library))
    run = cli("search", "blacklisted", "--mode", "exact", "--library", str(library))
    assert "The credit score › The system  00:05" in run.out
    dutch = cli("search", "reizen", "--mode", "exact", "--library", str(library))
    assert "Sesame Credit › Het systeem  00:05" in dutch.out
    hits = json.loads(cli("search", "blacklisted", "--mode", "exact", "--library", str(library),
                          "--json").out)
    assert [(h["title"], h["title_en"]) for h in hits] == [("Sesame Credit", "The credit score")]


def test_filters_and_limit(cli, library):
    cli("index", "--rebuild", "--library", str(library))
    base = ["--mode", "exact", "--library", str(library), "--json"]
    assert json.loads(cli("search", "sunny", "--lang", "nl", *base).out) == []
    assert len(json.loads(cli("search", "sunny", "--lang", "en", *base).out)) == 1
    only = json.loads(cli("search", "kredietsysteem", "--episode", "weer", *base).out)
    assert [h["episode"] for h in only] == ["weer"]
    assert len(json.loads(cli("search", "kredietsysteem", "--limit", "1", *base).out)) == 1


def test_no_matches_is_not_an_error(cli, library):
    cli("index", "--rebuild", "--library", str(library))
    run = cli("search", "olifant", "--mode", "exact", "--library", str(library))
    assert run.rc == 0 and run.out == ""
    assert "no matches" in run.err


def test_hits_with_only_some_of_the_words_say_so(cli, library):
    cli("index", "--rebuild", "--library", str(library))
    run = cli("search", "olifant zonnig", "--mode", "exact", "--library", str(library))
    assert run.rc == 0 and "Morgen wordt het zonnig" in run.out
    assert "no segment holds every word" in run.err
    run = cli("search", "olifant zonnig", "--mode", "exact", "--library", str(library), "--json")
    assert [h["partial"] for h in json.loads(run.out)] == [True]
    # Hybrid: found by one of the words and by meaning, it still holds only some of them.
    run = cli("search", "olifant zonnig", "--library", str(library), "--json")
    sunny = [h for h in json.loads(run.out) if "zonnig" in h["nl"]]
    assert sunny and all(h["partial"] and h["matched"] == "both" for h in sunny)
    run = cli("search", "xyzzyplugh", "--library", str(library))  # no line holds it
    assert run.rc == 0 and "nearest in meaning" in run.err


def test_library_from_the_environment(cli, library):
    cli("index", "--rebuild", "--library", str(library))
    run = cli("search", "zonnig", "--mode", "exact", "--json",
              env={"REPORTAGE_LIBRARY": str(library)})
    assert [h["episode"] for h in json.loads(run.out)] == ["weer"]


@pytest.mark.parametrize("query", ["*", '"', "'; --", "( * )"])
def test_query_without_words(cli, library, query):
    cli("index", "--rebuild", "--library", str(library))
    run = cli("search", query, "--library", str(library))
    assert "nothing to search for" in one_line_error(run)


def test_unknown_language(cli, library):
    cli("index", "--rebuild", "--library", str(library))
    run = cli("search", "x", "--lang", "de", "--library", str(library))
    assert "unknown language" in one_line_error(run)


def test_missing_index_then_rebuild(cli, library):
    run = cli("search", "zonnig", "--library", str(library))
    assert "reportage index --rebuild" in one_line_error(run)
    assert "reportage index --rebuild" in one_line_error(cli("index", "--library", str(library)))
    assert cli("index", "--rebuild", "--library", str(library)).rc == 0
    status = cli("index", "--library", str(library))
    assert status.rc == 0 and "2 episodes, 6 segments" in status.err


def test_corrupt_index_in_a_real_process(library):
    from tests.conftest import run_cli

    (library / "index.sqlite").write_bytes(b"this is no database " * 500)
    run = run_cli("search", "zonnig", "--library", str(library))
    assert "reportage index --rebuild" in one_line_error(run)


def test_corrupt_index_then_rebuild(cli, library):
    (library / "index.sqlite").write_bytes(b"this is no database " * 500)
    run = cli("search", "zonnig", "--library", str(library))
    assert "reportage index --rebuild" in one_line_error(run)
    assert cli("index", "--rebuild", "--library", str(library)).rc == 0
    assert cli("search", "zonnig", "--library", str(library)).rc == 0


def test_rebuild_reports_unreadable_episodes(cli, library):
    (library / "broken").mkdir()
    (library / "broken" / "episode.json").write_text("[]")
    run = cli("index", "--rebuild", "--library", str(library))
    assert run.rc == 1  # built, but a script must notice what search cannot find
    assert "skipped:" in run.err and "2 episodes" in run.err
    assert cli("search", "zonnig", "--library", str(library)).rc == 0


def test_publish_keeps_the_index_current(cli, library):
    assert cli("publish", "--library", str(library)).rc == 0
    episode = Episode.load(library / "weer")
    episode.segments[0].nl = "Morgen regent het pijpenstelen."
    episode.save(library / "weer")
    assert cli("publish", "weer", "--library", str(library)).rc == 0
    run = cli("search", "pijpenstelen", "--mode", "exact", "--library", str(library), "--json")
    assert [(h["episode"], h["segment"]) for h in json.loads(run.out)] == [("weer", "s000")]
    run = cli("search", "zonnig", "--mode", "exact", "--library", str(library), "--json")
    assert json.loads(run.out) == []


def test_publish_indexes_a_library_without_an_index_first_and_forgets_deleted_folders(
        cli, library):
    run = cli("publish", "--library", str(library))
    assert run.rc == 0
    assert run.err.splitlines()[0] == ("no search index yet: indexing every episode of the "
                                       "library")  # said before the long part, not after it
    assert cli("search", "zonnig", "--library", str(library)).rc == 0
    shutil.rmtree(library / "weer")  # deleted by hand: its hits would lead nowhere
    assert cli("publish", "krediet", "--library", str(library)).rc == 0
    assert "weer" in cli("search", "zonnig", "--mode", "exact", "--library", str(library)).out
    run = cli("publish", "--library", str(library))  # the whole library: the index follows
    assert "✓ weer: its folder is gone, so it is no longer in the search index" in run.err
    assert cli("search", "zonnig", "--mode", "exact", "--library", str(library)).out == ""


@pytest.mark.model
def test_processed_episode_is_searchable(processed_library):
    """After `reportage process`, what the model heard can be found at the time it was said."""
    folder = next(p for p in processed_library.iterdir() if (p / "episode.json").is_file())
    episode = Episode.load(folder)
    seg = max(episode.segments, key=lambda s: len(s.nl))
    word = max(seg.nl.split(), key=len).strip(".,!?;:\"'")
    from tests.conftest import run_cli

    run = run_cli("search", word, "--library", str(processed_library), "--json")
    assert run.rc == 0, run.err
    hits = json.loads(run.out)
    assert any(h["segment"] == seg.id and h["start"] == pytest.approx(seg.start) for h in hits)


def test_index_forgets_episodes_whose_folders_are_gone(cli, library):
    assert cli("publish", "--library", str(library)).rc == 0
    shutil.rmtree(library / "weer")
    shown = cli("index", "--library", str(library))
    assert shown.rc == 0 and "weer: its folder is gone" in shown.err, shown
    assert cli("search", "zonnig", "--mode", "exact", "--library", str(library)).out == ""


def test_index_remove_takes_the_name_as_the_shell_completes_it(cli, library):
    assert cli("publish", "--library", str(library)).rc == 0
    shutil.rmtree(library / "weer")
    assert cli("index", "--remove", "weer/", "--library", str(library)).rc == 0
    assert cli("search", "zonnig", "--mode", "exact", "--library", str(library)).out == ""
