"""`reportage title`: an episode's title, shown or renamed (logged, and reverted like any edit)."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.common import LibraryOption, SlugArgument, app, fail, library_path, say
from pipeline.errors import ReportageError


@app.command()
def title(
    slug: str = SlugArgument,
    new: str | None = typer.Argument(None, metavar="title", help="The new title: the "
                                     "listener page, transcripts and search show it at once, "
                                     "feed.xml from its next `feed build`."),
    library: Path | None = LibraryOption,
) -> None:
    """Show an episode's title, or rename it (`reportage revert` undoes it)."""
    from pipeline.cli.library import user
    from pipeline.document import Episode
    from pipeline.edits.title import rename
    from pipeline.library import find_episode

    lib = library_path(library)
    try:
        if new is None:
            print(Episode.load(find_episode(lib, slug)).title)
            return
        done = rename(lib, slug, new, user())
    except ReportageError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"could not save the title: {exc.strerror or exc}")
    if done:
        say(f"{slug} is now titled “{done[0].after}” (edit {done[0].id})", "✓")
    else:
        say(f"{slug} is titled so already; nothing to change")
