"""`reportage feed build`: the library as an RSS 2.0 podcast feed with iTunes and Podcasting 2.0
tags, read back by feedparser and checked element by element with ElementTree."""

from __future__ import annotations

import html
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import feedparser
import pytest
from conftest import one_error_line
from web_fixtures import AUDIO, make_library, write_wav

from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.formats.feed import ITUNES, PODCAST, base_url, load_config, write_feed

BASE = "https://example.org/pod/"
NS = {"itunes": ITUNES, "podcast": PODCAST}


@pytest.fixture
def library(tmp_path):
    return make_library(tmp_path)


def build(cli, library, *extra: str):
    return cli("feed", "build", "--base-url", BASE.rstrip("/"), "--library", str(library), *extra)


def copied(library):
    """A copy of "haven" as a newer episode, "markt": the same audio."""
    second = library / "markt"
    shutil.copytree(library / "haven", second)
    episode = Episode.load(second)
    episode.slug, episode.created = "markt", "2026-12-05T09:30:00Z"
    episode.save(second)
    return second, episode


def ids(library) -> list[str]:
    """The guids of feed.xml's items, in its order."""
    return [e.id for e in feedparser.parse((library / "feed.xml").read_bytes()).entries]


def test_feed_items_read_back_by_feedparser(cli, library):
    result = build(cli, library)
    assert result.rc == 0, result.err
    assert "1 episode" in result.err
    path = library / "feed.xml"
    assert not [p for p in library.iterdir() if p.name.endswith(".tmp")]  # written atomically
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.feed.title == "reportage"
    assert feed.feed.language == "nl"
    [entry] = feed.entries
    episode = Episode.load(library / "haven")
    assert entry.title == episode.title  # "<b>" in a title is text, escaped by ElementTree
    [enclosure] = entry.enclosures
    assert enclosure.href == f"{BASE}haven/{AUDIO}"
    assert int(enclosure.length) == (library / "haven" / AUDIO).stat().st_size
    assert enclosure.type == "audio/wav"
    assert entry.id == episode.source.sha256
    assert entry.guidislink is False
    assert entry.published == "Sat, 28 Nov 2026 05:00:00 +0000"
    assert datetime(*entry.published_parsed[:6], tzinfo=timezone.utc) == \
        datetime.fromisoformat(episode.created)
    assert entry.itunes_duration == "30"


def test_feed_namespaced_elements_exactly(cli, library):
    assert build(cli, library).rc == 0
    root = ET.parse(library / "feed.xml").getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    [item] = root.findall("channel/item")
    guid = item.find("guid")
    assert guid.get("isPermaLink") == "false" and guid.text == "0" * 64
    assert item.find("itunes:duration", NS).text == "30"
    transcripts = {(t.get("url"), t.get("type"), t.get("language"))
                   for t in item.findall("podcast:transcript", NS)}
    url = f"{BASE}haven/"
    assert transcripts == {
        (url + "transcript.json", "application/json", "nl"),
        (url + "nl.vtt", "text/vtt", "nl"), (url + "en.vtt", "text/vtt", "en"),
        (url + "nl.podcast.srt", "application/x-subrip", "nl"),
        (url + "en.podcast.srt", "application/x-subrip", "en"),
    }
    [chapters] = item.findall("podcast:chapters", NS)
    assert chapters.attrib == {"url": url + "chapters.json", "type": "application/json+chapters"}
    assert item.find("link").text == url + "index.html"  # the listener page


def test_only_files_that_exist_are_listed(library):
    folder = library / "haven"
    for name in ("en.podcast.srt", "en.srt", "en.vtt"):
        (folder / name).unlink()
    (folder / "nl.podcast.srt").unlink()  # published before there was one: the broadcast SRT
    (folder / "chapters.json").write_bytes(b"")  # damaged: no use to a podcast app
    write_feed(library, BASE)
    root = ET.parse(library / "feed.xml").getroot()
    item = root.find("channel/item")
    langs = sorted(t.get("language") for t in item.findall("podcast:transcript", NS))
    assert langs == ["nl", "nl", "nl"]
    assert f"{BASE}haven/nl.srt" in [t.get("url") for t in item.findall("podcast:transcript", NS)]
    assert item.find("podcast:chapters", NS) is None


