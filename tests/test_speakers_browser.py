"""Speakers in the editor, in a real browser (Debian's Chromium through Playwright): renaming a
speaker everywhere, moving one line to another speaker, and a rename that came too late."""

from __future__ import annotations

import json

import httpx
import pytest

from pipeline.document import Episode
from pipeline.stages.publish import publish
from tests.web_fixtures import SLOW_FETCH, make_library, running_server

pytestmark = pytest.mark.browser

TOKEN = "browser-token"
SEG = "s0000900"  # the fourth line: S2's second
S2_LINES = ["s0000600", "s0000900", "s0001800", "s0002100"]


@pytest.fixture
def library(tmp_path):
    library = make_library(tmp_path)
    folder = library / "haven"
    episode = Episode.load(folder)
    for n, seg in enumerate(episode.segments):  # S1 S1 S2 S2 S1 S1 ...
        seg.speaker = "S1" if n // 2 % 2 == 0 else "S2"
    episode.save(folder)
    publish(folder, episode)
    return library


@pytest.fixture
def base(library):
    with running_server(library, TOKEN) as url:
        yield url


def open_editor(page, base) -> None:
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(f"#seg-{SEG} select.mover")


def labels(page, speaker: str) -> list[str]:
    return page.locator(f'.speaker[data-speaker="{speaker}"]').all_inner_texts()


def test_rename_a_speaker_everywhere(page, base, library):
    open_editor(page, base)
    assert labels(page, "S2") == ["S2"] * 4 and labels(page, "S1") == ["S1"] * 6
    page.focus(f'#seg-{SEG} .speaker')  # by keyboard: the name is a button
    page.keyboard.press("Enter")
    field = page.locator(f"#seg-{SEG} input.speaker-name")
    assert field.input_value() == "S2" and field.evaluate("e => e === document.activeElement")
    field.fill("Anna de Vries")
    field.press("Enter")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    assert labels(page, "S2") == ["Anna de Vries"] * 4  # every line of S2, at once
    assert labels(page, "S1") == ["S1"] * 6
    assert page.locator("input.speaker-name").count() == 0
    assert page.get_attribute(f'#seg-{SEG} .speaker', "aria-label") == \
        "Speaker Anna de Vries: rename"
    assert "Anna de Vries" in page.locator(f"#seg-{S2_LINES[0]} select.mover").inner_text()

    folder = library / "haven"
    episode = json.loads((folder / "episode.json").read_text())
    assert episode["speakers"] == {"S2": "Anna de Vries"} and episode["speakers_rev"] == 1
    assert "<v Anna de Vries>" in (folder / "nl.vtt").read_text()
    page.reload()
    page.wait_for_selector(f"#seg-{SEG} select.mover")
    assert labels(page, "S2") == ["Anna de Vries"] * 4
    assert page.get_attribute("body", "data-speakers-rev") == "1"

    # A second rename from the same page goes with the rev it now knows; Escape cancels.
    page.click(f'#seg-{S2_LINES[0]} .speaker')
    page.fill(f"#seg-{S2_LINES[0]} input.speaker-name", "Niet dit")
    page.press(f"#seg-{S2_LINES[0]} input.speaker-name", "Escape")
    assert labels(page, "S2") == ["Anna de Vries"] * 4
    page.click(f'#seg-{S2_LINES[0]} .speaker')
    page.fill(f"#seg-{S2_LINES[0]} input.speaker-name", "Anna")
    page.press(f"#seg-{S2_LINES[0]} input.speaker-name", "Enter")
    page.wait_for_selector(f"#seg-{S2_LINES[0]} .state.ok")
    assert labels(page, "S2") == ["Anna"] * 4
    assert Episode.load(folder).speakers == {"S2": "Anna"}


def test_a_bad_name_shows_the_servers_reason(page, base, library):
    open_editor(page, base)
    page.click(f'#seg-{SEG} .speaker')
    page.fill(f"#seg-{SEG} input.speaker-name", "<b>Anna</b>")
    page.press(f"#seg-{SEG} input.speaker-name", "Enter")
    page.wait_for_selector(f"#seg-{SEG} .state.bad")
    assert "markup" in page.inner_text(f"#seg-{SEG} .state")
    assert page.input_value(f"#seg-{SEG} input.speaker-name") == "<b>Anna</b>"  # kept
    assert labels(page, "S2") == ["S2"] * 4
    assert Episode.load(library / "haven").speakers == {}


