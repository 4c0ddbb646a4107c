"""The Dutch for an English word typed, and the English for a Dutch word, from FreeDict's
English-Dutch and Dutch-English dictionaries (Debian's dict-freedict-eng-nld and
dict-freedict-nld-eng, dictd format), read where they are installed.

A listener typing English finds few of its words in the machine English (a weak translation),
and e5 matches two bare words by meaning only loosely; the Dutch a dictionary gives for them is
often what was said. On the dev sets, English recall@5 0.544 -> 0.591, Dutch unchanged
(benchmarks/search_quality.py). A word the Dutch-English dictionary knows as Dutch ("kind",
"arm", "school") is never translated, so a Dutch query keeps its meaning. Without the
dictionaries a search goes on without them.
"""

from __future__ import annotations

import gzip
import logging
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

from pipeline.search import textnorm
from pipeline.search.stopwords import FOLDED_STOP_WORDS

log = logging.getLogger(__name__)

FOLDER = Path("/usr/share/dictd")
EN_NL, NL_EN = "freedict-eng-nld", "freedict-nld-eng"
INSTALL = "apt-get install dict-freedict-eng-nld dict-freedict-nld-eng"
MIN_LETTERS = 3
_DIGITS = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
LONGEST_WORD = 40  # letters: HanTa's time grows with the square of a word's length (both models)


def installed(folder: Path | None = None) -> bool:
    folder = folder or FOLDER
    return all((folder / f"{name}.index").is_file() for name in (EN_NL, NL_EN))


class Tables(NamedTuple):
    dutch: dict[str, list[str]]  # English word -> its Dutch words
    english: dict[str, list[str]]  # Dutch word -> its English words
    known: frozenset[str]  # every headword of the Dutch-English dictionary


def dutch(word: str) -> list[str]:
    """The Dutch words (folded, one word each) the dictionaries give for the English `word`
    (folded); none for a stop word, a Dutch word, a word they lack, or without dictionaries."""
    tables = _tables(FOLDER)
    if not tables.dutch or word in tables.known or word in FOLDED_STOP_WORDS["en"]:
        return []
    return next((tables.dutch[base] for base in _bases(word) if base in tables.dutch), [])


def english(word: str) -> list[str]:
    """The English words (folded, one word each) the dictionaries give for the Dutch `word`
    (folded, its dictionary form); none for a word they lack, or without dictionaries."""
    return _tables(FOLDER).english.get(word, [])


def _bases(word: str):
    """The word, then its dictionary form by HanTa's English model: "taxes" -> "tax", "built"
    -> "build", "smaller" -> "small", "mice" -> "mouse"."""
    yield word
    if 0 < len(word) <= LONGEST_WORD:
        yield _english_tagger().analyze(word)[0].lower()


@cache
def _english_tagger():
    from HanTa import HanoverTagger

    return HanoverTagger.HanoverTagger("morphmodel_en.pgz")  # 0.2 s and ~30 MB, once


@cache
def _tables(folder: Path) -> Tables:
    """Both ways round, from both dictionaries; empty where they are not installed."""
    if not installed(folder):
        return Tables({}, {}, frozenset())
    try:
        return _read(folder)
    except (OSError, ValueError, EOFError) as exc:  # a damaged file: search goes on without
        log.warning("the FreeDict dictionaries in %s are unreadable (%s)", folder, exc)
        return Tables({}, {}, frozenset())


def _read(folder: Path) -> Tables:
    pairs = [(en, nl) for en, nls in _entries(folder, EN_NL) for nl in nls]
    known = set()
    for nl, translations in _entries(folder, NL_EN):
        known.add(nl)
        pairs += [(en, nl) for en in translations]
    return Tables(_table(pairs), _table([(nl, en) for en, nl in pairs]), frozenset(known))


def _table(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """word -> its usable translations, in the order first found."""
    found: dict[str, dict[str, None]] = {}
    for word, translation in pairs:
        if _usable(translation):
            found.setdefault(word, {})[translation] = None
    return {word: list(translations) for word, translations in found.items()}


def _usable(word: str) -> bool:
    return len(word) >= MIN_LETTERS


def _entries(folder: Path, name: str):
    """(headword, translations) of one dictionary, each a single folded word; a headword or a
    translation of several words is left out (a search matches words)."""
    text = gzip.decompress((folder / f"{name}.dict.dz").read_bytes())  # dictzip is gzip
    for line in (folder / f"{name}.index").read_text(encoding="utf-8").splitlines():
        head, offset, length = line.split("\t")
        if head.startswith("00database"):
            continue
        start = _number(offset)
        lines = text[start : start + _number(length)].decode("utf-8").strip().splitlines()
        word = lines and _one_word(re.sub(r"\s*/[^/]*/\s*$", "", lines[0]))  # "castle /kɑːsl/"
        if word:
            translations = (_one_word(t) for line in lines[1:] for t in _senses(line))
            yield word, [t for t in translations if t]


def _senses(line: str) -> list[str]:
    """"1. bewoner, ingezetene, inwoner" -> its comma-separated translations."""
    return re.sub(r"^\s*\d+\.\s*", "", line).split(",")


def _one_word(text: str) -> str | None:
    words = textnorm.words(text)  # folding also makes FreeDict's one-letter ĳ "ij"
    return textnorm.fold(words[0]) if len(words) == 1 and "‐" not in text else None


def _number(digits: str) -> int:
    """A dictd index number: base 64, most significant digit first."""
    value = 0
    for c in digits:
        if c not in _DIGITS:
            raise ValueError(f"{digits!r} is no dictd number")
        value = value * 64 + _DIGITS[c]
    return value