def test_files_with_nothing_in_them_are_not_listed(library):
    from pipeline.stages.publish import publish

    folder = library / "haven"
    episode = Episode.load(folder)
    for seg in episode.segments:  # an episode of silence, translated: the bundle, empty
        seg.nl, seg.en = "", ""
    episode.chapters = []
    episode.provenance["translate"] = {}
    publish(folder, episode)
    assert (folder / "en.vtt").read_text().startswith("WEBVTT")  # there, for what reads it
    write_feed(library, BASE)
    item = ET.parse(library / "feed.xml").getroot().find("channel/item")
    assert item.findall("podcast:transcript", NS) == []
    assert item.find("podcast:chapters", NS) is None


def test_a_new_transcript_not_translated_publishes_no_english(library):
    from pipeline.stages.publish import publish

    folder = library / "haven"
    episode = Episode.load(folder)
    for seg in episode.segments:  # transcribed again with --no-translate: the old record stays
        seg.en = None
    episode.provenance["translate"] = {}
    assert (folder / "en.srt").exists()  # the English of the transcript before
    publish(folder, episode)
    assert not (folder / "en.srt").exists() and not (folder / "en.vtt").exists()


def test_feed_toml_sets_the_channel(cli, library):
    (library / "feed.toml").write_text(
        'title = "Havenverhalen & meer"\nauthor = "De Redactie"\nlanguage = "nl-BE"\n'
        'image = "https://example.org/cover.jpg"\ndescription = "Reportages uit de haven."\n'
        'link = "https://example.org/"\ncategory = "Society & Culture"\n', encoding="utf-8")
    result = build(cli, library)
    assert result.rc == 0 and "warning" not in result.err
    feed = feedparser.parse((library / "feed.xml").read_bytes())
    assert feed.feed.title == "Havenverhalen & meer"
    assert feed.feed.language == "nl-BE"
    assert feed.feed.link == "https://example.org/"
    assert feed.feed.subtitle == "Reportages uit de haven."
    assert feed.feed.author == "De Redactie"
    assert feed.feed.image.href == "https://example.org/cover.jpg"
    channel = ET.parse(library / "feed.xml").getroot().find("channel")
    assert channel.find("itunes:author", NS).text == "De Redactie"
    assert channel.find("itunes:image", NS).get("href") == "https://example.org/cover.jpg"
    assert channel.find("itunes:category", NS).get("text") == "Society & Culture"


