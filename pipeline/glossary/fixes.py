"""The glossary's post-pass: words the recogniser was unsure of that sound like a term (or are
one of its known misspellings) become the term; the English then keeps the term's form.

A near-miss is fixed only among words below FIX_BELOW probability; a known misspelling wherever
it is not an everyday word: one given with the term, or one of this episode's near-misses that
is no word at all, spelled the same (the recogniser mishears a name the same way each time,
sometimes confidently). A segment an editor changed is never touched, and every replacement is
recorded in the segment's `fixes` ({lang, was, now, at}) so the editor shows it and can undo it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from wordfreq import zipf_frequency

from pipeline.document import Segment, Word
from pipeline.glossary import Term
from pipeline.glossary.soundalike import allowed, distance, key

FIX_BELOW = 0.9  # a word's probability below which the recogniser may have misheard it
UNSURE = 0.5  # below this, the editor underlines the word: likely misheard
COMMON_ZIPF = 4.0  # a word this frequent is itself, not a misheard name
RARE_ZIPF = 1.5  # a word this rare is no word: a mishearing, even where the recogniser was sure
FUNCTION_ZIPF = 5.5  # "de", "je", "niet": part of a misheard term only inside a long one
LONG_KEY = 10  # letters of a term's key from which it counts as long
_CORE = re.compile(r"\w(?:[\w'’-]*\w)?")


@dataclass(frozen=True)
class _Target:
    term: Term
    key: str
    limit: int
    known: frozenset[str]  # keys of its misspellings
    words: int
    learned: frozenset[str] = frozenset()  # spellings this episode's fixes replaced, casefolded

    @classmethod
    def of(cls, term: Term) -> _Target:
        k = key(term.text)
        return cls(term, k, allowed(k), frozenset(filter(None, map(key, term.misspellings))),
                   len(term.text.split()))


def fix_dutch(segments: list[Segment], terms: list[Term]) -> int:
    """Replace what sounds like a term among each unedited segment's unsure words, and its
    known misspellings; how many."""
    targets = [t for t in map(_Target.of, terms) if t.key]
    if not targets:
        return 0
    done = _fix_all(segments, targets)
    learned = _learned(segments, targets)
    return done + (_fix_all(segments, learned) if learned != targets else 0)


def _fix_all(segments: list[Segment], targets: list[_Target]) -> int:
    longest = max(t.words for t in targets) + 1
    return sum(_fix_segment(seg, targets, longest) for seg in segments
               if not seg.edited.get("nl") and seg.words)


def _learned(segments: list[Segment], targets: list[_Target]) -> list[_Target]:
    """The targets with the spellings this episode's standing fixes replaced, where that is no
    word at all ("hardwaarsleutels"): a real word heard clearly is likely what was said, and
    one wrong fix must not spread. A line an editor changed (an undone fix) teaches nothing."""
    was: dict[str, set[str]] = {}
    for seg in segments:
        if seg.edited.get("nl"):
            continue
        for fix in seg.fixes:
            words = _core(fix["was"]).split()
            if (fix["lang"] == "nl" and words and fix["now"] in seg.nl
                    and all(zipf_frequency(w, "nl") < RARE_ZIPF for w in words)):
                was.setdefault(fix["now"], set()).add(" ".join(words).casefold())
    return [replace(t, learned=t.learned | was.get(t.term.text, set())) for t in targets]


def _fix_segment(seg: Segment, targets: list[_Target], longest: int) -> int:
    spans = word_spans(seg.nl, seg.words)
    done, i = 0, 0
    while i < len(seg.words):
        window = seg.words[i:i + longest]
        found = _best([(w.text, w.probability) for w in window], targets, "nl")
        if found is None or not _fits(window, spans[i:i + longest], *found):
            i += 1
            continue
        target, n, _ = found
        (begin, _), (_, end) = spans[i], spans[i + n - 1]
        was = seg.nl[begin:end]
        if was == target.term.text:
            i += n
            continue
        seg.nl = seg.nl[:begin] + target.term.text + seg.nl[end:]
        seg.fixes.append({"lang": "nl", "was": was, "now": target.term.text, "at": begin})
        seg.words[i:i + n] = [_joined(seg.words[i:i + n], target.term.text)]
        spans = word_spans(seg.nl, seg.words)
        done, i = done + 1, i + 1
    return done


def _fits(words: list[Word], spans: list, target: _Target, n: int, off: int) -> bool:
    """Whether the first n words (`off` edits from the term) are all in the text and all part
    of the mishearing: not when the span without its first word sounds more like the term
    ("vaste" in "vaste hardwaarsleutels", "n" of "zo'n")."""
    if any(span is None for span in spans[:n]):
        return False
    if n < 2:
        return True
    tail = key(" ".join(_core(w.text) for w in words[1:n]))
    return distance(tail, target.key, target.limit) >= off


def _best(words: list[tuple[str, float]], targets: list[_Target],
          lang: str) -> tuple[_Target, int, int] | None:
    """The term the first n of `words` (text, probability) sound most like, n, and how many
    edits off it was (0 for a known misspelling); None if no term is close."""
    best, score = None, None
    for n in range(1, len(words) + 1):
        unsure = min(p for _, p in words[:n]) < FIX_BELOW
        text = " ".join(_core(w) for w, _ in words[:n]).strip()
        shortest = _shortest_key(text.split(), lang) if text else None
        if shortest is None:
            continue
        k = key(text)
        for target in targets:
            if text.casefold() == target.term.text.casefold():
                return None  # the term is already there
            if len(target.key) < shortest:
                continue
            if k in target.known or text.casefold() in target.learned:
                d = 0
            elif unsure:
                d = distance(k, target.key, target.limit)
            else:
                continue
            if d <= target.limit and (score is None or (d, -n) < score):
                best, score = (target, n, d), (d, -n)
    return best


def _shortest_key(words: list[str], lang: str) -> int | None:
    """The shortest term these words may be a mishearing of (by its key's length); None when
    they are too common to be one. A word as frequent as "op" or "de" may be heard inside a
    long compound ("kaartje op slag" for "kaarsenopslag"), never at its start or in a short
    name ("ik niet" is not "Knight")."""
    if len(words) == 1:
        return None if zipf_frequency(words[0], lang) >= COMMON_ZIPF else 0
    frequent = [zipf_frequency(w, lang) >= FUNCTION_ZIPF for w in words]
    if frequent[0]:
        return None
    return LONG_KEY if any(frequent) else 0


def _core(text: str) -> str:
    return " ".join(_CORE.findall(text))


def word_spans(text: str, words: list[Word]) -> list[tuple[int, int] | None]:
    """Where each word's letters are in `text`, in order; None for a word not found there."""
    spans, at = [], 0
    for word in words:
        core = _core(word.text)
        found = text.find(core, at) if core else -1
        spans.append((found, found + len(core)) if found >= 0 else None)
        at = found + len(core) if found >= 0 else at
    return spans


def _joined(words: list[Word], text: str) -> Word:
    """One word in place of a span: the term, with the span's leading space and end
    punctuation, its times and its lowest probability (it was a guess)."""
    first, last = words[0].text, words[-1].text
    lead = first[:len(first) - len(first.lstrip())]
    tail = last[len(last.rstrip(".,;:!?")):]
    return replace(words[0], text=lead + text + tail, end=words[-1].end,
                   probability=min(w.probability for w in words))


def fix_english(segments: list[Segment], terms: list[Term]) -> int:
    """Where a segment's Dutch holds a term, its English keeps the term's form (or its given
    English): a near spelling of it in the machine's English is replaced, and so is the term
    in another case ("winsor" for "Winsor"); how many."""
    done = 0
    for seg in segments:
        if not seg.en or seg.edited.get("en"):
            continue
        for term in terms:
            wanted = term.english or term.text
            if not _holds(seg.nl, term.text):
                continue
            held = _held(seg.en, wanted)
            if held is None:
                done += _fix_english(seg, Term(wanted))
            elif _misheard_case(seg.en, held, wanted):
                done += _put_english(seg, held.start(), held.end(), wanted)
    return done


def _held(text: str, term: str, flags: re.RegexFlag = re.IGNORECASE) -> re.Match | None:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, flags)


