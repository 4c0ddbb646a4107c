"""What every stage shares: the run's settings, its loaded engines, and the context a stage
runs in. A stage is a small object (see `Stage`); the runner alone knows their order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline import audio
from pipeline.asr import AsrOptions, Engine, load_engine
from pipeline.chapters.make import MIN_CHAPTER_S
from pipeline.document import Episode
from pipeline.embeddings import Embedder, load_embedder
from pipeline.glossary import Term
from pipeline.translators import TranslateOptions, Translator, load_translator

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
    speakers: int | None = None  # force this many speakers; None: estimated from the voices
    no_speakers: bool = False
    glossary: list[Term] = field(default_factory=list)  # the library's terms and the run's


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
                # The episode is what decodes: its chapters and pages end there.
                self.episode.source.duration_s = round(len(self._audio) / audio.SAMPLE_RATE, 3)
            else:
                self.episode.provenance.pop("audio", None)
        return self._audio


class Stage(Protocol):
    """One step of the pipeline. `inputs` is everything its output depends on: the runner
    skips the stage when their fingerprint matches the last run's. `run` updates
    `ctx.episode` in place and returns details for the document's provenance. A stage may
    name `scratch` files in the episode folder (a checkpoint): the runner removes them once
    the stage's result is saved, never before, so a stop in between loses nothing."""

    name: str

    def enabled(self, ctx: Context) -> bool: ...

    def inputs(self, ctx: Context) -> dict: ...

    def run(self, ctx: Context) -> dict: ...
