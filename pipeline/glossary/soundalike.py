"""A Dutch sound-alike key: spellings that sound the same get the same key.

"Creemers" and "Kremers", "kredietsysteem" and "krediet systeem", "Rongcheng" and "Rongsjeng"
come out alike, so a misheard name is found by a small edit distance between keys. The rules
are Dutch spelling's own equivalences (c/k/s, ch/g, ij/ei, v/f, z/s, d/t at a word's end,
long and short vowels), applied in order; then doubled letters are one.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

_RULES = [(re.compile(pattern), sound) for pattern, sound in (
    (r"[dt]+\b", "t"), (r"sch", "sg"), (r"ch|gh", "g"), (r"sj|sh", "s"), (r"ph", "f"),
    (r"th", "t"), (r"ij|ey|y", "ei"), (r"ou", "au"), (r"oe", "u"), (r"ie", "i"),
    (r"c(?=[eiy])", "s"), (r"ck|c|q", "k"), (r"x", "ks"), (r"z", "s"), (r"v", "f"),
    (r"w", "v"), (r"(?<=\w)h", ""), (r"(.)\1+", r"\1"),
)]


def key(text: str) -> str:
    """The sound-alike key of a word or a few words (spaces do not count)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = " ".join(re.findall(r"[a-z]+", text.encode("ascii", "ignore").decode()))
    for pattern, sound in _RULES:
        text = pattern.sub(sound, text)
    return text.replace(" ", "")


def allowed(term_key: str) -> int:
    """How many edits two keys may differ by and still sound alike: none for a key under five
    letters (one letter off turns a short name into many words), then one per three letters."""
    return 0 if len(term_key) < 5 else len(term_key) // 3


def distance(a: str, b: str, limit: int) -> int:
    """Edit distance of two keys, or limit + 1 when it is more than limit."""
    return Levenshtein.distance(a, b, score_cutoff=limit)
