"""Indexed Dutch words that sound like a query's words.

The recogniser writes a rare word as it heard it ("gezonken" as "gezongen", "zestien" as
"zestend"), so a word typed as it is spelt may match none of the words indexed. The glossary's
Dutch sound-alike key (glossary/soundalike.py) makes spellings that sound alike come out alike;
an indexed word whose key is within the allowed edits of the key of a query word the index
does not hold (a word it holds was heard right at least once) joins the search as a look-alike,
beside those the word vectors find. Measured with benchmarks/search_quality.py's probes of the
dev sets (20 an episode, 3 seeds: 660 a language): recall@5 nl 0.842 -> 0.854, en 0.505 ->
0.512. Keys are compared only with keys of the same first sound and a length within reach:
under 0.5 ms a query word at 60,000 indexed words, not ~3 ms, at the same recall (nl -0.3, en
+0.3 points).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from pipeline.glossary import soundalike

PER_WORD = 5  # at most this many sound-alikes for each query word

key = lru_cache(maxsize=500_000)(soundalike.key)  # a reloaded index keys only its new words


Shelf = tuple[str, int]  # a key's first letter and length


@dataclass
class Sounds:
    shelves: dict[Shelf, tuple[list[str], list[str]]]  # -> (keys, their words)


def build(words: list[str]) -> Sounds:
    """The sound-alike keys of `words`, kept by first letter and length: a query word's key
    is compared only with keys that can be within its allowed edits."""
    shelves: dict[Shelf, tuple[list[str], list[str]]] = {}
    for word in words:
        sound = key(word)
        keys, owners = shelves.setdefault((sound[:1], len(sound)), ([], []))
        keys.append(sound)
        owners.append(word)
    return Sounds(shelves)


def alike(sounds: Sounds, words: list[str], scope: set[str] | None = None) -> dict[str, float]:
    """The indexed words (in `scope`, when given) that sound like each of `words`, up to
    PER_WORD each, with a similarity of 1 less the share of the key edited."""
    found: dict[str, float] = {}
    for word in words:
        sound = key(word)
        limit = soundalike.allowed(sound)
        near = []  # (edits, word)
        for length in range(len(sound) - limit, len(sound) + limit + 1) if limit else ():
            keys, owners = sounds.shelves.get((sound[:1], length), ([], []))
            near += [(edits, owners[i]) for _, edits, i in process.extract(
                sound, keys, scorer=Levenshtein.distance, score_cutoff=limit, limit=None)
                if scope is None or owners[i] in scope]
        for edits, owner in sorted(near)[:PER_WORD]:
            found[owner] = max(found.get(owner, 0.0), 1 - edits / len(sound))
    return found
