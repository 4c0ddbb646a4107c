"""glossary.toml changed as text: only the lines of the term that changes are written, so an
editor's comments, blank lines and order stay where they were (a TOML library moves a comment
above a term into the term before it, and drops it with that term).

A term is a block of lines from its `[[term]]` header to the next header; the comments and blank
lines at the end of a block are what an editor wrote above the next term, and stay with it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import tomllib

from pipeline.errors import ReportageError

HEADER = re.compile(r"\s*\[\[\s*term\s*\]\]")
OPTIONAL_KEY = re.compile(r"\s*(english|misspellings)\s*=")
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')  # a TOML string on one line
NEW_FILE = "# The show's names and terms (reportage glossary). Safe to edit by hand.\n"


def with_term(text: str, term, position: int | None, note: str = "") -> str:
    """`text` (TOML form) with the term at `position` (among its [[term]] tables) given
    `term`'s english and misspellings, or `term` added at the end when `position` is None
    (`note`: a comment for its text line)."""
    text = text or NEW_FILE
    before = _parsed(text)
    tables, given = list(before.get("term", [])), _optional_fields(term)
    if position is None:
        tables.append({"text": term.text} | given)
    else:
        tables[position] = {k: v for k, v in tables[position].items()
                            if k not in ("english", "misspellings")} | given
    preamble, blocks = _blocks(text)
    if position is None:
        if blocks and blocks[-1] and blocks[-1][-1].strip():
            blocks[-1].append("\n")
        elif not blocks and preamble and preamble[-1].strip():
            preamble.append("\n")
        line = f"text = {_string(term.text)}" + (f"  {note}" if note else "")
        blocks.append(["[[term]]\n", line + "\n", *_optional(term)])
    else:
        own, trailing = _own_and_trailing(blocks[position])
        kept, notes, listing = _without_optional(own)
        blocks[position] = [*kept, *_optional(term, notes, listing), *trailing]
    return _checked("".join(preamble + [line for block in blocks for line in block]),
                    _with_tables(before, tables))


def with_line(text: str, term_text: str) -> str:
    """A glossary of one term a line with `term_text` on a line of its own at the end."""
    return text + ("\n" if text and not text.endswith("\n") else "") + term_text + "\n"


def without_terms(text: str, positions: list[int]) -> str:
    """`text` (TOML form) without the terms at `positions`; the comments above the next term
    stay above it."""
    before = _parsed(text)
    tables = [t for n, t in enumerate(before.get("term", [])) if n not in positions]
    preamble, blocks = _blocks(text)
    for position in positions:
        blocks[position] = _own_and_trailing(blocks[position])[1]
    return _checked("".join(preamble + [line for block in blocks for line in block]),
                    _with_tables(before, tables))


def table_count(text: str) -> int:
    return sum(bool(HEADER.match(line)) for line in text.splitlines())


def as_toml(comments: list[str], terms: list, notes: dict[str, str]) -> str:
    """A glossary of one term a line, as TOML: its comment lines on top, then the terms, each
    with the comment it had on its line (`notes`: term text -> "# ...")."""
    text = "".join(f"{line}\n" for line in comments) or NEW_FILE
    for term in terms:
        text = with_term(text, term, None, notes.get(term.text, ""))
    return text


def _blocks(text: str) -> tuple[list[str], list[list[str]]]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    preamble: list[str] = []
    blocks: list[list[str]] = []
    for line in lines:
        if HEADER.match(line):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            preamble.append(line)
    return preamble, blocks


def _own_and_trailing(block: list[str]) -> tuple[list[str], list[str]]:
    end = len(block)
    while end > 1 and (not block[end - 1].strip() or block[end - 1].lstrip().startswith("#")):
        end -= 1
    return block[:end], block[end:]


@dataclass
class Listing:
    """A misspellings list written one item a line: how it was laid out, for the new list."""
    indent: str = "  "
    head: str = ""  # the comment on the `misspellings = [` line
    notes: dict[str, str] = field(default_factory=dict)  # item -> the comment on its line


def _without_optional(own: list[str]) -> tuple[list[str], dict[str, str], Listing | None]:
    """The lines without english and misspellings, the comment after each of those, and the
    layout of a misspellings list over several lines (all kept for the new value): a value
    ends where its lines read as whole TOML (a "[" in a comment or a string opens no list)."""
    kept, value, notes, listing = [], None, {}, None  # value: the lines being left out
    for line in own:
        if value is None and not OPTIONAL_KEY.match(line):
            kept.append(line)
            continue
        value = [*(value or []), line]
        if (parsed := _read(whole := "".join(value))) is not None:
            key = OPTIONAL_KEY.match(value[0]).group(1)
            if note := _comment(whole):
                notes[key] = note
            if key == "misspellings":
                listing = _listing(value, parsed[key])
            value = None
    return kept, notes, listing


def _listing(lines: list[str], items: list) -> Listing | None:
    """How a list over several lines was laid out; None for one on a line (or one whose items
    this cannot tell apart: it is written on one line then)."""
    if len(lines) < 2:
        return None
    listing, found = Listing(), []
    for n, line in enumerate(lines):
        code, comment = _split_comment(line)
        on_line = [_read(f"x = {s}")["x"] for s in STRING.findall(code)]
        if n == 0 and not on_line:
            listing.head = comment
        elif n > 0 and on_line and not found:
            listing.indent = line[:len(line) - len(line.lstrip())]
        found += on_line
        if on_line and comment and "]" not in STRING.sub("", code):  # `]`'s is the list's note
            listing.notes[on_line[-1]] = comment
    return listing if found == items else None


def _split_comment(line: str) -> tuple[str, str]:
    """A line's code and its comment: from the first "#" outside a string."""
    strings = [m.span() for m in STRING.finditer(line)]
    at = next((at for at, c in enumerate(line)
               if c == "#" and not any(a <= at < b for a, b in strings)), None)
    return (line, "") if at is None else (line[:at], line[at:].rstrip("\n"))