def test_newest_first_and_a_second_episode(library):
    folder = library / "haven"
    second, episode = copied(library)
    episode.title = "De markt"
    episode.save(second)
    result = write_feed(library, BASE)
    assert result.items == 2
    assert result.warnings == [f"no {library / 'feed.toml'}: no image or category, and Apple "
                               "Podcasts lists no feed without both"]
    feed = feedparser.parse((library / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["De markt", Episode.load(folder).title]
    assert feed.entries[0].published == "Sat, 05 Dec 2026 09:30:00 +0000"
    # the same audio twice: the older episode keeps the hash, the newer one its own id
    copy_id = "reportage:markt:" + "0" * 12
    assert [e.id for e in feed.entries] == [copy_id, "0" * 64]
    # ... which it keeps when the older one goes: apps would take it for the episode removed
    shutil.rmtree(folder)
    write_feed(library, "https://example.org/other/")  # the feed moved, too
    assert ids(library) == [copy_id]
    shutil.copytree(second, folder)  # "haven" again, published with the audio's hash
    write_feed(library, BASE)
    assert ids(library) == [copy_id, "0" * 64]
    # another recording processed under a published episode's name is a new episode to apps
    other = Episode.load(folder)
    other.source.sha256 = "1" * 64
    other.save(folder)
    write_feed(library, BASE)
    assert ids(library) == [copy_id, "1" * 64]
    # ... even when it is a copy of another episode's audio, and so named by its name
    shutil.rmtree(second)
    write_feed(library, BASE)
    shutil.copytree(folder, second)
    renamed = Episode.load(second)
    renamed.slug, renamed.created = "markt", "2026-12-06T09:30:00Z"
    renamed.save(second)
    write_feed(library, BASE)
    assert ids(library) == ["reportage:markt:" + "1" * 12, "1" * 64]


def test_a_feed_from_before_the_hash_keeps_its_copys_id(library):
    second, episode = copied(library)
    write_feed(library, BASE)
    xml = (library / "feed.xml").read_text(encoding="utf-8")
    (library / "feed.xml").write_text(xml.replace("reportage:markt:" + "0" * 12,
                                                  "reportage:markt"), encoding="utf-8")
    write_feed(library, BASE)
    assert ids(library) == ["reportage:markt", "0" * 64]
    # ... but another recording processed under its name is a new episode to apps
    episode.source.sha256 = "3" * 64
    episode.save(second)
    write_feed(library, BASE)
    assert ids(library) == ["3" * 64, "0" * 64]


def test_a_copy_left_out_for_a_while_never_takes_a_removed_episodes_id(library):
    second, episode = copied(library)
    write_feed(library, BASE)
    copy_id = "reportage:markt:" + "0" * 12
    shutil.rmtree(library / "haven")
    write_feed(library, BASE)
    (second / AUDIO).rename(library.parent / AUDIO)  # away for one build: left out
    assert write_feed(library, BASE).items == 0
    (library.parent / AUDIO).rename(second / AUDIO)
    write_feed(library, BASE)  # back with its own id, not the removed original's
    assert ids(library) == [copy_id]


def test_a_feed_whose_links_were_damaged_by_hand_is_built_again(library):
    write_feed(library, BASE)
    feed = library / "feed.xml"
    feed.write_text(feed.read_text(encoding="utf-8").replace(BASE, "https://[example.org/"),
                    encoding="utf-8")
    assert write_feed(library, BASE).items == 1  # the guid is remembered beside it
    assert [e.id for e in feedparser.parse(feed.read_bytes()).entries] == ["0" * 64]


def test_a_copys_id_stays_with_a_new_master(library):
    second, episode = copied(library)
    write_feed(library, BASE)
    episode.guid, episode.source.sha256 = "0" * 64, "2" * 64  # as ingest keeps a new master
    episode.save(second)
    write_feed(library, BASE)
    assert ids(library) == ["reportage:markt:" + "0" * 12, "0" * 64]


@pytest.mark.parametrize("damage", ["missing", "empty"])
def test_an_episode_without_audio_is_left_out_with_a_warning(cli, library, damage):
    (library / "haven" / AUDIO).unlink()
    if damage == "empty":
        (library / "haven" / AUDIO).write_bytes(b"")
    result = build(cli, library)
    assert result.rc == 0
    assert "warning: haven: left out of the feed" in result.err
    assert feedparser.parse((library / "feed.xml").read_bytes()).entries == []


def test_a_damaged_episode_is_left_out_and_the_build_exits_1(cli, library):
    shutil.copytree(library / "haven", library / "kapot")
    (library / "kapot" / "episode.json").write_text('{"slug": "kapot", "segm')
    result = build(cli, library)
    assert result.rc == 1  # a scheduled build must notice the episode its feed lacks
    assert "warning: kapot: left out of the feed" in result.err and "Traceback" not in result.err
    assert len(feedparser.parse((library / "feed.xml").read_bytes()).entries) == 1  # written


def test_empty_library_gives_a_valid_feed_and_a_warning(cli, tmp_path):
    library = tmp_path / "empty"
    library.mkdir()
    result = build(cli, library)
    assert result.rc == 0, result.err
    assert "warning: no episodes" in result.err
    feed = feedparser.parse((library / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries == [] and feed.feed.title == "reportage"


def test_base_url_is_checked_and_gets_its_slash():
    assert base_url("https://example.org/pod") == "https://example.org/pod/"
    assert base_url("http://example.org/") == "http://example.org/"
    assert base_url("https://x.org/100%25/") == "https://x.org/100%25/"
    # as every app reads it: the host in IDNA, the rest %-escaped
    assert base_url("https://één.nl/één-vandaag") == "https://xn--n-9faa.nl/%C3%A9%C3%A9n-vandaag/"
    for bad in ("example.org/pod", "ftp://example.org/", "https://", "https://x.org/?a=1",
                "javascript:alert(1)", 'https://example.org/"<>/', "https://x.org/a|b/",
                "https://x.org/100%/", "https://x.org/%zz/",
                "https://example.org/pod/?", "https://example.org/pod/#",
                "https://" + "a" * 70 + "é.nl/"):
        with pytest.raises(ReportageError):
            base_url(bad)


@pytest.mark.parametrize("content, says", [
    (b"title = \"Caf\xe9\"\n", "not UTF-8"),
    (b"title = = 3\n", "not valid TOML"),
    (b"title = 3\n", "title must be a string"),
    (b"language = [\"nl\"]\n", "language must be a string"),
    (b"language = \"Nederlands!\"\n", "language must be a language code"),
    (b"image = \"cover.jpg\"\n", "image must be an http"),
    (b"titel = \"x\"\n", "unknown key 'titel'"),
])
def test_a_bad_feed_toml_is_one_line(cli, library, content, says):
    (library / "feed.toml").write_bytes(content)
    assert says in one_error_line(build(cli, library))
    assert not (library / "feed.xml").exists()


def test_bad_base_url_and_missing_library_are_one_line(cli, library, tmp_path):
    line = one_error_line(cli("feed", "build", "--base-url", "example.org", "--library",
                              str(library)))
    assert "--base-url" in line
    assert "no library folder" in one_error_line(build(cli, tmp_path / "nowhere"))


def test_load_config_defaults(tmp_path):
    config = load_config(tmp_path)
    assert (config.title, config.language) == ("reportage", "nl")


def test_the_feeds_srt_meets_the_podcast_profile_and_names_each_turn(tmp_path):
    from synthetic import synthetic_episode

    from pipeline.formats.conformance import check_file
    from pipeline.formats.cues import PODCAST
    from pipeline.stages.publish import publish

    library = tmp_path / "lib"
    folder = library / "synthetisch"
    folder.mkdir(parents=True)
    episode = synthetic_episode("synthetisch")
    episode.speakers = {"Anna": "Anna de Vries-van Oosterhout"}  # a long name wraps
    episode.source.file = AUDIO
    write_wav(folder / AUDIO, episode.source.duration_s)
    episode.save(folder)
    publish(folder, episode)
    write_feed(library, BASE)
    item = ET.parse(library / "feed.xml").getroot().find("channel/item")
    srts = [t.get("url") for t in item.findall("podcast:transcript", NS)
            if t.get("type") == "application/x-subrip"]
    assert srts == [f"{BASE}synthetisch/nl.podcast.srt", f"{BASE}synthetisch/en.podcast.srt"]
    for lang in ("nl", "en"):
        path = folder / f"{lang}.podcast.srt"
        assert check_file(path, PODCAST).hard == []
        cards = [block.split("\n", 2)[2] for block in path.read_text().strip().split("\n\n")]
        assert cards[0].startswith("Anna de Vries-van\nOosterhout: ")  # never alone on a line
        assert sum(card.startswith("Anna de Vries-van") for card in cards) == 2  # her two turns
        assert sum(card.startswith("Bram: ") for card in cards) == 2
        assert "Anna" not in (folder / f"{lang}.srt").read_text()  # the plain SRT: no names


def test_a_new_master_keeps_the_episodes_guid(library, tmp_path):
    from pipeline import audio
    from pipeline.stages.ingest import ingest, keep_audio

    def guid() -> str:
        write_feed(library, BASE)
        return ET.parse(library / "feed.xml").getroot().find("channel/item/guid").text

    folder = library / "haven"
    first = guid()  # a document from before guids: its audio's hash
    master = tmp_path / "haven.wav"
    write_wav(master, 31.0)  # re-encoded, a second longer: another hash
    episode = ingest(folder, master, audio.probe(master), replace=True)
    keep_audio(folder, master, episode.source)
    episode.save(folder)
    assert episode.source.sha256 != first and guid() == first  # apps see the same episode


def test_a_copied_episode_folder_is_an_episode_of_its_own_name(library):
    shutil.copytree(library / "haven", library / "haven-kopie")  # its document still says haven
    result = write_feed(library, BASE)
    assert result.items == 2
    root = ET.parse(library / "feed.xml").getroot()
    links = sorted(item.find("link").text for item in root.findall("channel/item"))
    assert links == [f"{BASE}haven-kopie/index.html", f"{BASE}haven/index.html"]
    assert Episode.load(library / "haven-kopie").slug == "haven-kopie"


def test_characters_xml_cannot_hold_are_left_out_of_the_feed(library):
    folder = library / "haven"
    episode = Episode.load(folder)
    episode.title = "ctl\x01name\x1b[0m"  # from a file name
    episode.save(folder)
    (library / "feed.toml").write_text('title = "a\\u0001b"\ncategory = "News\\u0002"\n',
                                       encoding="utf-8")
    write_feed(library, BASE)
    root = ET.parse(library / "feed.xml").getroot()  # well-formed
    assert root.find("channel/item/title").text == "ctlname[0m"
    assert root.find("channel/title").text == "ab"
    assert root.find("channel/itunes:category", NS).get("text") == "News"


def test_a_category_apple_does_not_have_is_said(library):
    (library / "feed.toml").write_text('category = "Documentaries"\nimage = "https://x.org/c.jpg"\n',
                                       encoding="utf-8")
    [warning] = write_feed(library, BASE).warnings
    assert "category 'Documentaries' is not one of Apple Podcasts' (Arts," in warning


def test_a_chapter_title_with_angle_brackets_is_text_in_the_items_description(library):
    """Apps read an item's description as HTML: "<" in a title must not open a tag there."""
    folder = library / "haven"
    episode = Episode.load(folder)
    episode.chapters[0].title, episode.chapters[0].title_en = "Map<K, V> en A<B", "Costs<b>"
    episode.save(folder)
    write_feed(library, BASE)
    [entry] = feedparser.parse((library / "feed.xml").read_bytes()).entries
    assert "Map<K, V> en A<B / Costs<b>" in html.unescape(entry.description)
    raw = ET.parse(library / "feed.xml").getroot().find("channel/item/description").text
    assert "Map&lt;K, V&gt; en A&lt;B / Costs&lt;b&gt;" in raw


def test_publish_writes_a_feed_built_before_again_for_its_url(cli, library):
    assert cli("publish", "--library", str(library)).rc == 0  # no feed yet: none made
    assert not (library / "feed.xml").exists()
    assert build(cli, library).rc == 0
    assert cli("title", "haven", "De kade", "--library", str(library)).rc == 0
    published = cli("publish", "--library", str(library))
    assert published.rc == 0 and "feed.xml: 1 episode" in published.err
    [entry] = feedparser.parse((library / "feed.xml").read_bytes()).entries
    assert entry.title == "De kade" and entry.enclosures[0].href == f"{BASE}haven/{AUDIO}"


def test_an_episode_in_the_feed_follows_every_edit_at_once_and_new_ones_stay_out(library):
    """Titles and chapters reach podcast apps when an editor changes them, not at the next
    build; the item keeps its guid and date, the rest of the feed its bytes; an episode the
    feed does not list yet is left for `feed build`; an edit that changes no item writes none."""
    from pipeline.edits import chapters, edit_segment
    from pipeline.edits import title as titles

    write_feed(library, BASE)
    feed = library / "feed.xml"
    [before] = feedparser.parse(feed.read_bytes()).entries
    second, _ = copied(library)  # processed after the build: not in the feed
    titles.rename(library, "markt", "Op de markt", "redactie")
    assert ids(library) == [before.id]

    titles.rename(library, "haven", "De kade & het <water>", "redactie")
    episode = Episode.load(library / "haven")
    chapter = episode.chapters[1]
    chapters.rename(library, "haven", chapter.id, episode.chapters_rev, "redactie",
                    title="Vis van de dag")
    [entry] = feedparser.parse(feed.read_bytes()).entries
    assert entry.title == "De kade & het <water>"
    assert "Vis van de dag" in entry.description
    assert (entry.id, entry.published) == (before.id, before.published)
    assert [link["href"] for link in entry.links] == [link["href"] for link in before.links]

    written = feed.read_bytes()
    seg = Episode.load(library / "haven").segments[1]
    edit_segment(library, "haven", seg.id, seg.rev, {"nl": "De schepen komen laat."}, "redactie")
    assert feed.read_bytes() == written
    write_feed(library, BASE)  # a build adds the new one, the edited one as edited
    assert [e.title for e in feedparser.parse(feed.read_bytes()).entries] == [
        "Op de markt", "De kade & het <water>"]


def test_an_edit_saves_whatever_becomes_of_a_damaged_feed(library, caplog):
    from pipeline.edits import title as titles

    (library / "feed.xml").write_text("<rss><channel><item>", encoding="utf-8")
    titles.rename(library, "haven", "De kade", "redactie")
    assert Episode.load(library / "haven").title == "De kade"
    assert (library / "feed.xml").read_text(encoding="utf-8") == "<rss><channel><item>"
    assert "feed.xml" in caplog.text


def test_another_recording_under_a_removed_episodes_name_waits_for_the_build(library):
    """Its item would give it the removed episode's guid: apps would take it for an edit."""
    from pipeline.audio import sha256_file
    from pipeline.stages.publish import publish

    write_feed(library, BASE)
    written, [removed] = (library / "feed.xml").read_bytes(), ids(library)
    folder = library / "haven"
    episode = Episode.load(folder)
    write_wav(folder / AUDIO, 7.0)  # the folder removed, another recording processed as "haven"
    episode.source.sha256, episode.title = sha256_file(folder / AUDIO), "Iets anders"
    episode.save(folder)
    publish(folder, episode)
    assert (library / "feed.xml").read_bytes() == written
    write_feed(library, BASE)
    [entry] = feedparser.parse((library / "feed.xml").read_bytes()).entries
    assert entry.title == "Iets anders" and entry.id != removed  # new to apps
