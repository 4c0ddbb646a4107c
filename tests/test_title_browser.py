"""The episode's title renamed in a real browser (Debian's Chromium through Playwright): in
place, kept after a reload, another editor's rename met as a conflict, reverted from the
History."""

from __future__ import annotations

import httpx
import pytest

from pipeline.document import Episode
from tests.web_fixtures import make_library, running_server

pytestmark = pytest.mark.browser

TOKEN = "title-browser-token"
NEW = "Op de kade"


@pytest.fixture
def served(tmp_path):
    """The library and the address of a server editing it."""
    library = make_library(tmp_path)
    with running_server(library, TOKEN) as url:
        yield library, url


def rename_in_page(page, title: str) -> None:
    page.click("#rename-title")
    page.fill("input.title-input", title)
    page.press("input.title-input", "Enter")


def says(page, text: str) -> None:
    page.wait_for_function("t => document.getElementById('title-status').textContent"
                           ".includes(t)", arg=text)


def test_a_title_renamed_in_place_stays_after_a_reload(page, served):
    library, base = served
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    old = page.inner_text("header h1")
    page.click("#rename-title")
    page.fill("input.title-input", "Weg ermee")
    page.press("input.title-input", "Escape")  # back, nothing saved
    assert page.inner_text("header h1") == old and page.locator("input.title-input").count() == 0
    rename_in_page(page, NEW)
    says(page, "title saved")
    assert page.inner_text("header h1") == NEW and page.title() == NEW
    assert Episode.load(library / "haven").title == NEW
    page.reload()
    assert page.inner_text("header h1") == NEW


def test_another_editors_rename_is_shown_and_yours_saved_over_it(page, served):
    library, base = served
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.click("#rename-title")
    page.fill("input.title-input", NEW)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}",
                                              "X-Editor": "Bas"}) as api:
        assert api.patch("/api/episodes/haven/title",
                         json={"rev": 0, "title": "De haven van Bas"}).status_code == 200
    page.press("input.title-input", "Enter")
    says(page, "Bas changed the titles meanwhile (now “De haven van Bas”)")
    assert page.input_value("input.title-input") == NEW  # what was typed is kept
    page.press("input.title-input", "Enter")
    says(page, "title saved")
    assert Episode.load(library / "haven").title == NEW


def test_a_rename_reverted_from_the_history_shows_the_old_title(page, served):
    library, base = served
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    old = page.inner_text("header h1")
    rename_in_page(page, NEW)
    says(page, "title saved")
    page.click("#history summary")
    page.wait_for_function("() => document.querySelectorAll('#history li').length === 1")
    assert "episode title" in page.inner_text("#history li")
    page.locator("#history li button.revert").click()
    page.wait_for_function("t => document.querySelector('header h1').textContent === t",
                           arg=old)
    assert Episode.load(library / "haven").title == old


def test_a_refusal_goes_with_escape_and_a_title_as_it_was_is_unchanged(page, served):
    library, base = served
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    old = page.inner_text("header h1")
    rename_in_page(page, "   ")
    says(page, "not saved: an episode's title cannot be empty")
    page.press("input.title-input", "Escape")
    assert page.inner_text("#title-status") == "" and page.inner_text("header h1") == old
    rename_in_page(page, NEW)
    says(page, "title saved")
    rename_in_page(page, NEW.replace(" ", "  "))  # the same title, spaced out
    says(page, "unchanged")
    assert Episode.load(library / "haven").title_rev == 1


def test_an_english_title_typed_in_place_shows_under_the_dutch_and_goes_with_a_revert(page,
                                                                                     served):
    library, base = served
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    old = page.inner_text("header h1")
    assert page.locator("header .title-en").is_hidden()  # none yet
    page.click("#rename-title")
    page.fill("input.title-en-input", "On the quay")
    page.press("input.title-en-input", "Enter")
    says(page, "title saved")
    assert page.inner_text("header .title-en") == "On the quay"
    assert page.inner_text("header h1") == old  # the Dutch one as it was
    episode = Episode.load(library / "haven")
    assert (episode.title, episode.title_en) == (old, "On the quay")
    page.reload()
    assert page.inner_text("header .title-en") == "On the quay"
    page.click("#history summary")
    page.wait_for_function("() => document.querySelectorAll('#history li').length === 1")
    assert "English episode title" in page.inner_text("#history li")
    page.locator("#history li button.revert").click()
    page.wait_for_function("() => document.querySelector('header .title-en').hidden")
    assert Episode.load(library / "haven").title_en is None


def test_in_a_conflict_only_the_box_typed_in_is_saved_over_the_other_editors(page, served):
    library, base = served
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.click("#rename-title")
    page.fill("input.title-en-input", "On the quay")  # the English only
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}",
                                              "X-Editor": "Bas"}) as api:
        assert api.patch("/api/episodes/haven/title",
                         json={"rev": 0, "title": NEW}).status_code == 200
    page.press("input.title-en-input", "Enter")
    says(page, "Bas changed the titles meanwhile")
    assert page.input_value("input.title-input") == NEW  # left as it was: follows theirs
    page.press("input.title-en-input", "Enter")
    says(page, "title saved")
    episode = Episode.load(library / "haven")
    assert (episode.title, episode.title_en) == (NEW, "On the quay")  # both kept


def test_ctrl_enter_in_a_title_box_saves_the_titles_only(page, served):
    library, base = served
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.fill("#seg-s0000300 textarea.nl", "Nog niet bewaard.")
    page.click("#rename-title")
    page.fill("input.title-en-input", "On the quay")
    page.press("input.title-en-input", "Control+Enter")
    says(page, "title saved")
    page.wait_for_timeout(1000)  # a save of the lines too would have landed by now
    assert Episode.load(library / "haven").segments[1].nl != "Nog niet bewaard."


def test_a_revert_while_the_boxes_are_open_is_shown_when_they_close(page, served):
    library, base = served
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.click("#rename-title")
    page.fill("input.title-en-input", "On the quay")
    page.press("input.title-en-input", "Enter")
    says(page, "title saved")
    page.click("#history summary")
    page.wait_for_function("() => document.querySelectorAll('#history li').length === 1")
    page.click("#rename-title")
    page.locator("#history li button.revert").click()
    page.wait_for_function("() => /reverted/.test(document.querySelector('#history')"
                           ".textContent)")
    page.press("input.title-input", "Escape")
    assert page.locator("header .title-en").is_hidden()  # as the server has it: none
    assert Episode.load(library / "haven").title_en is None
