"""The library folder is made ready before any work, or refused in one clear line."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
from typer.testing import CliRunner

from pipeline.cli import app as cli_app
from pipeline.errors import ReportageError
from pipeline.library import prepare_library, running, slugify


def test_a_missing_library_is_created_and_left_empty(tmp_path):
    library = tmp_path / "a" / "lib"
    assert prepare_library(library) == library
    assert library.is_dir() and os.listdir(library) == []
    assert prepare_library(library) == library  # an existing folder is fine too


def test_a_file_in_the_way_is_named_as_such(tmp_path):
    blocker = tmp_path / "some-file"
    blocker.write_text("")
    with pytest.raises(ReportageError, match=r"^library path .*some-file is a file, not a folder$"):
        prepare_library(blocker)


def test_a_file_above_the_library_says_why_it_cannot_be_written(tmp_path):
    (tmp_path / "some-file").write_text("")
    with pytest.raises(ReportageError, match=r"^cannot write to library folder .*: Not a direc"):
        prepare_library(tmp_path / "some-file" / "lib")



def test_a_name_without_latin_letters_gets_a_name_of_its_own():
    russian, chinese = slugify("интервью"), slugify("访谈")
    assert russian.startswith("episode-") and chinese.startswith("episode-")
    assert russian != chinese and slugify("интервью") == russian  # stable: a re-run finds it
    assert slugify("Één  Vraag!") == "een-vraag"


@pytest.mark.parametrize(("command", "says"), [
    (["clip"], "[default: SLUG-START-END.mp3 here"),
    (["process"], "[default: $REPORTAGE_LIBRARY or"),
    (["feed", "sync"], "[default: no augmented copy]"),
    (["glossary"], "[default: $REPORTAGE_LIBRARY or"),
])
def test_help_shows_every_default_written_in_brackets(command, says):
    # Rich markup would take "[default: ...]" for a style tag and drop it from the help.
    shown = CliRunner().invoke(cli_app, [*command, "--help"], terminal_width=200)
    assert shown.exit_code == 0 and says in " ".join(shown.output.split()), shown.output


def test_help_lists_the_commands_in_a_producers_order_with_names_for_values():
    shown = CliRunner().invoke(cli_app, ["--help"], terminal_width=200).output
    listed = [line.split()[0] for line in shown.split("Commands:")[1].splitlines() if line]
    assert listed[:4] == ["process", "publish", "serve", "search"]
    options = CliRunner().invoke(cli_app, ["process", "--help"], terminal_width=200).output
    assert "--engine ENGINE" in options and "--library, --out FOLDER" in options
    assert "<str>" not in options and "<Path>" not in options


@pytest.mark.parametrize("command", [[], ["feed"]])
def test_a_group_without_a_command_shows_its_help(cli, command):
    shown = cli(*command)
    assert shown.rc == 0 and shown.out.startswith("Usage: reportage"), shown
    assert "Commands:" in shown.out


def test_publishing_an_empty_library_says_there_is_nothing_yet(tmp_path):
    shown = CliRunner().invoke(cli_app, ["publish", "--library", str(tmp_path)])
    assert shown.exit_code == 0 and "no episodes in" in shown.output


def test_a_run_waiting_while_the_run_before_removed_the_folder_makes_it_again(tmp_path):
    # The first run of a new episode failed before it saved anything: it removes the folder,
    # lock file and all, while a second run of the same file waits on that lock.
    folder, held = tmp_path / "nieuw", []

    def second_run():
        with running(folder):
            held.append((folder / ".run.lock").exists())

    with running(folder):
        waiting = threading.Thread(target=second_run)
        waiting.start()
        time.sleep(0.3)
        shutil.rmtree(folder)
    waiting.join(10)
    assert held == [True]  # its lock is in the folder, for a third run to wait on


def test_a_run_waiting_for_another_is_told_so_and_a_free_one_is_not(tmp_path):
    folder, told = tmp_path / "ep", []

    def second_run():
        with running(folder, waiting=lambda: told.append("held")):
            pass

    with running(folder, waiting=lambda: told.append("free")):
        assert told == []
        second = threading.Thread(target=second_run)
        second.start()
        time.sleep(0.3)
        assert told == ["held"]  # said while it waits, not when it gets the lock
    second.join(10)
    assert not second.is_alive()


def test_a_run_lock_whose_folder_went_before_it_was_opened_is_taken_anew(tmp_path, monkeypatch):
    # The run before removes the folder just after this run made it, before it opens the lock.
    folder, real_open, removed = tmp_path / "nieuw", os.open, []

    def open_after_a_removal(path, *args, **kwargs):
        if not removed and str(path).endswith(".run.lock"):
            removed.append(path)
            monkeypatch.undo()  # rmtree opens files too
            shutil.rmtree(folder)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_after_a_removal)
    with running(folder):
        assert (folder / ".run.lock").exists() and removed
