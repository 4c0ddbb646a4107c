"""glossary.toml changed as text: only the lines of the term that changes are written, so an
editor's comments, blank lines and order stay where they were (a TOML library moves a comment
above a term into the term before it, and drops it with that term).

A term is a block of lines from its `[[term]]` header to the next header; the comments and blank
lines at the end of a block are what an editor wrote above the next term, and stay with it.
"""

from __future__ import annotations

import json
import re

import tomllib

from pipeline.errors import ReportageError

HEADER = re.compile(r"\s*\[\[\s*term\s*\]\]")
OPTIONAL_KEY = re.compile(r"\s*(english|misspellings)\s*=")
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
        kept, notes = _without_optional(own)
        blocks[position] = [*kept, *_optional(term, notes), *trailing]
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


def _without_optional(own: list[str]) -> tuple[list[str], dict[str, str]]:
    """The lines without english and misspellings, and the comment after each of those (kept
    for the new value): a value ends where its lines read as whole TOML (a list may run over
    several lines; a "[" in a comment or a string opens none)."""
    kept, value, notes = [], None, {}  # value: the lines of the one being left out
    for line in own:
        if value is None and not OPTIONAL_KEY.match(line):
            kept.append(line)
            continue
        value = [*(value or []), line]
        if _read(whole := "".join(value)) is not None:
            if note := _comment(whole):
                notes[OPTIONAL_KEY.match(value[0]).group(1)] = note
            value = None
    return kept, notes


def _comment(value: str) -> str:
    """The comment after a whole `key = value` ("# ..."), "" where there is none: it begins at
    the first "#" after which what comes before reads as TOML (not one in a string)."""
    text = value.rstrip("\n")
    return next((text[at:] for at, c in enumerate(text)
                 if c == "#" and _read(text[:at]) is not None), "")


def _optional_fields(term) -> dict:
    return ({"english": term.english} if term.english else {}) | (
        {"misspellings": list(term.misspellings)} if term.misspellings else {})


def _optional(term, notes: dict[str, str] | None = None) -> list[str]:
    notes = notes or {}
    values = {"english": _string(term.english) if term.english else "",
              "misspellings": f"[{', '.join(map(_string, term.misspellings))}]"
              if term.misspellings else ""}
    return [f"{key} = {value}" + (f"  {notes[key]}" if key in notes else "") + "\n"
            for key, value in values.items() if value]


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
