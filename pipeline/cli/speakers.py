"""`reportage speakers`: who speaks in an episode, and naming them."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.common import LibraryOption, SlugArgument, app, fail, library_path, say
from pipeline.errors import ReportageError
from pipeline.timefmt import clock


@app.command()
def speakers(
    slug: str = SlugArgument,
    speaker: str | None = typer.Argument(None, help="A speaker's id (S1, S2, ...) to name."),
    name: str | None = typer.Argument(None, help="The name: shown everywhere at once; \"\" "
                                      "goes back to the id."),
    swap: bool = typer.Option(False, "--swap", help="When another speaker has the name, "
                              "exchange the two names (voices named the wrong way round)."),
    library: Path | None = LibraryOption,
) -> None:
    """List an episode's speakers (id, name, talk time, first words), or name one."""
    from pipeline.cli.library import user
    from pipeline.document import Episode
    from pipeline.edits import rename_speaker
    from pipeline.library import find_episode

    lib = library_path(library)
    try:
        if speaker is not None:
            if name is None:
                fail(f"give the name for {speaker}: reportage speakers {slug} {speaker} NAME")
            done = rename_speaker(lib, slug, speaker, name, user(), swap=swap)
            now_named = ", ".join(f"{e.segment} is now {e.after or e.segment}" for e in done)
            say(f"{slug} {now_named}" if done else "nothing to change",  # as cleaned
                "✓" if done else "")
            return
        episode = Episode.load(find_episode(lib, slug))
    except ReportageError as exc:
        fail(str(exc))
    found = talk_times(episode)
    if not found:
        say(f"{slug} has no speaker labels (processed with --no-speakers, or without the "
            "speakers extra: pip install 'reportage[speakers]', then process it again)",
            "warning")
    for sid, (talk, words) in found.items():
        print(f"{sid:4} {episode.speaker_name(sid):24} {clock(talk):>6}  {words}")


def talk_times(episode) -> dict[str, tuple[float, str]]:
    """Per speaker id, in order of first appearance: seconds spoken and the first words."""
    found: dict[str, tuple[float, str]] = {}
    for seg in episode.segments:
        if seg.speaker:
            talk, words = found.get(seg.speaker, (0.0, " ".join(seg.nl.split()[:8])))
            found[seg.speaker] = (talk + seg.end - seg.start, words)
    return found
