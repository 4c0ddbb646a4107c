"""An editor's chapter edits through the JSON API: move, split, merge, rename, conflicts, bad
input, history and revert, and every output following at once. New chapters get titles from
the real e5 model."""

import json

import pytest
from fastapi.testclient import TestClient

from pipeline import search
from pipeline.document import Chapter, Episode
from pipeline.edits import edit_segment, history, revert
from pipeline.edits.chapter_log import outline, structure_change
from pipeline.errors import ReportageError
from pipeline.stages.publish import publish
from pipeline.web.app import create_app
from tests.web_fixtures import SPACING, fish_dictionary, make_library

pytestmark = pytest.mark.model
SLUG = "haven"
AUTH = {"Authorization": "Bearer t", "X-Editor": "mona"}


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path)


@pytest.fixture
def client(library):
    return TestClient(create_app(library, "t", {"testserver"}))


def url(chapter=""):
    return f"/api/episodes/{SLUG}/chapters" + (f"/{chapter}" if chapter else "")


def current(client):
    data = client.get(url()).json()
    return data["rev"], data["chapters"]


def outputs(library):
    folder = library / SLUG
    return {name: (folder / name).read_text() for name in
            ("chapters.json", "chapters.vtt", "transcript.txt", "index.html", "episode.json")}


def test_move_split_merge_and_rename_follow_everywhere(library, client):
    rev, chapters = current(client)
    assert [c["id"] for c in chapters] == ["c1", "c2"] and rev == 0
    moved = client.post(url("c2"), json={"rev": rev, "action": "move", "at": 6 * SPACING},
                        headers=AUTH)
    assert moved.status_code == 200, moved.text
    rev, chapters = moved.json()["rev"], moved.json()["chapters"]
    assert rev == 1 and chapters[1]["start"] == 6 * SPACING and chapters[1]["id"] == "c2"
    assert chapters[0]["title"] == "In de haven"  # an editor's structure keeps the titles
    published = json.loads((library / SLUG / "chapters.json").read_text())
    assert [c["startTime"] for c in published["chapters"]] == [0, 6 * SPACING]
    # The API's chapters end where the published ones do: the last at the audio's end.
    assert [c["end"] for c in chapters] == [c["endTime"] for c in published["chapters"]]

    split = client.post(url("c1"), json={"rev": rev, "action": "split", "at": 2 * SPACING},
                        headers=AUTH).json()
    rev, chapters = split["rev"], split["chapters"]
    assert [c["start"] for c in chapters] == [0, 2 * SPACING, 6 * SPACING]
    new = chapters[1]
    assert new["title"] and new["title"].lower() not in {c["title"].lower()
                                                         for c in (chapters[0], chapters[2])}

    renamed = client.patch(url(new["id"]), json={"rev": rev, "title": "De kraanmachinist",
                                                 "title_en": "The crane operator"}, headers=AUTH)
    assert renamed.status_code == 200
    rev = renamed.json()["rev"]
    files = outputs(library)
    assert "De kraanmachinist" in files["chapters.json"]
    assert "De kraanmachinist / The crane operator" in files["chapters.vtt"]
    assert "De kraanmachinist" in files["transcript.txt"]
    assert "De kraanmachinist" in files["index.html"]
    hit = search.search(library, "kraanmachinist", mode="exact")[0]
    assert hit.chapter == "De kraanmachinist"

    merged = client.post(url(new["id"]), json={"rev": rev, "action": "merge"}, headers=AUTH)
    assert [c["start"] for c in merged.json()["chapters"]] == [0, 6 * SPACING]
    assert "De kraanmachinist" not in outputs(library)["chapters.vtt"]
    assert search.search(library, "kraanmachinist", mode="exact")[0].chapter == "In de haven"


def test_a_title_with_angle_brackets_around_words_is_text_everywhere(library, client):
    rev, _ = current(client)
    renamed = client.patch(url("c2"), json={"rev": rev, "title": "Kosten < baten"}, headers=AUTH)
    assert renamed.status_code == 200, renamed.text
    files = outputs(library)
    assert json.loads(files["chapters.json"])["chapters"][1]["title"] == "Kosten < baten"
    assert all("Kosten &lt; baten" in files[name] for name in ("chapters.vtt", "index.html"))
    assert "Kosten < baten" not in files["index.html"]


