"""Commands on the library: publish, serve, history, revert, check, search, index."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from pipeline.cli.common import (
    LibraryOption,
    SlugArgument,
    app,
    episode_names,
    err,
    fail,
    library_path,
    say,
)
from pipeline.errors import ReportageError


@app.command(name="publish")
def publish_cmd(
    slugs: list[str] = typer.Argument(None, help="Episodes to republish [default: all].",
                                     callback=episode_names),
    library: Path | None = LibraryOption,
) -> None:
    """Rebuild every derived file of episodes from their episode.json, without any model."""
    from pipeline.document import Episode
    from pipeline.library import episode_slugs, find_episode, locked
    from pipeline.stages.publish import publish

    lib = library_path(library)
    if not lib.is_dir():
        fail(f"no library folder at {lib}: run `reportage process` first")
    everything = not slugs
    slugs = slugs or list(episode_slugs(lib))
    if not slugs:
        say(f"no episodes in {lib} yet: `reportage process` makes them")
    failed = 0
    index_ready(lib)  # before any episode is locked: every episode goes in
    for slug in slugs:  # one bad episode stops none of the others
        try:
            folder = find_episode(lib, slug)
            with locked(folder):
                written = publish(folder, Episode.load(folder), feed=not everything)
            say(f"{slug}: {len(written)} files", "✓")
        except (ReportageError, OSError) as exc:
            say(str(exc) if isinstance(exc, ReportageError)
                else f"{slug}: could not write {exc.filename or 'a file'}: {exc.strerror or exc}",
                "error")
            failed += 1
    if everything:
        _forget_gone(lib)
        _feed_again(lib)
    if failed:
        raise typer.Exit(1)


def _feed_again(library: Path) -> None:
    """A feed built before is written again for its URL: titles and chapters editors changed
    reach podcast apps."""
    from pipeline.formats import feed

    if (url := feed.built_for(library)) is None:
        return
    try:
        result = feed.write_feed(library, url)
    except ReportageError as exc:
        say(str(exc), "warning")
        return
    for warning in result.warnings:
        say(warning, "warning")
    say(f"{result.path}: {result.items} episode{'' if result.items == 1 else 's'}", "✓")


def index_ready(library: Path) -> None:
    """A library without a search index gets one of every episode now, with a progress bar;
    the first publish would otherwise build it unseen, minutes long, holding its episode."""
    from pipeline.search import index as searchindex

    if any(library.glob("*/episode.json")) and not searchindex.index_path(library).exists():
        say("no search index yet: indexing every episode of the library")
        try:
            for line in _rebuild(library).skipped:
                say(line, "skipped")
        except ReportageError as exc:  # the episodes' own files come first
            say(str(exc), "warning")


def _rebuild(library: Path):
    from pipeline.search import index as searchindex

    with _counting("indexing the episodes") as progress:
        return searchindex.rebuild(library, progress)


@contextmanager
def _counting(description: str) -> Iterator[Callable[[int, int], None]]:
    """A bar of a long index job, told (done, total) as it goes; none off a terminal."""
    from rich.progress import Progress

    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _forget_gone(library: Path) -> None:
    """Episodes whose folders were deleted by hand leave the search (their hits led nowhere)."""
    from pipeline.search import index as searchindex

    try:
        for slug in searchindex.forget_gone(library):
            say(f"{slug}: its folder is gone, so it is no longer in the search index", "✓")
    except ReportageError as exc:
        say(str(exc), "warning")


@app.command()
def serve(
    library: Path | None = typer.Argument(None, help="Library folder "
                                          "[default: $REPORTAGE_LIBRARY or transcripts/]"),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    allowed_host: list[str] = typer.Option(
        [], "--allowed-host", metavar="NAME", help="Also answer requests addressed to this "
        "name (repeatable); besides it only the --host address and localhost are answered."),
) -> None:
    """Serve the library: listener pages, search, and the editor (?edit=1, needs the token)."""
    from pipeline.web.server import serve as run_server

    if not host.strip():  # "" would listen on every interface
        fail("--host needs an address: 127.0.0.1 (this machine only) or 0.0.0.0 (every "
             "network)")
    lib = library_path(library)
    index_ready(lib)  # here, not in an editor's first save
    try:
        _fill_vectors(lib, required=False)  # here, not in a request
    except ReportageError as exc:  # a damaged index: the pages and the editor go on
        say(f"search is off: {exc}", "warning")
    try:
        run_server(lib, host, port, allowed_host)
    except ReportageError as exc:
        fail(str(exc))


@app.command()
def history(
    slug: str = SlugArgument,
    segment: str | None = typer.Argument(
        None, help="Only this line's edits: its time as the page shows it (01:23), or its id; "
        "or a chapter's or a speaker's id."),
    library: Path | None = LibraryOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON line per edit."),
) -> None:
    """List the edits of an episode, oldest first (editors', and the English a chapter rename
    took along, as reportage's)."""
    from dataclasses import asdict

    from pipeline.edits import history as edit_history
    from pipeline.edits.chapter_log import outline
    from pipeline.edits.chapters import STRUCTURE

    try:
        if segment is not None and ":" in segment:
            segment = _line_at(library_path(library), slug, segment)
        found = edit_history(library_path(library), slug, segment)
    except ReportageError as exc:
        fail(str(exc))
    if not found and not as_json:  # on stderr: stdout stays the (empty) list
        say(f"no human edits of {segment or slug} yet")
    for e in found:
        if as_json:
            print(json.dumps(asdict(e), ensure_ascii=False))
            continue
        note = f" (revert of {e.revert_of})" if e.revert_of else ""
        before, after = ((outline(e.before), outline(e.after)) if e.field == STRUCTURE
                         else (e.before or "", e.after or ""))
        print(f"{e.id:>4}  {e.time}  {e.editor}  {e.segment} {e.field} rev {e.rev}{note}\n"
              f"      - {before}\n      + {after}")


def _line_at(library: Path, slug: str, when: str) -> str:
    """The id of the line the page shows at `when` (its start, in whole seconds), else of the
    line being said then."""
    from pipeline.document import Episode
    from pipeline.formats.clip import parse_time
    from pipeline.library import find_episode

    at = parse_time(when)
    segments = Episode.load(find_episode(library, slug)).segments
    shown = [s for s in segments if int(s.start) == int(at)]
    said = shown or [s for s in segments if s.start <= at]
    if not said or at > segments[-1].end:
        raise ReportageError(f"no line at {when} in {slug}")
    return said[0 if shown else -1].id


@app.command()
def revert(
    slug: str = SlugArgument,
    edit_id: int = typer.Argument(..., help="The edit to undo (see `reportage history`)."),
    force: bool = typer.Option(False, "--force", help="Revert even what a newer edit changed "
                               "since (that edit's work is lost)."),
    library: Path | None = LibraryOption,
) -> None:
    """Restore the text an edit replaced; the revert is logged as an edit of its own."""
    from pipeline.edits import ChangedSince
    from pipeline.edits import revert as revert_edit

    try:
        done = revert_edit(library_path(library), slug, edit_id, user(), force)
    except ChangedSince as exc:
        fail(f"{exc}, or --force gives back what edit {exc.target} replaced and loses it")
    except ReportageError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"could not save the revert: {exc.strerror or exc}")
    if not done:
        say(f"edit {edit_id}: already undone, as it was before; nothing to do")
    for e in done:
        say(f"{slug} {e.segment} {e.field} restored (edit {e.id})", "✓")


