"""The web app through HTTP: pages, escaping, audio ranges, the edit API and its guards."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipeline import edits
from pipeline.cli import app as cli_app
from pipeline.document import Episode
from pipeline.formats.files import DOWNLOADS
from pipeline.stages.publish import publish
from pipeline.web import server
from pipeline.web.app import MAX_BODY, create_app
from tests.conftest import ROOT
from tests.web_fixtures import XSS_IMG, XSS_SCRIPT, fish_dictionary, make_library, running_server

TOKEN = "test-token-123"
SEG = "s0000300"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEST_HOSTS = {"testserver"}  # the Host header TestClient sends


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path)


@pytest.fixture
def client(library):
    return TestClient(create_app(library, TOKEN, TEST_HOSTS))


def test_library_page_lists_episodes_and_searches(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "De haven &lt;b&gt;bij nacht&lt;/b&gt;" in page.text  # title escaped
    assert 'href="episodes/haven"' in page.text and "00:30" in page.text
    assert 'href="episodes/haven" lang="nl">' in page.text  # a screen reader reads it as Dutch
    found = client.get("/", params={"q": "HARING", "mode": "exact"})  # the words alone
    assert "1 result for" in found.text
    assert 'href="episodes/haven#t=18.00"' in found.text
    assert "<mark>haring</mark>" in found.text
    assert '<span class="hit-title" lang="nl">' in found.text
    assert '<span class="hit-chapter" lang="nl">› Op de markt' in found.text
    english = client.get("/", params={"q": "herring", "mode": "exact"})  # the English line's hit
    assert '<span class="hit-chapter" lang="en">› At the market' in english.text
    assert "(haven)" not in page.text  # a title of its own needs no folder name


def test_a_search_hit_in_english_names_its_episode_by_its_english_title(client):
    renamed = client.patch("/api/episodes/haven/title", headers=AUTH,
                           json={"rev": 0, "title_en": "The harbour by night"})
    assert renamed.status_code == 200, renamed.text
    english = client.get("/", params={"q": "herring", "mode": "exact"}).text
    assert '<span class="hit-title" lang="en">The harbour by night</span>' in english
    dutch = client.get("/", params={"q": "haring", "mode": "exact"}).text
    assert '<span class="hit-title" lang="nl">De haven &lt;b&gt;bij nacht&lt;/b&gt;' in dutch
    hits = client.get("/api/search", params={"q": "haring", "mode": "exact"}).json()
    assert hits[0]["title_en"] == "The harbour by night"


def test_two_episodes_of_one_title_are_told_apart_by_their_folders(client, library):
    shutil.copytree(library / "haven", library / "haven-herhaling")
    page = client.get("/").text
    assert '<span class="slug">(haven)</span>' in page
    assert '<span class="slug">(haven-herhaling)</span>' in page


def test_the_library_search_says_what_its_hits_are(client, monkeypatch):
    nonsense = client.get("/", params={"q": "xyzzyplugh"})  # no line holds it
    assert ("No line holds these words: these are the lines nearest in meaning, or holding words "
            "like them.") in nonsense.text
    monkeypatch.setattr("pipeline.web.app.SEARCH_LIMIT", 3)
    capped = client.get("/", params={"q": "xyzzyplugh"})
    assert "The first 3 results for" in capped.text  # the list was cut off
    for blank in ({"q": " "}, {"q": "", "speaker": "Mona"}):  # nothing to search for
        page = client.get("/", params=blank)
        assert 'class="error">nothing to search for' in page.text, blank
        assert "results for" not in page.text
    assert 'lang="en"' in nonsense.text.split(">", 2)[1]  # the page's own words are English


def test_search_without_an_index_says_so_in_one_line(client, library):
    (library / "index.sqlite").unlink()
    page = client.get("/", params={"q": "haring"})
    assert page.status_code == 400 and 'class="error"' in page.text and "index" in page.text
    assert client.get("/api/search", params={"q": "haring"}).status_code == 400


def test_edits_saved_while_the_index_is_damaged_say_so_and_are_not_refused(client, library,
                                                                           tmp_path, monkeypatch):
    """The search index failing after the save is a warning: a refusal would read as a lost
    edit, and the retry would be refused as stale."""
    monkeypatch.setattr("pipeline.search.dictionary.FOLDER", fish_dictionary(tmp_path / "dict"))
    (library / "index.sqlite").write_bytes(b"this is no database " * 500)
    url = "/api/episodes/haven"
    saved = client.patch(f"{url}/segments/{SEG}", headers=AUTH,
                         json={"rev": 0, "nl": "De kade ligt er stil bij."})
    assert saved.status_code == 200, saved.text
    assert saved.json()["segment"]["nl"] == "De kade ligt er stil bij."
    assert saved.json()["rev"] == 1 and "search index was not updated" in saved.json()["warning"]
    rev = client.get(f"{url}/chapters").json()["rev"]
    renamed = client.patch(f"{url}/chapters/c1", headers=AUTH,
                           json={"rev": rev, "title": "Aan de kade"})
    assert renamed.status_code == 200 and renamed.json()["warning"]
    assert len(renamed.json()["edits"]) == 2  # the title and the English it took: what Undo names
    undone = client.post(f"{url}/chapters/undo", headers=AUTH,
                         json={"rev": renamed.json()["rev"], "edits": renamed.json()["edits"]})
    assert undone.status_code == 200
    first = undone.json()["chapters"][0]
    assert (first["title"], first["title_en"]) == ("In de haven", "In the port")
    replaced = client.post(f"{url}/replace", headers=AUTH, json={"find": "kade", "replace": "kaai"})
    assert replaced.status_code == 200 and len(replaced.json()["edits"]) == 1
    assert replaced.json()["warning"]
    episode = Episode.load(library / "haven")
    assert episode.segment(SEG).nl == "De kaai ligt er stil bij."
    assert "De kaai ligt er stil bij." in (library / "haven" / "nl.srt").read_text("utf-8")
    assert [e.id for e in edits.read_log(library / "haven")] == [1, 2, 3, 4, 5, 6]


def test_episode_page_holds_transcript_audio_and_chapters(client):
    page = client.get("/episodes/haven")
    assert page.status_code == 200
    assert '<h1 lang="nl">' in page.text  # the title in the episode's language
    assert 'src="/episodes/haven/audio"' in page.text
    assert 'id="seg-s0000300"' in page.text and 'data-start="3.0"' in page.text
    assert "De schepen komen vroeg binnen." in page.text and "The ships come in early." in page.text
    assert "In de haven" in page.text and "At the market" in page.text
    assert "<textarea" not in page.text and "editor.js" not in page.text
    editor = client.get("/episodes/haven", params={"edit": 1})
    assert editor.text.count("<textarea") == 20 and "/static/editor.js" in editor.text


SCRIPT_AS_TEXT = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_AS_TEXT = "&#34;&gt;&lt;img src=x onerror=&#34;alert(2)&#34;&gt;"


@pytest.mark.parametrize("path,shown", [
    ("/episodes/haven", ["alert(1)", "&#34;&gt;"]),  # a listener reads the words: tags gone
    ("/episodes/haven?edit=1", [SCRIPT_AS_TEXT, IMG_AS_TEXT]),
    ("/?q=logboek", [SCRIPT_AS_TEXT]), ("/?q=vreemde", [IMG_AS_TEXT]),
])
def test_transcript_text_is_escaped(client, path, shown):
    page = client.get(path).text
    assert XSS_SCRIPT not in page and XSS_IMG not in page and "<img" not in page
    assert all(text in page for text in shown)


def test_pages_carry_a_strict_content_security_policy(client):
    headers = client.get("/episodes/haven").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_static_assets_are_served_locally(client):
    page = client.get("/episodes/haven?edit=1").text
    for asset in ("/static/app.css", "/static/player.js", "/static/editor.js"):
        assert asset in page and client.get(asset).status_code == 200
    assert "http://" not in page and "https://" not in page


def test_audio_is_served_with_ranges(client, library):
    data = (library / "haven" / "audio.wav").read_bytes()
    whole = client.get("/episodes/haven/audio")
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get("/episodes/haven/audio", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == data[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"


def test_audio_only_from_inside_the_library(library):
    """A path as the audio copy is a damaged document (test_document); a link is not."""
    (library.parent / "outside.wav").write_bytes(b"RIFF secret")
    (library / "haven" / "link.wav").symlink_to(library.parent / "outside.wav")
    episode = Episode.load(library / "haven")
    episode.source.file = "link.wav"
    episode.save(library / "haven")
    client = TestClient(create_app(library, TOKEN, TEST_HOSTS))
    assert client.get("/episodes/haven/audio").status_code == 404
    clip = client.get("/api/episodes/haven/clip", params={"start": 1, "end": 2})
    assert clip.status_code == 404  # a clip cuts only what the audio route would serve


def test_the_published_files_are_offered_and_served(client, library):
    folder = library / "haven"
    page = client.get("/episodes/haven").text
    offered = re.findall(r'href="/episodes/haven/files/([^"]+)" download="haven\.\1"', page)
    assert offered == [d.name for d in DOWNLOADS]  # every one of them published
    for name in offered:
        got = client.get(f"/episodes/haven/files/{name}")
        assert got.status_code == 200 and got.content == (folder / name).read_bytes(), name
    assert client.get("/episodes/haven/files/nl.srt").headers["content-type"] == \
        "application/x-subrip; charset=utf-8"
    for other in ("episode.json", "edits.jsonl", "audio.wav", "index.html", "..%2Fhaven"):
        assert client.get(f"/episodes/haven/files/{other}").status_code == 404, other
    (folder / "chapters.vtt").unlink()  # not published: neither offered nor served
    assert "files/chapters.vtt" not in client.get("/episodes/haven").text
    assert client.get("/episodes/haven/files/chapters.vtt").status_code == 404


def test_the_static_page_offers_the_files_beside_it(library):
    folder = library / "haven"
    assert 'href="en.srt" download="haven.en.srt"' in (folder / "index.html").read_text()
    episode = Episode.load(folder)
    episode.chapters, episode.provenance["topics"] = [], {"engine": None}  # --no-chapters
    episode.segments = [replace(seg, en=None) for seg in episode.segments]
    publish(folder, episode, index=False)
    offered = re.findall(r'href="([^"]+)" download=', (folder / "index.html").read_text())
    assert offered == ["nl.srt", "nl.vtt", "transcript.txt", "transcript.json"]


def test_pages_and_files_answer_head_like_get(library):
    paths = ["/", "/episodes/haven", "/episodes/haven/audio", "/episodes/haven/files/nl.vtt"]
    with running_server(library, TOKEN) as base:
        for path in paths:
            sizes = []
            for method in ("GET", "HEAD"):
                conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
                conn.request(method, path)
                reply = conn.getresponse()
                sizes.append((reply.status, reply.getheader("content-length"), len(reply.read())))
            (got, length, body), (head, head_length, head_body) = sizes
            assert (head, head_length, head_body) == (got, length, 0), path


def test_an_unknown_page_is_a_page_and_the_api_answers_json(client):
    for path in ("/episodes/nowhere", "/episodes/haven/files/secret.txt", "/nothing"):
        page = client.get(path)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert 'href="/">' in page.text and "HTTP 404" in page.text, path
    assert "No such episode" in client.get("/episodes/nowhere").text
    api = client.get("/api/episodes/nowhere")
    assert api.status_code == 404 and api.json() == {"detail": "no such episode"}


def test_episode_json(client):
    reply = client.get("/api/episodes/haven")
    doc = reply.json()
    assert doc["slug"] == "haven" and len(doc["segments"]) == 10
    # what is this machine's own stays on it: the recording's path, the stages' record
    assert "path" not in doc["source"] and "provenance" not in doc
    assert reply.headers["cache-control"] == "no-store"


def test_a_published_file_that_links_out_of_the_library_is_not_served(client, library,
                                                                      tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for listeners")
    (library / "haven" / "nl.vtt").unlink()
    (library / "haven" / "nl.vtt").symlink_to(secret)
    assert client.get("/episodes/haven/files/nl.vtt").status_code == 404


@pytest.mark.parametrize("sent", [b"Jos\xc3\xa9", b"Jos%C3%A9"])  # raw UTF-8, or as the page
def test_the_editors_name_is_logged_as_sent(client, library, sent):
    saved = client.patch(f"/api/episodes/haven/segments/{SEG}", headers=AUTH | {"X-Editor": sent},
                         json={"rev": 0, "nl": "De boten komen laat."})
    assert saved.status_code == 200
    assert json.loads((library / "haven" / "edits.jsonl").read_text())["editor"] == "José"


def test_saving_an_edit(client, library):
    saved = client.patch(f"/api/episodes/haven/segments/{SEG}", headers=AUTH | {"X-Editor": "Ann"},
                         json={"rev": 0, "nl": "De boten komen laat."})
    assert saved.status_code == 200
    body = saved.json()
    assert body["rev"] == 1 and body["segment"]["nl"] == "De boten komen laat."
    assert body["segment"]["en_stale"] and "words" not in body["segment"]
    folder = library / "haven"
    assert Episode.load(folder).segment(SEG).nl == "De boten komen laat."
    assert "De boten komen laat." in (folder / "nl.srt").read_text()
    assert json.loads((folder / "edits.jsonl").read_text())["editor"] == "Ann"
    [hit] = client.get("/api/search", params={"q": "boten", "mode": "exact"}).json()
    assert hit["segment"] == SEG
    page = client.get(hit["link"])  # the moment's page on this server
    assert page.status_code == 200 and hit["link"].endswith(f"#t={hit['start']:.2f}")


def test_a_stale_rev_gets_409_with_the_current_text(client):
    url = f"/api/episodes/haven/segments/{SEG}"
    assert client.patch(url, headers=AUTH, json={"rev": 0, "nl": "Eerste."}).status_code == 200
    refused = client.patch(url, headers=AUTH, json={"rev": 0, "nl": "Tweede."})
    assert refused.status_code == 409
    assert refused.json()["segment"]["nl"] == "Eerste." and refused.json()["rev"] == 1
    assert refused.json()["by"] == "editor"  # who saved it since: the conflict names them
    bob = AUTH | {"X-Editor": "Bob"}
    assert client.patch(url, headers=bob, json={"rev": 0, "en": "Mine."}).status_code == 200
    refused = client.patch(url, headers=AUTH | {"X-Editor": "Carol"},
                           json={"rev": 0, "nl": "Derde."})
    assert refused.json()["by"] == "editor"  # Bob's English is beside it, not in the way


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
    {"Authorization": f"Basic {TOKEN}"}, {"Cookie": f"token={TOKEN}"},
])
def test_editing_needs_the_token_as_a_bearer_header(client, library, headers):
    refused = client.patch(f"/api/episodes/haven/segments/{SEG}", headers=headers,
                           json={"rev": 0, "nl": "Ingebroken."})
    assert refused.status_code == 401
    assert Episode.load(library / "haven").segment(SEG).rev == 0


@pytest.mark.parametrize("body,status", [
    ({"rev": "0", "nl": "x"}, 422), ({"rev": 0, "nl": 5}, 422), ({"rev": 0, "words": []}, 422),
    ({"nl": "x"}, 422), ({"rev": 0}, 422), ({"rev": 0, "nl": "x" * 6000}, 422),
])
def test_bad_edit_bodies_are_refused(client, body, status):
    refused = client.patch(f"/api/episodes/haven/segments/{SEG}", headers=AUTH, json=body)
    assert refused.status_code == status


@pytest.mark.parametrize("path, body", [
    (f"segments/{SEG}", '{"rev": NaN, "nl": "x"}'),  # JSON the reply could not echo
    (f"segments/{SEG}", '{"rev": Infinity, "nl": "x"}'),
    (f"segments/{SEG}", '{"rev": 0, "nl": "a\\ud800b"}'),  # a lone surrogate: no UTF-8
    ("chapters/c1", '{"rev": 0, "title": "a\\udc00"}'),
    ("chapters/c1", '{"rev": 0, "title": "\\u200b"}'),  # shows as nothing: empty
    ("replace", '{"find": "kade", "replace": "a\\ud800"}'),
])
def test_text_no_file_can_hold_is_refused_not_a_500(client, library, path, body):
    before = (library / "haven" / "episode.json").read_bytes()
    refused = client.request("PATCH" if "/" in path else "POST", f"/api/episodes/haven/{path}",
                             content=body, headers=AUTH | {"Content-Type": "application/json"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"]
    assert (library / "haven" / "episode.json").read_bytes() == before


def test_request_bodies_are_size_limited(client):
    big = json.dumps({"rev": 0, "nl": "x" * MAX_BODY})
    refused = client.patch(f"/api/episodes/haven/segments/{SEG}", content=big,
                           headers=AUTH | {"Content-Type": "application/json"})
    assert refused.status_code == 413


def test_edits_must_be_json(client):
    form = client.patch(f"/api/episodes/haven/segments/{SEG}", headers=AUTH,
                        content='{"rev": 0, "nl": "x"}', params={})
    assert form.status_code == 422  # no Content-Type: a plain form post cannot edit


@pytest.mark.parametrize("path", [
    "/episodes/..", "/episodes/%2e%2e", "/episodes/%2E%2E/audio", "/episodes/..%2fhaven",
    "/episodes/haven%2f..", "/api/episodes/..", "/api/episodes/%2e%2e", "/episodes/nowhere",
    "/episodes/Haven", "/episodes/.hidden",
])
def test_bad_slugs_are_404_on_the_wire(library, path):
    # http.client sends the path as written; a client library would tidy the dots away.
    with running_server(library, TOKEN) as base:
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
        conn.request("GET", path)
        assert conn.getresponse().status == 404


@pytest.mark.parametrize("segment", ["..", "%2e%2e", "s00%2f..", "s0000300.json", "nowhere"])
def test_bad_segment_ids_are_404(library, segment):
    with running_server(library, TOKEN) as base:
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
        conn.request("PATCH", f"/api/episodes/haven/segments/{segment}", body=b'{"rev":0,"nl":"x"}',
                     headers=AUTH | {"Content-Type": "application/json"})
        assert conn.getresponse().status == 404


def test_token_from_the_environment_or_generated(monkeypatch):
    monkeypatch.setenv("REPORTAGE_EDITOR_TOKEN", "  from-env ")
    assert server.editor_token() == ("from-env", False)
    monkeypatch.delenv("REPORTAGE_EDITOR_TOKEN")
    first, generated = server.editor_token()
    assert generated and len(first) >= 32 and server.editor_token()[0] != first


def test_serve_without_a_library_fails_in_one_line(tmp_path):
    result = CliRunner().invoke(cli_app, ["serve", str(tmp_path / "none")])
    assert result.exit_code == 1 and result.output.startswith("error: no library folder")


def test_static_index_html_stands_alone(library):
    page = (library / "haven" / "index.html").read_text()
    assert 'src="audio.wav"' in page  # beside the page: works from disk or a static host
    assert "<style>" in page and "<script>" in page and "function indexAt" in page
    assert 'http-equiv="Content-Security-Policy"' in page and "unsafe-inline" not in page
    for reference in ("/static/", "http://", "https://", "editor.js", "<textarea"):
        assert reference not in page
    assert XSS_SCRIPT not in page and "<img" not in page
    assert "alert(1)" in page and "&lt;script" not in page  # the words, as every output
    assert XSS_IMG not in page


def test_publish_command_writes_index_html(library):
    (library / "haven" / "index.html").unlink()
    result = CliRunner().invoke(cli_app, ["publish", "haven", "--library", str(library)])
    assert result.exit_code == 0
    assert "Dank voor het luisteren." in (library / "haven" / "index.html").read_text()


def test_publish_carries_on_past_a_damaged_episode(library):
    shutil.copytree(library / "haven", library / "aa-kapot")  # sorted before haven
    (library / "aa-kapot" / "episode.json").write_text("{not json")
    (library / "haven" / "nl.srt").unlink()
    result = CliRunner().invoke(cli_app, ["publish", "--library", str(library)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("error: ") and "aa-kapot" in lines[0]
    assert lines[1].startswith("✓ haven:") and (library / "haven" / "nl.srt").is_file()


def test_serve_on_a_taken_port_fails_in_one_line(library):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli_app, ["serve", str(library), "--port", str(port)])
    assert result.exit_code == 1 and result.output.startswith("error: cannot listen on")
    assert "token" not in result.output


def test_serve_builds_a_missing_search_index_first_and_stops_in_one_line(library):
    (library / "index.sqlite").unlink()
    with socket.create_server(("127.0.0.1", 0)) as free:
        port = free.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REPORTAGE_EDITOR_TOKEN": TOKEN}
    server_process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", str(library), "--port", str(port)],
        stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a terminal's
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            break
        time.sleep(0.2)
    server_process.send_signal(signal.SIGINT)
    _, err = server_process.communicate(timeout=60)
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0] == "no search index yet: indexing every episode of the library"  # before
    # serving: an editor's first save would have built it, holding the episode's lock
    assert "Traceback" not in err and "resume" not in err  # nothing of a run to resume
    assert lines[-1] == "stopped"


def test_a_linked_episode_folder_is_the_episode_of_the_links_name(library, tmp_path):
    """A producer links an episode into a second library: it is that library's `haven-link`."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "haven-link").symlink_to(library / "haven")
    client = TestClient(create_app(other, TOKEN, {"testserver"}))
    assert client.get("/api/episodes/haven-link").json()["slug"] == "haven-link"
    seg = client.get("/api/episodes/haven-link").json()["segments"][1]
    saved = client.patch(f"/api/episodes/haven-link/segments/{seg['id']}", headers=AUTH,
                         json={"rev": seg["rev"], "nl": "De schepen komen laat."})
    assert saved.status_code == 200, saved.text
    assert saved.json()["segment"]["nl"] == "De schepen komen laat."


