"""The show's glossary: its names and terms, in `glossary.toml` in the library.

A human-readable file, safe to edit by hand; `reportage glossary` lists, adds and removes
terms without losing a hand edit (it reads the file under a lock right before writing it, and
refuses to write over a file it cannot read):

    [[term]]
    text = "Rogier Creemers"
    english = "Rogier Creemers"   # optional: its English (a name stays as it is)
    misspellings = ["Kreemers"]   # optional: what the recogniser wrote instead

The glossary stage puts the terms in where the recogniser misheard them (fixes.py); with
`--hotwords` they also go to Whisper as text the decoder is primed with (faster-whisper's
`hotwords`), bounded to HOTWORD_CHARS: the prompt and the text share Whisper's 448 tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

from pipeline.atomic import write_atomic
from pipeline.errors import ReportageError
from pipeline.formats.markup import NOT_IN_NAMES, compared, one_line, shows
from pipeline.glossary import editing
from pipeline.library import locked

FILENAME = "glossary.toml"
LOCK = ".glossary.lock"  # held while the glossary or its proposals change
MAX_CHARS = 100  # a term longer than this is a sentence, not a name
HOTWORD_CHARS = 300  # about 100 tokens of Dutch names: a third of Whisper's prompt room


@dataclass
class Term:
    text: str
    english: str | None = None
    misspellings: list[str] = field(default_factory=list)


def checked(text: str, what: str = "a glossary term") -> str:
    """A term's text (or its English, or a misspelling: `what`), trimmed, or a clear error."""
    text = one_line(text)
    if not shows(text):
        raise ReportageError(f"{what} cannot be empty")
    if len(text) > MAX_CHARS:
        raise ReportageError(f"{what} has at most {MAX_CHARS} characters, "
                             f"not {len(text)}: {text[:40]}...")
    if NOT_IN_NAMES.search(text):
        raise ReportageError(f"{what} cannot hold markup or control characters: {text!r}")
    return text


def _checked_term(term: Term) -> Term:
    return Term(checked(term.text),
                checked(term.english, "its English") if term.english is not None else None,
                [checked(m, "a misspelling") for m in term.misspellings])


def load(library: Path) -> list[Term]:
    """The library's terms; none when it has no glossary yet."""
    path = library / FILENAME
    return parse(path) if path.exists() else []


def parse(path: Path) -> list[Term]:
    """Terms from a glossary file: the TOML form, or one term per line (`#` starts a comment)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ReportageError(f"{path}: not UTF-8 text; save the glossary as UTF-8") from None
    except OSError as exc:
        raise ReportageError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        return unique(_terms(text))
    except ReportageError as exc:  # name the file: a run may read two glossaries
        raise ReportageError(f"{path}: {exc}") from None


def _terms(text: str) -> list[Term]:
    lines = _lines(text)
    if not any(_TOML_LINE.match(line) for line in lines):
        return [Term(checked(line)) for line in lines]
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReportageError(f"not valid TOML ({exc}); fix it by hand") from None
    entries = table.pop("term", [])
    if table or not isinstance(entries, list):  # a typo such as [term]: never read as lines
        raise ReportageError(f"a glossary holds only [[term]] tables, not "
                             f"{', '.join(table) or '[term]'}; fix it by hand")
    return [_term(entry) for entry in entries]


# A line of TOML: a table header or a key = value (dotted and quoted keys too). A term on a
# line of its own is neither.
_TOML_LINE = re.compile(r"\[|[^=]*=")


def _fits_a_line(text: str) -> bool:
    """Whether a term reads back as itself from a line of its own: "C#" would lose its "#"
    (a comment), and "E=mc2" would make the whole file read as TOML."""
    return "#" not in text and not _TOML_LINE.match(text)


def _lines(text: str) -> list[str]:
    return [t for t in (line.split("#", 1)[0].strip() for line in text.splitlines()) if t]


def _term(entry: object) -> Term:
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        raise ReportageError("every [[term]] needs text = \"...\"")
    if unknown := set(entry) - {"text", "english", "misspellings"}:  # a rewrite would drop it
        raise ReportageError(f"{entry['text']!r}: unknown {', '.join(sorted(unknown))}; "
                             "a term has text, english and misspellings")
    english = entry.get("english")
    misspellings = entry.get("misspellings", [])
    if (english is not None and not isinstance(english, str)
            or not isinstance(misspellings, list)
            or not all(isinstance(m, str) for m in misspellings)):
        raise ReportageError(f"{entry['text']!r}: english is a string, misspellings a "
                             "list of strings")
    return _checked_term(Term(entry["text"], english or None, misspellings))


def unique(terms: list[Term]) -> list[Term]:
    """The first of each term (case-insensitive)."""
    seen: dict[str, Term] = {}
    for term in terms:
        seen.setdefault(term.text.casefold(), term)
    return list(seen.values())


def add(library: Path, term: Term) -> bool:
    """Add a term (or update its English and misspellings); whether anything changed. Only
    that term's lines of the file change."""
    with locked(library, LOCK):
        return add_held(library, term)


