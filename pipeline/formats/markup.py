"""Markup editors type into a segment, tidied for subtitle files and plain-text transcripts."""

from __future__ import annotations

import re
import unicodedata

# Editors can type anything. Cue text holds only the formatting tags SRT and WebVTT share, bare
# (`<b onclick=x>` -> `<b>`); every other piece of markup goes and its text stays, so no script,
# link or position override (`{\an8}`) reaches a player or page. Markup is an HTML, SRT or
# WebVTT element, a tag with attributes, a comment or an override; angle brackets around other
# words are text ("List<String>", "Map<K, V>"), escaped where a format needs it.
FORMATTING = ("b", "i", "u")
_TAG = re.compile(r"<(/?)([a-z][^\s/<>]*)([^<>]*)>|<[!?][^<>]*>|\{\\[^{}]*\}", re.I)
_ELEMENT_NAMES = """
    a abbr address area article aside audio b base bdi bdo big blink blockquote body br button
    c canvas caption center cite code col colgroup data datalist dd del details dfn dialog div dl
    dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head
    header hr html i iframe image img input ins kbd label lang legend li link listing main map mark
    marquee math menu meta meter nav noembed noframes noscript object ol optgroup option output p
    param picture plaintext pre progress q
    rp rt ruby s samp script section select slot small source span strike strong style sub summary
    sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul v var video
    wbr xmp"""
_ELEMENTS = frozenset(_ELEMENT_NAMES.split())
FORMAT_TAG = re.compile(r"(</?[biu]>)")  # as tidied: bare
# Control characters (C0 but tab and line ends, DEL, C1): nothing an editor means to type.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # lone surrogates too
# What a name or a title (one line, no markup) may not hold.
NOT_IN_NAMES = re.compile(r"[<>\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Invisible marks: direction embeddings, overrides and isolates (chat apps wrap pasted names in
# them, and left in, an override reverses the rest of every line it starts), and the zero-width
# space, direction marks, word joiner and byte-order mark, which make a name that shows as
# nothing or two names that look the same. Taken out. (Zero-width (non-)joiners stay: scripts
# and emoji need them.)
INVISIBLE = re.compile(r"[\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


# Unicode's default-ignorable code points: nothing a reader sees (soft hyphen, joiners,
# variation selectors, fillers, invisible operators, tags); and the Braille blank, a symbol
# that shows as a space.
IGNORABLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
                       "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff"
                       "\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                       "\U000e0000-\U000e0fff]")


def shows(text: str) -> bool:
    """Whether `text` holds something a reader sees: a letter, digit, punctuation mark or
    symbol that is not default-ignorable (a title of a Hangul filler or a zero-width joiner
    alone shows as nothing, so it is as empty as one of spaces)."""
    return any(unicodedata.category(c)[0] in "LNPS" for c in IGNORABLE.sub("", text))


def as_typed(text: str) -> str:
    """What an editor typed, as it is kept: invisible marks out, and each letter in one
    Unicode form (NFC), as the recogniser writes it: "José" typed as "e" and a combining accent
    is the same name, and one word to search and to propose for the glossary."""
    return unicodedata.normalize("NFC", INVISIBLE.sub("", text))


def one_line(text: str) -> str:
    """A name, title or term as typed (as_typed), whitespace runs one space."""
    return " ".join(as_typed(text).split())


def plain_title(text: str, longest: int) -> str:
    """A title a file, a tag or a feed gave (or an old log line): one line with no control
    characters or invisible marks, and at most `longest` characters, cut between words."""
    title = one_line(CONTROL.sub("", text))
    if len(title) <= longest:
        return title
    cut = title[: longest - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def compared(text: str) -> str:
    """A name, title or term as compared: any case, spacing and Unicode form."""
    return one_line(text).casefold()


def _opens(tags: list[str]) -> str:
    return "".join(f"<{t}>" for t in tags)


def _closes(tags: list[str]) -> str:
    return "".join(f"</{t}>" for t in reversed(tags))


def tidy_markup(pieces: list[str]) -> list[str]:
    """Consecutive pieces of text (a segment, the cues of a run) with only bare formatting tags,
    each piece balanced: a tag still open at its end closes there and reopens in the next."""
    if not any("<" in p or "{" in p for p in pieces):
        return pieces  # nearly all text
    out, open_tags = [], []
    for piece in pieces:
        text, at = _opens(open_tags), 0
        for m in _TAG.finditer(piece):
            if not _is_markup(m):
                continue  # words in angle brackets: text, kept where it stands
            text, at = text + piece[at : m.start()], m.end()
            closing, name = m.group(1), (m.group(2) or "").lower()
            if name not in FORMATTING or (name in open_tags) != bool(closing):
                continue  # a foreign tag, or one opened twice or closed but never opened
            if closing:  # tags opened inside it close with it and reopen after it
                inner = open_tags[open_tags.index(name) + 1 :]
                text += _closes([name, *inner]) + _opens(inner)
                open_tags.remove(name)
            else:
                text += f"<{name}>"
                open_tags.append(name)
        out.append(_hug(text + piece[at:] + _closes(open_tags)))
    return out


def has_markup(text: str) -> bool:
    """Whether `text` holds markup, not only angle brackets around words ("A<B", "Map<K, V>")."""
    return any(_is_markup(m) for m in _TAG.finditer(text))


def _is_markup(tag: re.Match) -> bool:
    """A comment, override, element of HTML, SRT or WebVTT, or a tag with attributes."""
    name, rest = tag.group(2), tag.group(3)  # WebVTT's classes: <c.yellow>, <i.loud>
    return name is None or name.split(".")[0].lower() in _ELEMENTS or "=" in rest


def _hug(text: str) -> str:
    """Tags hug their words and empty ones go, so that no cue holds a tag without a word."""
    while True:
        hugged = re.sub(r"<([biu])>(\s*)</\1>", r"\2", text)
        hugged = re.sub(r"((?:<[biu]>)+)(\s+)", r"\2\1", hugged)
        hugged = re.sub(r"(\s+)((?:</[biu]>)+)", r"\2\1", hugged)
        if hugged == text:
            return text
        text = hugged


def plain(text: str) -> str:
    """Tidied text without its formatting tags, on one line: for plain-text transcripts."""
    return " ".join(FORMAT_TAG.sub("", text).split())
