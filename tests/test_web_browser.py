"""The pages in a real browser (Debian's Chromium through Playwright): seeking, search,
editing, conflicts, escaping; screenshots go to test-artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import edits, search
from pipeline.document import Episode
from pipeline.edits.log import read_log
from pipeline.stages.publish import publish
from tests.web_fixtures import LINES, SLOW_FETCH, XSS_SCRIPT, make_library, running_server

pytestmark = pytest.mark.browser

TOKEN = "browser-token"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SEG = "s0000900"  # the fourth segment, starting at 9 s


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path)


@pytest.fixture
def base(library):
    with running_server(library, TOKEN) as url:
        yield url


def wait_audio(page, condition: str, timeout: float = 30_000) -> None:
    """Wait until `condition` holds of the page's audio element `a`."""
    page.wait_for_function(f"() => {{ const a = document.getElementById('audio'); "
                           f"return {condition}; }}", timeout=timeout)


def audio_ready(page) -> None:
    wait_audio(page, "a.readyState >= 1")


def current_time(page) -> float:
    return page.evaluate("document.getElementById('audio').currentTime")


def test_clicking_a_segment_seeks_the_audio(page, base):
    page.goto(f"{base}/episodes/haven")
    audio_ready(page)
    page.click(f"#seg-{SEG} p.nl")
    wait_audio(page, "a.currentTime >= 8.9")
    assert 8.9 <= current_time(page) < 11
    assert "now" in page.get_attribute(f"#seg-{SEG}", "class")
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("document.getElementById('audio').pause()")
    page.screenshot(path=str(ARTIFACTS / "episode-page.png"), full_page=True)


def test_deep_link_and_language_toggle(page, base):
    page.goto(f"{base}/episodes/haven#t=18.5")
    audio_ready(page)
    wait_audio(page, "Math.abs(a.currentTime - 18.5) < 0.1")
    assert "now" in page.get_attribute("#seg-s0001800", "class")
    assert page.is_visible("#seg-s0001800 p.en")
    page.set_viewport_size({"width": 1280, "height": 420})
    page.goto(f"{base}/episodes/haven#t=27")
    page.wait_for_selector("#seg-s0002700.now")
    page.wait_for_function(  # scrolled (smoothly) into the view
        "() => { const r = document.querySelector('#seg-s0002700').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }")
    page.check("input[name=lang][value=nl]")
    assert not page.is_visible("#seg-s0001800 p.en") and page.is_visible("#seg-s0001800 p.nl")
    page.goto(f"{base}/episodes/haven#t=0:21")  # minutes and seconds, as people write them
    page.wait_for_selector("#seg-s0002100.now")
    page.goto("about:blank")
    page.goto(f"{base}/episodes/haven#t=2e1")  # no time: not the 2 s it starts with
    audio_ready(page)
    page.wait_for_timeout(300)
    assert current_time(page) == 0 and page.locator(".seg.now").count() == 0


def test_search_and_follow_a_hit(page, base):
    page.goto(base)
    page.fill("input[name=q]", "kabeljauw")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("a.hit")
    assert page.inner_text("a.hit mark").lower() == "kabeljauw"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "library-search.png"))
    page.click("a.hit")
    page.wait_for_url("**/episodes/haven#t=18.00")
    audio_ready(page)
    wait_audio(page, "Math.abs(a.currentTime - 18) < 0.1")
    assert "kabeljauw" in page.inner_text(".seg.now")


def open_editor(page, base) -> None:
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector(f"#seg-{SEG} textarea.nl")


def test_edit_and_save(page, base, library):
    open_editor(page, base)
    assert "token" not in page.url  # taken out of the address bar, kept by the page
    page.fill("#editor-name", "Łukasz Żółw 🎧")  # no Latin-1 header could carry it
    page.fill(f"#seg-{SEG} textarea.nl", "Hij schreef een kort verslag in het scheepsjournaal.")
    assert page.is_enabled(f"#seg-{SEG} button.save")
    page.press(f"#seg-{SEG} textarea.nl", "Control+Enter")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    folder = library / "haven"
    seg = Episode.load(folder).segment(SEG)
    assert seg.nl == "Hij schreef een kort verslag in het scheepsjournaal." and seg.rev == 1
    assert "scheepsjournaal" in (folder / "nl.srt").read_text()
    assert "scheepsjournaal" in (folder / "index.html").read_text()
    logged = json.loads((folder / "edits.jsonl").read_text())
    assert logged["after"].endswith("scheepsjournaal.") and logged["editor"] == "Łukasz Żółw"
    [hit] = search.search(library, "scheepsjournaal", mode="exact")
    assert hit.segment == SEG
    assert page.get_attribute(f"#seg-{SEG}", "data-rev") == "1"
    assert page.is_visible(f"#seg-{SEG} .stale-badge")  # English follows the old Dutch
    assert "out of date" in (folder / "index.html").read_text()
    page.click(f"#seg-{SEG} .en-ok")  # the editor says the English is still right
    page.wait_for_selector(f"#seg-{SEG}:not(.en-stale)")
    seg = Episode.load(folder).segment(SEG)
    assert not seg.en_stale and seg.en == "He typed <script>alert(1)</script> into the log."
    assert "out of date" not in (folder / "index.html").read_text()


