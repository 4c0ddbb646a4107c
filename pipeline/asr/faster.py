"""The default engine: faster-whisper (CTranslate2) on the embedded Whisper base model."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import numpy as np

from pipeline import models
from pipeline.asr import AsrOptions, AsrSegment
from pipeline.asr.guards import guarded
from pipeline.audio import SAMPLE_RATE
from pipeline.document import Word
from pipeline.errors import ReportageError


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(self, model: str | None, options: AsrOptions):
        import ctranslate2
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        # Its float16-to-float32 notice on CPUs is noise to a producer.
        ctranslate2.set_log_level(logging.ERROR)
        self.options = options
        self.model_name = model or models.EMBEDDED
        path = models.resolve(model)
        try:
            self.model = WhisperModel(
                path, device=options.device, compute_type=_compute_type(options),
                cpu_threads=options.threads or len(os.sched_getaffinity(0)),
                local_files_only=True,
            )
        except Exception as exc:  # hub lookups, bad folders and bad devices all land here
            raise ReportageError(
                f"cannot load model {self.model_name!r}: {str(exc).splitlines()[0]} "
                "(size names other than 'base' are downloaded by faster-whisper and need a network;"
                " give a local model folder instead)"
            ) from None
        self.batched = BatchedInferencePipeline(self.model)

    def transcribe(self, audio: np.ndarray, task: str = "transcribe") -> Iterator[AsrSegment]:
        return guarded(self._pieces(audio, task))

    def _pieces(self, audio: np.ndarray, task: str) -> Iterator[AsrSegment]:
        for start, end in pieces(audio):
            for seg in self._decode(audio[start:end], task):
                yield _convert(seg, start / SAMPLE_RATE)

    def _decode(self, audio: np.ndarray, task: str):
        """faster-whisper's segments. With VAD, the speech is cut into chunks of up to 30 s that
        are decoded BATCH at a time: on dev-episode-01 0.50x the time of one window after the
        other (benchmarks/asr_speed.py), and WER over the six dev episodes 39.7% against 40.2%.
        Batches have no temperature fallback; the guards drop what that would have retried."""
        common = dict(language=self.options.language, task=task,
                      beam_size=self.options.beam_size, word_timestamps=True)
        if self.options.vad:
            segments, _info = self.batched.transcribe(
                audio, batch_size=BATCH, without_timestamps=False, vad_filter=True, **common)
        else:  # batches need VAD's chunks
            segments, _info = self.model.transcribe(
                audio, vad_filter=False, condition_on_previous_text=False, **common)
        return segments


# faster-whisper computes VAD and log-mel features of its whole input at once: for an hour that
# peaked at 3 GB. Ten-minute pieces, cut in the quietest half second near each mark, bound it.
PIECE_S = 600
SEARCH_S = 30
BATCH = 4  # chunks decoded together: on 2 CPU cores as fast as 8, at 0.6x the peak memory


def pieces(audio: np.ndarray) -> Iterator[tuple[int, int]]:
    """(start, end) sample ranges of at most PIECE_S + SEARCH_S seconds covering the audio."""
    step, search = PIECE_S * SAMPLE_RATE, SEARCH_S * SAMPLE_RATE
    start = 0
    while len(audio) - start > step + search:
        cut = quietest(audio, start + step - search, start + step + search)
        yield start, cut
        start = cut
    yield start, len(audio)


def quietest(audio: np.ndarray, lo: int, hi: int) -> int:
    """The middle of the half second with the least energy in audio[lo:hi]."""
    window = SAMPLE_RATE // 2
    frames = audio[lo : lo + (hi - lo) // window * window].reshape(-1, window)
    return lo + int(np.argmin(np.square(frames).mean(axis=1))) * window + window // 2


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


def _convert(seg, offset: float) -> AsrSegment:
    return AsrSegment(
        start=seg.start + offset,
        end=seg.end + offset,
        text=seg.text.strip(),
        words=[_word(w, offset) for w in seg.words or []],
        avg_logprob=seg.avg_logprob,
        no_speech_prob=seg.no_speech_prob,
        compression_ratio=seg.compression_ratio,
    )


def _word(w, offset: float) -> Word:
    # faster-whisper hands out numpy floats here and there; the document wants plain JSON numbers.
    return Word(w.word.strip(), float(w.start) + offset, float(w.end) + offset,
                round(float(w.probability), 4))
