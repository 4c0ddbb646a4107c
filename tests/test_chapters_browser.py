"""Chapters in the editor, in a real browser (Debian's Chromium through Playwright): a new
chapter at a line, a rename in both languages, a start moved one line later, a merge, and an
edit that came too late. New chapters get titles from the real e5 model."""

from __future__ import annotations

import httpx
import pytest

from pipeline.document import Episode
from tests.web_fixtures import SPACING, fish_dictionary, make_library, running_server

pytestmark = [pytest.mark.browser, pytest.mark.model]

TOKEN = "browser-token"


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path)


@pytest.fixture
def base(library):
    with running_server(library, TOKEN) as url:
        yield url


def starts(library) -> list[float]:
    return [c.start for c in Episode.load(library / "haven").chapters]


def heads(page) -> list[str]:
    return page.locator("#transcript .chapter-head [lang=nl]").all_inner_texts()


def wait_for(page, text: str) -> None:
    page.wait_for_function("t => document.getElementById('status').textContent.includes(t)",
                           arg=text)


def test_split_rename_move_and_merge_in_the_editor(page, base, library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    assert heads(page) == ["In de haven", "Op de markt"]

    page.click("#seg-s0000600 .split-here")  # the third line starts a chapter
    wait_for(page, "new chapter at")
    assert starts(library) == [0.0, 2 * SPACING, 5 * SPACING]
    assert len(heads(page)) == 3 and heads(page)[1]  # a machine title, shown at once

    item = page.locator(".chapter-edit").nth(1)
    item.locator("input.title-nl").fill("De kraan")
    item.locator("input.title-en").fill("The crane")
    item.locator("button.rename").click()
    wait_for(page, "renamed")
    assert heads(page)[1] == "De kraan"
    assert "De kraan / The crane" in (library / "haven" / "chapters.vtt").read_text()

    page.locator(".chapter-edit").nth(1).locator("button.later").click()
    wait_for(page, "moved")
    assert starts(library) == [0.0, 3 * SPACING, 5 * SPACING]
    assert page.locator("#seg-s0000900").evaluate(
        "li => li.previousElementSibling.classList.contains('chapter-head')")

    page.locator(".chapter-edit").nth(1).locator("button.merge").click()
    wait_for(page, "merged")
    assert starts(library) == [0.0, 5 * SPACING] and heads(page) == ["In de haven", "Op de markt"]


def test_a_chapter_edit_that_came_too_late_shows_the_current_chapters(page, base, library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    # Someone else renames the second chapter after this page loaded.
    reply = httpx.patch(f"{base}/api/episodes/haven/chapters/c2", json={"rev": 0, "title": "Vis"},
                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200
    item = page.locator(".chapter-edit").nth(1)
    item.locator("input.title-nl").fill("Markt")
    item.locator("button.rename").click()
    wait_for(page, "your title is kept")
    assert heads(page)[1] == "Vis" and Episode.load(library / "haven").chapters[1].title == "Vis"
    typed = page.locator(".chapter-edit").nth(1)  # what this editor typed is not thrown away
    assert typed.locator("input.title-nl").input_value() == "Markt"
    assert "dirty" in typed.get_attribute("class")
    typed.locator("input.title-nl").press("Enter")  # over the other's title, knowingly
    wait_for(page, "renamed")
    assert Episode.load(library / "haven").chapters[1].title == "Markt"


def test_a_title_typed_as_the_other_editor_saved_it_is_left_unsaved_by_no_one(page, base,
                                                                              library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    reply = httpx.patch(f"{base}/api/episodes/haven/chapters/c2",
                        json={"rev": 0, "title_en": "Fish market"},
                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200
    item = page.locator(".chapter-edit").nth(1)
    item.locator("input.title-en").fill("Fish market")  # the same, typed here
    item.locator("button.rename").click()
    wait_for(page, "changed meanwhile")
    assert "dirty" not in page.locator(".chapter-edit").nth(1).get_attribute("class")


def test_undo_takes_back_the_last_chapter_change(page, base, library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    assert page.locator("button.undo-chapters").is_hidden()  # nothing to undo yet

    page.locator(".chapter-edit").nth(1).locator("button.merge").click()
    wait_for(page, "merged")
    assert heads(page) == ["In de haven"] and starts(library) == [0.0]
    page.click("button.undo-chapters")
    wait_for(page, "undone: chapters merged")
    assert heads(page) == ["In de haven", "Op de markt"]
    assert starts(library) == [0.0, 5 * SPACING]
    assert page.locator("button.undo-chapters").is_hidden()

    item = page.locator(".chapter-edit").nth(1)
    item.locator("input.title-nl").fill("Vismarkt")
    item.locator("input.title-en").fill("Fish market")
    item.locator("button.rename").click()
    wait_for(page, "renamed")
    page.click("button.undo-chapters")
    wait_for(page, "undone: chapter renamed")
    assert heads(page)[1] == "Op de markt"
    assert page.locator(".chapter-edit").nth(1).locator("input.title-en").input_value() == (
        Episode.load(library / "haven").chapters[1].title_en or "")


def test_enter_renames_a_chapter_and_its_english_title_may_be_cleared(page, base, library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    second = page.locator(".chapter-edit").nth(1)
    second.locator("input.title-nl").fill("Vismarkt")
    assert "dirty" in second.get_attribute("class")  # typed, not saved yet
    second.locator("input.title-en").fill("")
    second.locator("input.title-en").press("Enter")
    wait_for(page, "renamed")
    chapter = Episode.load(library / "haven").chapters[1]
    assert (chapter.title, chapter.title_en) == ("Vismarkt", None)
    assert "dirty" not in page.locator(".chapter-edit").nth(1).get_attribute("class")
    first = page.locator(".chapter-edit").nth(0).locator("input.title-nl")
    first.fill("Iets anders")
    first.press("Escape")  # back to the saved title, nothing sent
    assert first.input_value() == "In de haven"
    assert page.get_by_role("button", name="Merge chapter 2 into the one before").count() == 1
    # A line that starts a chapter offers no new chapter there.
    assert page.locator(".seg .split-here:visible").count() == 10 - 2
    assert page.is_hidden(f"#seg-s000{int(5 * SPACING)}00 .split-here")


def test_a_dutch_rename_shows_the_english_title_it_took_along(page, base, library, tmp_path,
                                                              monkeypatch):
    monkeypatch.setattr("pipeline.search.dictionary.FOLDER", fish_dictionary(tmp_path / "dict"))
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    dutch = page.locator(".chapter-edit").nth(1).locator("input.title-nl")
    dutch.fill("Haring en kabeljauw")
    dutch.press("Enter")
    wait_for(page, "English title now “Herring and cod”")
    english = page.locator(".chapter-edit").nth(1).locator("input.title-en")
    assert english.input_value() == "Herring and cod"
    assert "Herring and cod" in page.locator("#transcript .chapter-head").nth(1).inner_text()
    page.fill("#seg-s0000300 textarea.nl", "Nog niet bewaard.")  # a line typed, not saved
    dutch.fill("Zoute plof")
    dutch.press("Control+Enter")  # as Enter: the chapter, not "save all" of the lines
    wait_for(page, "English title cleared")
    assert Episode.load(library / "haven").segment("s0000300").nl != "Nog niet bewaard."
    assert english.input_value() == ""
    assert english.evaluate("input => input === document.activeElement")  # typed right there


def test_chapter_buttons_skip_emptied_lines_and_keep_typed_titles(page, base, library):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    emptied = httpx.patch(f"{base}/api/episodes/haven/segments/s0001200",
                          json={"rev": 0, "nl": ""}, headers=auth)  # the line before c2
    assert emptied.status_code == 200, emptied.text
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    assert page.locator("#seg-s0001200 .split-here").is_hidden()  # nothing said: no chapter
    page.locator(".chapter-edit").nth(0).locator("input.title-nl").fill("Nog niet bewaard")
    page.locator(".chapter-edit").nth(1).locator("button.earlier").click()
    wait_for(page, "moved")
    assert starts(library) == [0.0, 3 * SPACING]  # past the emptied line
    first = page.locator(".chapter-edit").nth(0)
    assert first.locator("input.title-nl").input_value() == "Nog niet bewaard"  # still typed
    assert "dirty" in first.get_attribute("class")


def test_a_second_click_waits_for_the_first_change(page, base, library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    later = page.locator(".chapter-edit").nth(1).locator("button.later")
    later.evaluate("b => { b.click(); b.click(); }")  # both before any answer
    wait_for(page, "moved")
    assert starts(library) == [0.0, 6 * SPACING]  # one move, and no false conflict
    assert page.locator("button.undo-chapters").is_visible()
    page.locator(".chapter-edit").nth(1).locator("button.merge").click()
    wait_for(page, "merged")
    assert page.locator(".chapter-count").inner_text() == "1 chapter"


def test_a_chapter_whose_first_line_was_emptied_still_moves(page, base, library):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    emptied = httpx.patch(f"{base}/api/episodes/haven/segments/s0001500",
                          json={"rev": 0, "nl": ""}, headers=auth)  # c2's first line
    assert emptied.status_code == 200, emptied.text
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    page.locator(".chapter-edit").nth(1).locator("button.later").click()
    wait_for(page, "moved")
    assert starts(library) == [0.0, 6 * SPACING]  # on to the next line said


def test_a_refused_rename_says_why_and_changes_nothing(page, base, library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    before = (library / "haven" / "episode.json").read_bytes()
    second = page.locator(".chapter-edit").nth(1)
    second.locator("input.title-nl").fill("<b>Vis</b>")
    second.locator("button.rename").click()
    wait_for(page, "not saved: ")
    # the server's own reason, as the other editor panels show it
    said = page.locator("#status").inner_text()
    assert "markup" in said and "error 422" not in said, said
    page.fill("#token", "wrong")
    page.locator(".chapter-edit").nth(1).locator("input.title-nl").fill("Vis")
    page.locator(".chapter-edit").nth(1).locator("button.rename").click()
    wait_for(page, "not saved: editor token missing or wrong")
    assert (library / "haven" / "episode.json").read_bytes() == before


def test_an_episode_without_chapters_gets_its_first_at_a_line_and_undo_takes_them_back(
        page, base, library):
    episode = Episode.load(library / "haven")
    episode.chapters = []  # as processed with --no-chapters
    episode.save(library / "haven")
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector("#seg-s0000300 textarea.nl")
    assert heads(page) == []
    assert page.locator("nav.chapters").is_hidden()  # no empty panel: lines begin them
    page.click("#seg-s0001200 .split-here")
    wait_for(page, "chapters begun: 00:00 ")
    assert starts(library) == [0.0, 4 * SPACING]
    assert len(heads(page)) == 2 and all(heads(page))  # machine titles, shown at once
    assert page.locator(".chapter-edit").count() == 2
    assert page.locator(".chapter-count").inner_text() == "2 chapters"
    assert page.locator("#seg-s0000000 .split-here").is_hidden()  # a chapter starts there now
    typed = page.locator(".chapter-edit").nth(1).locator("input.title-nl")
    typed.fill("Vismarkt")  # not saved: an undo would take it away unasked
    page.click("button.undo-chapters")
    wait_for(page, "save or clear the chapter title you typed first")
    assert starts(library) == [0.0, 4 * SPACING]
    typed.press("Escape")
    page.click("button.undo-chapters")
    wait_for(page, "undone: chapters begun")
    assert heads(page) == [] and starts(library) == []
    assert page.locator("#seg-s0000000 .split-here").is_visible()
    assert page.locator("nav.chapters").is_hidden() and page.locator(".chapter-count").is_hidden()


def focused(page) -> str:
    """The focused element, as "tag.class" with its chapter or line id."""
    return page.evaluate("(() => { const a = document.activeElement;"
                         " const at = a.closest('[data-id]');"
                         " return a.tagName.toLowerCase() + '.' + a.className.split(' ')[0]"
                         " + (at ? '@' + at.dataset.id : ''); })()")


def test_a_keyboard_user_keeps_their_place_through_chapter_changes(page, base):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(".chapter-edit")
    page.focus("#seg-s0000600 .split-here")
    page.keyboard.press("Enter")
    wait_for(page, "new chapter at")
    assert focused(page) == "input.title-nl@c0000600"  # the new chapter's title, to write
    page.focus(".chapter-edit[data-id=c0000600] button.later")
    page.keyboard.press("Enter")
    wait_for(page, "moved to 00:09")
    assert focused(page) == "button.later@c0000600"  # the same button, the list made anew
    page.keyboard.press("Enter")  # so a second press moves it once more
    wait_for(page, "moved to 00:12")
    page.focus(".chapter-edit[data-id=c0000600] button.merge")
    page.keyboard.press("Enter")
    wait_for(page, "merged")
    assert focused(page).endswith("@c1")  # in the chapter it joined, not the page's top
