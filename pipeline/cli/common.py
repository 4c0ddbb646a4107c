"""What every command shares: the app, one-line messages, the library option, progress bars."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
)
from rich.text import Text
from typer.core import TyperGroup

from pipeline import __version__
from pipeline.errors import ReportageError
from pipeline.library import default_library
from pipeline.timefmt import clock


def command_group(**options) -> typer.Typer:
    """A Typer app whose help is plain text: rich markup would take the "[default: ...]" our
    help texts write for a style tag and drop it."""
    return typer.Typer(add_completion=False, rich_markup_mode=None, **options)


# The commands as a producer meets them: --help lists them so, not in the order of import.
ORDER = ("process", "publish", "serve", "search", "title", "speakers", "history", "revert",
         "glossary", "feed", "clip", "index", "check", "evaluate", "models")


class InProducersOrder(TyperGroup):
    def list_commands(self, ctx) -> list[str]:
        return sorted(super().list_commands(ctx),
                      key=lambda name: ORDER.index(name) if name in ORDER else len(ORDER))


app = command_group(
    cls=InProducersOrder, no_args_is_help=True,
    help="Dutch spoken-word audio to a bilingual, chaptered, searchable transcript.",
)
err = Console(stderr=True)

def episode_names(value):
    """A slug as the shell completes a folder's name ("dev-episode-01/") is that episode."""
    if isinstance(value, list):
        return [episode_names(v) for v in value]
    return value.rstrip("/") or value if isinstance(value, str) else value


SlugArgument = typer.Argument(..., help="The episode.", callback=episode_names)
def given_path(value: str) -> Path:
    """A path as typed: "" would be the current folder (all of its audio, or a library there)."""
    if not value.strip():
        raise typer.BadParameter("empty: give a file or folder")
    return Path(value)


LibraryOption = typer.Option(None, "--library", "--out", parser=given_path, metavar="FOLDER",
                             help="Library folder "
                             "[default: $REPORTAGE_LIBRARY or transcripts/]")


def library_path(value: Path | None) -> Path:
    """--library, else $REPORTAGE_LIBRARY, else transcripts/: a folder, or one to be made, but
    never a file or an episode's own folder (an index or glossary would be written into it)."""
    library = value or default_library()
    if library.exists() and not library.is_dir():
        fail(f"library path {library} is a file, not a folder")
    if (library / "episode.json").is_file():
        fail(f"{library} is an episode's folder, not a library: give the folder that holds "
             "the episodes")
    return library


def existing_library(value: Path | None) -> Path:
    """The library a listing reads: one that is not there is a typo, not an empty library."""
    library = library_path(value)
    if not library.is_dir():
        fail(f"no library folder {library}: give --library, or process an episode into it")
    return library


def library_to_add_to(value: Path | None) -> Path:
    """The library `glossary add` or `feed add` writes into: made when it is not there yet (a
    show's names and feeds may come before its first episode), but only inside a folder that
    exists, and said, so that a mistyped path shows at once instead of becoming a library."""
    from pipeline.library import prepare_library

    library = library_path(value)
    if not library.exists():
        parent = library.absolute().parent
        if not parent.is_dir():
            fail(f"no folder {parent} to make the library {library.name} in: give --library "
                 "a folder that exists, or one inside it")
        say(f"a new library: {library}")
    try:
        return prepare_library(library)
    except ReportageError as exc:
        fail(str(exc))


LABELS = {"error": "red", "warning": "yellow", "skipped": "yellow", "note": "cyan", "✓": "green"}


def say(message: str, label: str = "") -> None:
    """One message line on stderr, never wrapped (scripts read it line by line). The message is
    printed literally: paths, names and hints such as `pip install 'reportage[mt]'` keep their
    brackets; only the label is coloured. A line end inside it (a file named so) is shown as
    \\n: a script reading line by line sees one message."""
    message = message.replace("\r", "\\r").replace("\n", "\\n")
    text = Text.assemble((f"{label}{'' if label == '✓' else ':'} ", LABELS[label]) if label else "",
                         message)
    err.print(text, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> None:
    say(message, "error")
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        print(f"reportage {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """reportage: transcribe, translate, chapter and publish Dutch spoken-word audio."""


class SpeedColumn(ProgressColumn):
    """Audio time done / total in the stage, and the stage's speed as a multiple of real time."""

    def render(self, task) -> Text:
        done, total = task.completed, task.total or 0
        pace = task.fields.get("pace")
        speed = f" {pace:4.1f}× real time" if pace else ""
        return Text(f"{clock(done)}/{clock(total)}{speed}", style="cyan")


class ClockColumn(ProgressColumn):
    """Time since the file started, and an estimate of the stage's time left. rich's own
    columns freeze once a task reaches its total, and every stage does; this one never stops."""

    def render(self, task) -> Text:
        now = time.monotonic()
        shown = clock(now - task.fields.get("started", now))
        left = task.fields.get("left")
        if left is not None:
            shown += f"  ~{clock(max(left - (now - task.fields['updated']), 0))} left"
        return Text(shown, style="yellow")


class StageProgress:
    """The `progress(stage, done, total)` callback of one file's bar: names the stage from the
    first moment and estimates the time left from the stage's own pace."""

    def __init__(self, bar: Progress, task, name: str):
        self.bar, self.task, self.name = bar, task, name
        self.stage, self.since, self.from_ = "", time.monotonic(), 0.0
        bar.update(task, started=self.since)

    def __call__(self, stage: str, done: float, total: float) -> None:
        now = time.monotonic()
        if stage != self.stage:
            self.stage, self.since, self.from_ = stage, now, done
        pace = (done - self.from_) / (now - self.since) if now > self.since else 0
        left = (total - done) / pace if pace > 0 else None
        self.bar.update(self.task, description=f"{self.name} · {stage}", completed=done,
                        total=total or None, pace=pace, left=left, updated=now)


def progress_bar(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), SpeedColumn(),
        # Off where stderr is no terminal (a log, a pipe): a bar cannot redraw there, and rich
        # left a blank line in front of the error lines scripts read.
        ClockColumn(), console=err, disable=quiet or not err.is_terminal, transient=True,
    )
