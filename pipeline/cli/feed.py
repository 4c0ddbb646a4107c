"""`reportage feed build`: the library as a podcast feed (feed.xml)."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.common import LibraryOption, app, fail, library_path, say
from pipeline.errors import ReportageError

feed_app = typer.Typer(help="The library as a podcast feed.", no_args_is_help=True)
app.add_typer(feed_app, name="feed")


@feed_app.command("build")
def build_cmd(
    base_url: str = typer.Option(..., "--base-url", metavar="URL", help="Where the library is "
                                 "published: episode files are URL + SLUG/FILE."),
    library: Path | None = LibraryOption,
) -> None:
    """Write feed.xml in the library: an RSS 2.0 podcast feed with transcripts and chapters.

    Channel fields come from feed.toml in the library: title, author, language, image,
    description, link."""
    from pipeline.formats.feed import write_feed

    try:
        result = write_feed(library_path(library), base_url)
    except ReportageError as exc:
        fail(str(exc))
    for warning in result.warnings:
        say(warning, "warning")
    say(f"{result.path}: {result.items} episode{'' if result.items == 1 else 's'}", "✓")
