"""What chapter titles know of words, shared by the Dutch titles (titles.py) and their English
(english.py): HanTa's Dutch part-of-speech tagger, wordfreq's word frequencies, the shape of a
word, the determiners, and a few helpers."""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from pipeline.document import Segment
from pipeline.search.stopwords import words_of

WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)  # letters, inner ' or -
# The determiners a title may open with (a lone noun is titled with the one it was said after).
DETERMINERS = words_of("de het een deze dit die mijn jouw ons onze uw elke")


@cache
def tagger():
    """HanTa's Dutch model: tag_sent(words, taglevel=1) -> [(word, lemma, CGN tag)]."""
    from HanTa import HanoverTagger

    return HanoverTagger.HanoverTagger("morphmodel_dutch.pgz")  # ~2 s and ~0.8 GB, once


@cache
def zipf(word: str, lang: str = "nl") -> float:
    """wordfreq's Zipf frequency: 3 is once per million words, 0 unknown."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang)


def unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def capitalise(title: str) -> str:
    return title[:1].upper() + title[1:]


def chapter_text(group: list[Segment], language: str = "nl") -> str:
    """The chapter's text in one language, its segments' texts joined."""
    texts = (s.nl if language == "nl" else s.en or "" for s in group)
    return " ".join(t.strip() for t in texts if t.strip())
