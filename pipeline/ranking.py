"""BM25 over a short list of candidate segments, with statistics kept in the index.

FTS5's own bm25() first counts every row containing each query word, so a query holding a common
word ("de", "that") costs time in proportion to the whole library. Here the document frequencies
come from the index's `terms` table and the row count and mean lengths from FTS5's averages
record, so scoring a candidate costs the same however common its words are. The formula is FTS5's:
k1 = 1.2, b = 0.75, idf = ln((N - df + 0.5) / (df + 0.5)), floored just above zero, summed over
query terms and the columns of the languages searched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.query import Query

K1 = 1.2
B = 0.75
MIN_IDF = 1e-6


@dataclass
class Stats:
    rows: int  # segments in the index
    mean_words: dict[str, float]  # average words per segment, by language column


def idf(df: int, rows: int) -> float:
    return max(MIN_IDF, math.log((rows - df + 0.5) / (df + 0.5)))


def bm25(
    query: Query,
    idfs: dict[str, list[float]],  # by language: one idf per query term
    words: dict[str, list[str]],  # by language: the segment's folded words
    stats: Stats,
) -> float:
    score = 0.0
    for lang, folded in words.items():
        norm = K1 * (1 - B + B * len(folded) / max(stats.mean_words[lang], 1e-9))
        for term, weight in zip(query.terms, idfs[lang]):
            tf = len(term.find(folded, lang))
            if tf:
                score += weight * tf * (K1 + 1) / (tf + norm)
    return score