def _comment(value: str) -> str:
    """The comment after a whole `key = value` ("# ..."), "" where there is none: it begins at
    the first "#" after which what comes before reads as TOML (not one in a string)."""
    text = value.rstrip("\n")
    return next((text[at:] for at, c in enumerate(text)
                 if c == "#" and _read(text[:at]) is not None), "")


def _optional_fields(term) -> dict:
    return ({"english": term.english} if term.english else {}) | (
        {"misspellings": list(term.misspellings)} if term.misspellings else {})


def _optional(term, notes: dict[str, str] | None = None,
              listing: Listing | None = None) -> list[str]:
    notes = notes or {}
    values = {"english": _string(term.english) if term.english else "",
              "misspellings": _list(term.misspellings, listing) if term.misspellings else ""}
    return [f"{key} = {value}" + (f"  {notes[key]}" if key in notes else "") + "\n"
            for key, value in values.items() if value]


def _list(items: list[str], listing: Listing | None) -> str:
    """A TOML list on one line, or one item a line with their comments as `listing` had it."""
    if listing is None:
        return f"[{', '.join(map(_string, items))}]"
    head = f"[  {listing.head}\n" if listing.head else "[\n"
    lines = [f"{listing.indent}{_string(item)},"
             + (f"  {listing.notes[item]}" if item in listing.notes else "") + "\n"
             for item in items]
    return head + "".join(lines) + "]"


def _string(text: str) -> str:
    # A JSON string is a valid TOML basic string: the same quotes and escapes.
    return json.dumps(text, ensure_ascii=False)


def _with_tables(document: dict, tables: list[dict]) -> dict:
    """The parsed glossary with these [[term]] tables (none: no "term" key, as TOML reads it)."""
    return {k: v for k, v in document.items() if k != "term"} | ({"term": tables} if tables else {})


def _read(text: str) -> dict | None:
    """The parsed TOML, None where it is not valid."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _parsed(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReportageError(f"glossary.toml is not valid TOML ({exc})") from None


def _checked(text: str, expected: dict) -> str:
    """`text`, if it reads back as exactly `expected`: never write a glossary that lost or
    broke anything."""
    if _read(text) != expected:
        raise ReportageError("the glossary could not be changed without breaking it; edit "
                             "glossary.toml by hand")
    return text