def user() -> str:
    import getpass

    from pipeline.edits.chapters import person

    try:
        return person(getpass.getuser())
    except (KeyError, OSError):  # no name for this uid (containers)
        return "cli"


@app.command()
def check(
    path: Path = typer.Argument(..., help="An .srt or .vtt subtitle file."),
    profile: str = typer.Option("netflix-nl", help="Norms: netflix-nl or podcast."),
    max_cps: float | None = typer.Option(None, min=1, help="Most characters a second."),
    max_chars: int | None = typer.Option(None, min=1, help="Most characters a line."),
    max_lines: int | None = typer.Option(None, min=1, help="Most lines a cue."),
) -> None:
    """Report where subtitles break the norms; exit 1 on a broken hard limit, 2 if unreadable."""
    from pipeline.formats.conformance import check_file
    from pipeline.formats.cues import profile_norms

    if path.name == "chapters.vtt":  # published beside the subtitles, but minutes long a cue
        say(f"{path}: a chapters track, not subtitles; the subtitle norms do not apply")
        return
    try:
        report = check_file(path, profile_norms(profile, max_cps, max_chars, max_lines))
    except ReportageError as exc:
        fail(str(exc), code=2)
    for line in report.lines():
        print(line)
    if report.hard:
        raise typer.Exit(1)


