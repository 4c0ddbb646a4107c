"""Speech translation with Whisper: each sentence's audio span decoded again with
task="translate", in batches, on the speech model the transcribe stage already loaded."""

from __future__ import annotations

import numpy as np

from pipeline.asr.guards import MAX_COMPRESSION
from pipeline.document import Segment
from pipeline.errors import ReportageError
from pipeline.translators.groups import sentence_groups, spread

SAMPLE_RATE = 16000
PAD_S = 0.2  # audio kept around a span, so a clipped first or last syllable still decodes
BATCH = 8  # spans per batched decode
CALL = 64  # spans per pipeline call: bounds the features held in memory at once


class WhisperTranslator:
    name = "whisper"
    needs_audio = True

    def __init__(self, engine):
        """`engine`: the run's loaded faster-whisper engine (see check_options)."""
        from faster_whisper import BatchedInferencePipeline

        self.model_name = engine.model_name
        self.options = engine.options
        self.model = engine.model
        self.pipeline = BatchedInferencePipeline(engine.model)

    def translate(self, segments: list[Segment], audio: np.ndarray | None) -> list[str]:
        if audio is None:
            raise ReportageError("the whisper translator needs the episode's audio")
        groups = sentence_groups(segments)
        spans = [_span(segments, g, len(audio) / SAMPLE_RATE) for g in groups]
        english: list[str] = []
        for at in range(0, len(spans), CALL):
            english += self._decode(audio, spans[at:at + CALL])
        return spread(segments, groups, english)

    def _decode(self, audio: np.ndarray, spans: list[tuple[float, float]]) -> list[str]:
        """One English text per span, decoded in batches."""
        found, _info = self.pipeline.transcribe(
            audio, language=self.options.language, task="translate",
            beam_size=self.options.beam_size, batch_size=BATCH, without_timestamps=True,
            clip_timestamps=[{"start": a, "end": b} for a, b in spans],
        )
        # Each decoded piece names its span by the span's first frame.
        index = {_first_frame(a, self.model.frames_per_second): i for i, (a, _) in enumerate(spans)}
        texts = [""] * len(spans)
        for piece in found:
            # A runaway repetition loop compresses far better than real text: no translation.
            if piece.compression_ratio <= MAX_COMPRESSION:
                i = index[piece.seek]
                texts[i] = f"{texts[i]} {piece.text.strip()}".strip()
        return texts


def _span(segments: list[Segment], group: list[int], duration: float) -> tuple[float, float]:
    """The group's audio with a little padding, never reaching into a neighbour's speech."""
    first, last = group[0], group[-1]
    before = segments[first - 1].end if first > 0 else 0.0
    after = segments[last + 1].start if last + 1 < len(segments) else duration
    start = max(min(segments[first].start, max(before, segments[first].start - PAD_S)), 0.0)
    end = min(max(segments[last].end, min(after, segments[last].end + PAD_S)), duration)
    return start, end


def _first_frame(start_s: float, frames_per_second: int) -> int:
    # The pipeline turns a span's start into samples, then back into seconds and frames.
    return int(int(start_s * SAMPLE_RATE) / SAMPLE_RATE * frames_per_second)
