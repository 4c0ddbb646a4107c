"""Chapter titles: a phrase of the chapter itself that says what it is about, in Dutch and English.

Candidates are noun phrases of 1-4 words said in the chapter: HanTa, a Dutch part-of-speech
tagger, reads each sentence, and a phrase ends in a noun or a name, begins with a content word,
and holds only nouns, names, adjectives, numbers and linking words ("Kant van de muur", "Grote
ogen"; never "Serieus genomen" or "Helpen"). Every word is one the recogniser was fairly sure of, a
real word (known to a Dutch word list, and said twice if far more common in English or German:
"magnet" is "magneet" misheard; or said more than once in the chapter and a name or a compound
of known words). A lone noun must be said after a determiner, said more than once, or a name (a
misheard word is often a noun too), and is titled with its determiner ("Deze computer"; never
"de" before a diminutive, which was misheard). KeyBERT-style, each candidate is ranked by how
close its e5 vector is to the chapter's, with a bonus for 2-3 word phrases and for phrases said
more than once, and a penalty for a word the recogniser was less sure of; titles are then chosen
chapter by chapter away from the titles already taken, so no two chapters share one. A chapter
whose noun phrases are all taken, or that has none, falls back to a known lone word of six
letters or more, a noun before any other word and never a verb form ("Systematisch"), and only
then to its opening words.
The English title is the loaded text translator's English for the Dutch title where there is
one; else the translator's English for the sentence where it was said, checked against a
Dutch-English dictionary (english.py): a translation of the phrase in its context, not a
keyword of the English text.
Keywords stay YAKE key phrases (pipeline/chapters/keywords.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from pipeline.chapters.english import english_title
from pipeline.chapters.lexicon import (
    DETERMINERS,
    WORD,
    capitalise,
    chapter_text,
    tagger,
    unit,
    zipf,
)
from pipeline.document import Segment
from pipeline.embeddings import Embedder
from pipeline.search.dictionary import LONGEST_WORD
from pipeline.search.stopwords import STOP_WORDS, words_of

MIN_PROBABILITY = 0.6  # a word the recogniser was less sure of is no title material
# Above that, confidence counts in the ranking, not as a cliff: a candidate loses this much per
# unit of its least sure word's shortfall below SURE_PROBABILITY. On the dev sets a cliff at 0.7
# left short chapters a lone adjective ("Eenvoudig", "Aardig"); at 0.6 without the penalty, half
# heard phrases won ("Behoorlijk oes").
SURE_PROBABILITY = 0.9
UNSURE_PENALTY = 0.5
KNOWN_ZIPF = 2.0  # wordfreq's Zipf frequency of a Dutch word seen about once per 100M words
SURE_UNKNOWN = 0.9  # a word the list lacks (or spelt foreign) must be said twice, once this sure
COMPOUND_ZIPF = 2.5  # two words joined when the joined word is this common
COMPOUND_PART_ZIPF = 3.5  # each part of an unknown compound this common ("disc"+"etten" is not)
# A word said once that is 16x more common in English or German than in Dutch is most often a
# Dutch word the recogniser wrote in a neighbour's spelling ("magnet" for "magneet", "Welt");
# a loan a speaker means ("Big Brother") is said again, and heard clearly.
FOREIGN_MARGIN_ZIPF = 1.2
MAX_WORDS = 4
MIN_LONE_LETTERS = 6  # a lone word that is no noun is at least this long
SHORTLIST = 40  # candidates per chapter that are embedded (the most frequent first)
LENGTH_BONUS = {1: 0.0, 2: 0.12, 3: 0.12, 4: 0.06}
REPEAT_BONUS = 0.02  # per extra time the phrase is said, up to three
DIVERSITY = 0.5  # how much likeness to a title already taken counts against a candidate
TIER_PENALTY = 3.0  # more than two scores can differ (cosines in -1..1, bonuses, diversity), so
# a lower tier always comes last
EXTEND_MARGIN = 0.1  # a phrase holding the best lone word may score this much lower
# Said often in talk, saying nothing about a topic: never a title's first or last word.
FILLERS = words_of("""
    hmm hm eh ehm uh uhm ah oh wauw wow ja jawel nee nou oké okay hè hé zo toch gewoon eigenlijk
    bedankt dank sorry pardon hallo hoi dag één
    natuurlijk echt even wel heel erg dus maar want allemaal iets niets beetje gaan komen zeggen
    zegt zei doen gedaan weten weet denken denk vinden vind zien zie kijk kijken
    iedereen niemand iemand alles hoeveel zoveel opnieuw misschien ineens eens zelfs helemaal
    eindelijk duidelijk zeker vast graag samen verder steeds paar
    erbij eraan erop ervan erin eruit ermee erover erachter daarbij daarin daarop daarmee daarvan
