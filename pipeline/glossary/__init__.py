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

import tomlkit
import tomllib

from pipeline.atomic import write_atomic
from pipeline.errors import ReportageError
from pipeline.formats.markup import NOT_IN_NAMES, one_line
from pipeline.library import locked

FILENAME = "glossary.toml"
MAX_CHARS = 100  # a term longer than this is a sentence, not a name
HOTWORD_CHARS = 300  # about 100 tokens of Dutch names: a third of Whisper's prompt room


@dataclass
class Term:
    text: str
    english: str | None = None
    misspellings: list[str] = field(default_factory=list)


def checked(text: str) -> str:
    """A term's text, trimmed, or a clear error."""
    text = one_line(text)
    if not text:
        raise ReportageError("a glossary term cannot be empty")
    if len(text) > MAX_CHARS:
        raise ReportageError(f"a glossary term has at most {MAX_CHARS} characters, "
                             f"not {len(text)}: {text[:40]}...")
    if NOT_IN_NAMES.search(text):
        raise ReportageError(f"a glossary term cannot hold markup or control characters: "
                             f"{text!r}")
    return text


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
    lines = _lines(text)
    if not any(_TOML_LINE.match(line) for line in lines):
        return unique([Term(checked(line)) for line in lines])
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReportageError(f"{path}: not valid TOML ({exc}); fix it by hand") from None
    entries = table.pop("term", [])
    if table or not isinstance(entries, list):  # a typo such as [term]: never read as lines
        raise ReportageError(f"{path}: a glossary holds only [[term]] tables, not "
                             f"{', '.join(table) or '[term]'}; fix it by hand")
    return unique([_term(path, entry) for entry in entries])


# A line of TOML: a table header or a key = value (dotted and quoted keys too). A term on a
# line of its own is neither.
_TOML_LINE = re.compile(r"\[|[^=]*=")


def _lines(text: str) -> list[str]:
    return [t for t in (line.split("#", 1)[0].strip() for line in text.splitlines()) if t]


def _term(path: Path, entry: object) -> Term:
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        raise ReportageError(f"{path}: every [[term]] needs text = \"...\"")
    if unknown := set(entry) - {"text", "english", "misspellings"}:  # a rewrite would drop it
        raise ReportageError(f"{path}: {entry['text']!r}: unknown {', '.join(sorted(unknown))}; "
                             "a term has text, english and misspellings")
    english = entry.get("english")
    misspellings = entry.get("misspellings", [])
    if (english is not None and not isinstance(english, str)
            or not isinstance(misspellings, list)
            or not all(isinstance(m, str) for m in misspellings)):
        raise ReportageError(f"{path}: {entry['text']!r}: english is a string, misspellings a "
                             "list of strings")
    return Term(checked(entry["text"]), checked(english) if english else None,
                [checked(m) for m in misspellings])


def unique(terms: list[Term]) -> list[Term]:
    """The first of each term (case-insensitive)."""
    seen: dict[str, Term] = {}
    for term in terms:
        seen.setdefault(term.text.casefold(), term)
    return list(seen.values())


def add(library: Path, term: Term) -> bool:
    """Add a term (or update its English and misspellings); whether anything changed."""
    term = Term(checked(term.text), checked(term.english) if term.english else None,
                _merged([], [checked(m) for m in term.misspellings]))
    with locked(library, ".glossary.lock"):
        terms = load(library)
        _check_consistent(term, terms)
        old = next((t for t in terms if t.text.casefold() == term.text.casefold()), None)
        document = _document(library, terms)
        if old is None:
            _entries(document).append(_table(term))
        else:
            new = (term.english or old.english, _merged(old.misspellings, term.misspellings))
            if new == (old.english, old.misspellings):
                return False
            entry = _entries(document)[_position(document, old.text)]
            for key, value in zip(("english", "misspellings"), new, strict=True):
                _set(entry, key, value)
        _write(library, document)
    return True


def remove(library: Path, text: str) -> bool:
    """Remove a term; whether it was there."""
    with locked(library, ".glossary.lock"):
        terms = load(library)
        wanted = " ".join(text.split()).casefold()
        old = next((t for t in terms if t.text.casefold() == wanted), None)
        if old is None:
            return False
        document = _document(library, terms)
        del _entries(document)[_position(document, old.text)]
        if not _entries(document):
            del document["term"]  # else "term = []", above the file's comments
        _write(library, document)
    return True


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
        if m.casefold() == name:
            raise ReportageError(f"{term.text!r} cannot be its own misspelling")
        if any(t.text.casefold() == m.casefold() for t in terms):
            raise ReportageError(f"{m!r} is a term of the glossary itself, not a misspelling "
                                 f"of {term.text!r}; remove it first if it is one")
    for other in terms:
        if other.text.casefold() != name and name in {m.casefold() for m in other.misspellings}:
            raise ReportageError(f"{term.text!r} is a misspelling of {other.text!r} in the "
                                 "glossary; remove that term first if it is a term of its own")


def _document(library: Path, terms: list[Term]) -> tomlkit.TOMLDocument:
    """The glossary as an editable TOML document that keeps the editor's comments and layout;
    a file of one term a line becomes TOML, its comment lines kept on top."""
    path = library / FILENAME
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if any(_TOML_LINE.match(line) for line in _lines(text)):
        return tomlkit.parse(text)
    document = tomlkit.document()
    comments = [line.strip()[1:].strip() for line in text.splitlines()
                if line.strip().startswith("#")]
    for comment in comments or [HEADER]:
        document.add(tomlkit.comment(comment))
    document.add(tomlkit.nl())
    document.append("term", tomlkit.aot())
    for term in terms:
        _entries(document).append(_table(term))
    return document


HEADER = "The show's names and terms (reportage glossary). Safe to edit by hand."


def _entries(document: tomlkit.TOMLDocument):
    if "term" not in document:
        document.append("term", tomlkit.aot())
    return document["term"]


def _position(document: tomlkit.TOMLDocument, text: str) -> int:
    """Where the term `load` read as `text` is (the first of that name, as `unique` keeps)."""
    return next(i for i, entry in enumerate(_entries(document))
                if checked(entry["text"]).casefold() == text.casefold())


def _set(entry: tomlkit.items.Table, key: str, value: str | list[str] | None) -> None:
    """Set (or, with no value, drop) a key of a term; a new key goes after the term's last
    key, not after the comment an editor wrote above the next term (which tomlkit counts as
    this table's)."""
    if not value:
        entry.pop(key, None)
    elif key in entry:
        entry[key] = value
    else:
        body = entry.value.body
        last = max(i for i, (name, _) in enumerate(body) if name is not None)
        entry.value._insert_at(last + 1, key, value)  # tomlkit's only way to place a key


def _table(term: Term) -> tomlkit.items.Table:
    table = tomlkit.table()
    table["text"] = term.text
    if term.english:
        table["english"] = term.english
    if term.misspellings:
        table["misspellings"] = term.misspellings
    return table


def _write(library: Path, document: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(document)
    write_atomic(library / FILENAME, text if text.endswith("\n") else text + "\n")


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