def add_held(library: Path, term: Term) -> bool:
    """`add`, for a caller that holds the glossary's lock (LOCK) already."""
    term = _checked_term(term)
    # "x" for "X" is a fix of the case, not a misspelling
    term.misspellings = _merged([], [m for m in term.misspellings if m != term.text])
    terms = load(library)
    _check_consistent(term, terms)
    old = next((t for t in terms if t.text.casefold() == term.text.casefold()), None)
    if old is not None:
        new = (term.english or old.english, _merged(old.misspellings, term.misspellings))
        if new == (old.english, old.misspellings):
            return False
        old.english, old.misspellings = new
    content = _content(library)
    if (old is None and content.lines is not None and not term.english
            and not term.misspellings and _fits_a_line(term.text)):
        text = editing.with_line(content.text, term.text)  # a list of one a line stays one
    else:
        toml = content.toml(terms)
        position = _positions(toml, old.text)[0] if old else None
        text = editing.with_term(toml, old or term, position)
    write_atomic(library / FILENAME, text)
    return True


def remove(library: Path, text: str) -> bool:
    """Remove a term (and any copy of it in other letters); whether it was there."""
    wanted = compared(text)
    with locked(library, LOCK):
        terms = load(library)
        if not any(t.text.casefold() == wanted for t in terms):
            return False
        content = _content(library)
        if content.lines is not None:
            text = "".join(line for line in content.lines if _line_term(line) != wanted)
        else:
            text = editing.without_terms(content.text, _positions(content.text, wanted))
        write_atomic(library / FILENAME, text)
    return True


@dataclass
class _Content:
    text: str
    lines: list[str] | None  # the lines of a glossary of one term a line; None for TOML

    def toml(self, terms: list[Term]) -> str:
        if self.lines is None:
            return self.text
        comments = [line.rstrip("\n") for line in self.lines if line.lstrip().startswith("#")]
        notes = {_line_term(line): "#" + line.split("#", 1)[1].rstrip("\n")
                 for line in self.lines if "#" in line and not line.lstrip().startswith("#")}
        return editing.as_toml(comments, terms, {t.text: notes[compared(t.text)]
                                                 for t in terms if compared(t.text) in notes})


def _content(library: Path) -> _Content:
    path = library / FILENAME
    text = path.read_text(encoding="utf-8") if path.exists() else ""  # load() read it already
    lines = _lines(text)
    toml = not lines or any(_TOML_LINE.match(line) for line in lines)  # a new one is TOML
    return _Content(text, None if toml else text.splitlines(keepends=True))


def _line_term(line: str) -> str:
    return compared(line.split("#", 1)[0])


def _positions(text: str, name: str) -> list[int]:
    """Where the [[term]] tables of `name` (any case) are among the file's tables."""
    entries = tomllib.loads(text).get("term", [])
    if editing.table_count(text) != len(entries):
        raise ReportageError(f"{FILENAME}: write each term as a [[term]] table (not inline) "
                             "to change it with `reportage glossary`")
    return [i for i, entry in enumerate(entries)
            if checked(entry["text"]).casefold() == name.casefold()]


def _merged(old: list[str], new: list[str]) -> list[str]:
    """`old` and then what `new` adds to it, each spelling once (whatever its case)."""
    merged = list(old)
    for m in new:
        if m.casefold() not in {o.casefold() for o in merged}:
            merged.append(m)
    return merged


def _check_consistent(term: Term, terms: list[Term]) -> None:
    """A word is a term or a misspelling, never both: the glossary stage would otherwise
    'correct' a term that was heard right."""
    name = term.text.casefold()
    for m in term.misspellings:
        if any(t.text.casefold() == m.casefold() != name for t in terms):
            raise ReportageError(f"{m!r} is a term of the glossary itself, not a misspelling "
                                 f"of {term.text!r}; remove it first if it is one")
    for other in terms:
        if other.text.casefold() == name:
            continue
        theirs = {m.casefold() for m in other.misspellings}
        if name in theirs:
            raise ReportageError(f"{term.text!r} is a misspelling of {other.text!r} in the "
                                 "glossary; remove that term first if it is a term of its own")
        for m in term.misspellings:  # one wrong word cannot be put right two ways
            if m.casefold() in theirs:
                raise ReportageError(f"{m!r} is already a misspelling of {other.text!r}")


def hotwords(terms: list[Term]) -> tuple[str | None, int]:
    """The terms as Whisper hotwords, in glossary order, within HOTWORD_CHARS; and how many
    terms did not fit."""
    terms = unique(terms)
    kept: list[str] = []
    for term in terms:
        if sum(len(k) + 2 for k in kept) + len(term.text) > HOTWORD_CHARS:
            break
        kept.append(term.text)
    return (", ".join(kept) or None), len(terms) - len(kept)
