from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from audiogen import speech_episode, write_audio  # noqa: E402

ROOT = Path(__file__).parent.parent


@dataclass
class Run:
    rc: int
    out: str
    err: str


def run_cli(*args: str, env: dict | None = None, timeout: float = 900) -> Run:
    """`reportage ARGS` in a fresh process, as a producer would run it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
        env=full_env, cwd=ROOT, timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def one_error_line(result: Run) -> str:
    """The one `error:` line a bad input gets (no traceback, a non-zero exit)."""
    assert result.rc != 0
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.err
    return lines[0]


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def speech_file(tmp_path_factory) -> Path:
    """Twenty seconds of real Dutch speech: five CC0 sentences with pauses, as an mp3."""
    samples, _ = speech_episode()
    return write_audio(tmp_path_factory.mktemp("speech") / "vijf-zinnen.mp3", samples)


@pytest.fixture(scope="session")
def processed_library(tmp_path_factory, speech_file) -> Path:
    """A library with the speech file processed once by the real default model."""
    library = tmp_path_factory.mktemp("library")
    result = run_cli("process", str(speech_file), "--library", str(library), "--quiet")
    assert result.rc == 0, result.err
    return library


@pytest.fixture
def library_copy(processed_library, tmp_path) -> Path:
    target = tmp_path / "library"
    shutil.copytree(processed_library, target)
    return target


# Debian's Chromium, never a browser download; without background networking, which this
# machine's closed network would refuse at every start.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright, shared by every browser test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page; `page.dialogs` collects the messages of dialogs it dismissed."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()
