"""The editor's history through the API: every edit listed newest first, and any of them
reverted (a line, a speaker's rename or move, English confirmed as still right), with the same
refusal as `reportage revert` where a newer edit changed the thing since."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pipeline.document import Episode
from pipeline.edits import read_log
from pipeline.web.app import create_app
from tests.web_fixtures import make_interview_library

TOKEN = "history-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Editor": "anna"}
API = "/api/episodes/haven"


@pytest.fixture
def library(tmp_path):
    return make_interview_library(tmp_path)


@pytest.fixture
def client(library):
    return TestClient(create_app(library, TOKEN, {"testserver"}))


def segment(library, n: int):
    return Episode.load(library / "haven").segments[n]


def save(client, library, n: int, **changes) -> list[int]:
    seg = segment(library, n)
    reply = client.patch(f"{API}/segments/{seg.id}", headers=AUTH, json={"rev": seg.rev} | changes)
    assert reply.status_code == 200, reply.text
    return reply.json()["edits"]


def revert(client, edit: int):
    return client.post(f"{API}/revert", headers=AUTH, json={"edit": edit})


def test_the_history_lists_every_edit_newest_first_and_a_revert_gives_back_the_line(client,
                                                                                   library):
    before = segment(library, 1)
    [first] = save(client, library, 1, nl="De schepen komen laat binnen.")
    [second] = save(client, library, 2, en="A crane driver talks about his job.")
    listed = client.get(f"{API}/history", headers=AUTH).json()
    assert [e["id"] for e in listed["edits"]] == [second, first] and listed["total"] == 2
    assert listed["edits"][1] | {"time": ""} == {
        "id": first, "time": "", "editor": "anna", "segment": before.id, "field": "nl",
        "before": before.nl, "after": "De schepen komen laat binnen.", "rev": 1,
        "revert_of": None}
    reverted = revert(client, first)
    assert reverted.status_code == 200, reverted.text
    body = reverted.json()
    assert [s["nl"] for s in body["segments"]] == [before.nl] and not body["chapters"]
    assert segment(library, 1).nl == before.nl
    assert "De schepen komen vroeg binnen." in (library / "haven" / "nl.srt").read_text()
    newest = client.get(f"{API}/history", headers=AUTH).json()["edits"][0]
    assert (newest["revert_of"], newest["editor"]) == (first, "anna")


def test_a_revert_another_editor_made_first_shows_the_line_as_it_is_now(client, library):
    [edit] = save(client, library, 1, nl="De schepen komen laat binnen.")
    assert revert(client, edit).json()["edits"]
    again = revert(client, edit).json()  # a second editor's History was stale
    assert again["edits"] == [] and again["segments"][0]["nl"] == segment(library, 1).nl


def test_a_revert_after_a_newer_edit_of_the_same_thing_is_refused_and_changes_nothing(
        client, library):
    [older] = save(client, library, 1, nl="De schepen komen laat binnen.")
    [newer] = save(client, library, 1, nl="De schepen komen 's nachts binnen.")
    refused = revert(client, older)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (f"edit {newer} changed this after edit {older}: "
                                        "revert that first")
    assert segment(library, 1).nl == "De schepen komen 's nachts binnen."
    assert len(read_log(library / "haven")) == 2
    assert revert(client, 999).json()["detail"] == "no edit 999 in the history of haven"


def test_a_speakers_rename_and_a_lines_move_are_reverted(client, library):
    renamed = client.patch(f"{API}/speakers/S2", headers=AUTH, json={"rev": 0, "name": "Bram"})
    assert renamed.status_code == 200, renamed.text
    [moved] = save(client, library, 0, speaker="S2")
    rename = read_log(library / "haven")[0].id
    body = revert(client, rename).json()
    assert body["speakers"] == {"S1": "Anna", "S2": "Bas"} and body["speakers_rev"] == 2
    assert "Bas:" in (library / "haven" / "nl.podcast.srt").read_text()
    body = revert(client, moved).json()
    assert [(s["id"], s["speaker"]) for s in body["segments"]] == [(segment(library, 0).id,
                                                                     "S1")]


def test_english_confirmed_as_still_right_is_stale_again_after_its_revert(client, library):
    save(client, library, 3, nl="Hij schreef het in het logboek.")  # the English is now stale
    assert segment(library, 3).en_stale
    english = segment(library, 3).en
    [confirmed] = save(client, library, 3, en=english)  # "still right"
    assert not segment(library, 3).en_stale
    body = revert(client, confirmed).json()
    assert body["segments"][0]["en_stale"] and body["segments"][0]["en"] == english
    assert segment(library, 3).en_stale and not segment(library, 3).edited.get("en")
    rev = segment(library, 3).rev
    assert revert(client, confirmed).json()["edits"] == []  # a second editor's stale History
    assert segment(library, 3).rev == rev  # no new rev: open pages get no false conflict


def test_the_history_and_its_reverts_need_the_token(client, library):
    [edit] = save(client, library, 1, nl="De schepen komen laat binnen.")
    assert client.get(f"{API}/history").status_code == 401
    assert client.post(f"{API}/revert", json={"edit": edit}).status_code == 401
    assert client.post(f"{API}/revert", headers=AUTH, json={"edit": "1"}).status_code == 422
    assert client.get("/api/episodes/nowhere/history", headers=AUTH).status_code == 404
    assert segment(library, 1).nl == "De schepen komen laat binnen."


@pytest.mark.model
def test_a_chapter_move_is_listed_as_the_chapters_outline_and_reverted(client, library):
    start = Episode.load(library / "haven").chapters[1].start
    moved = client.post(f"{API}/chapters/c2", headers=AUTH,
                        json={"rev": 0, "action": "move", "at": start + 3.0})
    assert moved.status_code == 200, moved.text
    [edit] = client.get(f"{API}/history", headers=AUTH).json()["edits"]
    assert edit["change"] == "“Op de markt” moved from 00:15 to 00:18"
    assert (edit["before"], edit["after"]) == ("00:00 In de haven · 00:15 Op de markt",
                                               "00:00 In de haven · 00:18 Op de markt")
    body = revert(client, edit["id"]).json()
    assert body["chapters"] and body["segments"] == []
    assert Episode.load(library / "haven").chapters[1].start == start


def test_the_edit_to_revert_first_is_the_one_that_made_the_line_not_a_revert(client, library):
    """e1, e2, e3 on one line, e3 reverted (e4): the refusal of e1 names e2, whose text
    stands; naming e4 (a revert) sent the editor round in circles."""
    [e1] = save(client, library, 1, nl="Een.")
    [e2] = save(client, library, 1, nl="Twee.")
    [e3] = save(client, library, 1, nl="Drie.")
    assert revert(client, e3).status_code == 200
    refused = revert(client, e1).json()["detail"]
    assert refused.startswith(f"edit {e2} changed this after edit {e1}")
    assert revert(client, e2).status_code == 200
    assert revert(client, e1).status_code == 200
    assert segment(library, 1).nl == "De schepen komen vroeg binnen."


def test_a_swap_of_two_names_is_reverted_whole(client, library):
    swapped = client.patch(f"{API}/speakers/S1", headers=AUTH,
                           json={"rev": 0, "name": "Bas", "swap": True})
    assert swapped.status_code == 200, swapped.text
    assert Episode.load(library / "haven").speakers == {"S1": "Bas", "S2": "Anna"}
    one, other = read_log(library / "haven")
    body = revert(client, other.id).json()
    assert body["speakers"] == {"S1": "Anna", "S2": "Bas"}, body
    log = read_log(library / "haven")
    assert sorted(e.revert_of for e in log[2:]) == [one.id, other.id]
    again = revert(client, log[-1].id).json()  # a redo swaps them again
    assert again["speakers"] == {"S1": "Bas", "S2": "Anna"}


def test_a_swap_is_not_reverted_onto_a_name_a_third_speaker_took_since(client, library):
    from pipeline import edits

    episode = Episode.load(library / "haven")
    episode.segments[2].speaker = "S3"
    episode.save(library / "haven")
    client.patch(f"{API}/speakers/S1", headers=AUTH, json={"rev": 0, "name": "Bas", "swap": True})
    swap = read_log(library / "haven")[0].id
    client.patch(f"{API}/speakers/S2", headers=AUTH, json={"rev": 1, "name": "Dirk"})
    client.patch(f"{API}/speakers/S3", headers=AUTH, json={"rev": 2, "name": "Anna"})
    with pytest.raises(edits.ReportageError, match="'Anna' now names speaker S3"):
        edits.revert(library, "haven", swap, "anna", force=True)
    assert Episode.load(library / "haven").speakers == {"S1": "Bas", "S2": "Dirk", "S3": "Anna"}


def test_a_change_no_edit_made_is_said_to_be_one(client, library):
    [edit] = save(client, library, 1, nl="De schepen komen laat binnen.")
    episode = Episode.load(library / "haven")
    episode.segments[1].nl = "Een re-run hoorde iets anders."  # no edit logged
    episode.save(library / "haven")
    assert revert(client, edit).json()["detail"] == (
        f"this was changed after edit {edit} by a re-run, not by an edit: correct it by hand "
        "instead")


def test_a_structure_change_is_told_in_words():
    from json import dumps

    from pipeline.edits.chapter_log import structure_change

    def snap(*chapters):
        return dumps([{"id": i, "start": t, "title": title} for i, t, title in chapters])

    two = snap(("c1", 0.0, "Haven"), ("c2", 95.0, "Markt"))
    three = snap(("c1", 0.0, "Haven"), ("c3", 40.0, "Kraan"), ("c2", 95.0, "Markt"))
    assert structure_change(two, three) == "new chapter at 00:40 “Kraan”"
    assert structure_change(three, two) == "“Kraan” merged into the chapter before"
    moved = snap(("c1", 0.0, "Haven"), ("c2", 100.0, "Markt"))
    assert structure_change(two, moved) == "“Markt” moved from 01:35 to 01:40"
    assert structure_change(two, "{damaged") == "{damaged"  # as the log holds it


@pytest.mark.model
def test_a_chapter_move_is_reverted_past_another_editors_rename_of_another_chapter(client,
                                                                                  library):
    start = Episode.load(library / "haven").chapters[1].start
    moved = client.post(f"{API}/chapters/c2", headers=AUTH,
                        json={"rev": 0, "action": "move", "at": start + 3.0}).json()
    renamed = client.patch(f"{API}/chapters/c1", headers=AUTH | {"X-Editor": "bob"}, json={
        "rev": moved["rev"], "title": "De kade", "title_en": "The quay"})
    assert renamed.status_code == 200, renamed.text
    reverted = revert(client, moved["edits"][0])
    assert reverted.status_code == 200, reverted.text
    chapters = Episode.load(library / "haven").chapters
    assert [c.start for c in chapters] == [0.0, start]  # the move taken back
    assert (chapters[0].title, chapters[0].title_en) == ("De kade", "The quay")  # bob's stays
    assert chapters[0].edited.get("title")


@pytest.mark.model
def test_a_split_whose_new_chapter_was_renamed_since_is_not_reverted(client, library):
    split = client.post(f"{API}/chapters/c1", headers=AUTH,
                        json={"rev": 0, "action": "split", "at": 6.0}).json()
    new = Episode.load(library / "haven").chapters[1]
    assert client.patch(f"{API}/chapters/{new.id}", headers=AUTH, json={
        "rev": split["rev"], "title": "De kraan", "title_en": "The crane"}).status_code == 200
    refused = revert(client, split["edits"][0])
    assert refused.status_code == 422
    assert "“De kraan” was renamed after edit 1" in refused.json()["detail"]
    assert len(Episode.load(library / "haven").chapters) == 3



@pytest.mark.model
def test_a_damaged_chapter_log_line_is_one_message(client, library):
    import json

    start = Episode.load(library / "haven").chapters[1].start
    moved = client.post(f"{API}/chapters/c2", headers=AUTH,
                        json={"rev": 0, "action": "move", "at": start + 3.0}).json()
    log = library / "haven" / "edits.jsonl"
    line = json.loads(log.read_text())
    line["after"] = json.dumps([{"start": 0.0, "title": "Zonder id"}])
    log.write_text(json.dumps(line) + "\n")
    refused = revert(client, moved["edits"][0])
    assert refused.status_code == 422 and "is damaged in" in refused.json()["detail"]