def test_move_one_line_to_another_speaker(page, base, library):
    open_editor(page, base)
    page.fill(f"#seg-{SEG} textarea.en", "Unsaved English stays.")
    page.select_option(f"#seg-{SEG} select.mover", "S1")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    label = page.locator(f"#seg-{SEG} .speaker")
    assert label.get_attribute("data-speaker") == "S1" and label.inner_text() == "S1"
    assert "voice-1" in label.get_attribute("class").split()
    assert page.get_attribute(f"#seg-{SEG}", "data-rev") == "1"
    assert page.input_value(f"#seg-{SEG} textarea.en") == "Unsaved English stays."
    assert "dirty" in page.get_attribute(f"#seg-{SEG}", "class")

    folder = library / "haven"
    episode = json.loads((folder / "episode.json").read_text())
    seg = next(s for s in episode["segments"] if s["id"] == SEG)
    assert seg["speaker"] == "S1" and seg["rev"] == 1
    [logged] = [json.loads(line) for line in (folder / "edits.jsonl").read_text().splitlines()]
    assert (logged["segment"], logged["field"], logged["before"], logged["after"]) == \
        (SEG, "speaker", "S2", "S1")
    assert labels(page, "S2") == ["S2"] * 3

    # The unsaved text then saves on top of the move's rev, and a new speaker appears everywhere.
    page.click(f"#seg-{SEG} button.save")
    page.wait_for_selector(f"#seg-{SEG}[data-rev='2']")
    page.select_option(f"#seg-{S2_LINES[0]} select.mover", "new")
    page.wait_for_selector(f'#seg-{S2_LINES[0]} .speaker[data-speaker="S3"]')
    assert page.inner_text(f"#seg-{S2_LINES[0]} .state") == "moved to S3"
    assert "S3" in page.locator(f"#seg-{SEG} select.mover").inner_text()
    assert Episode.load(folder).segment(S2_LINES[0]).speaker == "S3"


def test_a_move_right_after_a_save_waits_for_it(page, base, library):
    page.add_init_script(SLOW_FETCH)
    open_editor(page, base)
    page.fill(f"#seg-{SEG} textarea.nl", "Mijn eigen tekst.")
    page.press(f"#seg-{SEG} textarea.nl", "Control+Enter")
    page.select_option(f"#seg-{SEG} select.mover", "S1")  # while the save is on its way
    page.wait_for_selector(f"#seg-{SEG}[data-rev='2']")
    # Sent at the save's rev: not taken for another editor's text, no conflict with oneself.
    assert page.inner_text(f"#seg-{SEG} .state") == "moved to S1"
    assert page.query_selector(f"#seg-{SEG} .conflict") is None
    seg = Episode.load(library / "haven").segment(SEG)
    assert (seg.nl, seg.speaker, seg.rev) == ("Mijn eigen tekst.", "S1", 2)