def test_a_save_the_search_index_could_not_follow_shows_saved_with_the_warning(page, base,
                                                                             library):
    (library / "index.sqlite").write_bytes(b"this is no database " * 500)
    open_editor(page, base)
    page.fill(f"#seg-{SEG} textarea.nl", "Hij schreef een kort verslag.")
    page.press(f"#seg-{SEG} textarea.nl", "Control+Enter")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    state = page.text_content(f"#seg-{SEG} .state")
    assert state.startswith("saved; ") and "search index was not updated" in state
    assert not page.is_enabled(f"#seg-{SEG} button.save")  # nothing left unsaved
    assert Episode.load(library / "haven").segment(SEG).nl == "Hij schreef een kort verslag."


def test_play_segment_plays_just_that_segment(page, base):
    open_editor(page, base)
    audio_ready(page)
    page.click(f"#seg-{SEG} button.play-seg")
    wait_audio(page, "a.currentTime > 9.5")
    wait_audio(page, "a.paused", timeout=10_000)
    assert 11.4 <= current_time(page) <= 12.0  # stopped at the segment's end (11.5 s)
    # Sent elsewhere while it plays (back, before the line): it plays on past that end.
    page.click(f"#seg-{SEG} button.play-seg")
    wait_audio(page, "a.currentTime > 9.2 && !a.paused")
    page.evaluate("document.getElementById('audio').currentTime = 8")
    wait_audio(page, "a.currentTime > 12.2", timeout=10_000)
    page.evaluate("document.getElementById('audio').pause()")


def test_the_line_being_typed_in_stays_in_view_while_the_audio_plays(page, base):
    page.set_viewport_size({"width": 1000, "height": 420})
    open_editor(page, base)
    audio_ready(page)
    last = page.locator("#seg-s0002700 textarea.en")
    last.scroll_into_view_if_needed()
    last.click()
    page.evaluate("document.getElementById('audio').play()")
    page.wait_for_selector("#seg-s0000300.now", timeout=10_000)  # the second line plays
    page.wait_for_timeout(800)  # a smooth scroll would be under way
    assert page.evaluate("""() => { const r = document.activeElement.getBoundingClientRect();
                            return r.bottom > 0 && r.top < innerHeight; }""")
    page.evaluate("document.getElementById('audio').pause()")


@pytest.mark.parametrize("typed", ["line", "title"])
def test_unsaved_changes_warn_on_leaving(page, base, typed):
    open_editor(page, base)
    if typed == "line":
        page.fill(f"#seg-{SEG} textarea.en", "Changed but not saved.")
    else:
        page.click("#rename-title")
        page.fill("input.title-input", "Een nieuwe titel")
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert page.dialogs  # the beforeunload prompt


def test_second_editor_sees_a_conflict(browser, base, library):
    first, second = (browser.new_context().new_page() for _ in range(2))
    for p in (first, second):
        open_editor(p, base)
    first.fill("#editor-name", "Anna")
    first.dispatch_event("#editor-name", "change")
    first.fill(f"#seg-{SEG} textarea.nl", "Eerste redacteur.")
    first.click(f"#seg-{SEG} button.save")
    first.wait_for_selector(f"#seg-{SEG} .state.ok")
    second.fill(f"#seg-{SEG} textarea.nl", "Tweede redacteur.")
    second.click(f"#seg-{SEG} button.save")
    conflict = second.wait_for_selector(f"#seg-{SEG} .conflict")
    assert "Eerste redacteur." in conflict.inner_text()
    assert "Conflict: Anna saved this segment while you were editing" in conflict.inner_text()
    assert Episode.load(library / "haven").segment(SEG).nl == "Eerste redacteur."
    ARTIFACTS.mkdir(exist_ok=True)
    second.screenshot(path=str(ARTIFACTS / "editor-conflict.png"))
    second.click(f"#seg-{SEG} .conflict >> text=Keep mine")
    second.click(f"#seg-{SEG} button.save")
    second.wait_for_selector(f"#seg-{SEG} .state.ok")
    seg = Episode.load(library / "haven").segment(SEG)
    assert seg.nl == "Tweede redacteur." and seg.rev == 2
    for p in (first, second):
        p.context.close()


