"""Show where a query matched a segment: a short excerpt and the spans to highlight.

The index is contentless, so FTS5's own highlight() is unavailable; the matching is redone here
on the one segment, with the same folding and stemming the index used.
"""

from __future__ import annotations

from pipeline.search import textnorm
from pipeline.search.query import Query

# Segments are usually a sentence or two; longer ones are cut around the first match.
WIDTH = 160
ELLIPSIS = "…"


def snippet(
    query: Query, langs: tuple[str, ...], nl: str, en: str | None, shown: Query | None = None
) -> tuple[str, str, list[tuple[int, int]]]:
    """(language, excerpt, match spans in the excerpt) for the language with the most matches
    of `query`; the spans are those of `shown` (the query with more words) when given."""
    texts = {"nl": nl, "en": en or ""}
    found = {lang: marks(query, texts[lang], lang) for lang in langs}
    best = max(langs, key=lambda lang: len(found[lang]))  # ties go to the first, Dutch
    spans = found[best] if shown is None else marks(shown, texts[best], best)
    return (best, *_excerpt(texts[best], spans))


def excerpt(query: Query, text: str, lang: str) -> tuple[str, list[tuple[int, int]]]:
    """An excerpt of `text` around what matched `query`, and the spans to highlight in it."""
    return _excerpt(text, marks(query, text, lang))


def marks(query: Query, text: str, lang: str) -> list[tuple[int, int]]:
    """Character spans of `text` that match a term of `query`, in order, merged."""
    spans = list(textnorm.word_spans(text))
    folded = [textnorm.fold(w) for _, _, w in spans]
    hit = [False] * len(spans)
    for term in query.terms:
        for i in term.find(folded, lang):
            hit[i : i + len(term.words)] = [True] * len(term.words)
    return _merge([(s, e) for (s, e, _), h in zip(spans, hit, strict=True) if h])


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # Neighbouring words of one phrase read better as one highlight; join across spaces only.
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start - merged[-1][1] <= 1:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _excerpt(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    if len(text) <= WIDTH:
        return text, spans
    first = spans[0][0] if spans else 0
    start = max(0, min(first - WIDTH // 4, len(text) - WIDTH))
    start = _word_start(text, start)
    end = min(len(text), start + WIDTH)
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    shift = len(head) - start
    inside = [
        (max(s, start) + shift, min(e, end) + shift) for s, e in spans if s < end and e > start
    ]
    return head + text[start:end] + tail, inside


def _word_start(text: str, i: int) -> int:
    # Do not begin the excerpt in the middle of a word.
    while 0 < i < len(text) and not text[i - 1].isspace():
        i += 1
    return i
