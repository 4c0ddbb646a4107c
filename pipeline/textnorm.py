"""Word-level text normalisation shared by the search index and its queries.

A word is a run of letters and digits, as SQLite's `unicode61` tokenizer sees it. Words are
folded (lower case, diacritics removed: `Coöperatie` -> `cooperatie`) and then stemmed with the
Snowball stemmer of their language (`kredietsystemen` -> `kredietsysteem`). Indexing and querying
both go through this module, so a word and its query always normalise the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
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
    return _STEMMERS["nl"].stemWord(fold(word)) or fold(word)


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


def stemmer_version() -> str:
    """Stems are stored in the index; a different stemmer means a rebuild."""
    return version("snowballstemmer")