def test_a_damaged_episode_is_a_page_saying_so_and_json_for_a_program(client, library, caplog):
    (library / "haven" / "episode.json").write_text('{"slug": "haven", "segm')
    shown = client.get("/episodes/haven")
    assert shown.status_code == 500 and shown.headers["content-type"].startswith("text/html")
    assert "episode.json" in shown.text and "<!doctype html>" in shown.text.lower()
    detail = client.get("/api/episodes/haven").json()["detail"]
    assert detail.startswith("haven/episode.json") and str(library) not in detail
    assert "GET /episodes/haven" in caplog.text  # and the console of whoever serves it


def test_a_damaged_search_index_leaves_the_pages_and_the_editor_served(library, tmp_path):
    copy = tmp_path / "lib"
    shutil.copytree(library, copy)
    (copy / "index.sqlite").write_bytes(b"not a database" * 100)
    with socket.create_server(("127.0.0.1", 0)) as taken:  # it gets as far as listening
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli_app, ["serve", str(copy), "--port", str(port)])
    first, second = result.output.splitlines()[:2]
    assert first.startswith("warning: search is off: ") and "index --rebuild" in first
    assert second.startswith("error: cannot listen on")


def test_a_dutch_only_episode_shows_no_language_toggle(library, client):
    folder = library / "haven"
    episode = Episode.load(folder)
    for seg in episode.segments:
        seg.en = None
    episode.save(folder)
    assert 'name="lang"' not in client.get("/episodes/haven").text
    assert 'data-lang="nl"' in client.get("/episodes/haven").text
    assert 'name="lang"' in client.get("/episodes/haven?edit=1").text  # editors may add English


def test_opening_the_editor_lays_out_the_subtitles_ahead_of_a_save(client):
    from pipeline.formats import cues as subtitles

    subtitles._group_run.cache_clear()
    assert client.get("/episodes/haven?edit=1").status_code == 200
    deadline = time.monotonic() + 20
    while subtitles._group_run.cache_info().currsize == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert subtitles._group_run.cache_info().currsize > 0