def test_xss_text_renders_as_text(page, base):
    # A listener reads a line's words (tags an editor typed go, as in every output); a search
    # snippet and the editor show what was typed, as text.
    for url, shown in ((f"{base}/episodes/haven", "typte alert(1) in het logboek"),
                       (f"{base}/?q=logboek", XSS_SCRIPT)):
        page.goto(url)
        page.wait_for_load_state("load")
        assert shown in page.inner_text("body")
        assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    page.goto(f"{base}/episodes/haven")
    assert 'regel "> bleef' in page.inner_text("#seg-s0001200")
    open_editor(page, base)
    assert XSS_SCRIPT in page.input_value("#seg-s0000900 textarea.nl")
    page.wait_for_timeout(300)
    assert page.dialogs == []  # no alert() ran
    page.screenshot(path=str(ARTIFACTS / "editor.png"))


def test_static_page_works_from_disk(page, library):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto((library / "haven" / "index.html").as_uri())
    audio_ready(page)
    page.click("#seg-s0002100 p.nl")
    wait_audio(page, "a.currentTime >= 20.9")
    assert "now" in page.get_attribute("#seg-s0002100", "class")
    assert page.locator("a.back").count() == 0
    assert page.evaluate("getComputedStyle(document.querySelector('.seg')).display") == "grid"
    assert refused == []  # its own policy lets its inline CSS, JS and audio through


def test_english_only_keeps_the_speakers_and_shows_english_chapter_titles(page, library):
    folder = library / "haven"
    episode = Episode.load(folder)
    for n, seg in enumerate(episode.segments):
        seg.speaker = "S1" if n < 3 else "S2"
    episode.speakers = {"S1": "Mona"}
    episode.chapters[1].title_en = None  # no English: its Dutch title stays
    episode.save(folder)
    publish(folder, episode, index=False)
    page.goto((folder / "index.html").as_uri())
    page.check("input[name=lang][value=en]")
    assert page.locator(".seg .speaker:visible").all_inner_texts() == ["Mona", "S2", "S2"]
    assert not page.is_visible("#seg-s0000000 p.nl")
    chapters = page.locator(".chapters li").all_inner_texts()
    assert "In the port" in chapters[0] and "In de haven" not in chapters[0]
    assert "Op de markt" in chapters[1]
    page.check("input[name=lang][value=both]")  # the name once, with the Dutch
    assert page.locator(".seg .speaker:visible").all_inner_texts() == ["Mona", "S2", "S2"]


def test_a_shared_moment_opens_the_line_that_starts_then(page, library):
    folder = library / "haven"
    episode = Episode.load(folder)
    seg = episode.segment("s0001500")
    seg.start = 14.96  # a tenth cut off (14.9) would fall in the line before, which ends 14.5
    episode.save(folder)
    publish(folder, episode, index=False)
    page.goto((folder / "index.html").as_uri())
    audio_ready(page)
    page.evaluate("document.getElementById('audio').currentTime = 14.96")
    wait_audio(page, "Math.abs(a.currentTime - 14.96) < 0.005")
    page.click("#share")
    url = page.input_value("#share-url") or page.evaluate("navigator.clipboard.readText()")
    assert url.endswith("#t=14.96"), url
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector("#seg-s0001500.now")


def test_the_sticky_header_never_covers_the_focus_or_the_chapter_list(page, base):
    page.set_viewport_size({"width": 860, "height": 420})
    page.goto(f"{base}/episodes/haven")
    page.click("#share")  # the header grows: a shown link, or a note
    page.evaluate("document.getElementById('share-url').hidden = false")
    page.focus("#seg-s0002700 a.time")
    page.keyboard.press("Shift+Tab")  # back up the page, by keyboard
    page.keyboard.press("Shift+Tab")
    bottom = page.evaluate("document.querySelector('.top').getBoundingClientRect().bottom")
    focused = page.evaluate("document.activeElement.getBoundingClientRect().top")
    assert focused >= bottom - 1, (focused, bottom)
    page.mouse.wheel(0, 400)
    page.wait_for_function("() => scrollY > 0")
    chapters = page.evaluate("document.querySelector('.chapters').getBoundingClientRect().top")
    assert chapters >= bottom - 1, (chapters, bottom)


def test_the_library_fits_a_phone_whatever_is_searched(page, base):
    page.set_viewport_size({"width": 375, "height": 700})
    for query in ("", "haven", "haven " + "x" * 900):
        page.goto(f"{base}/?q={query}&mode=exact")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, query
        assert page.is_visible("form.search button[type=submit]")


