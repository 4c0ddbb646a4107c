"""`reportage feed`: the library as a podcast feed (build), and producers' feeds in (add, sync,
list)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from pipeline.cli.common import (
    LibraryOption,
    StageProgress,
    app,
    command_group,
    err,
    existing_library,
    fail,
    library_path,
    library_to_add_to,
    progress_bar,
    say,
)
from pipeline.cli.settings import with_settings
from pipeline.errors import ReportageError

if TYPE_CHECKING:
    from pipeline.runner import Settings

feed_app = command_group(help="Podcast feeds: the library as a feed, and producers' feeds in.",
                       no_args_is_help=True)
app.add_typer(feed_app, name="feed")


@feed_app.command("build")
def build_cmd(
    base_url: str = typer.Option(..., "--base-url", metavar="URL", help="Where the library is "
                                 "published: episode files are URL + SLUG/FILE."),
    library: Path | None = LibraryOption,
) -> None:
    """Write feed.xml in the library: an RSS 2.0 podcast feed with transcripts and chapters.

    Channel fields come from feed.toml in the library: title, author, language, image,
    description, link, category."""
    from pipeline.formats.feed import write_feed

    try:
        result = write_feed(library_path(library), base_url)
    except ReportageError as exc:
        fail(str(exc))
    for warning in result.warnings:
        say(warning, "warning")
    say(f"{result.path}: {result.items} episode{'' if result.items == 1 else 's'}", "✓")
    if result.damaged:  # written, but a scheduled build must notice the episodes it lacks
        raise typer.Exit(1)


@feed_app.command("add")
def add_cmd(
    feed: str = typer.Argument(..., help="A podcast feed: a local file or an http(s) URL."),
    name: str | None = typer.Option(None, help="Its name [default: from the URL or file]."),
    library: Path | None = LibraryOption,
) -> None:
    """Remember a producer's feed; `feed sync` processes its new episodes."""
    from pipeline.intake import sync

    lib = library_to_add_to(library)
    try:
        subscription, new = sync.subscribe(lib, feed, name)
    except ReportageError as exc:
        fail(str(exc))
    if new:
        say(f"{subscription.name}: {subscription.source}", "✓")
    else:
        say(f"{feed}: already remembered as {subscription.name}", "skipped")


@feed_app.command("list")
def list_cmd(library: Path | None = LibraryOption) -> None:
    """The remembered feeds: name, items processed, source."""
    from pipeline.intake import subscriptions

    try:
        feeds = subscriptions.load(existing_library(library))
    except ReportageError as exc:
        fail(str(exc))
    for feed in feeds:
        print(f"{feed.name}\t{len(feed.done)}\t{feed.source}")


class _Reporter:
    def __init__(self, quiet: bool):
        self.quiet = quiet

    def line(self, message: str, label: str) -> None:
        if label == "error" or label == "warning" or not self.quiet:
            say(message, label)

    @contextmanager
    def bar(self, name: str):
        """A download bar (bytes, speed), then the file's stage bar as `process` shows it."""
        download = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                            TransferSpeedColumn(), console=err,
                            disable=self.quiet or not err.is_terminal, transient=True)
        task = download.add_task(f"{name} · downloading", total=None)
        stages, shown = progress_bar(self.quiet), []

        def on_bytes(done: int, total: int | None) -> None:
            download.update(task, completed=done, total=total)

        def on_stage(stage: str, done: float, total: float) -> None:
            if not shown:
                download.stop()
                stages.start()
                shown.append(StageProgress(stages, stages.add_task(name, total=None), name))
            shown[0](stage, done, total)

        download.start()
        try:
            yield on_bytes, on_stage
        finally:
            download.stop()
            stages.stop()


@feed_app.command("sync")
@with_settings
def sync_cmd(
    settings: Settings,
    base_url: str | None = typer.Option(
        None, "--base-url", metavar="URL", help="Where the library is published: the augmented "
        "feeds/NAME.xml links URL + SLUG/FILE [default: no augmented copy]."),
    max_mb: float = typer.Option(500, "--max-mb", min=0.001, max=1_000_000,
                                 help="Largest enclosure, in MB."),
    timeout: float = typer.Option(30, "--timeout", min=0.01, max=86_400, help="Seconds to wait "
                                  "for a server before giving up on that feed or item."),
    library: Path | None = LibraryOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and warnings."),
    retry: bool = typer.Option(False, "--retry", help="Try again the items left out after "
                               "failing three syncs in a row."),
) -> None:
    """Download and process the new episodes of every remembered feed (by guid); with
    --base-url, write feeds/NAME.xml: the producer's feed with transcript and chapters tags."""
    from pipeline.cli.process import prime
    from pipeline.formats.feed import base_url as check_base_url
    from pipeline.intake import subscriptions
    from pipeline.intake.sync import Options, sync_feed, syncing
    from pipeline.library import prepare_library
    from pipeline.runner import Engines, check_settings

    lib = library_path(library)
    none = f"no feeds in {lib}: add one with `reportage feed add FEED`"
    if not (lib / subscriptions.FILE).exists():  # a mistyped --library: nothing made there
        fail(none)
    options = Options(base_url, int(max_mb * 2**20), timeout)
    engines, reporter = Engines(settings), _Reporter(quiet)
    try:
        if base_url is not None:
            options.base_url = check_base_url(base_url)
        elif not quiet:
            say("no --base-url: episodes are processed, but no copy of the feed with their "
                "transcripts is written", "warning")
        for warning in check_settings(settings):
            say(warning, "warning")
        prepare_library(lib)
        prime(settings, lib)  # the library's glossary, as `process` uses it
        with syncing(lib):  # the feeds as the last sync left them
            if retry:
                subscriptions.forget_failures(lib)
            feeds = subscriptions.load(lib)
            if not feeds:
                raise ReportageError(none)
            failures = sum(sync_feed(lib, feed, settings, engines, options, reporter)
                           for feed in feeds)
    except ReportageError as exc:
        fail(str(exc))
    if failures:
        raise typer.Exit(1)
