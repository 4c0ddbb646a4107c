"""Runs an episode's stages in order, skips the ones that are up to date, saves after each.

A stage's fingerprint hashes everything its output depends on (audio, settings, engine,
model, upstream text). Re-running with the same fingerprint skips the stage, so a run
killed half-way resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from pipeline import __version__, audio
from pipeline.asr import AsrOptions, Engine, check_engine, load_engine
from pipeline.asr import check_options as check_asr_options
from pipeline.document import FILENAME, Episode, Segment, Source
from pipeline.embeddings import Embedder, load_embedder
from pipeline.library import episode_dir, locked, running, slugify
from pipeline.publish import publish
from pipeline.topics import MIN_CHAPTER_S, TopicsStage
from pipeline.transcribe import TranscribeStage
from pipeline.translate import TranslateStage
from pipeline.translators import TranslateOptions, Translator, check_options, load_translator

Progress = Callable[[str, float, float], None]  # (stage, seconds done, seconds total)


@dataclass
class Settings:
    engine: str = "faster-whisper"
    model: str | None = None
    asr: AsrOptions = field(default_factory=AsrOptions)
    translate: TranslateOptions = field(default_factory=TranslateOptions)
    force: bool = False
    chapters: int | None = None  # force this many chapters; None: chosen from the content
    no_chapters: bool = False
    embedder: str | None = None  # topic embeddings: auto, e5, lexical or a model name/path
    min_chapter_s: float = MIN_CHAPTER_S
    allow_truncated: bool = False  # keep what decodes of a truncated or damaged file


@dataclass
class Result:
    slug: str
    folder: Path
    duration_s: float
    segments: int
    ran: list[str]
    skipped: list[str]
    elapsed_s: float
    warning: str | None = None  # e.g. only part of a damaged file decoded


class Engines:
    """Loaded engines, shared by every file of a run (a model loads once)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._asr: Engine | None = None
        self._embedder: Embedder | None = None
        self._translator: Translator | None = None

    def asr(self) -> Engine:
        if self._asr is None:
            self._asr = load_engine(self.settings.engine, self.settings.model, self.settings.asr)
        return self._asr

    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.embedder)
        return self._embedder

    def translator(self) -> Translator:
        if self._translator is None:
            self._translator = load_translator(self.settings.translate, self.asr)
        return self._translator


@dataclass
class Context:
    path: Path
    folder: Path
    episode: Episode
    settings: Settings
    engines: Engines
    progress: Progress
    _audio: np.ndarray | None = None

    @property
    def audio(self) -> np.ndarray:
        if self._audio is None:
            self._audio, warning = audio.decode_with_warning(
                self.path, self.settings.allow_truncated)
            if warning:
                self.episode.provenance["audio"] = {"warning": warning}
            else:
                self.episode.provenance.pop("audio", None)
        return self._audio


# Topics come after translation: they read the English too, where there is any.
STAGES = [TranscribeStage(), TranslateStage(), TopicsStage()]


def fingerprint(stage_name: str, inputs: dict) -> str:
    blob = json.dumps({"stage": stage_name, **inputs}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def process_file(
    path: Path, library: Path, settings: Settings, engines: Engines,
    progress: Progress = lambda *_: None,
) -> Result:
    """Run the stages on one file. The episode lock is held only while the document is read or
    written, so an editor's save never waits for a stage; a second run of the same episode
    waits for the first (the run lock)."""
    started = time.monotonic()
    progress("reading audio", 0, 0)
    info = audio.probe(path)
    folder = episode_dir(library, slugify(path.stem))
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with running(folder):
            with locked(folder):
                episode = _load_or_new(folder, path, info)
                _keep_audio(folder, path, episode.source)
            ctx = Context(path, folder, episode, settings, engines, progress)
            ran, skipped = _run_stages(ctx)
            progress("publishing", info.duration_s, info.duration_s)
            with locked(folder):  # from the disk: it holds every edit saved meanwhile
                episode = Episode.load(folder) if (folder / FILENAME).exists() else ctx.episode
                publish(folder, episode)
    except BaseException:
        # A new episode that failed before its first save leaves nothing behind.
        if created and not (folder / "episode.json").exists():
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return Result(episode.slug, folder, info.duration_s, len(episode.segments), ran, skipped,
                  time.monotonic() - started, episode.provenance.get("audio", {}).get("warning"))


def _run_stages(ctx: Context) -> tuple[list[str], list[str]]:
    ran, skipped = [], []
    for stage in STAGES:
        if not getattr(stage, "enabled", lambda _ctx: True)(ctx):
            continue
        print_ = fingerprint(stage.name, stage.inputs(ctx))
        done = ctx.episode.provenance.get(stage.name, {})
        if done.get("fingerprint") == print_ and not ctx.settings.force:
            skipped.append(stage.name)
            continue
        revs = {seg.id: seg.rev for seg in ctx.episode.segments}
        began, cpu = _now(), time.process_time()
        details = stage.run(ctx)
        ctx.episode.provenance[stage.name] = {
            "fingerprint": print_, "version": __version__, "started": began,
            "finished": _now(), "cpu_s": round(time.process_time() - cpu, 3), **details,
        }
        with locked(ctx.folder):
            ctx.episode = _with_edits_since(ctx.episode, ctx.folder, revs)
            ctx.episode.save(ctx.folder)
        ran.append(stage.name)
    return ran, skipped


def _with_edits_since(episode: Episode, folder: Path, revs: dict[str, int]) -> Episode:
    """`episode` with every segment an editor saved while a stage ran (its rev moved past
    `revs`) taken from the document on disk: human edits win over the stage. Machine segments
    overlapping such a segment give way to it."""
    if not (folder / FILENAME).exists():
        return episode
    on_disk = Episode.load(folder)
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


def _load_or_new(folder: Path, path: Path, info: audio.AudioInfo) -> Episode:
    source = Source(str(path.resolve()), info.sha256, round(info.duration_s, 3), info.sample_rate)
    if (folder / "episode.json").exists():
        episode = Episode.load(folder)
        episode.source = source
        return episode
    return Episode(slug=folder.name, title=path.stem, source=source, created=_now())


def _keep_audio(folder: Path, path: Path, source: Source) -> None:
    """A copy of the audio beside the transcript, so pages can play it from the library."""
    name = "audio" + path.suffix.lower()
    target = folder / name
    if not target.exists() or audio.sha256_file(target) != source.sha256:
        for old in folder.glob("audio.*"):
            old.unlink()
        tmp = folder / f".{name}.tmp"
        shutil.copyfile(path, tmp)
        tmp.replace(target)
    source.file = name


def _now() -> str:
    # Milliseconds: `reportage evaluate` measures a stage's cost from these stamps.
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def check_settings(settings: Settings) -> None:
    """Fail on an unknown engine or model before any file is touched."""
    from pipeline import models

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
