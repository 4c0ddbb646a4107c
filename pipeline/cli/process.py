"""`reportage process`: episodes through the pipeline, one after the other or side by side."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pipeline.cli.common import (
    LibraryOption,
    StageProgress,
    app,
    fail,
    given_path,
    library_path,
    progress_bar,
    say,
)
from pipeline.cli.library import index_ready
from pipeline.cli.settings import JOBS_HELP, with_settings
from pipeline.errors import ReportageError
from pipeline.library import episode_slug, prepare_library
from pipeline.timefmt import clock

if TYPE_CHECKING:  # the runner and its models load when a file is processed, not for --help
    from pipeline.runner import Engines, Settings


def collect_inputs(paths: list[Path], force: bool = False) -> list[Path | ReportageError]:
    """Audio files from files and folders; a bad path becomes an error in its place, and so
    does a second copy of a recording (unless `force`)."""
    from pipeline import audio

    found: list[Path | ReportageError] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and audio.is_audio_path(p))
            found += files or [Refused(path, "folder holds no audio files")]
            _note_folders_inside(path)
        elif path.exists():
            found.append(path)
        else:
            found.append(Refused(path, "no such file or folder"))
    found = _one_per_episode(found)
    return found if force else _one_per_recording(found)


def _note_folders_inside(folder: Path) -> None:
    """A folder's own folders are not read (two seasons' "01.mp3" would be one episode): a
    producer whose audio lies in them is told, not left to wonder where it went."""
    from pipeline import audio
    from pipeline.document import FILENAME

    for inside in sorted(p for p in folder.iterdir() if p.is_dir()):
        try:  # an episode's folder holds its audio copy: it is no one's input
            held = 0 if (inside / FILENAME).exists() else sum(
                1 for p in inside.iterdir() if p.is_file() and audio.is_audio_path(p))
        except OSError:  # a folder this user may not read (lost+found)
            continue
        if held:
            say(f"{inside}: not read, a folder inside {folder} ({held} audio "
                f"file{'s' if held > 1 else ''}): give it too to process them", "note")


class Refused(ReportageError):
    """An input refused before any work: its path (for --json's "file"), and why."""

    def __init__(self, path: Path, why: str):
        super().__init__(f"{path}: {why}")
        self.path = path


def _one_per_episode(found: list[Path | ReportageError]) -> list[Path | ReportageError]:
    """A second file that would give an episode the same name (`a.mp3`, `a.wav`) is an error:
    it would take over the first one's episode."""
    first: dict[str, Path] = {}
    kept: list[Path | ReportageError] = []
    for item in found:
        if isinstance(item, Path):
            taken = first.setdefault(episode_slug(item.stem), item)
            if taken is not item and taken.resolve() == item.resolve():
                continue  # the same file twice: once is enough
            if taken is not item:
                item = Refused(item, f"gives the same episode name ({episode_slug(item.stem)}) "
                                     f"as {taken}; rename one")
        kept.append(item)
    return kept


def _one_per_recording(found: list[Path | ReportageError]) -> list[Path | ReportageError]:
    """A file that holds the same bytes as one before it in the run is an error: a copy
    renamed would be transcribed twice (ingest refuses one of an episode already made). An
    empty file is no recording: processing it says so."""
    firsts: dict[int, list[Path]] = {}  # by size: only files of one size are compared
    return [_unless_twin(item, firsts) if isinstance(item, Path) else item for item in found]


def _unless_twin(path: Path, firsts: dict[int, list[Path]]) -> Path | ReportageError:
    from pipeline.stages.ingest import same_bytes

    try:
        size = path.stat().st_size
        alike = firsts.setdefault(size, [])
        twin = next((first for first in alike if same_bytes(first, path)), None) if size else None
    except OSError:  # unreadable: processing it says why
        return path
    if twin is None:
        alike.append(path)
        return path
    return Refused(path, f"the same audio as {twin}, given in this run too; use --force to "
                         "give each an episode of its own")


@app.command()
@with_settings
def process(
    settings: Settings,
    paths: list[Path] = typer.Argument(..., help="Audio files or folders of audio files.",
                                       parser=given_path, metavar="AUDIO"),
    library: Path | None = LibraryOption,
    jobs: int = typer.Option(1, min=0, metavar="N", help=f"Files processed at once. {JOBS_HELP}"),
    scheduler: str | None = typer.Option(
        None, metavar="ADDRESS", help="A running Dask scheduler (tcp://HOST:PORT) whose workers "
        "process the files; they must see the files and the library at the same paths."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON line per file."),
    glossary: Path | None = typer.Option(
        None, metavar="FILE", help="More names and terms for this run: one a line, or the "
        "glossary's TOML form (the library's own glossary.toml is always used)."),
    hotwords: bool = typer.Option(
        False, "--hotwords", help="Also prime the decoder with the glossary's terms: more names "
        "heard right, but more other words wrong (see benchmarks/glossary.py)."),
) -> None:
    """Transcribe episodes into the library; re-running skips what is up to date."""
    from pipeline import cluster
    from pipeline.runner import Engines, check_settings

    lib = library_path(library)
    if scheduler is not None and jobs != 1:
        fail("--jobs sizes a local cluster, --scheduler uses a running one's workers: give one")
    if scheduler is not None and not scheduler.strip():  # else quietly a run on this machine
        fail("--scheduler needs the scheduler's address: tcp://HOST:PORT")
    try:
        for warning in check_settings(settings):
            say(warning, "warning")
        prepare_library(lib)
        prime(settings, lib, glossary, hotwords)
        index_ready(lib)
    except ReportageError as exc:
        fail(str(exc))
    inputs = collect_inputs(paths, settings.force)
    files = [item for item in inputs if not isinstance(item, ReportageError)]
    jobs = cluster.jobs_for(jobs, len(files))
    if jobs > cluster.available_cores():
        say(f"{jobs} jobs on {cluster.available_cores()} CPU cores: they share the cores, and "
            "each worker needs about 2.2 GB of memory", "warning")
    if scheduler or (jobs > 1 and len(files) > 1):
        failures = _process_on_cluster(inputs, lib, settings, jobs, scheduler, quiet or as_json,
                                       as_json)
    else:
        engines = Engines(settings)
        failures = sum(not _process_one(item, lib, settings, engines, quiet or as_json, as_json)
                       for item in inputs)
    if failures:
        raise typer.Exit(1)


def prime(settings: Settings, lib: Path, extra: Path | None = None, hotwords: bool = False
          ) -> None:
    """The library's glossary and the run's own terms, for the glossary stage and, asked for,
    as the decoder's hotwords."""
    from pipeline import glossary

    extra_terms = glossary.parse(extra) if extra else []
    settings.glossary = terms = glossary.unique(glossary.load(lib) + extra_terms)
    if not hotwords:
        return
    settings.asr.hotwords, left_out = glossary.hotwords(terms)
    if left_out:
        say(f"{left_out} of {len(terms)} glossary terms left out: the decoder's prompt holds "
            f"about {glossary.HOTWORD_CHARS} characters of terms, the first ones", "warning")
    if settings.asr.hotwords and settings.engine != "faster-whisper":
        say(f"the glossary primes faster-whisper only, not {settings.engine}", "warning")


def _process_one(item, lib: Path, settings: Settings, engines: Engines, quiet: bool,
                 as_json: bool) -> bool:
    from pipeline.runner import process_file

    if isinstance(item, ReportageError):
        return _report(item, item, quiet, as_json)
    with progress_bar(quiet) as bar:
        progress = StageProgress(bar, bar.add_task(item.name, total=None), item.name)
        try:
            outcome = process_file(item, lib, settings, engines, progress)
        except (ReportageError, OSError) as exc:
            outcome = exc
    return _report(item, outcome, quiet, as_json)


def _with_absolute_folders(settings: Settings) -> Settings:
    """The settings with model folders given relative to here made absolute, as a worker
    started in another folder finds them (names of models stay names)."""
    def absolute(value: str | None) -> str | None:
        return str(Path(value).absolute()) if value and Path(value).is_dir() else value

    translate = replace(settings.translate, mt_model=absolute(settings.translate.mt_model))
    return replace(settings, model=absolute(settings.model),
                   embedder=absolute(settings.embedder), translate=translate)


def _process_on_cluster(inputs: list, lib: Path, settings: Settings, jobs: int,
                        scheduler: str | None, quiet: bool, as_json: bool) -> int:
    """Files on a Dask cluster's workers, a bar each, each reported as it finishes; returns
    the failures."""
    from pipeline import cluster
    from pipeline.runner import Result

    failures = sum(not _report(item, item, quiet, as_json)
                   for item in inputs if isinstance(item, ReportageError))
    files = [item for item in inputs if not isinstance(item, ReportageError)]
    with progress_bar(quiet) as bar:
        bars = [StageProgress(bar, bar.add_task(f"{f.name} · waiting", total=None), f.name)
                for f in files]
        try:
            with cluster.connect(jobs, scheduler) as client:
                if scheduler is None and not quiet:
                    say(f"dashboard: {client.dashboard_link}")
                if scheduler is not None:  # workers elsewhere, in folders of their own
                    settings = _with_absolute_folders(settings)
                work = [(f, lib) for f in files]
                for n, outcome in cluster.process_many(
                        client, work, settings, lambda n, *stage: bars[n](*stage)):
                    bar.update(bars[n].task, visible=False)
                    if isinstance(outcome, Result):  # the worker's absolute path: as given here
                        outcome = replace(outcome, folder=lib / outcome.folder.name)
                    failures += not _report(files[n], outcome, quiet, as_json)
        except ReportageError as exc:  # no cluster to run on
            fail(str(exc))
    return failures


def _report(item: Path | ReportageError, outcome, quiet: bool, as_json: bool) -> bool:
    """Say how one file went: its result, or one error line; True when it was processed."""
    if isinstance(outcome, (ReportageError, OSError)):
        message = (str(outcome) if isinstance(outcome, ReportageError)
                   else f"{item}: {outcome.strerror or outcome}")
        say(message, "error")
        if as_json:  # a script reading the lines sees every file, failed ones too
            path = item if isinstance(item, Path) else getattr(item, "path", None)
            named = {"file": str(path)} if path is not None else {}
            print(json.dumps(named | {"error": message}))
        return False
    result = outcome
    if result.warning:
        say(f"{item.name}: {result.warning}", "warning")
    if result.segments == 0:
        say(f"{item.name}: no speech found", "warning")
    if as_json:
        print(json.dumps({"file": str(item), "slug": result.slug, "folder": str(result.folder),
                          "duration_s": result.duration_s, "segments": result.segments,
                          "ran": result.ran, "skipped": result.skipped, "warning": result.warning,
                          "elapsed_s": round(result.elapsed_s, 2)}))
    elif not quiet:
        rtf = result.duration_s / result.elapsed_s if result.elapsed_s else 0
        skipped = f", up to date: {', '.join(result.skipped)}" if result.skipped else ""
        lines = "1 segment" if result.segments == 1 else f"{result.segments} segments"
        done = (f"in {result.elapsed_s:.1f} s ({rtf:.1f}× real time{skipped})" if result.ran
                else "up to date: nothing to do")  # a speed of no work says nothing
        say(f"{item.name} → {result.folder}  {lines}, {clock(result.duration_s)} {done}", "✓")
    return True
