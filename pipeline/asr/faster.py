"""The default engine: faster-whisper (CTranslate2) on the embedded Whisper base model."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import numpy as np

from pipeline import models
from pipeline.asr import AsrOptions, AsrSegment, English
from pipeline.asr.bilingual import VAD, BilingualPipeline, EncodedOnce, restored
from pipeline.asr.guards import guarded
from pipeline.document import Word
from pipeline.errors import ReportageError


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(self, model: str | None, options: AsrOptions):
        import ctranslate2

        # Its float16-to-float32 notice on CPUs is noise to a producer.
        ctranslate2.set_log_level(logging.ERROR)
        self.options = options
        self.model_name = model or models.EMBEDDED
        path = models.resolve(model)
        try:
            self.model = EncodedOnce(
                path, device=options.device, compute_type=_compute_type(options),
                cpu_threads=options.threads or len(os.sched_getaffinity(0)),
                local_files_only=True,
            )
        except Exception as exc:  # hub lookups, bad folders and bad devices all land here
            reason = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ReportageError(f"cannot load model {self.model_name!r}: {reason}"
                                 f"{_hint(reason)}") from None
        self.batched = BilingualPipeline(self.model)
        self.speaks_english = options.vad  # English along with the Dutch needs VAD's batches

    def transcribe(self, audio: np.ndarray, task: str = "transcribe",
                   english: English | None = None) -> Iterator[AsrSegment]:
        """The guarded segments of the audio. Given `english` (and `speaks_english`), the
        English of the same speech is added to it as the Dutch is decoded."""
        return guarded(self._segments(audio, task, english))

    def _segments(self, audio: np.ndarray, task: str,
                  english: English | None) -> Iterator[AsrSegment]:
        found = English() if english is not None and self.speaks_english else None
        for seg in self._decode(audio, task, found):
            yield _convert(seg)
        if found is not None:
            english.pieces += restored(found.pieces, audio)
            english.cpu_s += found.cpu_s

    def _decode(self, audio: np.ndarray, task: str, english: English | None):
        """faster-whisper's segments. With VAD, the speech is cut into chunks of up to 30 s that
        are decoded BATCH at a time: on dev-episode-01 0.50x the time of one window after the
        other (benchmarks/asr_speed.py), and WER over the six dev episodes 39.7% against 40.2%.
        Batches have no temperature fallback; the guards drop what that would have retried."""
        common = dict(language=self.options.language, task=task, hotwords=self.options.hotwords,
                      beam_size=self.options.beam_size, word_timestamps=True)
        if not self.options.vad:  # batches need VAD's chunks
            segments, _info = self.model.transcribe(
                audio, vad_filter=False, condition_on_previous_text=False, **common)
            yield from segments
            return
        self.batched.english = english
        try:
            segments, _info = self.batched.transcribe(
                audio, batch_size=BATCH, without_timestamps=False, vad_filter=True,
                vad_parameters=VAD, **common)
            yield from segments
        finally:
            self.batched.english = None


BATCH = 4  # chunks decoded together: on 2 CPU cores as fast as 8, at 0.6x the peak memory


def _compute_type(options: AsrOptions) -> str:
    """int8 on a CPU unless asked otherwise: measured on the dev episodes it is 0.7x the time of
    float32 at a WER within 1.5 points; on a GPU the model's own float16."""
    if options.compute_type != "default":
        return options.compute_type
    import ctranslate2

    on_gpu = options.device == "cuda" or (
        options.device == "auto" and ctranslate2.get_cuda_device_count() > 0
    )
    return "default" if on_gpu else "int8"


def _convert(seg) -> AsrSegment:
    return AsrSegment(
        start=seg.start,
        end=seg.end,
        text=seg.text.strip(),
        words=[_word(w) for w in seg.words or []],
        avg_logprob=seg.avg_logprob,
        no_speech_prob=seg.no_speech_prob,
        compression_ratio=seg.compression_ratio,
    )


def _word(w) -> Word:
    # faster-whisper hands out numpy floats here and there; the document wants plain JSON numbers.
    return Word(w.word.strip(), float(w.start), float(w.end),
                round(float(w.probability), 4))


def _hint(reason: str) -> str:
    """What to do about a model that did not load: a device or number type this machine lacks
    is not a missing download."""
    if any(word in reason.lower() for word in ("cuda", "compute type", "unsupported device")):
        return " (this machine lacks it: --device cpu --compute-type default work anywhere)"
    return (" (reportage downloads no model: a size name other than 'base' loads from the "
            "Hugging Face cache, so fetch it once with `huggingface-cli download "
            "Systran/faster-whisper-NAME`, or give a local model folder)")
