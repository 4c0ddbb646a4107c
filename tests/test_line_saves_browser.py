"""A line's saves in a real browser: typing while a save is on its way, a second save before the
first returns, keeping one's own text in a conflict, and the Undo of a save."""

from __future__ import annotations

import pytest

from pipeline import edits
from pipeline.document import Episode
from pipeline.edits.log import read_log
from tests.web_fixtures import LINES, make_library, running_server

pytestmark = pytest.mark.browser

TOKEN = "browser-token"
SEG = "s0000900"  # the fourth segment
MACHINE_NL, MACHINE_EN = LINES[3]
SLOW_FETCH = """{ const sent = window.fetch;  // every request takes 0.8 s more, as on a slow line
  window.fetch = (...args) => new Promise(r => setTimeout(r, 800)).then(() => sent(...args)); }"""


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path)


@pytest.fixture
def base(library):
    with running_server(library, TOKEN) as url:
        yield url


def open_editor(page, base) -> None:
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(f"#seg-{SEG} textarea.nl")


def settled(page) -> None:
    """Wait until the line's last save has come back."""
    page.wait_for_function(f"!/saving|undoing/.test(document.querySelector('#seg-{SEG} .state')"
                           ".textContent)")


def test_typing_while_a_save_is_on_its_way_is_saved_next(page, base, library):
    page.add_init_script(SLOW_FETCH)
    open_editor(page, base)
    box = f"#seg-{SEG} textarea.nl"
    page.fill(box, "Eerste versie.")
    page.press(box, "Control+Enter")
    page.press(box, "End")
    page.keyboard.type(" Tweede.")  # typed while the first save is on its way
    page.press(box, "Control+Enter")  # a second save before the first came back
    page.wait_for_selector(f"#seg-{SEG} .state.ok >> text=saved")
    page.wait_for_function(f"document.querySelector('#seg-{SEG}').dataset.rev === '2'")
    settled(page)
    assert page.query_selector(f"#seg-{SEG} .conflict") is None  # no conflict with oneself
    assert page.input_value(box) == "Eerste versie. Tweede."
    assert Episode.load(library / "haven").segment(SEG).nl == "Eerste versie. Tweede."
    assert not page.is_enabled(f"#seg-{SEG} button.save")  # nothing left unsaved


def test_keep_mine_keeps_the_other_editors_english_where_i_changed_none(page, base, library):
    open_editor(page, base)
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Hun Nederlands.", "en": "Their English."},
                       "ann")
    page.fill(f"#seg-{SEG} textarea.nl", "Mijn Nederlands.")
    page.click(f"#seg-{SEG} button.save")
    page.click(f"#seg-{SEG} .conflict >> text=Keep mine")
    assert page.input_value(f"#seg-{SEG} textarea.en") == "Their English."
    page.click(f"#seg-{SEG} button.save")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    seg = Episode.load(library / "haven").segment(SEG)
    assert (seg.nl, seg.en) == ("Mijn Nederlands.", "Their English.")


def test_undo_gives_back_what_a_save_replaced(page, base, library):
    open_editor(page, base)
    page.fill(f"#seg-{SEG} textarea.nl", "Gecorrigeerd.")
    page.fill(f"#seg-{SEG} textarea.en", "Corrected.")
    page.click(f"#seg-{SEG} button.save")
    page.click(f"#seg-{SEG} .state button.undo-save")
    page.wait_for_selector(f"#seg-{SEG} .state.ok >> text=undone")
    seg = Episode.load(library / "haven").segment(SEG)
    assert (seg.nl, seg.en) == (MACHINE_NL, MACHINE_EN)
    assert page.input_value(f"#seg-{SEG} textarea.nl") == MACHINE_NL
    assert page.get_attribute(f"#seg-{SEG}", "data-rev") == str(seg.rev)
    assert [e.revert_of for e in read_log(library / "haven")][-2:] == [1, 2]  # logged as reverts
    assert MACHINE_NL.split()[0] in (library / "haven" / "nl.srt").read_text()


def test_undo_of_an_emptied_line_brings_its_english_back(page, base, library):
    open_editor(page, base)
    page.fill(f"#seg-{SEG} textarea.nl", "")
    page.click(f"#seg-{SEG} button.save")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    assert page.input_value(f"#seg-{SEG} textarea.en") == ""  # taken along
    page.click(f"#seg-{SEG} .state button.undo-save")
    page.wait_for_selector(f"#seg-{SEG} .state.ok >> text=undone")
    assert page.input_value(f"#seg-{SEG} textarea.en") == MACHINE_EN
    seg = Episode.load(library / "haven").segment(SEG)
    assert (seg.nl, seg.en) == (MACHINE_NL, MACHINE_EN) and not seg.edited.get("en")


def test_undo_keeps_a_line_changed_since(page, base, library):
    open_editor(page, base)
    page.fill(f"#seg-{SEG} textarea.nl", "Eerst dit.")
    page.click(f"#seg-{SEG} button.save")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    edits.edit_segment(library, "haven", SEG, 1, {"nl": "Toen dat."}, "ann")
    page.click(f"#seg-{SEG} .state button.undo-save")
    page.wait_for_selector(f"#seg-{SEG} .state.bad >> text=changed since")
    assert Episode.load(library / "haven").segment(SEG).nl == "Toen dat."


def test_a_torn_token_link_still_opens_the_editor(page, base):
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(f"{base}/episodes/haven?edit=1#token=ab%zz")
    page.wait_for_selector(f"#seg-{SEG} select.mover, #seg-{SEG} textarea.nl")
    assert errors == [] and page.input_value("#token") == "ab%zz"
