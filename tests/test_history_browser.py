"""The editor's History in a real browser (Debian's Chromium through Playwright): after a reload,
when a line's own Undo is gone, the edits are listed and each is reverted from the page: a line,
a speaker's rename, a chapter's rename; a revert a newer edit stands in the way of says why."""

from __future__ import annotations

import httpx
import pytest

from pipeline.document import Episode
from tests.web_fixtures import make_interview_library, running_server

pytestmark = pytest.mark.browser

TOKEN = "history-browser-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Editor": "Bas"}
SEG = "s0000300"  # the second line, S2's


@pytest.fixture
def library(tmp_path):
    return make_interview_library(tmp_path)


@pytest.fixture
def base(library):
    with running_server(library, TOKEN) as url:
        yield url


def history(page) -> list[str]:
    return page.locator("#history li").all_inner_texts()


def status_says(page, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('#history .history-status').textContent.includes(t)",
        arg=text)


def test_edits_are_listed_after_a_reload_and_reverted_from_the_page(page, base, library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    box = page.locator(f"#seg-{SEG} textarea.nl")
    box.fill("De schepen komen laat binnen.")
    box.press("Control+Enter")
    page.wait_for_selector(f"#seg-{SEG} .undo-save")
    with httpx.Client(base_url=base, headers=AUTH) as api:
        assert api.patch("/api/episodes/haven/speakers/S2",
                         json={"rev": 0, "name": "Bram"}).status_code == 200
        assert api.patch("/api/episodes/haven/chapters/c2", json={
            "rev": 0, "title": "De vismarkt", "title_en": "The fish market"}).status_code == 200

    page.reload()  # the line's Undo is gone; the History has it all
    page.wait_for_selector(".chapter-edit")
    assert page.locator(".undo-save").count() == 0
    page.click("#history summary")
    page.wait_for_selector("#history li")
    rows = history(page)
    assert len(rows) == 4  # newest first: the chapter's two titles, the name, the line
    assert rows[0].startswith("#4 · ")  # the number a refusal names
    assert "English title of chapter “De vismarkt”: At the market → The fish market" in rows[0]
    assert "· title of chapter “De vismarkt”: Op de markt → De vismarkt" in rows[1]
    assert "Bas · name of S2: Bas → Bram" in rows[2]
    assert "line 00:03 Dutch: De schepen komen vroeg binnen. → De schepen komen laat binnen." \
        in rows[3]

    # Each revert is listed on top as an edit of its own.
    page.locator("#history li").nth(2).locator("button.revert").click()  # the name
    status_says(page, "reverted edit")
    assert page.locator(f"#seg-{SEG} .speaker").inner_text() == "Bas"  # at once, every line
    assert Episode.load(library / "haven").speakers["S2"] == "Bas"

    page.locator("#history li").nth(4).locator("button.revert").click()  # the line
    status_says(page, "reverted edit")
    assert box.input_value() == "De schepen komen vroeg binnen."
    page.wait_for_timeout(700)  # the list reloads after a save: what the revert said stays
    assert "reverted edit" in page.locator("#history .history-status").inner_text()
    assert page.locator(f"#seg-{SEG}.dirty").count() == 0

    page.locator("#history li").nth(3).locator("button.revert").click()  # the Dutch title
    status_says(page, "reverted edit")
    page.wait_for_function("() => [...document.querySelectorAll('#transcript .chapter-head')]"
                           ".some(h => h.textContent.includes('Op de markt'))")
    assert Episode.load(library / "haven").chapters[1].title == "Op de markt"
    assert "(reverts" in history(page)[0]


def test_a_revert_a_newer_edit_stands_in_the_way_of_says_why(page, base, library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    box = page.locator(f"#seg-{SEG} textarea.nl")
    for text in ("De schepen komen laat binnen.", "De schepen komen 's nachts binnen."):
        box.fill(text)
        box.press("Control+Enter")
        page.wait_for_selector(f"#seg-{SEG} .state.ok")
    page.click("#history summary")
    page.wait_for_function("() => document.querySelectorAll('#history li').length === 2")
    page.locator("#history li").nth(1).locator("button.revert").click()  # the older one
    status_says(page, "not reverted: edit 2 changed this after edit 1: revert that first")
    assert box.input_value() == "De schepen komen 's nachts binnen."
    assert Episode.load(library / "haven").segments[1].nl == "De schepen komen 's nachts binnen."


def test_the_open_history_follows_this_editors_changes_in_the_pages_words(page, base, library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(f"#seg-{SEG} select.mover")
    page.click("#history summary")
    status_says(page, "no edits yet")
    page.select_option(f"#seg-{SEG} select.mover", "S1")  # a move shows names, not ids
    page.wait_for_function("() => document.querySelectorAll('#history li').length === 1")
    assert "line 00:03 speaker: Bas → Anna" in history(page)[0]
    assert page.inner_text("#history .history-status") == ""  # "no edits yet" is gone
    # English kept as it was after the Dutch changed: "still right", revertible.
    third = page.locator("#seg-s0000600")
    third.locator("textarea.nl").fill("Een kraanmachinist vertelt over de haven.")
    third.locator("textarea.nl").press("Control+Enter")
    page.wait_for_selector("#seg-s0000600.en-stale")
    third.locator(".en-ok").click()
    page.wait_for_function("() => document.querySelectorAll('#history li').length === 3")
    assert "English: marked still right: A crane operator" in history(page)[0]
    page.locator("#history li").first.locator("button.revert").click()
    status_says(page, "reverted edit #3")
    page.wait_for_selector("#seg-s0000600.en-stale")  # out of date again


def test_a_reverted_move_to_a_new_speaker_takes_that_speaker_out_of_the_menus(page, base,
                                                                              library):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(f"#seg-{SEG} select.mover")
    page.select_option(f"#seg-{SEG} select.mover", "new")
    page.wait_for_selector(f'#seg-{SEG} .speaker[data-speaker="S3"]')
    page.click("#history summary")
    page.wait_for_function("() => document.querySelectorAll('#history li').length === 1")
    page.locator("#history li").first.locator("button.revert").click()
    status_says(page, "reverted edit #1")
    assert page.get_attribute(f"#seg-{SEG} .speaker", "data-speaker") == "S2"
    options = page.locator("select.mover").first.locator("option").all_inner_texts()
    assert options == ["Anna", "Bas", "New speaker"]  # as after a reload: no line is S3's


def test_a_keyboard_user_is_not_sent_back_to_the_top_by_an_undo_or_a_revert(page, base):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    box = page.locator(f"#seg-{SEG} textarea.nl")
    box.fill("De schepen komen laat binnen.")
    box.press("Control+Enter")
    page.focus(f"#seg-{SEG} .undo-save")
    page.keyboard.press("Enter")
    page.wait_for_function("id => document.querySelector(`#seg-${id} .state`).textContent"
                           " === 'undone'", arg=SEG)
    assert page.evaluate("document.activeElement.matches('textarea.nl')")  # back at the line
    assert page.evaluate("document.activeElement.closest('.seg').id") == f"seg-{SEG}"
    page.click("#history summary")
    page.wait_for_selector("#history li button.revert")
    page.focus("#history li button.revert")
    page.keyboard.press("Enter")
    status_says(page, "reverted edit")
    assert page.evaluate("document.activeElement.className").startswith("history-status")
