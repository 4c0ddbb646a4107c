"""Clips on the web: `GET /api/episodes/{slug}/clip` downloads a moment's audio; the listener
page's "Share this moment" link, and the editor's Clip button, in a real browser."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from test_clip import add_words

from pipeline.audio import SAMPLE_RATE, decode, probe
from pipeline.document import Episode
from pipeline.web.app import create_app
from tests.web_fixtures import make_library, running_server

TOKEN = "clip-token"
TEST_HOSTS = {"testserver"}


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    library = make_library(tmp_path_factory.mktemp("clipweb"))
    add_words(library)
    return library


@pytest.fixture(scope="module")
def client(library):
    return TestClient(create_app(library, TOKEN, TEST_HOSTS))


def test_clip_downloads_the_span(client, tmp_path):
    # segments 2 and 3 (3.0–5.5 and 6.0–8.5): whole segments, so nothing moves when snapped
    r = client.get("/api/episodes/haven/clip", params={"start": 3.0, "end": 8.5})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/mpeg"
    assert r.headers["content-disposition"] == 'attachment; filename="haven-3.0-8.5.mp3"'
    assert "x-reportage-warning" not in r.headers
    out = tmp_path / "clip.mp3"
    out.write_bytes(r.content)
    assert probe(out).duration_s == pytest.approx(5.5, abs=0.1)
    assert len(decode(out)) / SAMPLE_RATE == pytest.approx(5.5, abs=0.1)


def test_a_clip_with_its_subtitles_comes_as_one_zip(client, tmp_path):
    r = client.get("/api/episodes/haven/clip", params={"start": 3.0, "end": 8.5,
                                                       "format": "zip", "lang": "both"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == 'attachment; filename="haven-3.0-8.5.zip"'
    with zipfile.ZipFile(io.BytesIO(r.content)) as bundle:
        stem = "haven-3.0-8.5"
        assert sorted(bundle.namelist()) == sorted(
            f"{stem}{ext}" for ext in (".mp3", ".nl.srt", ".nl.vtt", ".en.srt", ".en.vtt"))
        bundle.extract(f"{stem}.mp3", tmp_path)
        srt = bundle.read(f"{stem}.nl.srt").decode()
    assert probe(tmp_path / f"{stem}.mp3").duration_s == pytest.approx(5.5, abs=0.1)
    assert "00:00:00,000 -->" in srt and "De schepen komen vroeg binnen." in srt  # clip time


def test_a_clip_from_minus_zero_is_named_from_zero(client):
    r = client.get("/api/episodes/haven/clip", params={"start": "-0.0", "end": 2.5})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="haven-0.0-2.5.mp3"'


def test_a_clip_past_the_end_says_where_it_ends(client, library):
    duration = Episode.load(library / "haven").source.duration_s
    r = client.get("/api/episodes/haven/clip", params={"start": duration - 3, "end": duration + 30})
    assert r.status_code == 200, r.text
    assert f"ends at {duration:.1f} s" in r.headers["x-reportage-warning"]
    assert r.headers["content-disposition"].endswith(f'-{duration:.1f}.mp3"')


def test_a_clips_note_of_any_letters_reaches_the_page_escaped(client):
    r = client.get("/api/episodes/haven/clip", params={"start": 2.55, "end": 2.95, "lang": "nl"})
    assert r.status_code == 200, r.text  # its en dash was a 500: a header is Latin-1
    assert unquote(r.headers["x-reportage-warning"]).startswith("no Dutch line is said in 2.5–")


def test_a_clip_is_not_cut_for_another_site_nor_many_at_once(client, monkeypatch):
    span = {"start": 3.0, "end": 5.5}
    other = client.get("/api/episodes/haven/clip", params=span,
                       headers={"Sec-Fetch-Site": "cross-site"})  # <img src=...> elsewhere
    assert (other.status_code, other.text) == (403, "cross-site clip refused")
    from pipeline.web import clip as web_clip

    busy = threading.BoundedSemaphore(1)
    busy.acquire()  # as if cutting as many as it may
    monkeypatch.setattr(web_clip, "CUTTING", busy)
    r = client.get("/api/episodes/haven/clip", params=span)
    assert r.status_code == 503 and r.headers["retry-after"] == "5"


def test_clip_as_m4a_needs_no_token(client, tmp_path):
    r = client.get("/api/episodes/haven/clip",
                   params={"start": "12", "end": "14.5", "format": "m4a", "lang": "nl"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/mp4"
    assert r.headers["content-disposition"].endswith('.m4a"')
    out = tmp_path / "clip.m4a"
    out.write_bytes(r.content)
    assert probe(out).duration_s == pytest.approx(2.5, abs=0.15)


@pytest.mark.parametrize("params, code, says", [
    ({"start": 8, "end": 3}, 400, "must come after the start"),
    ({"start": 5, "end": 5}, 400, "must come after the start"),
    ({"start": -1, "end": 3}, 400, "outside the episode"),
    ({"start": 99, "end": 120}, 400, "outside the episode"),
    ({"start": "nan", "end": 3}, 400, "numbers of seconds"),
    ({"start": 0, "end": "inf"}, 400, "numbers of seconds"),
    ({"start": "drie", "end": 7}, 422, "start"),
    ({"end": 7}, 422, "start"),
    ({"start": 3, "end": 7, "format": "wav"}, 422, "format"),
    ({"start": 3, "end": 7, "lang": "fr"}, 422, "lang"),
])
def test_bad_values_are_refused_with_a_reason(client, params, code, says):
    r = client.get("/api/episodes/haven/clip", params=params)
    assert r.status_code == code, r.text
    assert says in str(r.json()["detail"])


def test_a_clip_is_at_most_ten_minutes(tmp_path):
    from pipeline.document import Episode

    library = make_library(tmp_path)
    folder = library / "haven"
    episode = Episode.load(folder)
    episode.source.duration_s = 1200.0  # as if long: the span check comes before any cutting
    episode.save(folder)
    client = TestClient(create_app(library, TOKEN, TEST_HOSTS))
    r = client.get("/api/episodes/haven/clip", params={"start": 0, "end": 601})
    assert r.status_code == 400 and "at most 10 minutes" in r.json()["detail"]
    # an end past the episode's is its end: what is asked of it counts
    r = client.get("/api/episodes/haven/clip", params={"start": 1190, "end": 1e9})
    assert r.status_code != 400 or "at most" not in r.json()["detail"]


def test_unknown_episode_or_missing_audio(client, library, tmp_path):
    assert client.get("/api/episodes/nergens/clip",
                      params={"start": 1, "end": 2}).status_code == 404
    assert client.get("/api/episodes/..%2Fhaven/clip",
                      params={"start": 1, "end": 2}).status_code == 404
    other = make_library(tmp_path)
    (other / "haven" / "audio.wav").unlink()
    r = TestClient(create_app(other, TOKEN, TEST_HOSTS)).get(
        "/api/episodes/haven/clip", params={"start": 1, "end": 2})
    assert r.status_code == 404


# In the browser.

def wait_audio(page, condition: str) -> None:
    page.wait_for_function("() => { const a = document.getElementById('audio'); "
                           f"return {condition}; }}", timeout=30_000)


@pytest.fixture
def base(library):
    with running_server(library, TOKEN) as url:
        yield url


@pytest.mark.browser
def test_share_this_moment_links_to_the_playback_time(browser, base):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(f"{base}/episodes/haven")
        wait_audio(page, "a.readyState >= 1")
        page.evaluate("document.getElementById('audio').currentTime = 13.37")
        wait_audio(page, "Math.abs(a.currentTime - 13.37) < 0.05")
        page.click("#share")
        page.wait_for_function("() => document.getElementById('share-note').textContent")
        url = page.input_value("#share-url")
        assert re.fullmatch(re.escape(f"{base}/episodes/haven") + r"#t=13\.37", url), url
        if page.inner_text("#share-note") == "Link copied":
            assert page.evaluate("navigator.clipboard.readText()") == url
        else:  # no clipboard: the link is shown to copy by hand
            assert page.is_visible("#share-url")

        opened = context.new_page()
        opened.goto(url)
        wait_audio(opened, "a.readyState >= 1 && Math.abs(a.currentTime - 13.37) < 0.01")
        assert "now" in opened.get_attribute("#seg-s0001200", "class")
    finally:
        context.close()


@pytest.mark.browser
def test_share_without_a_clipboard_shows_the_link(page, library):
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.goto((library / "haven" / "index.html").as_uri())
    wait_audio(page, "a.readyState >= 1")
    page.evaluate("document.getElementById('audio').currentTime = 4.26")
    wait_audio(page, "Math.abs(a.currentTime - 4.26) < 0.05")
    page.click("#share")
    assert page.is_visible("#share-url")
    assert page.input_value("#share-url").endswith("/haven/index.html#t=4.26")


@pytest.mark.browser
def test_editor_clip_of_two_segments_downloads(page, base, tmp_path):
    page.goto(f"{base}/episodes/haven?edit=1#token={TOKEN}")
    page.wait_for_selector("#seg-s0000300 input.pick-seg")
    assert page.is_disabled("#clip")
    page.check("#seg-s0000300 input.pick-seg")
    page.check("#seg-s0000600 input.pick-seg")
    assert page.inner_text("#clip") == "Clip (2)"
    with page.expect_download() as info:
        page.click("#clip")
    download = info.value
    assert download.suggested_filename == "haven-3.0-8.5.mp3"
    out = tmp_path / download.suggested_filename
    download.save_as(out)
    assert probe(out).duration_s == pytest.approx(5.5, abs=0.1)
    page.wait_for_selector("#status:has-text('clip downloaded')")
    page.check("#clip-subtitles")  # the same span with its subtitles, in one zip
    with page.expect_download() as info:
        page.click("#clip")
    assert info.value.suggested_filename == "haven-3.0-8.5.zip"
