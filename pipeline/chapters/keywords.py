"""Chapter keywords from the chapters' own words (YAKE key phrases; nothing invented).

YAKE scores phrases inside one text (lower is better). Spoken chapters are short and YAKE then
favours one-off words (an interjection that opens a sentence), so a score is divided by how
often the phrase recurs in the chapter, and multiplied by how many other chapters contain it:
a phrase the whole episode uses says little about one chapter.
"""

from __future__ import annotations

import re
from functools import cache

from pipeline.embeddings import content_stems
from pipeline.search.stopwords import STOP_WORDS

MAX_KEYWORDS = 6
CANDIDATES = 20
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_CLITIC = re.compile(r"['’]")


def chapter_keywords(texts: list[str], language: str) -> list[list[str]]:
    """Up to six key phrases for each chapter text, in the chapter's language."""
    lowered = [t.lower() for t in texts]
    return [keyphrases(text, language, lowered[:i] + lowered[i + 1 :])
            for i, text in enumerate(texts)]


def keyphrases(text: str, language: str, others: list[str]) -> list[str]:
    """Up to six distinct key phrases of `text`, best first."""
    if not text.strip():
        return []
    scored = []
    lowered = text.lower()
    for phrase, score in _extractor(language).extract_keywords(text):
        if not _is_content_phrase(phrase, language):
            continue
        spread = sum(_count(other, phrase.lower()) > 0 for other in others)
        recurs = max(1, _count(lowered, phrase.lower()))
        scored.append((score * (1 + spread) / recurs, phrase))
    chosen: list[str] = []
    seen_stems: set[str] = set()
    for _, phrase in sorted(scored):
        stems = set(content_stems(phrase, language))
        if stems <= seen_stems:
            continue  # a repeat or a part of a phrase already chosen
        chosen.append(phrase)
        seen_stems |= stems
        if len(chosen) == MAX_KEYWORDS:
            break
    return chosen


@cache
def _extractor(language: str):
    import yake

    return yake.KeywordExtractor(lan=language, n=2, top=CANDIDATES, dedup_lim=0.7)


def _is_content_phrase(phrase: str, language: str) -> bool:
    words = _WORD.findall(phrase.lower())
    stop = STOP_WORDS[language]
    if not words or len(words) != len(phrase.split()) or any(_CLITIC.search(w) for w in words):
        return False  # contractions such as "n't" or tokens with digits and symbols
    return words[0] not in stop and words[-1] not in stop and len("".join(words)) > 2


def _count(text: str, phrase: str) -> int:
    return len(re.findall(rf"(?<!\w){re.escape(phrase)}(?!\w)", text))