def _misheard_case(text: str, held: re.Match, wanted: str) -> bool:
    """Whether the English holds a name only in lower case, as a word English hardly has
    ("the most winsor"): "frank" under "Frank" is the English word, left as it is, and a
    capital is never lowered."""
    found = held.group()
    return (_held(text, wanted, re.NOFLAG) is None and found.islower() and not wanted.islower()
            and any(zipf_frequency(w, "en") < COMMON_ZIPF for w in found.split()))


def _holds(text: str, term: str) -> bool:
    return _held(text, term) is not None


def _fix_english(seg: Segment, term: Term) -> int:
    # The translator gives no word probabilities: every word counts as unsure.
    words = list(_CORE.finditer(seg.en))
    target = _Target.of(term)
    if not target.key:
        return 0
    for i in range(len(words)):
        found = _best([(m.group(), 0.0) for m in words[i:i + target.words + 1]], [target], "en")
        if found:
            return _put_english(seg, words[i].start(), words[i + found[1] - 1].end(), term.text)
    return 0


def _put_english(seg: Segment, begin: int, end: int, text: str) -> int:
    """`text` in place of the English from `begin` to `end`, the fix recorded (it can be taken
    back: unfix); 1, a fix made."""
    seg.fixes.append({"lang": "en", "was": seg.en[begin:end], "now": text, "at": begin})
    seg.en = seg.en[:begin] + text + seg.en[end:]
    return 1


