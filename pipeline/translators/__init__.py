"""Translators: the English of Dutch segments, one text per segment, behind one small protocol.

Two implementations: `whisper` decodes windows of whole sentences again with Whisper's
translate task, on the already loaded speech model; `transformers` translates the Dutch text with a
seq2seq model (Marian, NLLB, M2M100, ...) given by folder or by name in the local cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pipeline.document import Segment
from pipeline.errors import ReportageError

TRANSLATORS = ("whisper", "transformers")
TARGETS = ("en",)  # the document holds English only


@dataclass
class TranslateOptions:
    enabled: bool = True
    target_language: str = "en"
    translator: str = "whisper"
    mt_model: str | None = None


class Translator(Protocol):
    name: str
    model_name: str
    needs_audio: bool

    def translate(self, segments: list[Segment], audio: np.ndarray | None) -> list[str]:
        """English for each segment, in order; "" where the translator found none."""
        ...


def check_options(options: TranslateOptions, engine: str) -> None:
    """Fail on an unknown translator, target or MT model before any work is done."""
    if not options.enabled:
        return
    if options.translator not in TRANSLATORS:
        raise ReportageError(
            f"unknown translator {options.translator!r}: choose one of {', '.join(TRANSLATORS)}"
        )
    if options.target_language not in TARGETS:
        raise ReportageError(
            f"unsupported target language {options.target_language!r}: "
            f"only {', '.join(TARGETS)} is supported"
        )
    if options.translator == "whisper" and options.mt_model:
        raise ReportageError("--mt-model needs --translator transformers")
    if options.translator == "whisper" and engine != "faster-whisper":
        raise ReportageError(
            f"the whisper translator runs on the faster-whisper engine, not {engine}: "
            "use --translator transformers or --no-translate"
        )
    if options.translator == "transformers":
        from pipeline.translators.seq2seq import resolve_mt_model

        resolve_mt_model(options.mt_model)


def load_translator(options: TranslateOptions, asr: Callable[[], object]) -> Translator:
    """Load the chosen translator (checked by check_options); `asr` hands out the run's
    loaded speech engine."""
    if options.translator == "whisper":
        from pipeline.translators.whisper import WhisperTranslator

        return WhisperTranslator(asr())
    from pipeline.translators.seq2seq import Seq2SeqTranslator

    return Seq2SeqTranslator(options.mt_model, target=options.target_language)
