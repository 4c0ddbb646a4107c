"""The editor's review tools through the API and the CLI: replace everywhere and its undo,
terms proposed from corrections (accept, dismiss), glossary fixes and unsure words on the page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pipeline import edits, glossary
from pipeline.document import Episode
from pipeline.edits import read_log
from pipeline.glossary import proposals
from pipeline.web.app import create_app
from tests.web_fixtures import make_review_library

TOKEN = "review-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Editor": "anna"}


@pytest.fixture
def library(tmp_path):
    return make_review_library(tmp_path)


@pytest.fixture
def client(library):
    return TestClient(create_app(library, TOKEN, {"testserver"}))


def texts(library) -> list[str]:
    return [seg.nl for seg in Episode.load(library / "haven").segments]


def test_replace_everywhere_is_one_edit_per_line_and_undone_as_a_batch(client, library):
    before = texts(library)
    done = client.post("/api/episodes/haven/replace", headers=AUTH,
                       json={"find": "Kremers", "replace": "Creemers"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert len(body["edits"]) == 3 and len(body["segments"]) == 3
    assert all("met Creemers." in s["nl"] and s["edited"]["nl"] for s in body["segments"])
    assert texts(library)[3:] == before[3:]
    log = read_log(library / "haven")
    assert [(e.field, e.editor) for e in log] == [("nl", "anna")] * 3
    assert "Creemers" in (library / "haven" / "transcript.txt").read_text(encoding="utf-8")
    # The correction proposes the name, with what it replaced.
    [proposed] = proposals.pending(library)
    assert (proposed.text, proposed.replaced, proposed.count) == ("Creemers", ["Kremers"], 3)
    undone = client.post("/api/episodes/haven/undo", headers=AUTH, json={"edits": body["edits"]})
    assert undone.status_code == 200, undone.text
    assert texts(library) == before and undone.json()["kept"] == 0
    assert [e.revert_of for e in read_log(library / "haven")[3:]] == body["edits"]


def test_words_taken_out_everywhere_leave_no_gap_and_an_empty_line_says_nothing(client,
                                                                               library):
    before = Episode.load(library / "haven").segments
    body = client.post("/api/episodes/haven/replace", headers=AUTH,
                       json={"find": "met Kremers", "replace": ""}).json()
    assert texts(library)[:3] == [s.nl.replace(" met Kremers", "") for s in before[:3]]
    assert texts(library)[1] == "De schepen komen vroeg binnen."
    gone = client.post("/api/episodes/haven/replace", headers=AUTH,
                       json={"find": "Dank voor het luisteren", "replace": ""}).json()
    last = Episode.load(library / "haven").segments[-1]
    assert (last.nl, last.en) == ("", "")  # nothing said: its machine English goes with it
    assert [e.editor for e in read_log(library / "haven")][-2:] == ["anna", "reportage"]
    for batch in (gone, body):
        undone = client.post("/api/episodes/haven/undo", headers=AUTH,
                             json={"edits": batch["edits"]})
        assert undone.status_code == 200, undone.text
    after = Episode.load(library / "haven").segments
    assert [(s.nl, s.en) for s in after] == [(s.nl, s.en) for s in before]


def test_a_mark_is_replaced_where_it_follows_a_word():
    from pipeline.edits.replace import pattern, replaced

    assert replaced("Is hier zoveel rommel?", pattern("?"), "!") == "Is hier zoveel rommel!"
    assert replaced("Kremers' boek", pattern("Kremers'"), "Creemers'") == "Creemers' boek"
    # An apostrophe is no sentence mark: "'s" is never found inside "foto's".
    assert replaced("Foto's, 's avonds.", pattern("'s"), "des") == "Foto's, des avonds."


@pytest.mark.parametrize("line, words, left", [
    ("Ja, eh, goed.", "eh", "Ja, goed."), ("Wacht, eh.", "eh", "Wacht."),
    ("Ja (eh) goed", "eh", "Ja goed"), ("Bedankt. Eindelijk. Mede", "Eindelijk", "Bedankt. Mede"),
    ("Je moest de bal spelen.", "de", "Je moest bal spelen."), ("Eindelijk.", "Eindelijk", ""),
    ("Nou... eh... ja.", "eh", "Nou... ja."), ("Het is - eh - zo.", "eh", "Het is zo."),
    ("Hij (eh, nou) ja.", "eh", "Hij (nou) ja."),
])
def test_words_taken_out_leave_a_tidy_line(line, words, left):
    from pipeline.edits.replace import pattern, replaced

    assert replaced(line, pattern(words), "") == left


def test_an_undo_keeps_a_line_corrected_since(client, library):
    before = texts(library)
    body = client.post("/api/episodes/haven/replace", headers=AUTH,
                       json={"find": "Kremers", "replace": "Creemers"}).json()
    first = body["segments"][0]
    fixed = first["nl"] + " Dat zei hij later ook."  # another editor's correction meanwhile
    saved = client.patch(f"/api/episodes/haven/segments/{first['id']}", headers=AUTH,
                         json={"rev": first["rev"], "nl": fixed})
    assert saved.status_code == 200, saved.text
    undone = client.post("/api/episodes/haven/undo", headers=AUTH, json={"edits": body["edits"]})
    assert undone.status_code == 200 and undone.json()["kept"] == 1
    ids = [seg.id for seg in Episode.load(library / "haven").segments]
    expected = list(before)
    expected[ids.index(first["id"])] = fixed
    assert texts(library) == expected  # the other lines are back, the corrected one kept
    again = client.post("/api/episodes/haven/undo", headers=AUTH, json={"edits": body["edits"]})
    assert again.json()["edits"] == [] and again.json()["kept"] == 1  # undone lines aren't kept


@pytest.mark.parametrize("body, status", [
    ({"find": "", "replace": "x"}, 422),
    ({"find": "\u3164\u200d", "replace": "x"}, 422),  # shows as nothing: finds nothing
    ({"find": "x" * 101, "replace": "x"}, 422),
    ({"find": "Kremers", "replace": "<b>x</b>"}, 422),
    ({"find": "Kremers"}, 422),
    ({"find": "Kre\x07mers", "replace": "x"}, 422),
    ({"find": "Kremers", "replace": "\x1b[31mrood"}, 422),
    ({"find": "Kremers", "replace": "x" * 101}, 422),
    ({"find": "Kremers", "replace": "Kremers"}, 422),  # the same: said so, not "not found"
])
def test_a_bad_replace_is_refused_and_changes_nothing(client, library, body, status):
    before = texts(library)
    answer = client.post("/api/episodes/haven/replace", headers=AUTH, json=body)
    assert answer.status_code == status and "detail" in answer.json()
    assert texts(library) == before and read_log(library / "haven") == []


def test_batch_edits_need_the_token_and_a_real_episode(client, library):
    assert client.post("/api/episodes/haven/replace",
                       json={"find": "Kremers", "replace": "x"}).status_code == 401
    assert client.post("/api/episodes/nope/replace", headers=AUTH,
                       json={"find": "Kremers", "replace": "x"}).status_code == 404
    assert client.post("/api/episodes/haven/undo", headers=AUTH,
                       json={"edits": [99]}).status_code == 422
    nothing = client.post("/api/episodes/haven/replace", headers=AUTH,
                          json={"find": "Zanzibar", "replace": "x"})
    assert nothing.status_code == 200 and nothing.json() == {"edits": [], "segments": []}


def test_proposed_terms_are_accepted_or_dismissed_through_the_api(client, library):
    seg = Episode.load(library / "haven").segments[0]
    edits.edit_segment(library, "haven", seg.id, seg.rev,
                       {"nl": seg.nl.replace("Kremers", "Creemers").replace("reportage",
                                                                            "Tencent")}, "anna")
    listed = client.get("/api/glossary").json()
    assert listed["terms"] == []
    assert {p["text"] for p in listed["proposed"]} == {"Creemers", "Tencent"}
    assert client.post("/api/glossary/proposed/accept", json={"text": "Creemers"}).status_code \
        == 401
    accepted = client.post("/api/glossary/proposed/accept", headers=AUTH,
                           json={"text": "Creemers"})
    assert accepted.status_code == 200
    assert accepted.json()["terms"] == [{"text": "Creemers", "english": None,
                                         "misspellings": ["Kremers"]}]
    dismissed = client.post("/api/glossary/proposed/dismiss", headers=AUTH,
                            json={"text": "Tencent"}).json()
    assert dismissed["proposed"] == []
    assert client.post("/api/glossary/proposed/accept", headers=AUTH,
                       json={"text": "Tencent"}).status_code == 404
    assert client.post("/api/glossary/proposed/maybe", headers=AUTH,
                       json={"text": "x"}).status_code == 422


def test_an_unreadable_glossary_never_blocks_an_edit(client, library):
    (library / glossary.FILENAME).write_text("[[term]]\ntext = ", encoding="utf-8")
    seg = Episode.load(library / "haven").segments[0]
    saved = client.patch(f"/api/episodes/haven/segments/{seg.id}", headers=AUTH,
                         json={"rev": seg.rev, "nl": seg.nl.replace("Kremers", "Creemers")})
    assert saved.status_code == 200
    assert client.get("/api/glossary").status_code == 500


def test_the_editor_page_marks_unsure_words_and_glossary_fixes(client, library):
    page = client.get("/episodes/haven", params={"edit": 1}).text
    seg = Episode.load(library / "haven").segments[0]
    start = seg.nl.index("Kremers")
    assert f'data-unsure="{start}-{start + 7}"' in page
    assert 'class="undo-fix" data-lang="nl" data-start="23" data-now="reportage"' in page
    assert "data-unsure" not in client.get("/episodes/haven").text  # listeners see plain text


def test_the_cli_lists_accepts_and_dismisses_proposals(library, cli):
    nothing = cli("glossary", "--proposed", "--library", str(library))
    assert nothing.rc == 0 and nothing.out == "" and "no proposed terms" in nothing.err
    assert "the glossary is empty" in cli("glossary", "--library", str(library)).err
    proposals.record(library, "haven", [proposals.Proposal("Creemers", ["Kremers"]),
                                        proposals.Proposal("Tencent")])
    listed = cli("glossary", "--proposed", "--library", str(library))
    assert listed.rc == 0 and "Creemers  [was: Kremers]  (1× in haven)" in listed.out
    assert cli("glossary", "accept", "Creemers", "--library", str(library)).rc == 0
    assert cli("glossary", "dismiss", "Tencent", "--library", str(library)).rc == 0
    assert "Creemers  [Kremers]" in cli("glossary", "--library", str(library)).out
    missing = cli("glossary", "accept", "Alibaba", "--library", str(library))
    assert missing.rc == 1 and "not a proposed term" in missing.err


def test_a_line_save_names_its_edits_and_undo_gives_both_fields_back(client, library):
    seg = Episode.load(library / "haven").segments[0]
    saved = client.patch(f"/api/episodes/haven/segments/{seg.id}", headers=AUTH,
                         json={"rev": seg.rev, "nl": "Nieuw.", "en": "New."})
    assert saved.status_code == 200 and saved.json()["edits"] == [1, 2]
    again = client.patch(f"/api/episodes/haven/segments/{seg.id}", headers=AUTH,
                         json={"rev": seg.rev + 1, "nl": "Nieuwer."})
    assert again.json()["edits"] == [3]
    twice = client.post("/api/episodes/haven/undo", headers=AUTH, json={"edits": [1, 3]})
    assert twice.status_code == 422 and "one edit per field" in twice.json()["detail"]
    client.post("/api/episodes/haven/undo", headers=AUTH, json={"edits": [3]})
    undone = client.post("/api/episodes/haven/undo", headers=AUTH, json={"edits": [1, 2]})
    assert undone.status_code == 200 and undone.json()["kept"] == 0
    [back] = undone.json()["segments"]
    assert (back["nl"], back["en"]) == (seg.nl, seg.en)
    assert [e.revert_of for e in read_log(library / "haven")][-2:] == [1, 2]  # each its own
    # Undone together or not at all: the English changed since keeps the Dutch too.
    seg = Episode.load(library / "haven").segments[0]
    saved = client.patch(f"/api/episodes/haven/segments/{seg.id}", headers=AUTH,
                         json={"rev": seg.rev, "nl": "Weer.", "en": "Again."}).json()
    edits.edit_segment(library, "haven", seg.id, saved["rev"], {"en": "Theirs."}, "bob")
    undone = client.post("/api/episodes/haven/undo", headers=AUTH, json={"edits": saved["edits"]})
    assert undone.json()["kept"] == 1 and undone.json()["kept_lines"] == [seg.id]
    seg = Episode.load(library / "haven").segments[0]
    assert (seg.nl, seg.en) == ("Weer.", "Theirs.")
    # The kept line comes back as it is now: the page still shows the text it undid.
    [shown] = undone.json()["segments"]
    assert (shown["nl"], shown["en"]) == ("Weer.", "Theirs.")
