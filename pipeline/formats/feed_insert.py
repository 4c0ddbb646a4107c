"""A producer's own feed with reportage's links added (`feed sync`): the `<podcast:transcript>`
and `<podcast:chapters>` of each processed item inserted into the feed's bytes, found without
parsing it, so every other byte stays as the producer wrote it."""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from pipeline.errors import ReportageError
from pipeline.formats.feed import PODCAST

# Tags in a producer's own feed, found without parsing it so every other byte stays as it is:
# comments, CDATA, processing instructions and declarations are skipped whole.
_TOKEN_RE = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>"
    rb"|<(/?)([^\s/>!?]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>", re.S)


def insert_item_links(original: bytes, links: dict[int, list[tuple[str, dict[str, str]]]]
                      ) -> bytes:
    """`original` (an RSS feed) with `<podcast:...>` elements inserted before the closing tag of
    the items numbered in `links` (0-based, in document order, as ElementTree's
    channel.findall("item")); every other byte is kept. The podcast namespace is declared on
    the <rss> start tag when it is not already."""
    if original[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ReportageError("the feed is UTF-16: an augmented copy is not written")
    depth, number, rss_end, prefix = 0, 0, None, None
    inserts: list[tuple[int, int]] = []
    for match in _TOKEN_RE.finditer(original):
        closing, name, attrs, empty = match.group(1, 2, 3, 4)
        if name is None:
            continue
        if closing:
            depth -= 1
            if depth == 2 and name == b"item":
                if number in links:
                    inserts.append((match.start(), number))
                number += 1
            continue
        if depth == 0 and name == b"rss":
            rss_end = match.end(3)
            prefix = _podcast_prefix(attrs)
        if empty:
            if depth == 2 and name == b"item":
                number += 1
        else:
            depth += 1
    if rss_end is None:
        raise ReportageError("not an RSS feed (no <rss> element)")
    declare = prefix is None
    prefix = prefix or (b"podcast" if b"xmlns:podcast=" not in original[:rss_end]
                        else b"reportage-podcast")
    out, last = [], 0
    if declare:
        out += [original[:rss_end], b' xmlns:' + prefix + b'="' + PODCAST.encode() + b'"']
        last = rss_end
    for at, number in inserts:
        indent = _indent(original, at)
        elements = [_element(prefix, tag, attrib) for tag, attrib in
                    links[number]]
        text = b"".join((b"  " + e + b"\n" + indent) if indent is not None else e
                        for e in elements)
        out += [original[last:at], text]
        last = at
    out.append(original[last:])
    return b"".join(out)


def _podcast_prefix(attrs: bytes) -> bytes | None:
    found = re.search(rb"xmlns:([\w.-]+)\s*=\s*([\"'])" + re.escape(PODCAST.encode()) + rb"/?\2",
                      attrs)
    return found.group(1) if found else None


def _indent(data: bytes, at: int) -> bytes | None:
    """The white space before a closing tag that starts its own line, else None."""
    start = data.rfind(b"\n", 0, at) + 1
    space = data[start:at]
    return space if start and not space.strip() else None


def _element(prefix: bytes, tag: str, attrib: dict[str, str]) -> bytes:
    values = "".join(f" {k}={quoteattr(v)}" for k, v in attrib.items())
    return f"<{prefix.decode()}:{tag}{values}/>".encode("ascii", "xmlcharrefreplace")
