"""Word-level text normalisation shared by the search index and its queries.

A word is a run of letters and digits, as SQLite's `unicode61` tokenizer sees it. Words are
folded (lower case, diacritics removed: `Coöperatie` -> `cooperatie`) and then stemmed with the
Snowball stemmer of their language (`kredietsystemen` -> `kredietsysteem`); a Dutch stem then
loses the -e of an inflected adjective, which Snowball keeps (`antieke` -> `antiek`, `grote` ->
`groot`). Indexing and querying both go through this module, so a word and its query always
normalise the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib.metadata import version

import snowballstemmer

WORD = re.compile(r"[^\W_]+")
# Combining marks, left over from the Latin letters NFKD takes apart.
_DIACRITICS = re.compile("[\u0300-\u036f]")
# Snowball language names by the document's language codes.
STEMMER_LANGUAGES = {"nl": "dutch", "en": "english"}
_STEMMERS = {code: snowballstemmer.stemmer(name) for code, name in STEMMER_LANGUAGES.items()}


def fold_text(text: str) -> str:
    """Lower case without diacritics, as `unicode61 remove_diacritics 2` folds it."""
    if text.isascii():  # the common case, and 50 times faster
        return text.lower()
    return _DIACRITICS.sub("", unicodedata.normalize("NFKD", text.lower()))


fold = lru_cache(maxsize=1 << 18)(fold_text)  # the same, for single words, which repeat


# Stemming is pure Python and costs ~0.1 ms a word; real text repeats its words, so cache.
@lru_cache(maxsize=1 << 18)
def _stem_nl(word: str) -> str:
    stem = _uninflect(_STEMMERS["nl"].stemWord(fold(word)) or fold(word))
    # -dt ends a d-stem's verb form (vindt, wordt, geldt): the same word as vind, word, geld,
    # which sound the same, so writers and the recogniser put one for the other.
    return stem[:-1] if len(stem) > 3 and stem.endswith("dt") else stem


# A stem of 4 letters or more ending in -e after a consonant, or after the i of oi/ai/ui (mooie).
_INFLECTED = re.compile(r"(\w{2,}[bcdfghjklmnpqrstvwxz]|\w+[aeou]i)e")
_OPEN_SYLLABLE = re.compile(r"(?:^|[^aeiou])[aeou][^aeiou]$")  # grot(e): one vowel, spelt long


def _uninflect(stem: str) -> str:
    """The Dutch stemmer leaves an adjective's -e (`antieke`, `grote`, `mooie`) while it strips
    other endings, so the plain form would not find the inflected one. Drop it and undo what
    spelling did to the rest: a doubled consonant (`dikke` -> `dik`), an open syllable's single
    vowel (`grote` -> `groot`), v and z for f and s (`lieve` -> `lief`, `boze` -> `boos`).
    -er and -st stay: stripping them would join unrelated words (`water`/`wat`, `kunst`/`kun`)."""
    m = _INFLECTED.fullmatch(stem)
    if m is None:
        return stem
    base = m.group(1)
    if base[-1] == base[-2]:
        base = base[:-1]
    elif _OPEN_SYLLABLE.search(base):
        base = base[:-1] + base[-2:]
    return base[:-1] + {"v": "f", "z": "s"}.get(base[-1], base[-1])


@lru_cache(maxsize=1 << 18)
def _stem_en(word: str) -> str:
    return _STEMMERS["en"].stemWord(fold(word)) or fold(word)


_STEM = {"nl": _stem_nl, "en": _stem_en}


def stem(word: str, lang: str) -> str:
    """The folded stem of one word in `lang` ("nl" or "en")."""
    return _STEM[lang](word)


def words(text: str) -> list[str]:
    """The words of `text`, unfolded."""
    return WORD.findall(text)


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) for every word of `text`, for highlighting matches in place."""
    for m in WORD.finditer(text):
        yield m.start(), m.end(), m.group()


# Bumped when _stem_nl's own rules change: like a new Snowball release, it changes stored stems.
RULES = "uninflect-1+dt"


@cache
def stemmer_version() -> str:
    """Stems are stored in the index; a different stemmer means re-stemming it. Cached: every
    search asks, and reading package metadata costs 0.6 ms or more a time."""
    return f"{version('snowballstemmer')}+{RULES}"
