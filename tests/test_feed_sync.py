"""`reportage feed add` / `feed sync`: a producer's feed served from a local HTTP server, its new
enclosures downloaded (resumably, within a size limit) and processed once by guid, bad feeds and
bad items one line each, and the augmented copy equal to the original but for the added tags."""

from __future__ import annotations

import json
import os
import re
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest
from audiogen import clip, write_audio
from conftest import ROOT

from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.formats.feed import PODCAST
from pipeline.intake import subscriptions
from pipeline.intake import sync as sync_module

FLAGS = ("--no-translate", "--no-chapters", "--no-speakers")
BASE = "https://example.org/pod/"


class Site:
    """Files served by path; Range supported; /hang never answers until released."""

    def __init__(self):
        self.files: dict[str, tuple[bytes, str]] = {}
        self.ranges: list[str] = []
        self.release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.startswith("/hang"):
                    site.release.wait(20)
                    return
                if self.path not in site.files:
                    self.send_error(404)
                    return
                body, kind = site.files[self.path]
                start, status = 0, 200
                wanted = self.headers.get("Range")
                if wanted:
                    site.ranges.append(f"{self.path} {wanted}")
                    start, status = int(re.match(r"bytes=(\d+)-", wanted).group(1)), 206
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body) - start))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.end_headers()
                self.wfile.write(body[start:])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    # Speech: a feed links only transcripts that hold something.
    return write_audio(tmp_path_factory.mktemp("audio") / "speech.wav",
                       clip("vl00203")).read_bytes()


def rss(items: str, extra_ns: str = 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
        ) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- producer feed -->\n'
            f'<rss version="2.0" {extra_ns}>\n  <channel>\n    <title>Haven &amp; stad</title>\n'
            f'    <itunes:author>Redactie</itunes:author>\n{items}  </channel>\n</rss>\n').encode()


def item(title: str, url: str, guid: str, kind: str = "audio/wav", date: str = "") -> str:
    return (f"    <item>\n      <title>{title}</title>\n"
            f'      <description><![CDATA[<p>about </item> {title}</p>]]></description>\n'
            f'      <enclosure url="{url}" length="1" type="{kind}"/>\n'
            + (f"      <pubDate>{date}</pubDate>\n" if date else "")
            + f"      <guid isPermaLink=\"false\">{guid}</guid>\n    </item>\n")


def sync(cli, library, *extra):
    return cli("feed", "sync", "--library", str(library), *FLAGS, *extra)


def strip_added(root: ET.Element) -> None:
    for parent in root.iter():
        for child in list(parent):
            if child.tag.startswith(f"{{{PODCAST}}}"):
                parent.remove(child)


def canonical(root: ET.Element) -> list:
    return [(e.tag, e.attrib, (e.text or "").strip(), (e.tail or "").strip()) for e in root.iter()]


