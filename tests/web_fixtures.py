"""A small episode for the web and edit tests: generated audio and a constructed document,
so no speech model is needed."""

from __future__ import annotations

import socket
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import uvicorn

from pipeline.document import Chapter, Episode, Segment, Source, Word, segment_id
from pipeline.stages.publish import publish
from pipeline.web.app import create_app

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror="alert(2)">'
# A page script: every request takes 0.8 s more, as on a slow line.
SLOW_FETCH = """{ const sent = window.fetch;
  window.fetch = (...args) => new Promise(r => setTimeout(r, 800)).then(() => sent(...args)); }"""
LINES = [
    ("Goedemorgen, dit is de reportage over de haven.",
     "Good morning, this is the report on the port."),
    ("De schepen komen vroeg binnen.", "The ships come in early."),
    ("Een kraanmachinist vertelt over zijn werk.", "A crane operator talks about his work."),
    (f"Hij typte {XSS_SCRIPT} in het logboek.", f"He typed {XSS_SCRIPT} into the log."),
    (f"Een vreemde regel {XSS_IMG} bleef staan.", f"A strange line {XSS_IMG} remained."),
    ("Daarna gaan we naar de vismarkt.", "Then we go to the fish market."),
    ("De vissers verkopen haring en kabeljauw.", "The fishermen sell herring and cod."),
    ("Het ruikt er naar zout en diesel.", "It smells of salt and diesel."),
    ("Tot slot spreken we de burgemeester.", "Finally we speak to the mayor."),
    ("Dank voor het luisteren.", "Thanks for listening."),
]
SPACING = 3.0  # seconds from one segment's start to the next
AUDIO = "audio.wav"


def write_wav(path: Path, seconds: float, rate: int = 16000) -> None:
    """A quiet tone whose pitch rises over time: real audio a browser decodes and seeks."""
    t = np.arange(int(seconds * rate)) / rate
    signal = 0.2 * np.sin(2 * np.pi * (220 + 10 * t) * t)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((signal * 32767).astype("<i2").tobytes())


def sample_episode(slug: str = "haven") -> Episode:
    taken: set[str] = set()
    segments = []
    for n, (nl, en) in enumerate(LINES):
        start = n * SPACING
        segments.append(Segment(id=segment_id(start, taken), start=start, end=start + 2.5,
                                nl=nl, en=en, en_for=nl))
    half = len(segments) // 2
    chapters = [
        Chapter("c1", 0.0, segments[half].start, "In de haven", "In the port",
                segment_ids=[s.id for s in segments[:half]]),
        Chapter("c2", segments[half].start, len(LINES) * SPACING, "Op de markt", "At the market",
                segment_ids=[s.id for s in segments[half:]]),
    ]
    source = Source("/nowhere/haven.wav", "0" * 64, len(LINES) * SPACING, 16000, AUDIO)
    return Episode(slug=slug, title="De haven <b>bij nacht</b>", source=source,
                   created="2026-11-28T05:00:00+00:00", segments=segments, chapters=chapters)


def make_library(root: Path, slug: str = "haven") -> Path:
    """A library folder holding one published episode with its audio; returns the library."""
    library = root / "library"
    folder = library / slug
    folder.mkdir(parents=True)
    episode = sample_episode(slug)
    write_wav(folder / AUDIO, episode.source.duration_s)
    episode.save(folder)
    publish(folder, episode)
    return library


def make_interview_library(root: Path) -> Path:
    """The library, its lines spoken in turn by Anna (S1) and Bas (S2)."""
    library = make_library(root)
    folder = library / "haven"
    episode = Episode.load(folder)
    for n, seg in enumerate(episode.segments):
        seg.speaker = f"S{n % 2 + 1}"
    episode.speakers = {"S1": "Anna", "S2": "Bas"}
    episode.save(folder)
    publish(folder, episode)
    return library


def fish_dictionary(folder: Path) -> Path:
    """A FreeDict pair in dictd's format that knows two words of the episode's fish market."""
    from pipeline.search import dictionary
    from tests.test_search_dictionary import dictd

    folder.mkdir()
    dictd(folder, dictionary.EN_NL, ["cod /kɒd/\nkabeljauw\n"])
    dictd(folder, dictionary.NL_EN, ["haring /haːrɪŋ/\nherring\n"])
    return folder


def make_review_library(root: Path) -> Path:
    """The library, with a misheard name ("Kremers") in its first three lines; the first line
    has words (the name unsure) and a glossary fix ("Groot Mokum" became "reportage")."""
    library = make_library(root)
    folder = library / "haven"
    episode = Episode.load(folder)
    for seg in episode.segments[:3]:
        seg.nl = seg.nl.rstrip(".") + " met Kremers."
        seg.en_for = seg.nl
    first = episode.segments[0]
    first.words = [Word(" " + w, n, n + 0.2, 0.3 if w.startswith("Kremers") else 0.95)
                   for n, w in enumerate(first.nl.split())]
    first.fixes = [{"lang": "nl", "was": "Groot Mokum", "now": "reportage", "at": 21}]
    episode.save(folder)
    publish(folder, episode)
    return library


@contextmanager
def running_server(library: Path, token: str) -> Iterator[str]:
    """`reportage serve`'s app on a free localhost port in a thread; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(library, token), host="127.0.0.1", port=port,
                            log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
