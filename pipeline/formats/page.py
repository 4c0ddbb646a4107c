"""HTML pages from jinja templates: served pages, and the self-contained static listener page.

Templates autoescape everything: transcript text is data, never markup.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from pipeline.document import Chapter, Episode, Segment
from pipeline.formats.cues import listener_text
from pipeline.formats.files import downloads
from pipeline.glossary.fixes import fix_spans, unsure_spans
from pipeline.timefmt import clock

HERE = Path(__file__).parent / "assets"  # templates and the static CSS/JS of the page
STATIC = HERE / "static"
LISTENER_ASSETS = ("app.css", "player.js")


@dataclass
class Links:
    """Where a page finds what it links to: the server's routes, or files beside index.html."""

    audio: str
    library: str | None = None  # None: a static page stands alone
    assets: str | None = None  # None: CSS and JS inline
    files: str = ""  # before a published file's name: "" where they lie beside index.html


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["clock"] = clock
    env.filters["marked"] = marked
    return env


@cache
def static_csp() -> str:
    """The static page's own policy: only its inline CSS and JS (by hash) and its audio run."""
    style, script = (_sha256(inline_asset(n)) for n in LISTENER_ASSETS)
    return (f"default-src 'none'; style-src '{style}'; script-src '{script}'; media-src *; "
            "img-src data:; "
            "base-uri 'none'; form-action 'none'")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


@cache
def inline_asset(name: str) -> Markup:
    text = (STATIC / name).read_text(encoding="utf-8")
    if "</" in text:  # would end the inline <style>/<script> element early
        raise ValueError(f"{name} must not contain '</' to be inlined")
    return Markup(text)


@dataclass(frozen=True)
class SegmentView:
    """Everything one transcript line shows: the key under which its HTML is reused."""

    id: str
    start: float
    end: float
    rev: int
    nl: str
    en: str | None
    en_stale: bool
    speaker: str | None  # the speaker's name, on the first line of each turn
    speaker_id: str | None
    voice: int  # 1-8: the speaker's colour, in order of first appearance
    edit: bool
    head_title: str | None  # the chapter that starts at this line
    head_title_en: str | None
    unsure: str = ""  # editing: "start-end ..." of the Dutch words the recogniser was unsure of
    fixes: tuple[tuple[str, int, int, str, str], ...] = ()  # editing: the glossary's fixes


def episode_page(episode: Episode, links: Links, edit: bool = False,
                 files: Iterable[str] = ()) -> str:
    """`files`: the names of the episode's published files, offered for download."""
    heads = _chapter_heads(episode.chapters)
    voices = {sid: n % 8 + 1 for n, sid in enumerate(dict.fromkeys(
        seg.speaker for seg in episode.segments if seg.speaker))}
    segments, previous, pending = [], None, None
    for seg in episode.segments:
        head = heads.get(seg.id) or pending
        turn = seg.speaker and (edit or seg.speaker != previous or head)
        name = episode.speaker_name(seg.speaker) if turn else None
        view = _view(seg, edit, head, name, voices.get(seg.speaker, 0))
        # A line emptied (or left only markup in) says nothing to a listener; the editor sees
        # it, to fill it in again. Its chapter heading goes with the next line said.
        if not (edit or view.nl.strip()):
            pending = head
            continue
        pending = None
        segments.append(_segment_html(view))
        previous = seg.speaker
    return environment().get_template("episode.html").render(
        episode=episode, links=links, edit=edit, segments=segments, downloads=downloads(files),
        bilingual=edit or any(seg.en for seg in episode.segments),
        inline=None if links.assets else {n: inline_asset(n) for n in LISTENER_ASSETS},
        csp=None if links.assets else static_csp(),
    )


def _view(seg: Segment, edit: bool, head: Chapter | None, speaker: str | None,
          voice: int) -> SegmentView:
    view = SegmentView(seg.id, seg.start, seg.end, seg.rev, seg.nl, seg.en, seg.en_stale,
                       speaker, seg.speaker, voice, edit, head.title if head else None,
                       head.title_en if head else None)
    if not edit:  # a listener reads the words, as every other output gives them
        return replace(view, nl=listener_text(seg, "nl"), en=listener_text(seg, "en") or None)
    fixes = tuple((lang, a, b, was, (seg.nl if lang == "nl" else seg.en or "")[a:b])
                  for lang, a, b, was in fix_spans(seg))
    return replace(view, unsure=" ".join(f"{a}-{b}" for a, b in unsure_spans(seg)),
                   fixes=fixes)


@lru_cache(maxsize=16384)
def _segment_html(view: SegmentView) -> Markup:
    # A save changes one line: a long episode's page re-renders that one, reuses the rest.
    return Markup(environment().get_template("segment.html").render(v=view))


def static_page(episode: Episode, files: Iterable[str]) -> str:
    """index.html: the listener page beside its audio and its published `files`, working from
    disk or any static host."""
    return episode_page(episode, Links(audio=episode.source.file), files=files)


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def _chapter_heads(chapters: list[Chapter]) -> dict[str, Chapter]:
    """Chapter by the id of its first segment: where its heading goes in the transcript."""
    return {ch.segment_ids[0]: ch for ch in chapters if ch.segment_ids}


def marked(snippet: str, marks: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """A snippet cut into (text, is_match) pieces, so the template escapes each piece."""
    pieces, at = [], 0
    for start, end in sorted(marks):
        if start < at:
            continue
        pieces += [(snippet[at:start], False), (snippet[start:end], True)]
        at = end
    pieces.append((snippet[at:], False))
    return [p for p in pieces if p[0]]
