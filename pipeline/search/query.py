"""Turn whatever a user types into a safe SQLite FTS5 query.

Every word reaches FTS5 inside double quotes, so operators (`AND`, `NEAR(`, `-`, `*`, `^`, `:`)
and SQL fragments are only ever searched for as words, never interpreted. What is understood:

- `kredietsystemen`   a word: matches every indexed word with the same stem, so also
                      `kredietsysteem` (Dutch stems in Dutch text, English stems in English)
- `"zwarte lijst"`    a phrase: these words in this order (case and diacritics ignored)
- `krediet*`          a prefix: any word starting with `krediet` (two letters at least: `a*`
                      would mean every word with an a, so it is the word `a`)
- `e-mail`            words joined by punctuation are a phrase, as they are in the text

All terms must match (AND); when no segment holds them all, the search falls back to segments
holding any of them (OR), ranked so that those with more and rarer terms come first: a word the
speech model misheard then still leads to the moment. A quote left open runs to the end of the
query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.errors import ReportageError
from pipeline.formats.markup import as_typed
from pipeline.search import textnorm

LANGS = ("nl", "en")
MIN_PREFIX = 2
# A pasted paragraph fits; 10 KB took 5-7 s on 2 cores (a ranking per distinct word), so more
# is refused with a clear message instead of a long wait.
MAX_CHARS = 1000
# A quoted phrase (possibly unclosed, then it runs to the end) or a bare chunk.
_CHUNK = re.compile(r'"([^"]*)"?(\*?)|([^\s"]+)')


# The indexed words that share a word's stem in a language: `expand("systemen", "nl")`.
Expand = Callable[[str, str], list[str]]


@dataclass(frozen=True)
class Term:
    kind: str  # "word" | "phrase" | "prefix"
    words: tuple[str, ...]  # folded words; a prefix's last word is the prefix

    def fts(self, langs: tuple[str, ...], expand: Expand) -> str:
        """This term as an FTS5 expression over the columns of `langs`."""
        if self.kind == "word":
            (word,) = self.words
            return " OR ".join(f"{lang} : ({_any(expand(word, lang))})" for lang in langs)
        star = " *" if self.kind == "prefix" else ""
        return f'{{{" ".join(langs)}}} : "{" ".join(self.words)}"{star}'

    def find(self, folded: list[str], lang: str) -> list[int]:
        """Where this term starts in a text's folded words (in `lang`): the index's matching."""
        if self.kind == "word":
            target = textnorm.stem(self.words[0], lang)
            return [i for i, w in enumerate(folded) if textnorm.stem(w, lang) == target]
        *head, last = self.words
        n = len(head)
        return [
            i
            for i in range(len(folded) - n)
            if folded[i : i + n] == head
            and (folded[i + n].startswith(last) if self.kind == "prefix" else folded[i + n] == last)
        ]


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    def with_words(self, words: list[str]) -> Query:
        """This query with `words` (folded) as more terms: what a hit marks as matched."""
        known = {term.words for term in self.terms}
        return Query(self.terms + tuple(Term("word", (w,)) for w in words if (w,) not in known))

    def fts(self, lang: str, expand: Expand, any_term: bool = False) -> str:
        langs = languages(lang)
        joiner = " OR " if any_term else " AND "
        return joiner.join(f"({term.fts(langs, expand)})" for term in self.terms)


def _any(words: list[str]) -> str:
    # Words reach here folded from a tokenizer, so they hold no quote to escape.
    return " OR ".join(f'"{w}"' for w in words)


def languages(lang: str) -> tuple[str, ...]:
    if lang == "both":
        return LANGS
    if lang in LANGS:
        return (lang,)
    raise ReportageError(f"unknown language {lang!r}: use nl, en or both")


def parse(text: str) -> Query:
    """Parse a user's query; a query with no words at all, or too long, is a user error."""
    if len(text) > MAX_CHARS:
        raise ReportageError(f"a query has at most {MAX_CHARS} characters, not {len(text)}: "
                             "search for a few words of it")
    # One form of each letter, as the transcripts have it, and no invisible marks: a pasted
    # "e" + combining accent, or a zero-width space, would otherwise split the word.
    text = as_typed(text)
    terms = []
    for m in _CHUNK.finditer(text):
        phrase, star, bare = m.groups()
        chunk = phrase if bare is None else bare
        prefix = bool(star) or (bare is not None and bare.endswith("*"))
        words = tuple(textnorm.fold(w) for w in textnorm.words(chunk))
        if not words:
            continue
        if prefix and _ends_in_word(chunk) and len(words[-1]) >= MIN_PREFIX:
            terms.append(Term("prefix", words))
        elif len(words) == 1 and bare is not None:
            terms.append(Term("word", words))
        else:
            terms.append(Term("phrase", words))
    if not terms:
        raise ReportageError(f"nothing to search for in {text[:60]!r}: type at least one word")
    return Query(tuple(terms))


def _ends_in_word(chunk: str) -> bool:
    # `krediet*` is a prefix; in `krediet *` or `(*` the star has no word to extend.
    stripped = chunk.rstrip("*")
    return bool(stripped) and bool(textnorm.WORD.fullmatch(stripped[-1]))