def test_moving_a_line_whose_text_changed_meanwhile_keeps_both(page, base, library):
    open_editor(page, base)
    r = httpx.patch(f"{base}/api/episodes/haven/segments/{SEG}", json={"rev": 0, "nl": "Anders."},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    page.select_option(f"#seg-{SEG} select.mover", "S1")  # another part of the line
    page.wait_for_selector(f"#seg-{SEG} .state:has-text('beside another editor')")
    assert page.input_value(f"#seg-{SEG} textarea.nl") == "Anders."  # their text, shown
    seg = Episode.load(library / "haven").segment(SEG)
    assert (seg.speaker, seg.nl) == ("S1", "Anders.")
    # Typing in the line while another editor's text arrives: offered, never overwritten.
    r = httpx.patch(f"{base}/api/episodes/haven/segments/{SEG}",
                    json={"rev": seg.rev, "nl": "Weer anders."},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    page.fill(f"#seg-{SEG} textarea.nl", "Mijn tekst.")
    page.select_option(f"#seg-{SEG} select.mover", "S2")
    conflict = page.wait_for_selector(f"#seg-{SEG} .conflict")
    assert "Weer anders." in conflict.inner_text()
    assert page.input_value(f"#seg-{SEG} textarea.nl") == "Mijn tekst."
    assert Episode.load(library / "haven").segment(SEG).nl == "Weer anders."


def test_a_stale_rename_is_refused_and_shows_their_name(page, base, library):
    open_editor(page, base)
    r = httpx.patch(f"{base}/api/episodes/haven/speakers/S2", json={"rev": 0, "name": "Bram"},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.json()["rev"] == 1
    page.click(f'#seg-{SEG} .speaker')
    page.fill(f"#seg-{SEG} input.speaker-name", "Anna")
    page.press(f"#seg-{SEG} input.speaker-name", "Enter")
    page.wait_for_selector(f"#seg-{SEG} .state.bad")
    message = page.inner_text(f"#seg-{SEG} .state")
    assert "conflict" in message.lower() and "Bram" in message
    assert labels(page, "S2") == ["Bram"] * 4  # their name, on every line
    assert page.input_value(f"#seg-{SEG} input.speaker-name") == "Anna"  # nothing lost
    assert Episode.load(library / "haven").speakers == {"S2": "Bram"}  # not overwritten

    page.press(f"#seg-{SEG} input.speaker-name", "Enter")  # knowingly, over theirs
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    assert labels(page, "S2") == ["Anna"] * 4
    assert Episode.load(library / "haven").speakers == {"S2": "Anna"}


def test_a_name_another_speaker_has_is_swapped_on_a_second_enter(page, base, library):
    open_editor(page, base)
    first_s1 = "s0000000"
    for seg, name in ((first_s1, "Anna"), (SEG, "Bram")):
        page.click(f"#seg-{seg} .speaker")
        page.fill(f"#seg-{seg} input.speaker-name", name)
        page.press(f"#seg-{seg} input.speaker-name", "Enter")
        page.wait_for_selector(f"#seg-{seg} .state.ok")
    page.click(f"#seg-{SEG} .speaker")  # Bram (S2) is Anna really
    page.fill(f"#seg-{SEG} input.speaker-name", "anna")
    page.press(f"#seg-{SEG} input.speaker-name", "Enter")
    page.wait_for_selector(f"#seg-{SEG} .state.bad")
    assert "swaps the two names (S1 becomes \u201cBram\u201d)" in page.inner_text(
        f"#seg-{SEG} .state")
    assert Episode.load(library / "haven").speakers == {"S1": "Anna", "S2": "Bram"}

    page.press(f"#seg-{SEG} input.speaker-name", "Enter")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    assert labels(page, "S2") == ["anna"] * 4 and labels(page, "S1") == ["Bram"] * 6
    assert Episode.load(library / "haven").speakers == {"S1": "Bram", "S2": "anna"}


def test_swapping_with_an_unnamed_speaker_says_it_is_left_unnamed(page, base, library):
    open_editor(page, base)
    first_s1 = "s0000000"
    page.click(f"#seg-{first_s1} .speaker")
    page.fill(f"#seg-{first_s1} input.speaker-name", "Anna")
    page.press(f"#seg-{first_s1} input.speaker-name", "Enter")
    page.wait_for_selector(f"#seg-{first_s1} .state.ok")
    page.click(f"#seg-{SEG} .speaker")  # S2, unnamed, is Anna really
    page.fill(f"#seg-{SEG} input.speaker-name", "Anna")
    page.press(f"#seg-{SEG} input.speaker-name", "Enter")
    page.wait_for_selector(f"#seg-{SEG} .state.bad")
    assert "swaps the two names (S1 becomes unnamed)" in page.inner_text(f"#seg-{SEG} .state")
    page.press(f"#seg-{SEG} input.speaker-name", "Enter")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    assert labels(page, "S1") == ["S1"] * 6


def test_a_name_typed_and_not_saved_warns_on_leaving(page, base):
    open_editor(page, base)
    page.click(f"#seg-{SEG} .speaker")
    page.fill(f"#seg-{SEG} input.speaker-name", "Rogier Creemers")
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert page.dialogs  # the beforeunload prompt


@pytest.mark.parametrize("width", [390, 1280])
def test_a_long_name_and_one_like_the_menus_own_choice_fit_and_are_told_apart(page, base,
                                                                             library, width):
    from pipeline.edits import rename_speaker

    rename_speaker(library, "haven", "S1", "W" * 80, "a")  # one word, as long as allowed
    rename_speaker(library, "haven", "S2", "New speaker", "a")
    page.set_viewport_size({"width": width, "height": 700})
    for url in (f"{base}/episodes/haven", f"{base}/episodes/haven?edit=1#token={TOKEN}"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, url
    page.wait_for_selector(f"#seg-{SEG} select.mover option", state="attached")
    options = page.locator(f"#seg-{SEG} select.mover option").all_inner_texts()
    assert "New speaker (S2)" in options and "New speaker" in options
