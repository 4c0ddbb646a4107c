"""One encoding, two decodes: the English of each batch of speech is decoded from the encoder
output its Dutch was decoded from. The encoder is about a third of a decode's CPU (8.7 of
25.3 s translating dev-episode-01), so the English then costs only its decoding."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.vad import SpeechTimestampsMap, VadOptions, get_speech_timestamps

from pipeline.asr import TRANSLATE_BEAM, English, TimedText
from pipeline.asr.guards import MAX_COMPRESSION, loop_free
from pipeline.audio import SAMPLE_RATE

# faster-whisper's own batched defaults, named so that the English can be mapped back to the
# episode's time with the same speech map as the Dutch.
VAD = VadOptions(max_speech_duration_s=30, min_silence_duration_ms=160)


class EncodedOnce(WhisperModel):
    """A WhisperModel that keeps its last batch's encoder output for a second decode."""

    _last: tuple = (None, None)

    def encode(self, features: np.ndarray):
        if features is not self._last[0]:
            self._last = (features, super().encode(features))
        return self._last[1]


class BilingualPipeline(BatchedInferencePipeline):
    """faster-whisper's batched pipeline; while `english` is set, each batch's English
    (task="translate") is decoded too, on an EncodedOnce model. Its times are in VAD's
    speech-only timeline until `restored`."""

    english: English | None = None

    def forward(self, features, tokenizer, chunks_metadata, options):
        dutch = super().forward(features, tokenizer, chunks_metadata, options)
        if self.english is not None and tokenizer.task is not None:
            began = time.process_time()
            to_english = Tokenizer(tokenizer.tokenizer, True, task="translate",
                                   language=tokenizer.language_code)
            settings = replace(options, word_timestamps=False, beam_size=TRANSLATE_BEAM)
            for chunk in super().forward(features, to_english, chunks_metadata, settings):
                kept = [(p["start"], p["end"], p["text"].strip()) for p in chunk
                        if p["text"].strip() and p["compression_ratio"] <= MAX_COMPRESSION]
                self.english.pieces += kept[:loop_free([text for *_, text in kept])]
            self.english.cpu_s += time.process_time() - began
        return dutch


def restored(pieces: list[TimedText], audio: np.ndarray) -> list[TimedText]:
    """Pieces moved from VAD's speech-only timeline of `audio` to the audio's own time."""
    if not pieces:
        return []
    speech = SpeechTimestampsMap(get_speech_timestamps(audio, VAD), SAMPLE_RATE)
    return [(speech.get_original_time(a), speech.get_original_time(b, is_end=True), text)
            for a, b, text in pieces]
