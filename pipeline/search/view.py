"""Search hits as the terminal shows them: where, when, the words matched, and the link."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.search import Hit
from pipeline.timefmt import clock


def english_titles(library: Path, hits: list[Hit]) -> dict[str, str | None]:
    """The English title of each hit's episode (None without one, or where its document cannot
    be read): the search index holds only the Dutch."""
    found: dict[str, str | None] = {}
    for slug in dict.fromkeys(h.episode for h in hits):
        try:
            found[slug] = Episode.load(library / slug).title_en
        except (ReportageError, OSError):
            found[slug] = None
    return found


def hit_lines(hits: list[Hit], library: Path) -> list[Text]:
    """Four lines a hit, then a blank line: title > chapter, time, speaker and how it matched
    (the English title and chapter over an English snippet, where there is one); the snippet;
    the same moment in the other language; the link."""
    lines = []
    english = english_titles(library, [h for h in hits if h.lang == "en"])
    for hit in hits:
        title = english.get(hit.episode) or hit.title
        where = " › ".join(part for part in (title, hit.chapter) if part)
        head = Text(f"{where}  ", style="bold")
        head.append(clock(hit.start), style="cyan")
        if hit.speaker:
            head.append(f"  {hit.speaker}", style="magenta")
        head.append(f"  ({hit.matched}, score {hit.score:.3f})", style="dim")
        snippet = _marked(hit.snippet, hit.marks)
        other = _marked(hit.other, hit.other_marks, "dim")
        link = Text(f"  {library / hit.link}", style="blue")
        lines += [head, snippet, *([other] if hit.other else []), link, Text("")]
    return lines


def _marked(text: str, marks: list[tuple[int, int]], style: str = "") -> Text:
    shown = Text("  " + text, style=style)
    for start, end in marks:
        shown.stylize("bold yellow", start + 2, end + 2)
    return shown
