"""Speech recognition engines behind one small protocol.

An engine turns 16 kHz mono audio into a lazy stream of segments with word timings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from pipeline.document import Word
from pipeline.errors import ReportageError


@dataclass
class AsrSegment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


@dataclass
class AsrOptions:
    language: str | None = "nl"  # None: detect
    beam_size: int = 5
    vad: bool = True
    device: str = "auto"
    compute_type: str = "default"
    threads: int | None = None  # decoder threads; None: one per available core


class Engine(Protocol):
    name: str
    model_name: str

    def transcribe(self, audio: np.ndarray) -> Iterator[AsrSegment]: ...


ENGINES = ("faster-whisper", "openai-whisper")


def check_engine(name: str) -> None:
    if name not in ENGINES:
        raise ReportageError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")


def load_engine(name: str, model: str | None, options: AsrOptions) -> Engine:
    """Load a named engine with its model."""
    check_engine(name)
    if name == "faster-whisper":
        from pipeline.asr.faster import FasterWhisperEngine

        return FasterWhisperEngine(model, options)
    if name == "openai-whisper":
        from pipeline.asr.openai_engine import OpenAIWhisperEngine

        return OpenAIWhisperEngine(model, options)