@app.command(name="search")
def search_cmd(
    query: str = typer.Argument(..., help='Words, "a phrase", or a prefix*.'),
    library: Path | None = LibraryOption,
    lang: str = typer.Option("both", help="Search the nl text, the en text, or both."),
    episode: str | None = typer.Option(None, help="Only this episode (its slug).",
                                       callback=episode_names),
    speaker: str | None = typer.Option(None, help="Only what this speaker said (a name)."),
    limit: int = typer.Option(20, min=1, help="At most this many hits."),
    mode: str = typer.Option("hybrid", help="exact: the words; semantic: the meaning, in "
                             "either language; hybrid: both (a quoted query stays exact)."),
    as_json: bool = typer.Option(False, "--json", help="Print the hits as a JSON list."),
) -> None:
    """Find the moments in every episode where something was said, best first."""
    from pipeline.search import search
    from pipeline.search.view import english_titles, hit_lines

    lib = library_path(library)
    if speaker is not None and not speaker.strip():  # not silently every speaker
        fail("--speaker needs a name (see reportage speakers SLUG)")
    try:
        if mode != "exact":
            _fill_vectors(lib, required=False)
        hits = search(lib, query, lang=lang, episode=episode, limit=limit, speaker=speaker,
                      mode=mode)
    except ReportageError as exc:
        fail(str(exc))
    if as_json:
        # The link as the text output gives it: the page's path, library folder included.
        english = english_titles(lib, hits)
        print(json.dumps([h.to_dict() | {"link": str(lib / h.link), "title_en": english[h.episode]}
                          for h in hits], ensure_ascii=False, indent=1))
    elif not hits:
        say(f"no matches for {query!r}")
    elif mode != "semantic" and all(h.matched in ("meaning", "alike") for h in hits):
        say(f"no line holds the words of {query!r}: these are the lines nearest in meaning "
            "or holding words like them")  # not "no matches"
    elif hits[0].partial:
        say(f"no segment holds every word of {query!r}: these hold some of them")
    for line in [] if as_json else hit_lines(hits, lib):
        Console(highlight=False, soft_wrap=True).print(line)


def _fill_vectors(library: Path, required: bool = True) -> None:
    """Give an index from before search by meaning its vectors, once, with a progress bar.
    Where that cannot be (a library this user may only read), a search goes on by words
    alone unless the vectors are `required`."""
    from pipeline.search import index as searchindex
    from pipeline.search import vectors

    path = searchindex.index_path(library)
    if not path.is_file() or not vectors.available() or searchindex.has_vectors(library):
        return  # nothing to do, or the search says what is missing
    if not required and not (os.access(path, os.W_OK) and os.access(library, os.W_OK)):
        return  # read-only: not worth embedding every line only to fail at the write
    try:
        with _counting("adding meaning vectors to the search index") as progress:
            if searchindex.fill_vectors(library, progress):
                say("search index: meaning vectors added", "✓")
    except ReportageError as exc:
        if required:
            raise
        say(f"search by meaning is off until the index has its vectors ({exc})", "warning")


def _readable(folder: Path) -> bool:
    """An episode a rebuild would index again (a damaged one it skips)."""
    from pipeline.document import Episode

    try:
        Episode.load(folder)
    except (ReportageError, OSError):
        return False
    return True


@app.command(name="index")
def index_cmd(
    rebuild: bool = typer.Option(False, "--rebuild", help="Recreate it from the episode folders."),
    remove: str | None = typer.Option(None, "--remove", metavar="SLUG", callback=episode_names,
                                      help="Forget an episode whose folder was deleted."),
    library: Path | None = LibraryOption,
) -> None:
    """The search index: show what it holds (adding meaning vectors to an index from before
    them, forgetting episodes whose folders are gone), --rebuild it, or --remove an episode."""
    from pipeline.search import dictionary
    from pipeline.search import index as searchindex

    lib = library_path(library)
    if rebuild and remove is not None:  # a rebuild would bring the episode back
        fail("give --rebuild or --remove, not both")
    try:
        if rebuild:
            report = _rebuild(lib)
            for line in report.skipped:
                say(line, "skipped")
        else:
            if remove is not None and _readable(lib / remove):
                fail(f"{remove} is still in the library ({lib / remove}): it would come back at "
                     "the next rebuild; delete its folder first")
            if remove is not None and not searchindex.remove_episode(lib, remove):
                fail(f"no episode {remove!r} in the search index")
            if remove is None:
                _forget_gone(lib)
            _fill_vectors(lib)
            report = searchindex.summary(lib)
    except ReportageError as exc:
        fail(str(exc))
    say(f"{searchindex.index_path(lib)}: {report.episodes} episodes, "
        f"{report.segments} segments", "✓")
    if not dictionary.installed():
        say(f"an English word finds the Dutch said by meaning alone; for its Dutch words too: "
            f"{dictionary.INSTALL}", "warning")
    if rebuild and report.skipped:  # a script must notice the episodes search cannot find
        raise typer.Exit(1)
