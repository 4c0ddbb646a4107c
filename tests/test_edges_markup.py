"""Markup an editor types into a segment: subtitles keep bare formatting tags and nothing else,
the plain-text transcripts keep only the words; real parsers still read every file."""

from __future__ import annotations

import json
import re

import srt
import webvtt

from pipeline.formats.conformance import check, parse_srt, parse_vtt
from pipeline.formats.cues import NETFLIX_NL
from pipeline.formats.markup import plain, tidy_markup
from pipeline.stages.publish import publish
from tests.synthetic import synthetic_episode

TYPED = {
    "s0": "Goedemorgen <script>alert(1)</script> en <b onclick=x>welkom</b> bij a < b & c.",
    "s1": "<I>We spreken vandaag met een loods die al dertig jaar schepen naar binnen brengt, "
    "ook als het stormt, en nog veel langer dan dat</I> {\\an8}zegt <a href='x'>hij</a>.",
    "s2": "Dank <u>je <!-- nee --> wel.",
}
SPOKEN = (  # what is left of the typed segments: every word
    "Goedemorgen alert(1) en welkom bij a < b & c. We spreken vandaag met een loods die al "
    "dertig jaar schepen naar binnen brengt, ook als het stormt, en nog veel langer dan dat "
    "zegt hij. Dank je wel."
)
WORDS = SPOKEN.split()
FORMATTING = re.compile(r"</?[biu]>")
ANY_TAG = re.compile(r"<[a-zA-Z/!?]|\{\\")


def published(tmp_path):
    episode = synthetic_episode()
    for seg in episode.segments:
        seg.nl = TYPED.get(seg.id, seg.nl)  # as an editor saves it: the word times stay old
    folder = tmp_path / episode.slug
    folder.mkdir()
    publish(folder, episode)
    return episode, {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}


def test_subtitles_keep_formatting_tags_only_and_every_word(tmp_path):
    episode, files = published(tmp_path)
    spoken = WORDS + [w for seg in episode.segments[3:] for w in seg.nl.split()]
    subs = [s.content for s in srt.parse(files["nl.srt"])]
    captions = webvtt.from_string(files["nl.vtt"]).captions
    assert len(captions) == len(subs)
    for text in subs + [c.raw_text for c in captions]:
        assert not ANY_TAG.search(FORMATTING.sub("", re.sub(r"</?v[ >][^>]*>?", "", text)))
        # Each cue stands alone: what it opens, it closes.
        assert sorted(re.findall(r"<([biu])>", text)) == sorted(re.findall(r"</([biu])>", text))
    assert FORMATTING.sub("", " ".join(subs)).split() == spoken
    assert "<i>We" in files["nl.srt"] and "<b>welkom</b>" in files["nl.vtt"]
    assert sum("<i>" in text for text in subs) >= 2  # the italics run on over cues
    assert "a &lt; b &amp; c." in files["nl.vtt"]  # WebVTT text escapes what is not a tag
    # As a player shows it: tags rendered, entities decoded.
    assert " ".join(parse_vtt(files["nl.vtt"])[0].lines) == " ".join(WORDS[:10])
    for parse, name in ((parse_srt, "nl.srt"), (parse_vtt, "nl.vtt")):
        assert [v for v in check(parse(files[name]), NETFLIX_NL) if v.hard] == []


def test_plain_text_transcripts_hold_words_without_markup(tmp_path):
    _, files = published(tmp_path)
    bodies = " ".join(s["body"] for s in json.loads(files["transcript.json"])["segments"])
    assert not ANY_TAG.search(bodies) and bodies.split()[: len(WORDS)] == WORDS
    text = files["transcript.txt"]
    assert not ANY_TAG.search(text)
    assert "Goedemorgen alert(1) en welkom bij a < b & c." in text
    assert "Dank je wel." in text


def test_the_listener_page_shows_the_words_and_no_emptied_line(tmp_path):
    episode = synthetic_episode()
    for seg in episode.segments:
        seg.nl = TYPED.get(seg.id, seg.nl)
    episode.segments[3].nl = "<i></i>"  # an editor left only markup: nothing said
    folder = tmp_path / episode.slug
    folder.mkdir()
    publish(folder, episode)
    page = (folder / "index.html").read_text(encoding="utf-8")
    shown = " ".join(re.sub(r"<[^>]+>", " ", p) for p in re.findall(
        r'<p class="nl" lang="nl">(.*?)</p>', page))
    assert "&lt;" not in shown.replace("a &lt; b", "") and "{\\an8}" not in shown
    assert "welkom bij a &lt; b &amp; c." in shown  # the words, escaped as text
    assert f'class="time" href="#t={episode.segments[3].start:.2f}"' not in page
    assert page.count('<li class="chapter-head">') == len(episode.chapters)  # heading kept


def test_tidying_markup():
    assert tidy_markup(["<script>alert(1)</script>"]) == ["alert(1)"]
    assert tidy_markup(["<B onclick=x>hi</b> <br/>daar"]) == ["<b>hi</b> daar"]
    assert tidy_markup(["a < b & c <3"]) == ["a < b & c <3"]
    assert tidy_markup(["<b><i>x</b> y</i>"]) == ["<b><i>x</i></b> <i>y</i>"]
    assert tidy_markup(["<i> heel </i> <b></b>mooi"]) == [" <i>heel</i>  mooi"]
    # Formatting that runs on across pieces (cues) closes in each and reopens in the next.
    assert tidy_markup(["<i>een twee", "drie</i> vier"]) == ["<i>een twee</i>", "<i>drie</i> vier"]
    assert plain(tidy_markup(["<u>open  en\nbloot"])[0]) == "open en bloot"
    # Words in angle brackets are text: only elements, tags with attributes and overrides go.
    code = "Gebruik een List<String> in Java, of Map<K, V>; vector<int> <3"
    assert tidy_markup([code]) == [code]
    assert tidy_markup(["<foo onclick=x>ja</foo> <IMG src=x> <Font color=red>nee</font>"]) == \
        ["ja</foo>  nee"]
    assert tidy_markup(["<c.yellow>geel</c> <v.loud Bob>hoi</v>"]) == ["geel hoi"]  # classes


def test_words_in_angle_brackets_reach_every_output(tmp_path):
    episode = synthetic_episode()
    episode.segments[0].nl = "Gebruik een List<String> in Java, of Map<K, V>."
    episode.segments[0].en = "Use a List<String> in Java."
    folder = tmp_path / episode.slug
    folder.mkdir()
    publish(folder, episode)
    read = {name: (folder / name).read_text(encoding="utf-8") for name in
            ("nl.srt", "nl.vtt", "en.vtt", "transcript.txt", "index.html")}
    assert "List<String>" in read["nl.srt"] and "Map<K, V>." in read["transcript.txt"]
    assert "List&lt;String&gt;" in read["nl.vtt"] and "List&lt;String&gt;" in read["en.vtt"]
    assert "Gebruik een List&lt;String&gt; in Java, of Map&lt;K, V&gt;." in read["index.html"]
    assert " ".join(parse_vtt(read["nl.vtt"])[0].lines).startswith("Gebruik een List<String>")
