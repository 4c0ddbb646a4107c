"""Search hits as the terminal shows them: where, when, the words matched, and the link."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from pipeline.search import Hit
from pipeline.timefmt import clock


def hit_lines(hits: list[Hit], library: Path) -> list[Text]:
    """Four lines a hit, then a blank line: title > chapter, time, speaker and how it matched;
    the snippet; the same moment in the other language; the link."""
    lines = []
    for hit in hits:
        where = " › ".join(part for part in (hit.title, hit.chapter) if part)
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
