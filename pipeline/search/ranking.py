"""BM25 over a short list of candidate segments, with statistics kept in the index.

FTS5's own bm25() first counts every row containing each query term, so a query holding a common
word ("de", "that") costs time in proportion to the whole library. Here document frequencies come
from the index's `terms` table, row counts and mean lengths from `totals`, and a segment's
length from FTS5's docsize table, so scoring a candidate costs the same however common its words.
The formula is FTS5's: k1 = 1.2, b = 0.75, idf = ln((N - df + 0.5) / (df + 0.5)), floored just
above zero, summed over query terms; a segment's text is the Dutch and the English searched, as
one document (one regex pass each, instead of one per language).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.search import textnorm
from pipeline.search.query import Query

K1 = 1.2
B = 0.75
MIN_IDF = 1e-6
_SEP = r"[\W_]+"  # what separates the words of a phrase, as the tokenizer sees it


@dataclass
class Stats:
    rows: int  # segments in the index
    mean_words: float  # average words per segment, in the languages searched


def idf(df: int, rows: int) -> float:
    # A prefix's or stem's words, counted in both languages, can sum past the rows.
    df = min(df, rows)
    return max(MIN_IDF, math.log((rows - df + 0.5) / (df + 0.5)))


class Counter:
    """Counts each query term in a folded text in one regex pass."""

    def __init__(
        self, query: Query, langs: tuple[str, ...], expand: Callable[[str, str], list[str]]
    ):
        self.owners: dict[str, int] = {}  # a matched word or phrase -> its term
        self.prefixes: list[tuple[str, int]] = []
        alternatives = []
        for i, term in enumerate(query.terms):
            if term.kind == "word":
                for word in {w for lang in langs for w in expand(term.words[0], lang)}:
                    self.owners[word] = i
                    alternatives.append(re.escape(word))
                continue
            parts = [re.escape(w) for w in term.words]
            if term.kind == "prefix":
                parts[-1] += r"[^\W_]*"
                self.prefixes.append((" ".join(term.words), i))
            else:
                self.owners[" ".join(term.words)] = i
            alternatives.append(_SEP.join(parts))
        self.n = len(query.terms)
        self.pattern = re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})(?![^\W_])")

    def count(self, folded: str) -> list[int]:
        counts = [0] * self.n
        for found in self.pattern.findall(folded):
            i = self.owners.get(found)
            if i is None:
                i = self._owner(" ".join(textnorm.words(found)))
            if i is not None:
                counts[i] += 1
        return counts

    def _owner(self, words: str) -> int | None:
        if words in self.owners:
            return self.owners[words]
        return next((i for prefix, i in self.prefixes if words.startswith(prefix)), None)


def bm25(counts: list[int], length: int, idfs: list[float], stats: Stats) -> float:
    """The score of a segment of `length` words where query term i occurs counts[i] times."""
    norm = K1 * (1 - B + B * length / max(stats.mean_words, 1e-9))
    return sum(
        weight * tf * (K1 + 1) / (tf + norm) for tf, weight in zip(counts, idfs, strict=True) if tf
    )