def test_add_sync_resume_once_by_guid_and_augmented_copy(cli, tmp_path, site, wav):
    library = tmp_path / "lib"
    site.files["/a.wav"] = (wav, "audio/wav")
    site.files["/b"] = (wav, "audio/x-wav")  # no extension: the type decides
    original = rss(item("Aflevering één", f"{site.url}/a.wav", "guid-a")
                   + item("Tweede", f"{site.url}/b", "guid-b")
                   + "    <item><title>Zonder audio</title></item>\n")
    site.files["/feed.xml"] = (original, "application/rss+xml")
    # an interrupted earlier try left the first half of episode a
    (library / ".downloads").mkdir(parents=True)
    (library / ".downloads" / "aflevering-een.wav.part").write_bytes(wav[:len(wav) // 2])

    added = cli("feed", "add", f"{site.url}/feed.xml", "--library", str(library))
    assert added.rc == 0, added.err
    assert cli("feed", "add", f"{site.url}/feed.xml", "--library", str(library)).rc == 0
    [feed] = subscriptions.load(library)
    assert feed.name == "feed"

    result = sync(cli, library, "--base-url", BASE)
    assert result.rc == 0, result.err
    assert "error" not in result.err
    assert site.ranges == [f"/a.wav bytes={len(wav) // 2}-"]
    for slug in ("aflevering-een", "tweede"):
        copy = library / slug / "audio.wav"
        assert copy.read_bytes() == wav  # the resumed download is whole
    assert subscriptions.load(library)[0].done == {"guid-a": "aflevering-een",
                                                   "guid-b": "tweede"}
    assert not list((library / ".downloads").glob("*.part"))

    augmented = (library / "feeds" / "feed.xml").read_bytes()
    inserted = re.compile(rb"  <podcast:(?:transcript|chapters) [^>]*/>\n    ")  # on own lines
    assert inserted.findall(augmented)
    rest = inserted.sub(b"",
                  augmented).replace(f' xmlns:podcast="{PODCAST}"'.encode(), b"")
    assert rest == original  # byte for byte, but for the added tags and the namespace
    root, before = ET.fromstring(augmented), ET.fromstring(original)
    items = root.find("channel").findall("item")
    links = [t.get("url") for t in items[0].findall(f"{{{PODCAST}}}transcript")]
    assert f"{BASE}aflevering-een/transcript.json" in links
    assert items[1].find(f"{{{PODCAST}}}transcript") is not None
    assert items[2].find(f"{{{PODCAST}}}transcript") is None
    strip_added(root)
    assert canonical(root) == canonical(before)
    parsed = feedparser.parse(augmented)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == ["Aflevering één", "Tweede", "Zonder audio"]
    assert "podcast_transcript" in parsed.entries[0]  # feedparser sees the added tags
    assert "podcast_transcript" not in parsed.entries[2]

    again = sync(cli, library, "--base-url", BASE)
    assert again.rc == 0, again.err
    assert "→" not in again.err  # nothing processed a second time
    assert (library / "feeds" / "feed.xml").read_bytes() == augmented


def test_items_keep_their_title_date_and_address_and_long_titles_two_episodes(
        cli, tmp_path, site, wav):
    library = tmp_path / "lib"
    library.mkdir()
    (library / "glossary.toml").write_text('[[term]]\ntext = "Creemers"\n', encoding="utf-8")
    series = "Radio " + "x" * 83 + " uitzending"  # the slug's 90th character is a "-"
    site.files["/1.wav"] = (wav, "audio/wav")
    site.files["/2.wav"] = (wav + b"\0\0", "audio/wav")
    feed = rss(item(f"{series} deel 2", f"{site.url}/2.wav", "g2",
                    date="Wed, 02 Dec 2026 06:00:00 +0100")
               + item(f"{series} deel 1", f"{site.url}/1.wav", "g1",
                      date="Tue, 01 Dec 2026 06:00:00 +0100"))
    site.files["/feed.xml"] = (feed, "application/rss+xml")
    assert cli("feed", "add", f"{site.url}/feed.xml", "--library", str(library)).rc == 0
    result = sync(cli, library)
    assert result.rc == 0, result.err
    done = subscriptions.load(library)[0].done
    assert len(set(done.values())) == 2  # two episodes, not one written over the other
    for guid, n, day in (("g1", 1, "01"), ("g2", 2, "02")):
        episode = Episode.load(library / done[guid])
        assert episode.title == f"{series} deel {n}"  # the item's, not the download's name
        assert episode.created == f"2026-12-{day}T06:00:00+01:00"  # the feed's order holds
        assert episode.source.path == f"{site.url}/{n}.wav"
        assert episode.guid == guid  # our feed names it as the producer's does
        assert "glossary" in episode.provenance  # the library's glossary, as process uses it


def test_bad_feeds_and_items_one_line_each_the_rest_goes_on(cli, tmp_path, site, wav):
    library = tmp_path / "lib"
    site.files["/good.wav"] = (wav, "audio/wav")
    site.files["/big.wav"] = (wav * 40, "audio/wav")
    site.files["/page.mp3"] = (b"<html>nope</html>", "text/html")
    good = rss(item("Goed", f"{site.url}/good.wav", "g1")
               + item("Groot", f"{site.url}/big.wav", "g2")
               + item("Weg", f"{site.url}/missing.mp3", "g3")
               + item("Pagina", f"{site.url}/page.mp3", "g4", kind="audio/mpeg")
               # a feed on the web must not make us read this machine's files
               + item("Hier", (tmp_path / "secret.wav").as_uri(), "g5")
               + item("Kapot", "http://x:abc/a.mp3", "g6"))
    (tmp_path / "secret.wav").write_bytes(wav)
    site.files["/good.xml"] = (good, "application/rss+xml")
    site.files["/notxml.xml"] = (b"this is not < xml", "text/plain")
    site.files["/atom.xml"] = (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "text/xml")
    site.files["/empty.xml"] = (rss("    <item><title>x</title></item>\n"), "text/xml")
    local = tmp_path / "local.xml"
    local.write_bytes(rss(item("Lokaal", f"{site.url}/good.wav", "l1")))
    for feed in ("/notxml.xml", "/atom.xml", "/empty.xml", "/hang.xml", "/good.xml"):
        assert cli("feed", "add", site.url + feed, "--library", str(library)).rc == 0
    # a local feed named relative to the current folder, as a producer types it
    assert cli("feed", "add", os.path.relpath(local, ROOT), "--library", str(library)).rc == 0
    bad_add = cli("feed", "add", str(tmp_path / "nope.xml"), "--library", str(library))
    assert bad_add.rc == 1 and bad_add.err.startswith("error:")
    (tmp_path / "notes.txt").write_text("geen feed")
    not_rss = cli("feed", "add", str(tmp_path / "notes.txt"), "--library", str(library))
    assert not_rss.rc == 1 and not_rss.err.startswith("error: ") and "not XML" in not_rss.err
    assert len(not_rss.err.splitlines()) == 1
    assert "notes" not in (library / "feeds.json").read_text()
    existing = library / "bestaand"
    existing.mkdir()
    (existing / "marker").write_text("untouched")

    result = sync(cli, library, "--max-mb", str(len(wav) * 10 / 2**20), "--timeout", "1",
                  "--base-url", BASE)
    assert result.rc == 1
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 9, result.err
    text = "\n".join(errors)
    assert "notxml: not XML" in text
    assert "atom: not an RSS feed" in text
    assert "empty: no item has an enclosure" in text
    assert "hang: " in text and "no answer within 1 s" in text
    assert "Groot:" in text and "over the limit" in text
    assert "Weg:" in text and "HTTP 404" in text
    assert "Pagina:" in text and "not audio" in text
    assert "Hier:" in text and "not an http(s) address" in text and not (library / "hier").exists()
    assert "Kapot:" in text and "not a valid address" in text
    assert (library / "goed" / "audio.wav").read_bytes() == wav
    assert (library / "lokaal" / "audio.wav").read_bytes() == wav
    assert (existing / "marker").read_text() == "untouched"
    assert not list((library / ".downloads").glob("*.part"))
    done = {f.name: f.done for f in subscriptions.load(library)}
    assert done["good"] == {"g1": "goed"} and done["local"] == {"l1": "lokaal"}
    # A copy whose enclosures are files on this machine is no feed for podcast apps: said.
    unfetchable = [line for line in result.err.splitlines() if "apps cannot fetch" in line]
    assert len(unfetchable) == 1 and "good.xml" in unfetchable[0], result.err


def test_a_dead_link_is_given_up_after_three_syncs_until_retry(cli, tmp_path, site):
    library = tmp_path / "lib"
    site.files["/feed.xml"] = (rss(item("Weg", f"{site.url}/missing.mp3", "g1")), "text/xml")
    assert cli("feed", "add", f"{site.url}/feed.xml", "--library", str(library)).rc == 0
    said = []
    for _ in range(4):
        run = sync(cli, library)
        said.append((run.rc, [line for line in run.err.splitlines() if "Weg" in line]))
    assert [rc for rc, _ in said] == [1, 1, 1, 0]  # a cron job is not failed for ever
    assert "HTTP 404" in said[0][1][0] and "tried 2 more times" in said[0][1][0]
    assert "left out from now on" in said[2][1][0]
    assert said[3][1] == ["warning: feed: Weg: left out, it failed 3 syncs in a row (--retry "
                          "tries it again)"]
    again = sync(cli, library, "--retry")
    assert again.rc == 1 and "HTTP 404" in again.err


def test_a_feed_keeps_the_name_the_producer_gave_or_is_refused(tmp_path):
    one, two = tmp_path / "argos.xml", tmp_path / "other.xml"
    for path in (one, two):
        path.write_bytes(rss(""))
    library = tmp_path / "lib"
    library.mkdir()
    assert subscriptions.add(library, str(one), "Argos Radio")[0].name == "argos-radio"
    with pytest.raises(ReportageError, match="named 'argos-radio' already"):
        subscriptions.add(library, str(two), "argos radio")  # was renamed argos-radio-2
    with pytest.raises(ReportageError, match="cannot name a feed"):
        subscriptions.add(library, str(two), "///")  # was a made-up episode-<hash>
    assert subscriptions.add(library, str(two))[0].name == "other"  # from the file, as before


@pytest.mark.parametrize("feed", [
    {"name": "../../escaped", "source": "https://example.org/feed.xml", "done": {}},
    {"name": "feed", "source": 5, "done": {}},
    {"name": "feed", "source": "https://example.org/feed.xml", "done": {"g1": 5}},
    {"name": "feed", "source": "https://example.org/feed.xml", "done": {"g1": "../../x"}},
])
def test_a_hand_damaged_feeds_file_is_one_line(cli, tmp_path, feed):
    from conftest import one_error_line

    library = tmp_path / "lib"
    library.mkdir()
    (library / "feeds.json").write_text(json.dumps({"feeds": [feed]}), encoding="utf-8")
    run = sync(cli, library, "--base-url", BASE)
    assert "not a feeds file" in one_error_line(run) and run.rc == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib"]  # nothing written outside


def test_two_items_of_one_title_never_share_an_episode(cli, tmp_path, site, wav):
    library = tmp_path / "lib"
    site.files["/2.wav"] = (wav + b"\0\0", "audio/wav")
    site.files["/3.wav"] = (wav + b"\0\0\0\0", "audio/wav")
    items = {n: item("Nieuws", f"{site.url}/{n}.wav", f"g{n}") for n in (1, 2, 3)}
    site.files["/feed.xml"] = (rss(items[3]), "application/rss+xml")
    assert cli("feed", "add", f"{site.url}/feed.xml", "--library", str(library)).rc == 0
    assert sync(cli, library).rc == 0  # g3 is "nieuws"
    # An older sync left g2 a pending download under the name g3 took since: not trusted.
    downloads = library / ".downloads"
    (downloads / sync_module._slug_file(sync_module.Item(0, "g2", "", "", ""))).write_text(
        "nieuws")
    # g1 fails its first sync: the name it keeps for its next try is no other item's.
    site.files["/feed.xml"] = (rss(items[1] + items[2] + items[3]), "application/rss+xml")
    first = sync(cli, library)
    assert first.rc == 1 and "HTTP 404" in first.err and "another recording" not in first.err
    site.files["/1.wav"] = (wav, "audio/wav")
    second = sync(cli, library)
    assert second.rc == 0, second.err
    done = subscriptions.load(library)[0].done
    assert len(set(done.values())) == 3
    assert all(Episode.load(library / slug).guid == guid for guid, slug in done.items())


def test_a_second_sync_at_once_stops_in_one_line(cli, tmp_path):
    from conftest import one_error_line

    library, feed = tmp_path / "lib", tmp_path / "feed.xml"
    feed.write_bytes(rss(item("Weg", "https://example.org/weg.mp3", "g1")))
    assert cli("feed", "add", str(feed), "--library", str(library)).rc == 0
    with sync_module.syncing(library):
        stopped = sync(cli, library, "--quiet")
        assert "another `reportage feed sync` is running" in one_error_line(stopped)
    assert subscriptions.load(library)[0].failed == {}  # it touched nothing
    typo = tmp_path / "typo" / "lib"
    assert "no feeds in" in one_error_line(sync(cli, typo))
    assert not typo.parent.exists()  # a mistyped --library makes nothing


def test_feeds_added_at_once_are_all_remembered(tmp_path):
    library = tmp_path / "lib"
    library.mkdir()
    paths = [tmp_path / f"feed{n}.xml" for n in range(12)]
    for path in paths:
        path.write_bytes(rss(""))
    adders = [threading.Thread(target=subscriptions.add, args=(library, str(p))) for p in paths]
    for adder in adders:
        adder.start()
    for adder in adders:
        adder.join()
    assert sorted(f.name for f in subscriptions.load(library)) == sorted(p.stem for p in paths)


def test_a_pending_name_another_episode_has_is_never_taken(tmp_path):
    downloads, pending = tmp_path / ".downloads", sync_module.Item(0, "g1", "Nieuws", "", "")
    downloads.mkdir()
    (downloads / sync_module._slug_file(pending)).write_text("nieuws")
    assert sync_module._pending_slug(downloads, pending, tmp_path, set()) == "nieuws"
    assert sync_module._pending_slug(downloads, pending, tmp_path, {"nieuws"}) is None
    assert not (downloads / sync_module._slug_file(pending)).exists()  # dropped for good
    (downloads / sync_module._slug_file(pending)).write_text("nieuws")
    (tmp_path / "nieuws").mkdir()
    document = tmp_path / "nieuws" / "episode.json"
    document.write_text('{"slug": "nieuws", "guid": "g1"}')  # its own, half done: resumed
    assert sync_module._pending_slug(downloads, pending, tmp_path, set()) == "nieuws"
    (downloads / "nieuws.mp3.part").write_bytes(b"half")
    (downloads / "nieuws-2.mp3.part").write_bytes(b"another item's")
    document.write_text('{"slug": "nieuws"}')  # an episode from before feeds had guids
    assert sync_module._pending_slug(downloads, pending, tmp_path, set()) is None
    # the dropped name's download and note go: nothing would ever resume them
    assert sorted(p.name for p in downloads.iterdir()) == ["nieuws-2.mp3.part"]
