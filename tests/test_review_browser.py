"""The editor's review tools in a real browser (Debian's Chromium): unsure words underlined and
reached with F8, a glossary fix undone, replace everywhere and its undo, a proposed term
accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import glossary
from pipeline.document import Episode
from tests.web_fixtures import make_review_library, running_server

pytestmark = pytest.mark.browser

TOKEN = "review-browser-token"
FIRST = "s0000000"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def library(tmp_path):
    return make_review_library(tmp_path)


@pytest.fixture
def editor(page, library):
    with running_server(library, TOKEN) as base:
        page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
        page.wait_for_selector(f"#seg-{FIRST} textarea.nl")
        yield page


def nl(library, n: int) -> str:
    return Episode.load(library / "haven").segments[n].nl


def test_unsure_words_are_underlined_and_f8_selects_the_next(editor):
    mark = editor.locator(f"#seg-{FIRST} .backdrop mark")
    assert mark.inner_text() == "Kremers"
    assert "wavy" in mark.evaluate("m => getComputedStyle(m).textDecorationStyle")
    # The underline lies exactly under the word in the field above it.
    box = editor.locator(f"#seg-{FIRST} textarea.nl").bounding_box()
    under = mark.bounding_box()
    assert box["x"] < under["x"] < box["x"] + box["width"]
    assert box["y"] < under["y"] < box["y"] + box["height"]
    editor.keyboard.press("F8")
    selected = editor.evaluate("() => { const t = document.activeElement; "
                               "return t.value.slice(t.selectionStart, t.selectionEnd); }")
    assert selected == "Kremers"
    assert "unsure word 1 of 1" in editor.inner_text("#review-status")
    ARTIFACTS.mkdir(exist_ok=True)
    editor.screenshot(path=str(ARTIFACTS / "editor-review.png"))
    editor.keyboard.type("Creemers")  # typing over the selection: the line has been read
    assert editor.locator(f"#seg-{FIRST} .backdrop mark").count() == 0


def test_f8_in_an_english_only_view_says_where_the_unsure_words_are(editor):
    editor.check("input[name=lang][value=en]")
    editor.keyboard.press("F8")
    assert "in the Dutch, which this view hides" in editor.inner_text("#review-status")


def test_f8_saves_the_changed_line_it_leaves(editor, library):
    second = editor.locator(".seg").nth(1).locator("textarea.nl")
    name = second.input_value().index("Kremers")
    second.evaluate(f"t => t.dataset.unsure = '{name}-{name + 7}'")
    editor.keyboard.press("F8")
    editor.keyboard.type("Creemers")  # the first line's unsure word, fixed
    editor.keyboard.press("F8")  # on to the second line's: the first is saved
    selected = editor.evaluate("() => { const t = document.activeElement; "
                               "return t.value.slice(t.selectionStart, t.selectionEnd); }")
    assert selected == "Kremers"
    editor.wait_for_function(f"() => !document.querySelector('#seg-{FIRST}.dirty')")
    assert "Creemers" in nl(library, 0)
    assert "Kremers" in nl(library, 1)  # only read, not changed: nothing saved


def test_a_change_keeps_the_other_unsure_words_of_its_line_marked(editor):
    box = editor.locator(f"#seg-{FIRST} textarea.nl")
    text = box.input_value()
    name, dit = text.index("Kremers"), text.index("dit")
    box.evaluate(f"t => t.dataset.unsure = '0-11 {name}-{name + 7}'")  # Goedemorgen too

    def marks():
        return editor.locator(f"#seg-{FIRST} .backdrop mark").all_inner_texts()

    def select_and_type(start: int, end: int, typed: str) -> None:
        box.evaluate(f"t => {{ t.focus(); t.setSelectionRange({start}, {end}); }}")
        editor.keyboard.type(typed)

    select_and_type(dit, dit + 3, "deze")  # before Kremers: its mark moves with it
    assert marks() == ["Goedemorgen", "Kremers"]
    name += 1
    select_and_type(name, name + 7, "Creemers")  # the fixed word has been read
    assert marks() == ["Goedemorgen"]


def test_a_glossary_fix_is_undone_with_one_click(editor, library):
    editor.click(f"#seg-{FIRST} .undo-fix")
    editor.wait_for_selector(f"#seg-{FIRST} .state.ok")
    assert "de Groot Mokum over" in nl(library, 0)
    assert editor.locator(f"#seg-{FIRST} .undo-fix").count() == 0


def test_replace_everywhere_then_undo(editor, library):
    editor.fill("#find", "Kremers")
    editor.fill("#replace-with", "Creemers")
    editor.click("#replace-all")
    editor.wait_for_selector("#review-status.ok")
    assert "replaced in 3 line(s)" in editor.inner_text("#review-status")
    assert all("Creemers" in nl(library, n) for n in range(3))
    assert "met Creemers." in editor.input_value("#seg-s0000300 textarea.nl")
    # Its lines have been read: no mark is left where the text moved under it.
    assert editor.locator(f"#seg-{FIRST} .backdrop mark").count() == 0
    # The corrections proposed the name; accepting it puts it in the glossary.
    editor.wait_for_selector("#proposals:not([hidden]) li")
    assert "Creemers (was: Kremers)" in editor.inner_text("#proposals li")
    editor.click("#proposals li button:text('Accept')")
    editor.wait_for_selector("#proposals[hidden]", state="attached")
    assert [(t.text, t.misspellings) for t in glossary.load(library)] == [
        ("Creemers", ["Kremers"])]
    editor.fill("#find", "Nergens")  # a second replace that finds nothing (Enter sends it)
    editor.press("#find", "Enter")
    editor.wait_for_function("() => document.getElementById('review-status')"
                             ".textContent.includes('is not in the Dutch')")
    assert editor.is_visible("#undo-replace")  # the first can still be undone
    editor.click("#undo-replace")
    editor.wait_for_function("() => document.getElementById('review-status')"
                             ".textContent.startsWith('undone')")
    assert all("met Kremers." in nl(library, n) for n in range(3))
    assert "met Kremers." in editor.input_value("#seg-s0000300 textarea.nl")


def test_replace_waits_for_unsaved_lines(editor, library):
    editor.fill("#seg-s0000300 textarea.en", "Not saved yet.")
    editor.fill("#find", "Kremers")
    editor.click("#replace-all")
    assert "save your changes first" in editor.inner_text("#review-status")
    assert "Kremers" in nl(library, 1)


def test_an_undo_shows_the_line_another_editor_corrected_meanwhile(editor, library):
    from pipeline import edits

    editor.fill("#find", "Kremers")
    editor.fill("#replace-with", "Creemers")
    editor.click("#replace-all")
    editor.wait_for_selector("#review-status.ok")
    second = Episode.load(library / "haven").segments[1]
    theirs = second.nl + " Dat zei hij later ook."
    edits.edit_segment(library, "haven", second.id, second.rev, {"nl": theirs}, "bob")
    editor.click("#undo-replace")
    editor.wait_for_function("() => document.getElementById('review-status')"
                             ".textContent.startsWith('undone')")
    assert editor.inner_text("#review-status") == (
        "undone in 2 line(s); changed since, so kept as they are: line 00:03")
    assert editor.input_value(f"#seg-{second.id} textarea.nl") == theirs  # not the undone text
    assert editor.locator(f"#seg-{second.id}.dirty").count() == 0
