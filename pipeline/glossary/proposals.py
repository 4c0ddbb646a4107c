"""Terms proposed from editors' corrections, waiting for an editor to accept or dismiss them.

When a correction puts a name or term where the recogniser wrote something else (a word-level
diff of before and after: capitalised words inside a sentence, or words the recogniser was
unsure of), the new words are proposed, remembering what they replaced. Accepting one adds it
to the glossary with those as its misspellings; a dismissed term is not proposed again. They
live in `glossary.proposed.json` in the library, written atomically under the glossary's lock.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from wordfreq import zipf_frequency

from pipeline.atomic import write_atomic
from pipeline.document import Word
from pipeline.errors import ReportageError
from pipeline.formats.markup import compared
from pipeline.glossary import LOCK, Term, add_held, checked, load
from pipeline.glossary.fixes import COMMON_ZIPF, FIX_BELOW
from pipeline.library import locked

FILENAME = "glossary.proposed.json"
MAX_WORDS = 4  # a correction (or what it replaced) longer than this is a rewrite, not a name
_TOKEN = re.compile(r"\w(?:[\w'’-]*\w)?")


@dataclass
class Proposal:
    text: str
    replaced: list[str] = field(default_factory=list)  # what the recogniser had written
    episodes: list[str] = field(default_factory=list)
    count: int = 0  # corrections that made it


def from_correction(before: str, after: str, words: list[Word]) -> list[Proposal]:
    """The names and terms a correction of `before` into `after` put in; `words`: the
    recogniser's words, for their probabilities."""
    old, new = _TOKEN.findall(before), [m for m in _TOKEN.finditer(after)]
    unsure = {_core(w.text) for w in words if w.probability < FIX_BELOW}
    found = []
    # Case counts: a word given its capital is a name put right.
    matcher = SequenceMatcher(a=old, b=[m.group() for m in new], autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op not in ("replace", "insert") or not 0 < b1 - b0 <= MAX_WORDS or a1 - a0 > MAX_WORDS:
            continue
        was = " ".join(old[a0:a1])
        misheard = any(t in unsure for t in old[a0:a1])
        for piece in _pieces(after, new[b0:b1]):
            text = after[piece[0].start():piece[-1].end()]
            named = any(m.group()[0].isupper() and not _starts_sentence(after, m.start())
                        for m in piece)
            # A misheard word is spelled like what it became; a rewrite is not.
            like = bool(was) and SequenceMatcher(a=_letters(was), b=_letters(text)).ratio() >= 0.65
            # What it replaced: a name heard as anything ("sjie" for Xi), unless more was put in.
            replaced = like or named and len(piece) == b1 - b0 and op == "replace"
            # A lone letter ("A", "B") is a typo fixed or an initial, never a term.
            if ((named or misheard and like) and not _common(piece) and _valid(text)
                    and sum(c.isalpha() for c in text) > 1):
                found.append(Proposal(text, [was] if replaced and _valid(was) else []))
    return found


def _pieces(text: str, tokens: list[re.Match]) -> list[list[re.Match]]:
    """The words put in, as the terms they may be: cut where punctuation parts them ("pas
    delen, zegt Jansen"), everyday lower-case words taken off either end ("zegt Jansen")."""
    pieces: list[list[re.Match]] = [[]]
    for m in tokens:
        if pieces[-1]:
            before = pieces[-1][-1]
            gap = text[before.end():m.start()]
            if len(before.group()) == 1:  # an initial's dot: "J.K. Rowling"
                gap = gap.replace(".", "", 1)
            if _PARTS.search(gap):
                pieces.append([])
        pieces[-1].append(m)
    trimmed = []
    for piece in pieces:
        while piece and _common(piece[:1]):
            piece = piece[1:]
        while piece and _common(piece[-1:]):
            piece = piece[:-1]
        trimmed += [piece] if piece else []
    return trimmed


# What parts two words put in: a clause's punctuation, brackets, quotes, a sentence's end (not
# the dots of "J.K. Rowling" or "E.ON", nor the "&" of "AT&T").
_PARTS = re.compile(r"[,;:!?()\[\]\"“”]|\.\s")


def _letters(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalpha())


def _valid(text: str) -> bool:
    try:
        return checked(text) == text
    except ReportageError:  # markup between the words, or too long
        return False


def _core(text: str) -> str:
    return "".join(_TOKEN.findall(text))


def _starts_sentence(text: str, at: int) -> bool:
    return not text[:at].strip() or text[:at].rstrip()[-1] in ".!?:\"“"


def _common(tokens: list[re.Match]) -> bool:
    """Everyday words only (a name is capitalised, a term is rare)."""
    return all(zipf_frequency(m.group(), "nl") >= COMMON_ZIPF and not m.group()[0].isupper()
               for m in tokens)


def record(library: Path, slug: str, found: list[Proposal]) -> None:
    """Add what a correction proposed, unless the glossary has it or it was dismissed."""
    if not found:
        return
    with locked(library, LOCK):
        state = _read(library)
        # A term, or a spelling the glossary already mends: never proposed (nor acceptable).
        known = ({compared(t.text) for t in load(library)} | set(state["dismissed"])
                 | {compared(m) for t in load(library) for m in t.misspellings})
        waiting = {p.text.casefold(): p for p in state["proposed"]}
        for new in found:
            if compared(new.text) in known or any(compared(r) in known for r in new.replaced):
                continue  # a term, or an undone glossary fix: nothing new
            held = waiting.setdefault(new.text.casefold(), Proposal(new.text))
            held.replaced += [r for r in new.replaced if r not in held.replaced]
            held.episodes += [slug] if slug not in held.episodes else []
            held.count += 1
        state["proposed"] = list(waiting.values())
        _write(library, state)


def pending(library: Path) -> list[Proposal]:
    return _read(library)["proposed"]


def accept(library: Path, text: str) -> Term:
    """Move a proposal into the glossary, what it replaced as its misspellings (those the
    glossary takes: a rewritten sentence is no misspelling). A proposal the glossary refuses
    stays proposed. One lock for both files: a dismiss at the same moment finds it gone."""
    with locked(library, LOCK):
        state = _read(library)
        proposal = _find(state, text)
        term = Term(checked(proposal.text), None, [r for r in proposal.replaced if _valid(r)])
        add_held(library, term)  # first: a glossary file that cannot be read keeps the proposal
        _take(library, state, proposal, dismiss=False)
    return term


def dismiss(library: Path, text: str) -> None:
    with locked(library, LOCK):
        state = _read(library)
        _take(library, state, _find(state, text), dismiss=True)


def _take(library: Path, state: dict, found: Proposal, dismiss: bool) -> None:
    state["proposed"].remove(found)
    if dismiss:
        state["dismissed"].append(found.text.casefold())
    _write(library, state)


def _find(state: dict, text: str) -> Proposal:
    wanted = compared(text)
    found = next((p for p in state["proposed"] if compared(p.text) == wanted), None)
    if found is None and wanted in state["dismissed"]:
        raise UnknownProposal(f"{text[:100]!r} was dismissed already")
    if found is None:
        raise UnknownProposal(f"{text[:100]!r} is not a proposed term (accepted already, or "
                              "never proposed)")
    return found


class UnknownProposal(ReportageError):
    pass


def _read(library: Path) -> dict:
    path = library / FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        state = {"proposed": [Proposal(**p) for p in data["proposed"]],
                 "dismissed": list(data["dismissed"])}
        if not all(_well_typed(p) for p in state["proposed"]) \
                or not all(isinstance(d, str) for d in state["dismissed"]):
            raise TypeError("a value of the wrong type")  # a hand edit's
        return state
    except FileNotFoundError:
        return {"proposed": [], "dismissed": []}
    except (ValueError, KeyError, TypeError) as exc:
        raise ReportageError(f"{path}: not a list of proposed terms ({exc}); "
                             "delete it to start again") from None


def _well_typed(p: Proposal) -> bool:
    return (isinstance(p.text, str) and isinstance(p.count, int)
            and isinstance(p.replaced, list) and isinstance(p.episodes, list)
            and all(isinstance(t, str) for t in (*p.replaced, *p.episodes)))


def _write(library: Path, state: dict) -> None:
    data = {"proposed": [asdict(p) for p in state["proposed"]], "dismissed": state["dismissed"]}
    write_atomic(library / FILENAME, json.dumps(data, ensure_ascii=False, indent=1))
