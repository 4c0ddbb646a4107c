"""An episode's title renamed by an editor (`reportage title`, `PATCH .../title`): the page,
transcript and search follow at once; a stale rename is a 409 naming who renamed it; the
rename is in the history and reverted like any edit; bad titles change nothing."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from pipeline import search
from pipeline.document import Episode
from pipeline.edits import read_log
from pipeline.web.app import create_app
from tests.conftest import one_error_line, run_cli
from tests.web_fixtures import make_library

TOKEN = "title-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Editor": "anna"}
API = "/api/episodes/haven"
NEW = "Op de kade: een ochtend in de haven"


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path)


@pytest.fixture
def client(library):
    return TestClient(create_app(library, TOKEN, {"testserver"}))


def rename(client, title: str, rev: int, auth=AUTH):
    return client.patch(f"{API}/title", headers=auth, json={"rev": rev, "title": title})


def test_a_rename_reaches_every_output_at_once_and_is_reverted(client, library):
    old = Episode.load(library / "haven").title
    reply = rename(client, f"  {NEW}\n", 0)  # as typed: spaces and a newline folded
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"title": NEW, "title_en": None, "rev": 1, "edits": [1]}
    folder = library / "haven"
    assert Episode.load(folder).title == NEW
    assert (folder / "transcript.txt").read_text(encoding="utf-8").startswith(NEW + "\n")
    assert f'<h1 lang="nl">{NEW}</h1>' in (folder / "index.html").read_text(encoding="utf-8")
    assert NEW in client.get("/").text  # the library page
    [hit, *_] = search.search(library, "haven", mode="exact")
    assert hit.title == NEW
    [edit] = read_log(folder)
    assert (edit.segment, edit.field, edit.before, edit.after, edit.editor) == (
        "episode", "title", old, NEW, "anna")
    listed = client.get(f"{API}/history", headers=AUTH).json()["edits"]
    assert [(e["segment"], e["field"]) for e in listed] == [("episode", "title")]
    reverted = client.post(f"{API}/revert", headers=AUTH, json={"edit": 1})
    assert reverted.status_code == 200, reverted.text
    assert (reverted.json()["title"], reverted.json()["title_rev"]) == (old, 2)
    assert Episode.load(folder).title == old
    assert search.search(library, "haven", mode="exact")[0].title == old


def test_a_stale_rename_is_a_conflict_naming_who_renamed_it(client, library):
    assert rename(client, NEW, 0).status_code == 200
    stale = rename(client, "Iets anders", 0, {**AUTH, "X-Editor": "bas"})
    assert stale.status_code == 409
    assert stale.json() | {"detail": ""} == {"detail": "", "title": NEW, "title_en": None,
                                             "rev": 1, "by": "anna"}
    assert Episode.load(library / "haven").title == NEW
    assert rename(client, "Iets anders", 1).status_code == 200  # at the rev it saw now


def test_angle_brackets_around_words_are_a_title_shown_as_text(client, library):
    """A file named "Kosten<baten" gives that title: an editor can fix a typo in it."""
    assert rename(client, "Kosten<baten", 0).status_code == 200
    assert rename(client, "Kosten < baten > 3", 1).status_code == 200
    folder = library / "haven"
    assert Episode.load(folder).title == "Kosten < baten > 3"
    page = (folder / "index.html").read_text("utf-8")
    assert '<h1 lang="nl">Kosten &lt; baten &gt; 3</h1>' in page
    assert rename(client, "Kosten <script>x</script>", 2).status_code == 422


def test_a_revert_over_a_newer_rename_is_refused(client, library):
    assert rename(client, NEW, 0).status_code == 200
    assert rename(client, "De tweede titel", 1).status_code == 200
    refused = client.post(f"{API}/revert", headers=AUTH, json={"edit": 1})
    assert refused.status_code == 422 and "edit 2 changed this" in refused.json()["detail"]
    assert Episode.load(library / "haven").title == "De tweede titel"


def test_a_revert_tidies_a_title_a_hand_edited_log_gives_back(client, library):
    assert rename(client, NEW, 0).status_code == 200
    log = library / "haven" / "edits.jsonl"
    edit = json.loads(log.read_text())
    log.write_text(json.dumps(edit | {"before": "Twee\nregels\x07 " + "lang " * 1000}) + "\n")
    assert client.post(f"{API}/revert", headers=AUTH, json={"edit": 1}).status_code == 200
    title = Episode.load(library / "haven").title
    assert title.startswith("Twee regels lang") and title.endswith("…") and len(title) <= 200


@pytest.mark.parametrize("body, status", [
    ({"rev": 0, "title": ""}, 422),
    ({"rev": 0, "title": "   "}, 422),
    ({"rev": 0, "title": "<b>Haven</b>"}, 422),
    ({"rev": 0, "title": "x" * 500}, 422),
    ({"rev": 0, "title": "Haven\x07"}, 422),
    ({"title": "Haven"}, 422),  # no rev
    ({"rev": "0", "title": "Haven"}, 422),
    ({"rev": 0, "title": 5}, 422),
    ({"rev": 0, "title": "Haven", "slug": "x"}, 422),
    ({"rev": 0}, 422),  # nothing to change
    ({"rev": 0, "title_en": "<b>Harbour</b>"}, 422),
    ({"rev": 0, "title_en": "x" * 500}, 422),
    ({"rev": 0, "title_en": 5}, 422),
    ({"rev": 0, "title": "", "title_en": "Harbour"}, 422),  # one bad title: neither is saved
])
def test_a_bad_title_changes_nothing(client, library, body, status):
    before = (library / "haven" / "episode.json").read_bytes()
    reply = client.patch(f"{API}/title", headers=AUTH, json=body)
    assert reply.status_code == status, reply.text
    assert (library / "haven" / "episode.json").read_bytes() == before
    assert not (library / "haven" / "edits.jsonl").exists()


def test_a_rename_needs_the_editor_token_and_an_episode(client, library):
    assert rename(client, NEW, 0, {}).status_code == 401
    assert client.patch("/api/episodes/nergens/title", headers=AUTH,
                        json={"rev": 0, "title": NEW}).status_code == 404
    assert Episode.load(library / "haven").title != NEW


def test_the_cli_shows_renames_and_refuses_in_one_line(library):
    lib = ["--library", str(library)]
    old = Episode.load(library / "haven").title
    shown = run_cli("title", "haven", *lib)
    assert shown.rc == 0 and shown.out == old + "\n"
    assert "no human edits of episode yet" in run_cli("history", "haven", "episode", *lib).err
    renamed = run_cli("title", "haven", NEW, *lib)
    assert renamed.rc == 0 and f"“{NEW}” (edit 1)" in renamed.err
    assert run_cli("title", "haven", *lib).out == NEW + "\n"
    assert "nothing to change" in run_cli("title", "haven", NEW, *lib).err
    for bad, says in [("", "cannot be empty"), ("<i>x</i>", "cannot hold markup")]:
        assert says in one_error_line(run_cli("title", "haven", bad, *lib))
    assert "no episode 'nergens'" in one_error_line(run_cli("title", "nergens", NEW, *lib))
    history = run_cli("history", "haven", *lib)
    assert "episode title rev 1" in history.out and f"+ {NEW}" in history.out
    assert run_cli("revert", "haven", "1", *lib).rc == 0
    assert Episode.load(library / "haven").title == old


def test_a_rerun_keeps_an_editors_title(client, library):
    from pipeline import audio
    from pipeline.stages.ingest import ingest

    assert rename(client, NEW, 0).status_code == 200
    assert client.patch(f"{API}/title", headers=AUTH,
                        json={"rev": 1, "title_en": "The quay"}).status_code == 200
    master = library / "haven" / "audio.wav"  # a new master, even: the episode keeps its title
    kept = ingest(library / "haven", master, audio.probe(master), replace=True)
    assert (kept.title, kept.title_en) == (NEW, "The quay")


ENGLISH = "On the quay: a morning in the port"


def test_an_english_title_reaches_the_pages_and_transcript_and_is_reverted(client, library):
    folder = library / "haven"
    reply = client.patch(f"{API}/title", headers=AUTH, json={"rev": 0, "title_en": ENGLISH})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"title": Episode.load(folder).title, "title_en": ENGLISH, "rev": 1,
                            "edits": [1]}
    title = Episode.load(folder).title
    assert (folder / "transcript.txt").read_text("utf-8").startswith(f"{title} / {ENGLISH}\n")
    assert f'<p class="title-en" lang="en">{ENGLISH}</p>' in (folder / "index.html").read_text()
    assert f'<span class="title-en" lang="en">{ENGLISH}</span>' in client.get("/").text
    [edit] = read_log(folder)
    assert (edit.segment, edit.field, edit.before, edit.after) == ("episode", "title_en", "",
                                                                   ENGLISH)

    both = client.patch(f"{API}/title", headers=AUTH,
                        json={"rev": 1, "title": NEW, "title_en": "The quay"}).json()
    assert (both["rev"], both["edits"]) == (2, [2, 3])  # one change, an edit per title
    cleared = client.patch(f"{API}/title", headers=AUTH, json={"rev": 2, "title_en": " "})
    assert cleared.json()["title_en"] is None
    assert '<p class="title-en" lang="en" hidden></p>' in (folder / "index.html").read_text()
    reverted = client.post(f"{API}/revert", headers=AUTH, json={"edit": 4})
    assert reverted.status_code == 200 and reverted.json()["title_en"] == "The quay"
    reverted = client.post(f"{API}/revert", headers=AUTH, json={"edit": 1})
    assert reverted.status_code == 422 and "changed this" in reverted.json()["detail"]
    assert (Episode.load(folder).title, Episode.load(folder).title_en) == (NEW, "The quay")


def test_the_cli_sets_shows_and_clears_an_english_title(library):
    lib = ["--library", str(library)]
    title = Episode.load(library / "haven").title
    done = run_cli("title", "haven", "--en", ENGLISH, *lib)
    assert done.rc == 0 and f"English title is now “{ENGLISH}” (edit 1)" in done.err
    assert run_cli("title", "haven", *lib).out == f"{title}\n{ENGLISH}\n"
    assert "cannot hold markup" in one_error_line(run_cli("title", "haven", "--en", "<i>x</i>",
                                                          *lib))
    assert "no English title now" in run_cli("title", "haven", "--en", "", *lib).err
    assert run_cli("title", "haven", *lib).out == title + "\n"
    assert "episode title_en rev 1" in run_cli("history", "haven", *lib).out