def test_history_and_revert_restore_chapters_exactly(library, client, tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.search.dictionary.FOLDER", fish_dictionary(tmp_path / "dict"))
    before = json.loads((library / SLUG / "chapters.json").read_text())
    rev, _ = current(client)
    client.post(url("c2"), json={"rev": rev, "action": "move", "at": 3 * SPACING}, headers=AUTH)
    client.patch(url("c1"), json={"rev": rev + 1, "title": "Vroeg in de haven"}, headers=AUTH)
    edits = history(library, SLUG)
    assert [(e.segment, e.field, e.editor) for e in edits] == [
        ("c2", "chapters", "mona"), ("c1", "chapter_title", "mona"),
        ("c1", "chapter_title_en", "reportage")]  # the English the new title took along
    revert(library, SLUG, edits[1].id, "test")  # the title, and the English with it
    first = Episode.load(library / SLUG).chapters[0]
    assert (first.title, first.title_en) == ("In de haven", "In the port")
    revert(library, SLUG, edits[0].id, "test")
    assert json.loads((library / SLUG / "chapters.json").read_text()) == before
    assert len(history(library, SLUG)) == 6
    # A move, then a new title: reverting the move takes back the move, not the title.
    client.post(url("c2"), json={"rev": rev + 4, "action": "move", "at": 3 * SPACING},
                headers=AUTH)
    client.patch(url("c2"), json={"rev": rev + 5, "title": "Markt"}, headers=AUTH)
    revert(library, SLUG, 7, "test")
    second = Episode.load(library / SLUG).chapters[1]
    assert (second.start, second.title) == (before["chapters"][1]["startTime"], "Markt")
    # A second move: the first is then refused, naming the move that stands.
    for at in (3 * SPACING, 4 * SPACING):
        now, _ = current(client)
        client.post(url("c2"), json={"rev": now, "action": "move", "at": at}, headers=AUTH)
    first, second = history(library, SLUG)[-2:]
    with pytest.raises(ReportageError, match=f"edit {second.id} changed this after edit "
                       f"{first.id}"):
        revert(library, SLUG, first.id, "test")


def test_a_stale_or_unauthorised_edit_changes_nothing(library, client):
    rev, _ = current(client)
    body = {"rev": rev, "action": "move", "at": 4 * SPACING}
    assert client.post(url("c2"), json=body).status_code == 401
    assert client.post(url("c2"), json=body, headers=AUTH).status_code == 200
    untouched = outputs(library)
    stale = client.patch(url("c1"), json={"rev": rev, "title": "Anders"}, headers=AUTH)
    assert stale.status_code == 409
    assert stale.json()["rev"] == rev + 1 and stale.json()["chapters"][1]["start"] == 4 * SPACING
    assert outputs(library) == untouched


BAD = [
    ("c2", {"action": "move", "at": 999.0}, "outside the episode"),
    ("c2", {"action": "move", "at": 1.3}, "not at the start of a segment"),
    ("c2", {"action": "move", "at": 0.0}, "between the starts"),
    ("c1", {"action": "move", "at": 3.0}, "first chapter"),
    ("c2", {"action": "split", "at": 5 * SPACING}, "both parts"),
    ("c1", {"action": "split", "at": 7 * SPACING}, "both parts"),
    ("c1", {"action": "merge"}, "no chapter before"),
    ("c2", {"action": "merge", "at": 6 * SPACING}, "merge takes no `at`"),
    ("c2", {"action": "split"}, "needs `at`"),
    ("c2", {"action": "move", "at": "12"}, "valid number"),  # a number, not text
    ("c2", {"action": "move", "at": True}, "valid number"),
    ("c2", {"action": "explode", "at": 3.0}, ""),
    ("c1", {"title": ""}, "cannot be empty"),
    # shows as nothing: a Hangul filler, joiners, a soft hyphen, a lone accent
    ("c1", {"title": "\u3164"}, "cannot be empty"),
    ("c1", {"title": "\u200d\u00ad \u200c"}, "cannot be empty"),
    ("c1", {"title_en": "\u0301"}, "cannot be empty"),
    ("c1", {"title": "\u2800\u2800"}, "cannot be empty"),  # Braille blanks
    ("c1", {"title": "x" * 500}, "at most"),
    ("c1", {"title": "<b>Haven</b>"}, "markup"),
    ("c1", {"title_en": "tab\there\x07"}, "control"),
    ("c1", {"title": "Haven \x9bterug"}, "control"),
    ("c1", {}, "nothing to change"),
]


def test_bad_chapter_edits_are_422_and_change_nothing(library, client):
    untouched = outputs(library)
    rev, _ = current(client)
    for chapter, body, words in BAD:
        method = client.post if "action" in body else client.patch
        reply = method(url(chapter), json={"rev": rev, **body}, headers=AUTH)
        assert reply.status_code == 422, (body, reply.text)
        assert words in json.dumps(reply.json()), (body, reply.text)
    assert outputs(library) == untouched
    assert client.post(url("c9"), json={"rev": rev, "action": "merge"},
                       headers=AUTH).status_code == 404


def test_an_edit_that_changes_nothing_saves_nothing(library, client):
    untouched = outputs(library)
    rev, chapters = current(client)
    for method, body in ((client.post, {"action": "move", "at": 5 * SPACING}),
                         (client.patch, {"title": chapters[1]["title"]})):
        reply = method(url("c2"), json={"rev": rev, **body}, headers=AUTH)
        assert reply.status_code == 200, reply.text
        assert (reply.json()["rev"], reply.json()["edits"]) == (rev, [])
    assert outputs(library) == untouched  # the machine's chapters stay the machine's
    assert history(library, SLUG) == []


def test_undo_reverts_the_last_change_as_the_editor_saw_it(library, client):
    before = outputs(library)
    rev, chapters = current(client)
    split = client.post(url("c1"), json={"rev": rev, "action": "split", "at": 2 * SPACING},
                        headers=AUTH).json()
    undone = client.post(url("undo"), json={"rev": split["rev"], "edits": split["edits"]},
                         headers=AUTH)
    assert undone.status_code == 200, undone.text
    assert [c["start"] for c in undone.json()["chapters"]] == [0, 5 * SPACING]
    assert {k: v for k, v in outputs(library).items() if k != "episode.json"} == {
        k: v for k, v in before.items() if k != "episode.json"}

    # A rename logs one edit per title: one undo brings both back.
    rev = undone.json()["rev"]
    renamed = client.patch(url("c2"), json={"rev": rev, "title": "Vismarkt",
                                            "title_en": "Fish market"}, headers=AUTH).json()
    assert len(renamed["edits"]) == 2
    undone = client.post(url("undo"), json={"rev": renamed["rev"], "edits": renamed["edits"]},
                         headers=AUTH).json()
    assert [(c["title"], c["title_en"]) for c in undone["chapters"]] == [
        (c["title"], c["title_en"]) for c in chapters]
    assert undone["rev"] == renamed["rev"] + 1  # one change, as the rename was
    assert sorted(e.revert_of for e in history(library, SLUG)[-2:]) == renamed["edits"]


def test_a_dutch_title_given_alone_takes_its_english_along(library, client, tmp_path,
                                                            monkeypatch):
    monkeypatch.setattr("pipeline.search.dictionary.FOLDER", fish_dictionary(tmp_path / "dict"))
    rev, chapters = current(client)
    renamed = client.patch(url("c2"), json={"rev": rev, "title": "Haring en kabeljauw"},
                           headers=AUTH).json()
    chapter = Episode.load(library / SLUG).chapters[1]
    assert (chapter.title, chapter.title_en) == ("Haring en kabeljauw", "Herring and cod")
    assert "Haring en kabeljauw / Herring and cod" in outputs(library)["chapters.vtt"]
    assert "title_en" not in chapter.edited  # the machine's English: it follows again
    undone = client.post(url("undo"), json={"rev": renamed["rev"], "edits": renamed["edits"]},
                         headers=AUTH).json()
    assert [(c["title"], c["title_en"]) for c in undone["chapters"]] == [
        (c["title"], c["title_en"]) for c in chapters]

    # No English found: none, never the English of the title it replaced.
    rev = undone["rev"]
    rev = client.patch(url("c2"), json={"rev": rev, "title": "Zoute plof"},
                       headers=AUTH).json()["rev"]
    assert Episode.load(library / SLUG).chapters[1].title_en is None
    # An English title an editor wrote stays through a Dutch rename.
    rev = client.patch(url("c2"), json={"rev": rev, "title_en": "Salt"}, headers=AUTH).json()["rev"]
    client.patch(url("c2"), json={"rev": rev, "title": "Haring"}, headers=AUTH)
    chapter = Episode.load(library / SLUG).chapters[1]
    assert (chapter.title, chapter.title_en) == ("Haring", "Salt")


def test_an_english_title_given_back_by_a_revert_is_the_machines_again(library, client, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setattr("pipeline.search.dictionary.FOLDER", fish_dictionary(tmp_path / "dict"))
    rev, _ = current(client)
    rev = client.patch(url("c2"), json={"rev": rev, "title": "Haring"}, headers=AUTH).json()["rev"]
    typed = client.patch(url("c2"), json={"rev": rev, "title_en": "Fish"}, headers=AUTH).json()
    client.post(url("undo"), json={"rev": typed["rev"], "edits": typed["edits"]}, headers=AUTH)
    chapter = Episode.load(library / SLUG).chapters[1]
    assert chapter.title_en == "Herring" and "title_en" not in chapter.edited
    rev = current(client)[0]  # so the English follows the next Dutch title again
    client.patch(url("c2"), json={"rev": rev, "title": "Haring en kabeljauw"}, headers=AUTH)
    assert Episode.load(library / SLUG).chapters[1].title_en == "Herring and cod"
    # A revert is the editor's act, logged as theirs, whatever it gives back.
    machines = [e for e in history(library, SLUG) if e.editor == "reportage"]
    revert(library, SLUG, machines[-1].id, "test")
    assert history(library, SLUG)[-1].editor == "test"
    chapter = Episode.load(library / SLUG).chapters[1]
    assert chapter.title_en == "Herring" and "title_en" not in chapter.edited


def test_reverting_a_rename_back_and_forth_keeps_its_english_with_it(library, client, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setattr("pipeline.search.dictionary.FOLDER", fish_dictionary(tmp_path / "dict"))
    rev, chapters = current(client)
    client.patch(url("c2"), json={"rev": rev, "title": "Haring"}, headers=AUTH)
    rename = history(library, SLUG)[0]
    revert(library, SLUG, rename.id, "test")  # both back
    back = history(library, SLUG)[-2]
    assert back.field == "chapter_title" and back.revert_of == rename.id
    revert(library, SLUG, back.id, "test")  # both forward again
    chapter = Episode.load(library / SLUG).chapters[1]
    assert (chapter.title, chapter.title_en) == ("Haring", "Herring")


def test_a_log_changed_by_hand_never_sends_a_revert_round_in_circles():
    from pipeline.edits.log import Edit, replaced_machines

    def titled(n: int, revert_of: int | None) -> Edit:
        return Edit(n, "t", "mona", "c1", "chapter_title", "a", "b", n, revert_of)

    log = [titled(1, None), titled(2, 3), titled(3, 2), titled(4, 4)]
    assert replaced_machines(log, log[2]) is False  # 2 points forward: no way back from it
    assert replaced_machines(log, titled(5, None)) is False
    assert replaced_machines(log, log[0]) is True  # nothing before the first


def test_an_editor_named_like_the_machine_is_logged_as_an_editor(library, client):
    rev, _ = current(client)
    client.patch(url("c1"), json={"rev": rev, "title": "Anders"},
                 headers=AUTH | {"X-Editor": "Reportage"})
    assert [e.editor for e in history(library, SLUG) if e.field == "chapter_title"] == [
        "Reportage (editor)"]


def test_undoing_a_dutch_rename_alone_takes_its_english_back_too(library, client, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setattr("pipeline.search.dictionary.FOLDER", fish_dictionary(tmp_path / "dict"))
    rev, chapters = current(client)
    renamed = client.patch(url("c2"), json={"rev": rev, "title": "Haring"}, headers=AUTH).json()
    logged = {e.id: e.field for e in history(library, SLUG)}
    dutch = [i for i in renamed["edits"] if logged[i] == "chapter_title"]
    assert len(renamed["edits"]) == 2 and len(dutch) == 1
    undone = client.post(url("undo"), json={"rev": renamed["rev"], "edits": dutch},
                         headers=AUTH).json()
    assert (undone["chapters"][1]["title"], undone["chapters"][1]["title_en"]) == (
        chapters[1]["title"], chapters[1]["title_en"])
    assert not Episode.load(library / SLUG).chapters[1].edited  # the machine's titles again


def test_an_undo_after_another_change_or_of_another_edit_changes_nothing(library, client):
    rev, _ = current(client)
    moved = client.post(url("c2"), json={"rev": rev, "action": "move", "at": 4 * SPACING},
                        headers=AUTH).json()
    renamed = client.patch(url("c1"), json={"rev": moved["rev"], "title": "Anders"},
                           headers=AUTH).json()
    untouched = outputs(library)
    late = client.post(url("undo"), json={"rev": moved["rev"], "edits": moved["edits"]},
                       headers=AUTH)
    assert late.status_code == 409 and late.json()["chapters"][0]["title"] == "Anders"
    rev = renamed["rev"]
    # Only the last change: an older edit would throw away everything after it.
    for edits in ([999], [], moved["edits"], moved["edits"] + renamed["edits"]):
        reply = client.post(url("undo"), json={"rev": rev, "edits": edits}, headers=AUTH)
        assert reply.status_code == 422 and "last chapter change" in reply.text, reply.text
    assert client.post(url("undo"), json={"rev": rev, "edits": [1]}).status_code == 401
    assert outputs(library) == untouched


def test_an_undo_after_the_chapters_changed_outside_the_editor_changes_nothing(library, client):
    rev, _ = current(client)
    renamed = client.patch(url("c2"), json={"rev": rev, "title": "Vismarkt"},
                           headers=AUTH).json()
    episode = Episode.load(library / SLUG)
    episode.chapters[1].title = "Markt"  # changed without an edit (by hand, say): no new rev
    episode.save(library / SLUG)
    reply = client.post(url("undo"), json={"rev": renamed["rev"], "edits": renamed["edits"]},
                        headers=AUTH)
    assert reply.status_code == 409 and reply.json()["chapters"][1]["title"] == "Markt"


def test_a_merge_into_a_chapter_of_blanked_lines_leaves_the_chapter_before_alone(library,
                                                                               client):
    rev, _ = current(client)
    split = client.post(url("c2"), json={"rev": rev, "action": "split", "at": 8 * SPACING},
                        headers=AUTH).json()
    episode = Episode.load(library / SLUG)
    before = [c.segment_ids for c in episode.chapters]
    for sid in before[1]:  # every line of c2 blanked
        seg = episode.segment(sid)
        reply = client.patch(f"/api/episodes/{SLUG}/segments/{sid}",
                             json={"rev": seg.rev, "nl": "", "en": ""}, headers=AUTH)
        assert reply.status_code == 200, reply.text
    merged = client.post(url(split["chapters"][2]["id"]),
                         json={"rev": split["rev"], "action": "merge"}, headers=AUTH)
    assert merged.status_code == 200, merged.text
    chapters = Episode.load(library / SLUG).chapters
    assert chapters[0].segment_ids == before[0]  # it kept its last line
    # c2 begins where speech does again: the merged chapter's first spoken line
    assert (chapters[1].id, chapters[1].start) == ("c2", 8 * SPACING)
    assert chapters[1].segment_ids == before[2]


def blank(client, library, start):
    """An editor empties the line at `start` (nothing was said there)."""
    seg = next(s for s in Episode.load(library / SLUG).segments if s.start == start)
    reply = client.patch(f"/api/episodes/{SLUG}/segments/{seg.id}",
                         json={"rev": seg.rev, "nl": ""}, headers=AUTH)
    assert reply.status_code == 200, reply.text


def test_a_split_or_move_that_would_drop_a_chapter_is_refused(library, client):
    rev, _ = current(client)
    rev = client.post(url("c2"), json={"rev": rev, "action": "split", "at": 8 * SPACING},
                      headers=AUTH).json()["rev"]
    blank(client, library, 5 * SPACING)  # c2's first line: c2 now speaks from 6 * SPACING
    untouched = outputs(library)
    third = current(client)[1][2]["id"]
    for chapter, body, words in (("c2", {"action": "split", "at": 6 * SPACING}, "after its first"),
                                 (third, {"action": "move", "at": 6 * SPACING}, "'Op de markt'")):
        reply = client.post(url(chapter), json={"rev": rev, **body}, headers=AUTH)
        assert reply.status_code == 422, reply.text
        assert words in reply.json()["detail"]
    assert outputs(library) == untouched
    assert [c["id"] for c in current(client)[1]] == ["c1", "c2", third]


def test_a_structure_edit_reverted_twice_is_saved_once(library, client):
    rev, _ = current(client)
    client.post(url("c2"), json={"rev": rev, "action": "move", "at": 6 * SPACING}, headers=AUTH)
    moved = history(library, SLUG)[0]
    assert len(revert(library, SLUG, moved.id, "test")) == 1
    rev, chapters = current(client)
    assert revert(library, SLUG, moved.id, "test") == []  # already as it was
    assert current(client) == (rev, chapters) and len(history(library, SLUG)) == 2


def test_an_emptied_line_leaves_the_transcript_and_starts_no_chapter(library, client):
    blank(client, library, 5 * SPACING)  # c2's first line
    text = outputs(library)["transcript.txt"]
    heading = text.index("## 00:15 Op de markt")
    assert "[00:15]" not in text  # nothing said there: no empty line
    assert text[heading:].split("\n")[2].startswith("[00:18] ")  # the chapter opens on speech
    rev, _ = current(client)
    reply = client.post(url("c2"), json={"rev": rev, "action": "move", "at": 5 * SPACING},
                        headers=AUTH)
    assert reply.status_code == 422 and "emptied line" in reply.json()["detail"]


def test_history_shows_a_structure_edit_as_the_chapters_it_left(library, client):
    from tests.conftest import run_cli

    rev, _ = current(client)
    client.post(url("c2"), json={"rev": rev, "action": "move", "at": 6 * SPACING}, headers=AUTH)
    run = run_cli("history", SLUG, "--library", str(library))
    assert run.rc == 0, run.err
    assert "- 00:00 In de haven · 00:15 Op de markt\n" in run.out
    assert "+ 00:00 In de haven · 00:18 Op de markt\n" in run.out
    # A hand-damaged log line (a start of NaN or 1e400) is shown as it is.
    with open(library / SLUG / "edits.jsonl", "a") as log:
        log.write(json.dumps({"id": 9, "time": "2026-12-07T01:00:00Z", "editor": "x",
                              "segment": "c1", "field": "chapters",
                              "before": '[{"id": "c1", "start": NaN, "title": "A"}]',
                              "after": '[{"id": "c1", "start": 1e400, "title": "A"}]',
                              "rev": 9, "revert_of": None}) + "\n")
    run = run_cli("history", SLUG, "--library", str(library))
    assert run.rc == 0 and '"start": NaN' in run.out, run.err


def chapterless(library):
    """The library's episode as `--no-chapters` leaves it: no chapters, no chapter files."""
    folder = library / SLUG
    episode = Episode.load(folder)
    episode.chapters = []
    episode.provenance["topics"] = {"engine": None}
    episode.save(folder)
    publish(folder, episode)
    assert not (folder / "chapters.json").exists()


def test_an_episode_without_chapters_gets_its_first_ones_and_undo_takes_them_back(library,
                                                                                   client):
    chapterless(library)
    rev, _ = current(client)
    added = client.post(url(), json={"rev": rev, "at": 4 * SPACING}, headers=AUTH)
    assert added.status_code == 200, added.text
    chapters = added.json()["chapters"]
    assert [c["start"] for c in chapters] == [0, 4 * SPACING]
    assert all(c["title"] for c in chapters)  # machine titles, each from its own lines
    assert chapters[0]["title"] != chapters[1]["title"]
    published = json.loads((library / SLUG / "chapters.json").read_text())["chapters"]
    assert [c["startTime"] for c in published] == [0, 4 * SPACING]
    assert chapters[1]["title"] in (library / SLUG / "index.html").read_text()
    assert history(library, SLUG)[-1].segment == chapters[1]["id"]

    undone = client.post(url("undo"), json={"rev": added.json()["rev"],
                                            "edits": added.json()["edits"]}, headers=AUTH)
    assert undone.status_code == 200, undone.text
    assert undone.json()["chapters"] == []
    assert not (library / SLUG / "chapters.json").exists()  # as --no-chapters left it

    # One start at the first line: one chapter over the whole episode; `revert` undoes it too.
    rev = undone.json()["rev"]
    one = client.post(url(), json={"rev": rev, "at": 0}, headers=AUTH).json()
    assert [c["start"] for c in one["chapters"]] == [0]
    revert(library, SLUG, one["edits"][0], "test")
    assert Episode.load(library / SLUG).chapters == []


def test_a_chapter_start_added_inside_a_chapter_splits_it(library, client):
    rev, _ = current(client)
    added = client.post(url(), json={"rev": rev, "at": 7 * SPACING}, headers=AUTH).json()
    assert [c["start"] for c in added["chapters"]] == [0, 5 * SPACING, 7 * SPACING]
    for at, said in ((5 * SPACING, "a chapter begins at 00:"), (0, "a chapter begins at 00:00"),
                     (7.3 * SPACING, "not at the start of a segment"),
                     (1e6, "outside the episode")):
        refused = client.post(url(), json={"rev": added["rev"], "at": at}, headers=AUTH)
        assert refused.status_code == 422 and said in refused.json()["detail"], refused.text
    assert current(client)[0] == added["rev"]
    stale = client.post(url(), json={"rev": rev, "at": 2 * SPACING}, headers=AUTH)
    assert stale.status_code == 409
    assert client.post(url(), json={"rev": added["rev"], "at": 2 * SPACING}).status_code == 401


def test_history_tells_an_episodes_first_chapters_and_their_removal():
    first = json.dumps([{"id": "c0", "start": 0, "title": "Haven", "title_en": None},
                        {"id": "c1", "start": 100, "title": "Markt", "title_en": None}])
    assert structure_change("[]", first) == "chapters begun: 00:00 Haven · 01:40 Markt"
    assert structure_change(first, "[]") == "chapters removed"
    one = json.dumps([{"id": "c0", "start": 0, "title": "Haven", "title_en": None}])
    assert structure_change("[]", one) == "chapters begun: 00:00 Haven"
    assert outline("[]") == "no chapters"


def test_taking_back_the_first_chapters_leaves_them_to_the_next_run(library, client):
    chapterless(library)
    rev, _ = current(client)
    added = client.post(url(), json={"rev": rev, "at": 4 * SPACING}, headers=AUTH).json()
    folder = library / SLUG
    episode = Episode.load(folder)  # a re-run since kept them, its stage done with chapters on
    episode.provenance["topics"] = {"engine": "e5", "fingerprint": "made with chapters"}
    episode.save(folder)
    undone = client.post(url("undo"), json={"rev": added["rev"], "edits": added["edits"]},
                         headers=AUTH)
    assert undone.status_code == 200 and undone.json()["chapters"] == []
    assert not (folder / "chapters.json").exists() and not (folder / "chapters.vtt").exists()
    # no fingerprint: the next run makes chapters again, or none, as it is told
    assert Episode.load(folder).provenance["topics"] == {"engine": None}


def test_a_spoken_line_an_edit_left_in_no_chapter_can_begin_one(library, client):
    def line(seg_id):
        return next(s for s in Episode.load(library / SLUG).segments if s.id == seg_id)

    second = "s0001500"  # the second chapter's first line
    edit_segment(library, SLUG, second, line(second).rev, {"nl": ""}, "mona")
    rev, _ = current(client)
    split = client.post(url("c1"), json={"rev": rev, "action": "split", "at": 2 * SPACING},
                        headers=AUTH).json()  # regrouped: the emptied line is in no chapter
    assert second not in {i for c in split["chapters"] for i in c["segment_ids"]}
    emptied = next(e for e in history(library, SLUG) if e.segment == second)
    revert(library, SLUG, emptied.id, "mona")  # said again, still in no chapter
    added = client.post(url(), json={"rev": split["rev"], "at": 5 * SPACING}, headers=AUTH)
    assert added.status_code == 200, added.text
    chapters = added.json()["chapters"]
    assert [c["start"] for c in chapters] == [0, 2 * SPACING, 5 * SPACING, 6 * SPACING]
    assert chapters[2]["segment_ids"] == [second]


def test_a_run_that_gives_a_chapterless_episode_chapters_makes_an_open_page_stale(library):
    from pipeline.runner import _with_edits_since

    chapterless(library)
    folder = library / SLUG
    on_disk = Episode.load(folder)
    made = Episode.load(folder)  # what the run made: machine chapters
    made.chapters = [Chapter("c0000000", 0.0, 30.0, "Haven", segment_ids=["s0000000"])]
    kept = _with_edits_since(made, folder, {s.id: s.rev for s in on_disk.segments})
    assert kept.chapters_rev == on_disk.chapters_rev + 1  # the page's add at the old rev: 409
    del on_disk.provenance["topics"]  # a new episode, before its first chapters: rev 0 stays
    on_disk.save(folder)
    made.chapters_rev = 0
    assert _with_edits_since(made, folder, {s.id: s.rev for s in on_disk.segments}
                             ).chapters_rev == 0
