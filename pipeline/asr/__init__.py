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


TimedText = tuple[float, float, str]  # (start, end, text), times in the episode
# Beam for Whisper's translate task: on three dev episodes beam 3 gave chrF 47.26 against
# 47.12 for beam 5 (and 47.27 for the sentence windows before), with fewer hypotheses to decode.
TRANSLATE_BEAM = 3


@dataclass
class English:
    """English an engine decoded along with the Dutch, and the CPU seconds that took."""
    pieces: list[TimedText] = field(default_factory=list)
    cpu_s: float = 0.0


@dataclass
class AsrOptions:
    language: str | None = "nl"  # None: detect
    beam_size: int = 5
    vad: bool = True
    device: str = "auto"
    compute_type: str = "default"
    threads: int | None = None  # decoder threads; None: one per available core
    hotwords: str | None = None  # the glossary's terms, primed into the decoder (glossary.py)


class Engine(Protocol):
    name: str
    model_name: str

    def transcribe(self, audio: np.ndarray) -> Iterator[AsrSegment]: ...


ENGINES = ("faster-whisper", "openai-whisper")


def check_engine(name: str) -> None:
    if name not in ENGINES:
        raise ReportageError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")


DEVICES = ("auto", "cpu", "cuda")
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16",
                 "int16", "float16", "bfloat16", "float32")  # CTranslate2's


def check_options(options: AsrOptions) -> None:
    """Fail on a language, device or compute type unknown to Whisper before any model loads."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES  # Whisper's own list of 99 codes

    if options.language is not None and options.language not in _LANGUAGE_CODES:
        raise ReportageError(f"unknown language {options.language!r}: give a Whisper language "
                             "code such as nl, en or de, or auto to detect it")
    if options.device not in DEVICES:
        raise ReportageError(f"unknown device {options.device!r}: choose one of "
                             f"{', '.join(DEVICES)}")
    if options.compute_type not in COMPUTE_TYPES:
        raise ReportageError(f"unknown compute type {options.compute_type!r}: choose one of "
                             f"{', '.join(COMPUTE_TYPES)}")


def load_engine(name: str, model: str | None, options: AsrOptions) -> Engine:
    """Load a named engine with its model."""
    check_engine(name)
    if name == "faster-whisper":
        from pipeline.asr.faster import FasterWhisperEngine

        return FasterWhisperEngine(model, options)
    if name == "openai-whisper":
        from pipeline.asr.openai_engine import OpenAIWhisperEngine

        return OpenAIWhisperEngine(model, options)
