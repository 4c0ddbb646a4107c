"""The openai-whisper engine (`--engine openai-whisper`), a PyTorch alternative to faster-whisper.

By default it runs the embedded Whisper base, exported once into an openai-whisper checkpoint, so
both engines use the same weights. Speech is found with the same Silero VAD faster-whisper uses and
decoded in pieces of at most a few minutes, so segments arrive while the episode is in progress.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline import models
from pipeline.asr import AsrOptions, AsrSegment
from pipeline.asr.guards import guarded
from pipeline.document import Word
from pipeline.errors import ReportageError

SAMPLE_RATE = 16000
# Speech per transcribe call: small enough for steady progress, long enough that the extra
# padded window at each piece's end costs little.
PIECE_SECONDS = 120.0
CHECKPOINT_NAME = "whisper-base-openai.pt"


def _whisper():
    try:
        import whisper
    except ImportError:
        raise ReportageError(
            "openai-whisper is not installed: pip install 'reportage[openai]' and "
            "pip install --no-deps openai-whisper"
        ) from None
    return whisper


def check_model(model: str | None) -> None:
    """Fail early on a model this engine cannot load, without loading or exporting anything."""
    whisper = _whisper()
    if model in (None, "", models.EMBEDDED) or Path(model).expanduser().is_file():
        return
    if model not in whisper.available_models():
        raise ReportageError(
            f"unknown openai-whisper model {model!r}: give a checkpoint file (.pt), 'base' "
            "(the embedded model, exported on first use), or one of: "
            + ", ".join(whisper.available_models())
        )


def embedded_checkpoint() -> Path:
    """The embedded model as an openai-whisper checkpoint in the cache; exported on first use."""
    from pipeline.asr.export_openai import export_openai

    path = models.cache_dir() / CHECKPOINT_NAME
    if not path.exists():
        export_openai(models.embedded_model_dir(), path)
    return path


def resolve(model: str | None) -> str:
    check_model(model)
    if model in (None, "", models.EMBEDDED):
        return str(embedded_checkpoint())
    path = Path(model).expanduser()
    return str(path) if path.is_file() else model


class OpenAIWhisperEngine:
    name = "openai-whisper"

    def __init__(self, model: str | None, options: AsrOptions, max_tokens: int | None = None):
        """`max_tokens` caps the tokens decoded per 30 s window (openai-whisper's sample_len)."""
        import torch

        whisper = _whisper()
        self.options = options
        self.model_name = model or models.EMBEDDED
        self.max_tokens = max_tokens
        if options.threads:
            torch.set_num_threads(options.threads)
        source = resolve(model)
        device = None if options.device == "auto" else options.device
        try:
            self.model = whisper.load_model(source, device=device)
        except Exception as exc:  # downloads, damaged files and bad devices all land here
            raise ReportageError(
                f"cannot load openai-whisper model {self.model_name!r}: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__} (size names are "
                "downloaded by openai-whisper and need a network; run `reportage models "
                "export-openai PATH` and give that file instead)"
            ) from None
        if os.path.isfile(source):
            heads = torch.load(source, map_location="cpu", mmap=True, weights_only=True)
            if "alignment_heads" in heads:  # load_model sets them only for the names it knows
                self.model.set_alignment_heads(heads["alignment_heads"])

    def transcribe(self, audio: np.ndarray, task: str = "transcribe") -> Iterator[AsrSegment]:
        return guarded(self.segments(audio, task))

    def segments(self, audio: np.ndarray, task: str = "transcribe") -> Iterator[AsrSegment]:
        """Every segment Whisper decodes, before the guards."""
        fp16 = self.model.device.type == "cuda" and self.options.compute_type != "float32"
        beam = self.options.beam_size if self.options.beam_size > 1 else None
        for piece in speech_pieces(audio, self.options.vad):
            result = self.model.transcribe(
                piece.audio(audio),
                language=self.options.language,
                task=task,
                beam_size=beam,
                sample_len=self.max_tokens,
                word_timestamps=True,
                condition_on_previous_text=False,
                fp16=fp16,
            )
            for seg in result["segments"]:
                yield piece.restore(seg)


@dataclass
class Piece:
    """Speech spans (sample ranges of the whole audio) decoded together as one joined clip."""

    spans: list[tuple[int, int]]

    def audio(self, audio: np.ndarray) -> np.ndarray:
        return np.concatenate([audio[a:b] for a, b in self.spans]).astype(np.float32)

    def original_time(self, t: float) -> float:
        """A time in the joined clip as a time in the whole audio."""
        sample = t * SAMPLE_RATE
        joined = 0
        for a, b in self.spans:
            if sample <= joined + (b - a):
                return (a + sample - joined) / SAMPLE_RATE
            joined += b - a
        a, b = self.spans[-1]
        return (b + sample - joined) / SAMPLE_RATE

    def restore(self, seg: dict) -> AsrSegment:
        words = []
        for w in seg.get("words") or []:
            # Map both ends through the span holding the word's middle, so a word never
            # stretches over the silence cut out between two spans.
            start, end = float(w["start"]), float(w["end"])
            shift = self.original_time((start + end) / 2) - (start + end) / 2
            words.append(Word(w["word"].strip(), round(start + shift, 3), round(end + shift, 3),
                              round(float(w["probability"]), 4)))
        start = words[0].start if words else round(self.original_time(float(seg["start"])), 3)
        end = words[-1].end if words else round(self.original_time(float(seg["end"])), 3)
        return AsrSegment(
            start=start, end=end, text=seg["text"].strip(), words=words,
            avg_logprob=float(seg["avg_logprob"]), no_speech_prob=float(seg["no_speech_prob"]),
            compression_ratio=float(seg["compression_ratio"]),
        )


def speech_pieces(audio: np.ndarray, vad: bool, limit_s: float = PIECE_SECONDS) -> list[Piece]:
    """Speech spans found by Silero VAD (or the whole audio), grouped into pieces of at most
    `limit_s` of speech. VAD settings are faster-whisper's, except that talk without a long
    pause is split (at a short pause) so no piece grows past the limit."""
    if not vad:
        return [Piece([(0, len(audio))])] if len(audio) else []
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    pieces: list[Piece] = []
    limit = limit_s * SAMPLE_RATE
    size = 0
    for chunk in get_speech_timestamps(audio, VadOptions(max_speech_duration_s=limit_s)):
        span = (chunk["start"], chunk["end"])
        if not pieces or size + span[1] - span[0] > limit:
            pieces.append(Piece([]))
            size = 0
        pieces[-1].spans.append(span)
        size += span[1] - span[0]
    return pieces
