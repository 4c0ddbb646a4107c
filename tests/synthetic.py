"""Episodes built in code, with word timings as a recogniser would give them."""

from __future__ import annotations

from pipeline.document import Chapter, Episode, Segment, Source, Word


def lines_episode(slug: str, lines: list[str]) -> Episode:
    """An episode of Dutch `lines` only, one every 10 s (8 s long), ids s000, s001, ..."""
    return Episode(
        slug=slug,
        title=slug.capitalize(),
        source=Source(f"{slug}.mp3", "0" * 64, 10.0 * len(lines), 16000),
        segments=[Segment(f"s{i:03d}", i * 10.0, i * 10.0 + 8.0, nl) for i, nl in enumerate(lines)],
    )


def timed_segment(
    seg_id: str,
    start: float,
    nl: str,
    cps: float = 14.0,
    speaker: str | None = None,
    en: str | None = None,
) -> Segment:
    """A segment whose words are spoken back to back at `cps` characters a second."""
    words, t = [], start
    for text in nl.split():
        words.append(Word(f" {text}", t, t + len(text) / cps))
        t += (len(text) + 1) / cps
    return Segment(seg_id, start, words[-1].end, nl, en=en, speaker=speaker, words=words)


LINES = [
    (
        "Anna",
        "Goedemorgen en welkom bij deze aflevering over de haven van Rotterdam.",
        "Good morning and welcome to this episode about the port of Rotterdam.",
    ),
    (
        "Anna",
        "We spreken vandaag met een loods die al dertig jaar schepen naar binnen brengt, "
        "ook als het stormt.",
        "Today we talk to a pilot who has brought ships in for thirty years, even in storms.",
    ),
    ("Bram", "Dank je wel.", "Thank you."),
    (
        "Bram",
        "Het begint meestal midden in de nacht, want dan komen de grootste containerschepen "
        "aan bij de Maasmond en moeten ze precies op tijd de haven in.",
        "It usually starts in the middle of the night, because that is when the largest "
        "container ships arrive at the mouth of the Maas and must enter the port on time.",
    ),
    (
        "Anna",
        "Hoe kom je eigenlijk aan boord van zo'n schip?",
        "How do you actually get on board such a ship?",
    ),
    (
        "Bram",
        "Met een kleine boot of met de helikopter, en dan klim je langs een touwladder omhoog.",
        "By a small boat or by helicopter, and then you climb up a rope ladder.",
    ),
]


def synthetic_episode(slug: str = "synthetic") -> Episode:
    """Two speakers, two chapters, Dutch with word times and English without."""
    segments, t = [], 0.5
    for n, (speaker, nl, en) in enumerate(LINES):
        seg = timed_segment(f"s{n}", t, nl, speaker=speaker, en=en)
        segments.append(seg)
        t = seg.end + 0.6
    chapters = [
        Chapter("c0", 0.0, segments[3].start, "Welkom", segment_ids=["s0", "s1", "s2"]),
        Chapter("c1", segments[3].start, t, "De loods", segment_ids=["s3", "s4", "s5"]),
    ]
    source = Source("synthetic.wav", "0" * 64, t, 16000)
    return Episode(slug, "Synthetisch", source, segments=segments, chapters=chapters)
