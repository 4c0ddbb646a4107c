"""Runs an episode's stages in order, skips the ones that are up to date, saves after each.

The order of the pipeline lives here and nowhere else: ingest, then the stages in STAGES, then
publish. A stage's fingerprint hashes everything its output depends on (audio, settings, engine,
model, upstream text). Re-running with the same fingerprint skips the stage, so a run killed
half-way resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__, audio
from pipeline.asr import check_engine
from pipeline.asr import check_options as check_asr_options
from pipeline.document import FILENAME, Episode, Segment
from pipeline.embeddings import load_embedder
from pipeline.errors import ReportageError
from pipeline.library import episode_dir, episode_slug, locked, running
from pipeline.stages.base import Context, Engines, Progress, Settings
from pipeline.stages.glossary import GlossaryStage
from pipeline.stages.ingest import Origin, ingest, keep_audio
from pipeline.stages.publish import publish
from pipeline.stages.speakers import SpeakersStage, speakers_available
from pipeline.stages.topics import TopicsStage
from pipeline.stages.transcribe import TranscribeStage
from pipeline.stages.translate import TranslateStage
from pipeline.timefmt import utc_now
from pipeline.translators import check_options

__all__ = ["Context", "Engines", "Settings", "process_file", "check_settings"]


@dataclass
class Result:
    slug: str
    folder: Path
    duration_s: float
    segments: int
    ran: list[str]
    skipped: list[str]
    elapsed_s: float
    warning: str | None = None  # only part of a damaged file decoded; fewer chapters than asked



# Speakers split segments, and the glossary changes their Dutch, so both come before
# translation; topics read the English too.
STAGES = [TranscribeStage(), SpeakersStage(), GlossaryStage(), TranslateStage(), TopicsStage()]


SCRATCH = [name for stage in STAGES for name in getattr(stage, "scratch", ())]


def fingerprint(stage_name: str, inputs: dict) -> str:
    blob = json.dumps({"stage": stage_name, **inputs}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def process_file(
    path: Path, library: Path, settings: Settings, engines: Engines,
    progress: Progress = lambda *_: None, slug: str | None = None, origin: Origin | None = None,
) -> Result:
    """Run the stages on one file, the episode `slug` (default: named after the file). The
    episode lock is held only while the document is read or written, so an editor's save never
    waits for a stage; a second run of the same episode waits for the first (the run lock)."""
    started = time.monotonic()
    progress("reading audio", 0, 0)
    info = audio.probe(path)
    folder = episode_dir(library, slug or episode_slug(path.stem))
    created = not folder.exists()
    with running(folder, waiting=lambda: progress("waiting for another run of this episode", 0, 0)):
        # Under the run lock: a live run's folder holds only lock files, too, until its
        # first stage is saved.
        created = created or _left_over(folder)
        try:
            with locked(folder):
                episode = ingest(folder, path, info, settings.force, origin)
            ctx = Context(path, folder, episode, settings, engines, progress)
            ran, skipped = _run_stages(ctx)
            progress("publishing", info.duration_s, info.duration_s)
            with locked(folder):  # from the disk: it holds every edit saved meanwhile
                episode = Episode.load(folder) if (folder / FILENAME).exists() else ctx.episode
                publish(folder, episode)
        except BaseException:
            # A new episode that failed before it saved anything leaves nothing behind (a
            # run waiting for this one makes the folder again). A stage's scratch (the pieces
            # transcribed) stays, for the next run to resume from.
            if created and not any((folder / f).exists() for f in (FILENAME, *SCRATCH)):
                shutil.rmtree(folder, ignore_errors=True)
            raise
    return Result(episode.slug, folder, episode.source.duration_s, len(episode.segments), ran,
                  skipped, time.monotonic() - started, _warning(episode, ran))


def _warning(episode: Episode, ran: list[str]) -> str | None:
    """What the producer should hear of this run: the audio's warning and those of the stages
    that ran (their details' "warning")."""
    said = (episode.provenance.get(name, {}).get("warning") for name in ("audio", *ran))
    return "; ".join(w for w in said if w) or None


def _left_over(folder: Path) -> bool:
    """A folder a killed run left (a worker gone out of memory): its lock files and nothing
    else. A failure before the first save then leaves nothing behind, as for a new folder."""
    return all(p.name in (".lock", ".run.lock") for p in folder.iterdir())


def _run_stages(ctx: Context) -> tuple[list[str], list[str]]:
    ran, skipped = [], []
    at_ingest = {seg.id: seg.rev for seg in ctx.episode.segments}
    for stage in STAGES:
        if not stage.enabled(ctx):
            continue
        print_ = fingerprint(stage.name, stage.inputs(ctx))
        done = ctx.episode.provenance.get(stage.name, {})
        if done.get("fingerprint") == print_ and not ctx.settings.force:
            skipped.append(stage.name)
            continue
        revs = {seg.id: seg.rev for seg in ctx.episode.segments}
        began, cpu = utc_now(), time.process_time()
        details = _run(stage, ctx)
        if not ran:  # the audio decoded: its copy may replace the last one now
            keep_audio(ctx.folder, ctx.path, ctx.episode.source)
        ctx.episode.provenance[stage.name] = {
            "fingerprint": print_, "version": __version__, "started": began,
            "finished": utc_now(), "cpu_s": round(time.process_time() - cpu, 3), **details,
        }
        _save(ctx, revs)
        for name in getattr(stage, "scratch", ()):  # saved: no longer needed to resume
            (ctx.folder / name).unlink(missing_ok=True)
        ran.append(stage.name)
    if not ran:  # all up to date: the same sound, whose copy may have gone or been retagged
        keep_audio(ctx.folder, ctx.path, ctx.episode.source)
        _save(ctx, at_ingest)  # the file's new source and tag title
    return ran, skipped


def _save(ctx: Context, revs: dict[str, int]) -> None:
    with locked(ctx.folder):
        ctx.episode = _with_edits_since(ctx.episode, ctx.folder, revs)
        ctx.episode.save(ctx.folder)


def _run(stage, ctx: Context) -> dict:
    """The stage's details; an engine that fails (out of memory, a kernel the device lacks)
    is one error line naming the file and stage, not a traceback."""
    try:
        return stage.run(ctx)
    except (NotImplementedError, RecursionError):
        raise  # a bug in reportage, whose traceback is wanted
    except (MemoryError, RuntimeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReportageError(f"{ctx.path.name}: the {stage.name} stage failed ({reason}); "
                             "the stages before it are saved") from exc


def _with_edits_since(episode: Episode, folder: Path, revs: dict[str, int]) -> Episode:
    """`episode` with every segment an editor saved while a stage ran (its rev moved past
    `revs`), the speakers' names and the title, and chapters an editor changed meanwhile,
    taken from the document on disk: human edits win over the stage. Machine segments
    overlapping such a segment give way to it. Chapters the stage changed get a new
    chapters_rev, so an editor's page still showing the old ones is refused its next chapter
    edit (409) and reloads."""
    if not (folder / FILENAME).exists():
        return episode
    on_disk = Episode.load(folder)
    # Speaker names are only ever given by editors, so the disk's are the latest; the title too,
    # once an editor renamed it since ingest (which may have taken a new master's tag).
    episode.speakers, episode.speakers_rev = on_disk.speakers, on_disk.speakers_rev
    if on_disk.title_rev != episode.title_rev:
        episode.title, episode.title_en = on_disk.title, on_disk.title_en
        episode.title_rev = on_disk.title_rev
    if on_disk.chapters_rev > episode.chapters_rev:
        episode.chapters, episode.chapters_rev = on_disk.chapters, on_disk.chapters_rev
    elif episode.chapters != on_disk.chapters and (on_disk.chapters or "topics" in
                                                   on_disk.provenance):
        # None before counts once a page could show none and add the first (--no-chapters),
        # not while a new episode's first run has not made them yet.
        episode.chapters_rev = on_disk.chapters_rev + 1  # an editor's open page must reload
    # A line the stage made again (a --force transcription) goes on from the disk's rev, never
    # back to 0: an edit's (line, rev) names it alone in the log, for Undo and for merging.
    disk_revs = {seg.id: seg.rev for seg in on_disk.segments}
    for seg in episode.segments:
        seg.rev = max(seg.rev, disk_revs.get(seg.id, 0))
    newer = [seg for seg in on_disk.segments if seg.rev > revs.get(seg.id, seg.rev)]
    if not newer:
        return episode
    ids = {seg.id for seg in newer}
    kept = [seg for seg in episode.segments
            if seg.id not in ids and not any(_overlap(seg, n) for n in newer)]
    episode.segments = sorted(kept + newer, key=lambda s: (s.start, s.end))
    return episode


def _overlap(a: Segment, b: Segment) -> bool:
    return a.start < b.end and b.start < a.end


def check_settings(settings: Settings) -> list[str]:
    """Fail on an unknown engine or model before any file is touched. What cannot run here
    but was not asked for by name (speaker labels without their extra) is turned off, and the
    returned warnings say so."""
    from pipeline import models

    for count, off, name in ((settings.speakers, settings.no_speakers, "speakers"),
                             (settings.chapters, settings.no_chapters, "chapters")):
        if count is not None and off:
            raise ReportageError(f"--{name} {count} and --no-{name} contradict each other: "
                                 "give one")
    warnings = []
    if not settings.no_speakers and not speakers_available():
        hint = "speaker labels need pip install 'reportage[speakers]'"
        if settings.speakers:
            raise ReportageError(hint)
        settings.no_speakers = True
        warnings.append(f"{hint}: no speakers this run")
    check_engine(settings.engine)
    check_asr_options(settings.asr)
    if not settings.no_chapters:
        load_embedder(settings.embedder)
    if settings.engine == "faster-whisper":
        models.resolve(settings.model)
    else:
        from pipeline.asr.openai_engine import check_model

        check_model(settings.model)
    check_options(settings.translate, settings.engine)
    return warnings
