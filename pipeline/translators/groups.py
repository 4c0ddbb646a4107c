"""Sentences across segments: group segment fragments into sentences, and split a sentence's
English back over its segments at word boundaries, in proportion to the Dutch."""

from __future__ import annotations

import re

from pipeline.document import Segment

_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_CLAUSE_END = re.compile(r"[.!?…,;:][\"'”’)\]]*$")


MAX_SPAN_S = 28.0  # Whisper hears 30 s at a time; the rest is padding around the speech


def sentence_groups(
    segments: list[Segment], max_chars: int = 600, max_span_s: float = MAX_SPAN_S,
    max_gap_s: float = 2.0,
) -> list[list[int]]:
    """Indices of consecutive segments that together form sentences.

    A group closes where a segment ends a sentence, and before the next segment would make it
    too long (characters for text models, seconds for Whisper's 30 s window) or follows a
    long pause.
    """
    groups: list[list[int]] = []
    for i, seg in enumerate(segments):
        if groups and _joins(segments, groups[-1], seg, max_chars, max_span_s, max_gap_s):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _joins(segments: list[Segment], group: list[int], seg: Segment, max_chars: int,
           max_span_s: float, max_gap_s: float) -> bool:
    last = segments[group[-1]]
    chars = sum(len(segments[i].nl) for i in group) + len(seg.nl)
    return (
        not _SENTENCE_END.search(last.nl.strip())
        and chars <= max_chars
        and seg.end - segments[group[0]].start <= max_span_s
        and 0 <= seg.start - last.end <= max_gap_s
    )


def spread(segments: list[Segment], groups: list[list[int]], english: list[str]) -> list[str]:
    """One text per segment: each group's English split over the group's segments."""
    out = [""] * len(segments)
    for group, text in zip(groups, english, strict=True):
        pieces = split_proportionally(text, [len(segments[i].nl.strip()) for i in group])
        for i, piece in zip(group, pieces, strict=True):
            out[i] = piece
    return out


def split_proportionally(text: str, weights: list[float]) -> list[str]:
    """Cut `text` into len(weights) pieces at word boundaries, piece sizes in proportion to
    `weights`; a cut moves to a nearby sentence end (.?!) or clause boundary (,;:) where there
    is one."""
    words = text.split()
    n = len(weights)
    if n == 1:
        return [" ".join(words)]
    total = sum(weights)
    shares = weights if total > 0 else [1.0] * n
    total = sum(shares)
    ends = _word_ends(words)  # ends[j]: characters up to the end of word j-1
    cuts, prev, acc = [0], 0, 0.0
    for k in range(1, n):
        acc += shares[k - 1]
        target = ends[-1] * acc / total
        # Leave at least one word for every piece still to come, where there are enough words.
        hi = max(prev, len(words) - (n - k))
        lo = min(prev + 1, hi)
        best = min(range(lo, hi + 1), key=lambda j: _cut_cost(words, ends, j, target))
        cuts.append(best)
        prev = best
    cuts.append(len(words))
    return [" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]


def _word_ends(words: list[str]) -> list[int]:
    ends, pos = [0], 0
    for w in words:
        pos += len(w) + 1
        ends.append(pos)
    return ends


SNAP = 0.15  # share of the text a cut moves to reach a sentence end


def _cut_cost(words: list[str], ends: list[int], j: int, target: float) -> tuple[float, float]:
    """(cost, distance) of cutting before word j: a sentence end near the target costs
    nothing, a clause's punctuation half its distance, a cut mid-clause its distance."""
    distance = abs(ends[j] - target)
    if j and _SENTENCE_END.search(words[j - 1]):
        return max(0.0, distance - SNAP * ends[-1]), distance
    return (distance / 2 if j and _CLAUSE_END.search(words[j - 1]) else distance), distance
