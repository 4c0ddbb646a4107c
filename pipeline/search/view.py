"""Search hits as the terminal shows them: where, when, the words matched, and the link."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from pipeline.search import Hit
from pipeline.timefmt import clock


def hit_lines(hits: list[Hit], library: Path) -> list[Text]:
    """Three lines a hit, then a blank line: title > chapter, time and speaker; snippet; link."""
    lines = []
    for hit in hits:
        where = " › ".join(part for part in (hit.title, hit.chapter) if part)
        head = Text(f"{where}  ", style="bold")
        head.append(clock(hit.start), style="cyan")
        if hit.speaker:
            head.append(f"  {hit.speaker}", style="magenta")
        head.append(f"  ({hit.lang}, score {hit.score:.2f})", style="dim")
        snippet = Text("  " + hit.snippet)
        for start, end in hit.marks:
            snippet.stylize("bold yellow", start + 2, end + 2)
        lines += [head, snippet, Text(f"  {library / hit.link}", style="blue"), Text("")]
    return lines
