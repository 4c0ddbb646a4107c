"""`reportage title`: an episode's title and its English, shown or renamed (logged, and
reverted like any edit)."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.common import LibraryOption, SlugArgument, app, fail, library_path, say
from pipeline.errors import ReportageError


@app.command()
def title(
    slug: str = SlugArgument,
    new: str | None = typer.Argument(None, metavar="title", help="The new title: the "
                                     "listener page, transcripts, search and a feed built "
                                     "before show it at once."),
    english: str | None = typer.Option(None, "--en", help="The title in English, shown under "
                                       "the Dutch one on the pages and in transcript.txt "
                                       "(\"\" takes it away)."),
    library: Path | None = LibraryOption,
) -> None:
    """Show an episode's title (and its English below, where it has one), or rename it
    (`reportage revert` undoes it)."""
    from pipeline.cli.library import user
    from pipeline.document import Episode
    from pipeline.edits.title import rename
    from pipeline.library import find_episode

    lib = library_path(library)
    try:
        if new is None and english is None:
            episode = Episode.load(find_episode(lib, slug))
            print(episode.title + (f"\n{episode.title_en}" if episode.title_en else ""))
            return
        done = rename(lib, slug, new, user(), title_en=english)
    except ReportageError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"could not save the title: {exc.strerror or exc}")
    for edit in done:
        if edit.field == "title":
            say(f"{slug} is now titled “{edit.after}” (edit {edit.id})", "✓")
        elif edit.after:
            say(f"{slug}'s English title is now “{edit.after}” (edit {edit.id})", "✓")
        else:
            say(f"{slug} has no English title now (edit {edit.id})", "✓")
    if not done:
        say(f"{slug} is titled so already; nothing to change")
