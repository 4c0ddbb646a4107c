"""Hybrid ranking: reciprocal rank fusion of ranked lists, then one hit per moment.

Each list (BM25 over the Dutch, BM25 over the English, the nearest vectors of each kind, the
segments holding words alike the query's) is a ranking of segment ids; a segment scores
sum(1 / (K + rank)) over the lists that hold it, so agreement between lists counts and no list's
raw scores need calibrating against another's.
Neighbouring segments are one moment: it counts each list once, at the best rank any of its
segments has there (what a listener remembers is often spread over two lines, and the words
and the meaning of a moment are often found in neighbouring segments), and it sits at the
segment that matched best by itself (a window's vector also speaks for its neighbours' words,
so it ranks a moment but does not place it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

K = 60  # the usual RRF constant: a list's top ranks count, but none dominates
WHOLE = 2.0  # the weight of a word list that holds every term; every other list weighs 1
WINDOW = "window"  # the list of 3-segment windows, by their middle segment
ALIKE = "words_alike"  # the list of segments holding Dutch words alike the query's
NEAR = 1  # neighbouring segments (in index order, same episode) are one moment


@dataclass
class Fused:
    rowid: int
    parts: dict[str, float] = field(default_factory=dict)  # list that found it -> its part
    own: float = 0.0  # the part of `score` from lists that rank single segments

    @property
    def score(self) -> float:
        return sum(self.parts.values())

    @property
    def sources(self) -> set[str]:
        """The lists that found it: "words_nl", "nl", ..."""
        return set(self.parts)

    @property
    def matched(self) -> str:
        """How it matched: "words" (a word typed, or the Dutch of an English one), "meaning",
        "both", or "alike": no word typed, but one that looks or sounds like it (a misheard
        spelling), whatever else found it; so a listener never takes it for the word."""
        words = any(s.startswith("words") and s != ALIKE for s in self.sources)
        meaning = any(not s.startswith("words") for s in self.sources)
        if words:
            return "both" if meaning else "words"
        return "alike" if ALIKE in self.sources else "meaning"


def fuse(lists: dict[str, list[int]], whole: frozenset[str] = frozenset()) -> list[Fused]:
    """Every segment of `lists`, best first; ties go to the newer (higher) row. `whole` names
    the word lists whose segments hold every term."""
    found: dict[int, Fused] = {}
    for name, ids in lists.items():
        weight = WHOLE if name in whole else 1.0
        for rank, rowid in enumerate(ids, start=1):
            hit = found.setdefault(rowid, Fused(rowid))
            hit.parts[name] = weight / (K + rank)
            hit.own += 0 if name == WINDOW else hit.parts[name]
    return sorted(found.values(), key=lambda h: (-h.score, -h.rowid))


def moments(fused: list[Fused], episode_of: dict[int, int]) -> list[Fused]:
    """One hit per moment, best first: a hit near a better one of its episode joins it, and
    the moment scores each list's best part among its segments. The best hit of each moment
    is updated in place and becomes the moment. A second pass joins a moment that came to sit
    next to another (a neighbour matched better by itself and took its place): two hits are
    never neighbouring segments."""
    return _joined(_joined(fused, episode_of, place=True), episode_of, place=False)


def _joined(hits: list[Fused], episode_of: dict[int, int], place: bool) -> list[Fused]:
    """`hits`, each near a better one joined to it; where `place`, a moment sits at its
    segment that matched best by itself."""
    kept: dict[tuple[int, int], Fused] = {}
    for hit in hits:
        episode = episode_of[hit.rowid]
        near = (kept.get((episode, hit.rowid + d)) for d in range(-NEAR, NEAR + 1))
        better = next((k for k in near if k is not None), None)
        if better is None:
            kept[(episode, hit.rowid)] = hit
            continue
        for name, part in hit.parts.items():
            better.parts[name] = max(part, better.parts.get(name, 0.0))
        if place and hit.own > better.own:
            better.rowid, better.own = hit.rowid, hit.own
    return sorted(kept.values(), key=lambda h: (-h.score, -h.rowid))