@pytest.mark.parametrize("width", [375, 1000])
def test_the_files_menu_downloads_a_published_file(page, base, library, width):
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(f"{base}/episodes/haven")
    assert not page.is_visible(".files a")  # closed until asked for
    page.click(".files summary")
    link = page.get_by_role("link", name="English subtitles (SRT)")
    box = page.locator(".files ul").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the open list fits the screen
    with page.expect_download() as download:
        link.click()
    saved = download.value
    assert saved.suggested_filename == "haven.en.srt"
    assert Path(saved.path()).read_bytes() == (library / "haven" / "en.srt").read_bytes()


def in_view(page, selector: str) -> bool:
    return page.evaluate(f"(() => {{ const r = document.querySelector('{selector}')"
                         ".getBoundingClientRect();"
                         " return r.top < innerHeight && r.bottom > 0; })()")


def test_a_listener_who_scrolls_away_to_read_is_left_there(page, base):
    page.set_viewport_size({"width": 1280, "height": 360})
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{base}/episodes/haven#t=0")
    audio_ready(page)
    page.keyboard.press("k")  # plays from anywhere outside a text field
    wait_audio(page, "!a.paused")
    assert page.get_attribute("#seg-s0000000", "aria-current") == "true"
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    read_at = page.evaluate("scrollY")
    assert not in_view(page, "#seg-s0000000")
    page.wait_for_selector("#seg-s0000300[aria-current=true]", timeout=10_000)
    assert page.evaluate("scrollY") == read_at  # the next line did not pull the page back
    assert page.get_attribute("#seg-s0000000", "aria-current") is None
    page.click("#now-playing")  # until asked
    assert in_view(page, ".seg.now") and not page.is_visible("#now-playing")
    page.keyboard.press("k")
    wait_audio(page, "a.paused")


def test_the_files_menu_closes_on_escape_and_on_a_click_elsewhere(page, base):
    page.goto(f"{base}/episodes/haven")
    page.click(".files summary")
    assert page.is_visible(".files a")
    page.keyboard.press("Escape")
    assert not page.is_visible(".files a")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.click(".files summary")
    page.click("h1")
    assert not page.is_visible(".files a")


def test_the_editor_fits_a_phone_with_an_out_of_date_line(page, base, library):
    edits.edit_segment(library, "haven", SEG, 0, {"nl": "Iets heel anders gezegd."}, "ann")
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto(f"{base}/episodes/haven?edit=1")
    assert page.is_visible(f"#seg-{SEG} .stale-badge")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    player = page.locator("#audio").bounding_box()  # at hand wherever the transcript is
    assert player["y"] + player["height"] == pytest.approx(700, abs=1)
    said = page.locator("#status").bounding_box()  # the outcome of a save, above it
    assert said["y"] > 0 and said["y"] + said["height"] <= player["y"] + 1


def test_a_keyboard_user_skips_to_the_transcript(page, base):
    page.goto(f"{base}/episodes/haven?edit=1")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the transcript"
    assert page.is_visible("a.skip")  # shown once focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # on from the transcript, not from the toolbars
    assert page.evaluate("document.activeElement.closest('#transcript') !== null")
    assert page.evaluate("document.querySelector('.top #proposals')") is None  # not sticky


def test_two_editors_fixing_different_parts_of_a_line_both_keep_their_fix(page, base, library):
    folder = library / "haven"
    episode = Episode.load(folder)
    for seg in episode.segments:
        seg.speaker = "S1"
    episode.speakers = {"S1": "Mona"}
    episode.save(folder)
    open_editor(page, base)
    # Meanwhile another editor fixes the English and moves the line to a new speaker.
    edits.edit_segment(library, "haven", SEG, 0, {"en": "He typed it into the log."}, "ann")
    edits.edit_segment(library, "haven", SEG, 1, {"speaker": "new"}, "ann")
    page.fill(f"#seg-{SEG} textarea.nl", "Hij typte het in het logboek.")
    page.click(f"#seg-{SEG} button.save")
    page.wait_for_selector(f"#seg-{SEG} .state.ok")
    assert "beside another editor's English and change of speaker" in page.inner_text(
        f"#seg-{SEG} .state")
    seg = Episode.load(folder).segment(SEG)
    assert (seg.nl, seg.en, seg.speaker) == ("Hij typte het in het logboek.",
                                             "He typed it into the log.", "S2")
    assert page.input_value(f"#seg-{SEG} textarea.en") == "He typed it into the log."
    assert page.inner_text(f"#seg-{SEG} .speaker[data-speaker]") == "S2"
    page.fill(f"#seg-{SEG} textarea.en", "Mine.")  # the same part as another's: a conflict
    edits.edit_segment(library, "haven", SEG, 3, {"en": "Theirs."}, "ann")
    page.click(f"#seg-{SEG} button.save")
    assert "Theirs." in page.wait_for_selector(f"#seg-{SEG} .conflict").inner_text()


# ---------------------------------------------------------------- a line's saves and their Undo

MACHINE_NL, MACHINE_EN = LINES[3]  # the line of SEG


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