""")
DEMONSTRATIVES = words_of("deze die dit")
DE_WORDS = words_of("de deze die elke")  # never before a "het" word such as a diminutive
SINGULAR_ONLY = words_of("een het dit ons elk elke")  # never before a plural: "ons problemen"
NOUNS = frozenset({"N", "SPEC"})  # a noun phrase ends in a noun or a name (SPEC: part of one)
MODIFIERS = frozenset({"ADJ", "TW"})  # adjectives and numbers may go before it
LINKS = words_of("van voor en in op met over de het een der")
LINKED_ARTICLES = words_of("de het een der")  # inside a phrase only after a preposition
_SENTENCE_END = re.compile(r"[.?!…:;]$")
_CLAUSE_END = re.compile(r"[.?!…:;,–—]$")  # a title never runs on over these
_DASH = re.compile(r"^[-–—]+$")  # a dash said apart: the clause ends before it too


TranslateTexts = Callable[[list[str]], list[str]]  # Dutch texts -> English, one to one


@dataclass(frozen=True)
class Token:
    text: str  # as said, with its case
    probability: float
    ends_sentence: bool
    starts_sentence: bool = False  # its capital says nothing then
    ends_clause: bool = False  # a comma or a dash after it, or the sentence's end
    tag: str = ""  # its part of speech in its sentence, CGN's: "N(soort,ev,...)", "WW(vd,...)"

    @property
    def word_class(self) -> str:
        """"N" noun, "SPEC" part of a name, "ADJ", "WW" verb, "TW" number, "LID" article..."""
        return self.tag.split("(")[0]

    @property
    def key(self) -> str:
        return self.text.lower()


@dataclass
class Candidate:
    text: str
    count: int
    segment: Segment  # where it was first said
    article: str = ""  # the determiner a lone noun was said after ("de", "deze", "mijn"...)
    tier: int = 0  # 0: a noun phrase; 1: any other known noun, 2: another lone word (_backup)
    sure: float = 0.0  # the recogniser's least confidence in its words, where said most surely

    @property
    def title(self) -> str:
        return f"{self.article} {self.text}" if self.article else self.text


def chapter_titles(groups: list[list[Segment]], embedder: Embedder,
                   fixed: dict[int, str] | None = None,
                   translate: TranslateTexts | None = None) -> list[tuple[str, str | None]]:
    """(Dutch title, English title or None) for each chapter's segments. Chapters in `fixed`
    (index -> title) keep their title, (title, None) here, and no other chapter may take it.
    `translate`, a text translator, gives the English titles; without one they come from the
    English of the sentence where each title was said."""
    fixed = fixed or {}
    todo = [i for i in range(len(groups)) if i not in fixed]
    found = [candidates(groups[i]) for i in todo]
    # One batch: a lexical embedder's columns are those of the batch it was given.
    texts = [chapter_text(groups[i]) for i in todo] + list(fixed.values())
    vectors = iter(unit(embedder.embed(
        texts + [c.text for shortlist in found for c in shortlist], "nl")))
    chapters = [next(vectors) for _ in todo]
    taken = [next(vectors) for _ in fixed]
    scored = [_rank(shortlist, chapter, [next(vectors) for _ in shortlist])
              for shortlist, chapter in zip(found, chapters, strict=True)]
    names = {title.lower() for title in fixed.values()}
    dutch = _distinct_titles(scored, [groups[i] for i in todo], taken, names)
    result: dict[int, tuple[str, str | None]] = {i: (t, None) for i, t in fixed.items()}
    english = (translate([title for title, _ in dutch]) if translate and dutch else
               [english_title(title, segment, embedder, chapter_text(groups[i], "en"))
                for i, (title, segment) in zip(todo, dutch, strict=True)])
    for i, (title, _), title_en in zip(todo, dutch, english, strict=True):
        result[i] = (title, capitalise(title_en.strip()) if title_en else None)
    return [result[i] for i in range(len(groups))]


def candidates(group: list[Segment]) -> list[Candidate]:
    """Noun phrases of the chapter fit to be its title, the most often said first; then, for a
    chapter whose phrases are all taken or that has none, lone words (_backup)."""
    said = [(seg, tagged(joined_compounds(tokens_of(seg)))) for seg in group]
    repeated = _repeated_words([tokens for _, tokens in said])
    found = _phrases(said, lambda run, article: _fit(run, repeated, article))
    known = {c.text.lower() for c in found}
    for tier in (1, 2):
        for c in _phrases(said, lambda run, _, tier=tier: _backup(run) == tier):
            if c.text.lower() not in known:
                known.add(c.text.lower())
                c.tier = tier
                found.append(c)
    return found[:SHORTLIST]  # by tier, the most said first in each


def _phrases(said: list[tuple[Segment, list[Token]]],
             fit: Callable[[list[Token], str], bool]) -> list[Candidate]:
    found: dict[str, Candidate] = {}
    for seg, tokens in said:
        for i in range(len(tokens)):
            for n in range(1, MAX_WORDS + 1):
                run = tokens[i : i + n]
                if len(run) < n or any(t.ends_clause for t in run[:-1]):
                    break
                if _modifies_next(run[-1], tokens[i + n : i + n + 1]):
                    continue  # "controle" of "het controle panel": part of a longer name
                article = _article(tokens[max(i - 2, 0) : i], run[0]) if n == 1 and i > 0 else ""
                if fit(run, article):
                    key = " ".join(t.key for t in run)
                    candidate = found.setdefault(
                        key, Candidate(" ".join(t.text for t in run), 0, seg))
                    candidate.count += 1
                    candidate.article = candidate.article or article
                    candidate.sure = max(candidate.sure, min(t.probability for t in run))
    return sorted(found.values(), key=lambda c: (-c.count, -len(c.text.split())))


def _modifies_next(last: Token, after: list[Token]) -> bool:
    """Whether a noun is followed by a noun of its sentence: a compound written apart."""
    return (bool(after) and not last.ends_clause and last.word_class in NOUNS
            and after[0].word_class in NOUNS)


def _article(before: list[Token], noun: Token) -> str:
    """The determiner the last of `before` is, lower case, if the tagger reads it as one, the
    recogniser was sure of it and it fits the noun: a diminutive is a "het" word, so "de
    kaartje" is a mishearing, and so is "ons problemen". A demonstrative is one whatever the
    tagger says unless it follows a noun or a comma, as a relative pronoun does ("een man die
    boeken schrijft"): HanTa reads "naar die schildpad" and "moet die schildpad" as relative
    pronouns too."""
    *_, token = before
    if noun.word_class not in NOUNS:
        return ""
    relative = len(before) > 1 and (before[0].word_class in NOUNS or before[0].ends_clause)
    determiner = token.word_class == "LID" or token.word_class == "VNW" and (
        ",det," in token.tag or token.key in DEMONSTRATIVES and not relative)
    sure = token.probability >= MIN_PROBABILITY and not token.ends_clause
    misfit = (token.key in DE_WORDS and noun.key.endswith("je")
              or token.key in SINGULAR_ONLY and ",mv," in noun.tag)
    return token.key if determiner and sure and token.key in DETERMINERS and not misfit else ""


def tokens_of(seg: Segment) -> list[Token]:
    """The segment's words with the recogniser's confidence; an edited text is sure."""
    if seg.words and not seg.edited.get("nl"):
        pieces = [(w.text.strip(), w.probability) for w in seg.words]
    else:
        pieces = [(w, 1.0) for w in seg.nl.split()]
    tokens = []
    for raw, probability in pieces:
        word = WORD.search(raw)
        if _DASH.match(raw) and tokens:
            tokens[-1] = replace(tokens[-1], ends_clause=True)
        if word:
            first = not tokens or tokens[-1].ends_sentence
            tokens.append(Token(word.group(), probability, bool(_SENTENCE_END.search(raw)),
                                first, ends_clause=bool(_CLAUSE_END.search(raw))))
    return tokens


def joined_compounds(tokens: list[Token]) -> list[Token]:
    """Two content words that together make a common Dutch word are that word: the recogniser
    often writes a compound apart ("klaar maken", "gedenk teken")."""
    out: list[Token] = []
    for token in tokens:
        last = out[-1] if out else None
        joined = (last.key + token.key) if last else ""
        if (last and not last.ends_clause and _content(last) and _content(token)
                and token.text.islower() and zipf(joined) >= COMPOUND_ZIPF):
            out[-1] = replace(token, text=last.text + token.key,
                              probability=min(last.probability, token.probability),
                              starts_sentence=last.starts_sentence)
        else:
            out.append(token)
    return out


def tagged(tokens: list[Token]) -> list[Token]:
    """The tokens with their part of speech, read a sentence at a time; a word longer than
    LONGEST_WORD is none (the tagger's time grows with the square of a word's length)."""
    out: list[Token] = []
    start = 0
    for end, token in enumerate(tokens, start=1):
        if token.ends_sentence or end == len(tokens):
            sentence = tokens[start:end]
            words = [t.text if len(t.text) <= LONGEST_WORD else "x" for t in sentence]
            tags = [tag for _, _, tag in tagger().tag_sent(words, taglevel=1)]
            out += [replace(t, tag=tag if len(t.text) <= LONGEST_WORD else "")
                    for t, tag in zip(sentence, tags, strict=True)]
            start = end
    return out


def _repeated_words(said: list[list[Token]]) -> dict[str, float]:
    """Words said more than once in the chapter, with the recogniser's best confidence."""
    seen: dict[str, list[float]] = {}
    for tokens in said:
        for token in tokens:
            seen.setdefault(token.key, []).append(token.probability)
    return {word: max(p) for word, p in seen.items() if len(p) > 1}


def _fit(run: list[Token], repeated: dict[str, float], article: str) -> bool:
    """Whether the run is a noun phrase fit to be a title: it ends in a noun or a name, its
    content words are nouns, names, adjectives or numbers (or a participle before its noun:
    "verzonken schip") with only linking words between them (_linked), every word is sure, and
    every content word real (known to the word list, or a name or term said more than once and
    heard clearly at least once: a word the recogniser mishears, it often mishears the same way
    every time). A lone noun said once is a title only after a determiner (`article`) or as a name:
    a word misheard is often a noun too."""
    if not (_content(run[0]) and _content(run[-1])) or run[-1].word_class not in NOUNS:
        return False
    if len(run) == 1 and not (article or run[0].key in repeated or _is_name(run[0])):
        return False
    return _linked(run) and all(
        token.probability >= MIN_PROBABILITY
        and (not _content(token) or _real(token, repeated) and _in_noun_phrase(token))
        for token in run)


def _linked(run: list[Token]) -> bool:
    """Whether only linking words lie between the content words: prepositions and "en", an
    article only after a preposition ("kant van de muur", never "iedergeval de camera")."""
    for before, token in zip(run, run[1:], strict=False):
        if _content(token):
            continue
        if token.key not in LINKS or (token.key in LINKED_ARTICLES and (
                _content(before) or before.key in LINKED_ARTICLES)):
            return False
    return True


def _in_noun_phrase(token: Token) -> bool:
    return (token.word_class in NOUNS | MODIFIERS
            or (token.word_class == "WW" and "prenom" in token.tag))


def _backup(run: list[Token]) -> int | None:
    """The tier of a known lone word of MIN_LONE_LETTERS or more that the recogniser was sure
    of: 1 a noun, 2 any other word but a verb form ("Systematisch"; never "Helpen")."""
    (token, *more) = run
    if (more or not _content(token) or token.probability < MIN_PROBABILITY
            or not _known(token.key) or _foreign(token.key) or len(token.key) < MIN_LONE_LETTERS):
        return None
    return 1 if token.word_class in NOUNS else None if token.word_class == "WW" else 2


def _real(token: Token, repeated: dict[str, float]) -> bool:
    """Known to the word list; or said more than once, heard clearly once, and a name or a
    compound of known words ("kredietsysteem"): a misheard word the recogniser writes the
    same way every time ("hardwaarsleutels") is neither. A word far more common in English or
    German must be said twice and heard clearly once too (FOREIGN_MARGIN_ZIPF): "Welt" twice at
    0.5 and 0.76 was "veld" misheard."""
    if _known(token.key):
        return not _foreign(token.key) or repeated.get(token.key, 0.0) >= SURE_UNKNOWN
    return (repeated.get(token.key, 0.0) >= SURE_UNKNOWN
            and (_is_name(token) or _compound(token.key)))


def _foreign(word: str) -> bool:
    return max(zipf(word, "en"), zipf(word, "de")) >= zipf(word) + FOREIGN_MARGIN_ZIPF


def _compound(word: str) -> bool:
    return any(zipf(word[:i]) >= COMPOUND_PART_ZIPF and zipf(word[i:]) >= COMPOUND_PART_ZIPF
               for i in range(3, len(word) - 2))


def _content(token: Token) -> bool:
    word = token.key
    return len(word) > 2 and word not in STOP_WORDS["nl"] and word not in FILLERS


def _is_name(token: Token) -> bool:
    return (token.text[:1].isupper() and not token.text.isupper()
            and not token.starts_sentence)


def _known(word: str) -> bool:
    return zipf(word) >= KNOWN_ZIPF


def _rank(found: list[Candidate], chapter: np.ndarray, vectors: list[np.ndarray]) -> list[tuple]:
    """(score, candidate, unit vector), best first."""
    scored = []
    for candidate, vector in zip(found, vectors, strict=True):
        words = len(candidate.text.split())
        score = (float(vector @ chapter) + LENGTH_BONUS[words]
                 + REPEAT_BONUS * min(candidate.count - 1, 3) - TIER_PENALTY * candidate.tier
                 - UNSURE_PENALTY * max(0.0, SURE_PROBABILITY - candidate.sure))
        scored.append((score, candidate, vector))
    return sorted(scored, key=lambda s: -s[0])


def _distinct_titles(scored: list[list[tuple]], groups: list[list[Segment]],
                     taken: list[np.ndarray], names: set[str]) -> list[tuple[str, Segment | None]]:
    """Chapters whose best candidate is strongest choose first; each then takes its best
    candidate minus its likeness to titles already taken, never one already taken."""
    order = sorted(range(len(scored)), key=lambda i: -(scored[i][0][0] if scored[i] else -9))
    titles: list[tuple[str, Segment | None]] = [("", None)] * len(scored)
    for i in order:
        ranked = sorted(((score - DIVERSITY * _likeness(vector, taken), candidate, vector)
                         for score, candidate, vector in scored[i]
                         if candidate.title.lower() not in names), key=lambda r: -r[0])
        best = _phrase_for(ranked)
        if best:
            titles[i] = (capitalise(best[1].title), best[1].segment)
            taken.append(best[2])
            names.add(best[1].title.lower())
        else:
            titles[i] = (_fallback(groups[i], names), None)
    return titles


def _likeness(vector: np.ndarray, taken: list[np.ndarray]) -> float:
    return max([0.0, *(float(vector @ t) for t in taken)])


def _phrase_for(ranked: list[tuple]) -> tuple | None:
    """The best candidate; a lone word gives way to a nearly as good phrase that holds it
    ("schildpad" to "telepatische schildpad"): a phrase says more about a chapter."""
    if not ranked:
        return None
    value, candidate, _ = ranked[0]
    if len(candidate.text.split()) > 1:
        return ranked[0]
    word = candidate.text.lower()
    longer = [r for r in ranked[1:] if r[0] >= value - EXTEND_MARGIN
              and word in r[1].text.lower().split()]
    return longer[0] if longer else ranked[0]


def _fallback(group: list[Segment], taken: set[str]) -> str:
    """No phrase fit: the chapter's first few sure words, so the title is never empty."""
    words = [t.text for seg in group for t in tokens_of(seg) if t.probability >= MIN_PROBABILITY]
    title = capitalise(" ".join(words[:4])) if words else "…"
    return title if title.lower() not in taken else f"{title} ({len(taken) + 1})"
