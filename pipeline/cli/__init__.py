"""The `reportage` command line: thin — parse, call, show progress, map errors to exit codes.

One module per command group; each registers its commands on the app in common.py.
"""

from __future__ import annotations

import re
import sys

from typer import Abort
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption, UsageError  # typer's click

from pipeline.cli import (  # noqa: F401  (they register their commands)
    clip,
    evaluate,
    feed,
    glossary,
    library,
    models,
    process,
    speakers,
    title,
)
from pipeline.cli.common import app, say


def main() -> None:
    try:
        code = app(prog_name="reportage", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # no command: the help, as --help shows it
        print(exc.ctx.get_help())
        code = 0
    except UsageError as exc:  # one line, like every other user error
        command = exc.ctx.command_path if exc.ctx else "reportage"
        say(f"{_plain(exc)} (see {command} --help)", "error")
        code = 2
    except Abort:
        code = 130
    except OSError as exc:  # what no command foresaw: permissions, a name too long, a full disk
        say(f"{exc.filename}: {exc.strerror or exc}" if exc.filename else str(exc), "error")
        code = 1
    if code == 130:
        say("interrupted: what was finished is saved; run again to resume"
            if _command().startswith(RESUMABLE) else "stopped")
    sys.exit(code if isinstance(code, int) else 0)


RESUMABLE = ("process", "evaluate", "feed sync")  # the commands a second run resumes


def _command() -> str:
    """The command and its subcommand, as typed: "feed sync" (options left out)."""
    return " ".join([arg for arg in sys.argv[1:] if not arg.startswith("-")][:2])


# typer words a bad number as a validation library would; a producer reads it plainer.
_PLAINER = {
    "Input should be a valid integer, unable to parse string as an integer": "not a whole number",
    "Input should be a valid number, unable to parse string as a number": "not a number",
}


_NEGATIVE = re.compile(r"-[\d.:]+")


def _plain(exc: UsageError) -> str:
    # `clip x -1 5`: a negative number reaches click as an option it does not know ("-1").
    if isinstance(exc, NoSuchOption):
        typed = next((a for a in sys.argv[1:]
                      if a.startswith(exc.option_name) and _NEGATIVE.fullmatch(a)), None)
        if typed:
            return (f"{typed} is not an option: a time or number cannot be negative "
                    f"(a text that starts with '-' goes after '--')")
    message = exc.format_message()
    for said, plainer in _PLAINER.items():
        message = message.replace(said, plainer)
    return message
