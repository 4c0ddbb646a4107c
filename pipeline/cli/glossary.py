"""`reportage glossary`: the show's names and terms (glossary/), listed, added, removed; the
terms editors' corrections proposed, listed, accepted, dismissed."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.common import (
    LibraryOption,
    app,
    command_group,
    existing_library,
    fail,
    library_to_add_to,
    say,
)
from pipeline.errors import ReportageError

glossary_app = command_group(no_args_is_help=False, invoke_without_command=True,
                           help="The show's names and terms, used when transcribing.")
app.add_typer(glossary_app, name="glossary")


@glossary_app.callback()
def glossary(
    ctx: typer.Context,
    proposed: bool = typer.Option(False, "--proposed", help="List the terms editors' "
                                  "corrections proposed instead (accept or dismiss them)."),
    library: Path | None = LibraryOption,
) -> None:
    """List the glossary's terms (TERM -> ENGLISH [misspellings])."""
    if ctx.invoked_subcommand is not None:  # `glossary --library L add ...`: the command's
        ctx.obj = library  # own --library, else this one
        return
    from pipeline import glossary as terms
    from pipeline.glossary import proposals

    try:
        if proposed:
            waiting = proposals.pending(existing_library(library))
            if not waiting:
                say("no proposed terms: corrections in the editor propose them")
            for p in waiting:
                was = f"  [was: {', '.join(p.replaced)}]" if p.replaced else ""
                print(f"{p.text}{was}  ({p.count}× in {', '.join(p.episodes)})")
            return
        found = terms.load(existing_library(library))
    except ReportageError as exc:
        fail(str(exc))
    if not found:
        say("the glossary is empty: reportage glossary add TERM")
    for term in found:
        english = f" -> {term.english}" if term.english else ""
        wrong = f"  [{', '.join(term.misspellings)}]" if term.misspellings else ""
        print(f"{term.text}{english}{wrong}")


@glossary_app.command("add")
def add(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="The term as it must be written, e.g. a name."),
    english: str | None = typer.Option(None, help="Its English, where it differs."),
    misspelling: list[str] = typer.Option([], help="What the recogniser writes instead "
                                          "(may be given more than once)."),
    library: Path | None = LibraryOption,
) -> None:
    """Add a term, or add to its English and misspellings."""
    from pipeline import glossary as terms

    lib = library_to_add_to(library or ctx.obj)
    try:
        done = terms.add(lib, terms.Term(text, english, list(misspelling)))
    except ReportageError as exc:
        fail(str(exc))
    say(f"{' '.join(text.split())} is in the glossary" if done else "nothing to change",
        "✓" if done else "")


@glossary_app.command("remove")
def remove(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="The term to remove."),
    library: Path | None = LibraryOption,
) -> None:
    """Remove a term."""
    from pipeline import glossary as terms

    try:
        done = terms.remove(existing_library(library or ctx.obj), text)
    except ReportageError as exc:
        fail(str(exc))
    if not done:
        fail(f"{text!r} is not in the glossary")
    say(f"{text} is no longer in the glossary", "✓")


@glossary_app.command("accept")
def accept(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="A proposed term (see glossary --proposed)."),
    library: Path | None = LibraryOption,
) -> None:
    """Add a proposed term to the glossary, what it replaced as its misspellings."""
    from pipeline.glossary import proposals

    try:
        term = proposals.accept(existing_library(library or ctx.obj), text)
    except ReportageError as exc:
        fail(str(exc))
    say(f"{term.text} is in the glossary", "✓")


@glossary_app.command("dismiss")
def dismiss(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="A proposed term (see glossary --proposed)."),
    library: Path | None = LibraryOption,
) -> None:
    """Dismiss a proposed term; it is not proposed again."""
    from pipeline.glossary import proposals

    try:
        proposals.dismiss(existing_library(library or ctx.obj), text)
    except ReportageError as exc:
        fail(str(exc))
    say(f"{text} will not be proposed again", "✓")
