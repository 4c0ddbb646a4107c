"""`reportage clip`: a moment of an episode as audio with its own subtitles."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from pipeline.cli.common import SlugArgument, app, fail, library_path, say
from pipeline.errors import ReportageError


@app.command()
def clip(
    slug: str = SlugArgument,
    start: str = typer.Argument(..., help="Start: seconds, MM:SS or H:MM:SS."),
    end: str = typer.Argument(..., help="End: seconds, MM:SS or H:MM:SS."),
    lang: str = typer.Option("both", "--lang", metavar="nl|en|both",
                             help="Subtitles in Dutch, English or both."),
    out: Path | None = typer.Option(None, "--out", help="Audio file to write, .mp3 or .m4a, "
                                    "or a folder to write it in [default: SLUG-START-END.mp3 "
                                    "here, the times in seconds as cut]."),
    force: bool = typer.Option(False, "--force", help="Write over files of those names."),
    library: Path | None = typer.Option(None, "--library", help="Library folder "
                                        "[default: $REPORTAGE_LIBRARY or transcripts/]"),
) -> None:
    """Export START–END of an episode, cut at word boundaries, faded and normalised, with
    subtitles re-timed to the clip beside it (OUT-STEM.LANG.srt and .vtt)."""
    from pipeline.formats.clip import make_clip, parse_time
    from pipeline.library import find_episode

    try:
        start_s, end_s = parse_time(start), parse_time(end)
        folder = find_episode(library_path(library), slug)
        # pydub's encoder keeps its files in the temp folder and removes them only when it
        # succeeds: in a folder of this run's own, a Ctrl-C leaves nothing behind either.
        with tempfile.TemporaryDirectory(prefix="reportage-clip-") as scratch:
            tempfile.tempdir = scratch
            try:
                result = make_clip(folder, start_s, end_s, out, lang, replace=force)
            finally:
                tempfile.tempdir = None
    except ReportageError as exc:
        fail(str(exc))
    for note in result.warnings:
        say(note, "warning")
    subtitles = ", ".join(p.name for p in result.subtitles)
    say(f"{result.audio}: {result.start:.2f}–{result.end:.2f} s"
        + (f"; {subtitles}" if subtitles else ""), "✓")