def put_in(terms: list[Term]) -> set[str]:
    """What fixes to these terms put in the text: their Dutch, and their English."""
    return {t.text for t in terms} | {t.english for t in terms if t.english}


def unfix(segments: list[Segment], gone: set[str]) -> int:
    """Take back the fixes that put in what `gone` holds (terms removed from the glossary)
    where no editor changed the line since; how many."""
    done = 0
    for seg in segments:
        taken = [f for f in seg.fixes if f["now"] in gone and not seg.edited.get(f["lang"])]
        for fix in taken:
            done += _unfix(seg, fix)
            seg.fixes.remove(fix)
    return done


def _unfix(seg: Segment, fix: dict) -> int:
    text, start = _fixed_text(seg, fix), _where(seg, fix)
    if start is None:
        return 0
    end = start + len(fix["now"])
    if fix["lang"] == "en":
        seg.en = text[:start] + fix["was"] + text[end:]
        return 1
    spans = word_spans(seg.nl, seg.words)
    seg.nl = text[:start] + fix["was"] + text[end:]
    for i, span in enumerate(spans):  # the word the fix made says what was heard again
        if span and span[0] == start:
            seg.words[i] = replace(seg.words[i], text=seg.words[i].text.replace(
                fix["now"], fix["was"], 1))
    return 1


def unsure_spans(seg: Segment) -> list[tuple[int, int]]:
    """Where the Dutch has words the recogniser was unsure of; none once an editor changed it
    (the line has been read)."""
    if seg.edited.get("nl"):
        return []
    return [span for span, word in zip(word_spans(seg.nl, seg.words), seg.words, strict=True)
            if span and word.probability < UNSURE]


def fix_spans(seg: Segment) -> list[tuple[str, int, int, str]]:
    """The glossary fixes still in the text: (lang, start, end, what it replaced), each found
    at the occurrence of the term nearest where it was made."""
    found = []
    for fix in seg.fixes:
        if (start := _where(seg, fix)) is not None:
            found.append((fix["lang"], start, start + len(fix["now"]), fix["was"]))
    return found


def _fixed_text(seg: Segment, fix: dict) -> str:
    return (seg.nl if fix["lang"] == "nl" else seg.en) or ""


def _where(seg: Segment, fix: dict) -> int | None:
    """Where the fix's term is in its line: the occurrence nearest where it was made."""
    at = [m.start() for m in re.finditer(re.escape(fix["now"]), _fixed_text(seg, fix))]
    return min(at, key=lambda a: abs(a - fix["at"])) if at else None
