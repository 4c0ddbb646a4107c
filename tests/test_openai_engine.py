"""The openai-whisper engine: the exported embedded model agrees with faster-whisper, and a tiny
random checkpoint loads by path through the engine."""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict

import numpy as np
import pytest

# Imported, not skipped when missing: CI installs the [openai] extra and must run these.
import torch
import whisper
from audiogen import clip, silence, speech_episode
from audiogen import reference as reference_text

from pipeline.asr import AsrOptions, AsrSegment
from pipeline.asr.faster import FasterWhisperEngine
from pipeline.asr.openai_engine import OpenAIWhisperEngine, Piece, speech_pieces
from pipeline.document import Word

TINY_DIMS = dict(
    n_mels=80, n_audio_ctx=1500, n_audio_state=32, n_audio_head=2, n_audio_layer=1,
    n_vocab=51865, n_text_ctx=448, n_text_state=32, n_text_head=2, n_text_layer=1,
)


def _words(segments: list[AsrSegment]) -> list[Word]:
    return [w for seg in segments for w in seg.words]


def _norm(text: str) -> str:
    return re.sub(r"[^\w\s]+", " ", text.lower()).strip()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from pipeline.asr.export_openai import export_openai
    from pipeline.models import embedded_model_dir

    path = tmp_path_factory.mktemp("openai") / "base.pt"
    return path, export_openai(embedded_model_dir(), path)


@pytest.mark.model
def test_exported_checkpoint_is_whisper_base_with_its_alignment_heads(exported):
    path, dims = exported
    model = whisper.load_model(str(path), device="cpu")
    assert asdict(model.dims) == dims
    assert (dims["n_audio_layer"], dims["n_text_layer"], dims["n_vocab"]) == (6, 6, 51865)
    engine = OpenAIWhisperEngine(str(path), AsrOptions(device="cpu"))
    model.set_alignment_heads(whisper._ALIGNMENT_HEADS["base"])
    assert torch.equal(engine.model.alignment_heads.to_dense(), model.alignment_heads.to_dense())


@pytest.mark.model
def test_both_engines_agree_on_real_dutch_speech(exported):
    import jiwer

    # Two sentences and a pause long enough for the VAD to cut out: times must be mapped back.
    first, second = clip("vl04108"), clip("vl14994")
    samples = np.concatenate([first, silence(2.5), second])
    reference = _norm(f"{reference_text('vl04108')} {reference_text('vl14994')}")
    path, _ = exported
    ours = list(OpenAIWhisperEngine(str(path), AsrOptions(device="cpu")).transcribe(samples))
    theirs = list(FasterWhisperEngine(None, AsrOptions(device="cpu")).transcribe(samples))

    text_ours = _norm(" ".join(s.text for s in ours))
    text_theirs = _norm(" ".join(s.text for s in theirs))
    # float32 (torch) and int8 (CTranslate2) kernels round differently on different CPUs, so the
    # exact words differ from machine to machine: only bounds against the reference hold
    # everywhere. Measured on the 2-core dev machine (23 reference words): WER 0.30 (openai),
    # 0.35 (faster); CER 0.07, 0.09. On the machine in the issue faster-whisper got "uiteinde"
    # right (WER 0.30). The bounds are the worst measurement + 0.15 for WER and over twice it
    # for CER; a wrong language, a dropped sentence or a hallucination lands well above both.
    for name, text in (("openai", text_ours), ("faster", text_theirs)):
        assert jiwer.wer(reference, text) <= 0.50, (name, text)  # Dutch, recognised
        assert jiwer.cer(reference, text) <= 0.20, (name, text)
    # The engines' disagreement: one word of 25 (WER 0.04, CER 0.022) on the dev machine, two
    # words (WER 0.08, CER 0.030 from the words) on another. The margin allows five
    # words, 2.5-5x what was seen, for other CPUs; an engine that lost the sentence after the
    # pause (10 words) still fails.
    assert jiwer.wer(text_theirs, text_ours) <= 0.20, (text_theirs, text_ours)
    assert jiwer.cer(text_theirs, text_ours) <= 0.10, (text_theirs, text_ours)

    a, b = _words(ours), _words(theirs)
    matcher = difflib.SequenceMatcher(a=[_norm(w.text) for w in a], b=[_norm(w.text) for w in b])
    pairs = [(a[m.a + k], b[m.b + k]) for m in matcher.get_matching_blocks() for k in range(m.size)]
    # 24 of 25 words matched here (0.96), 23 on the machine that differed by two words; the
    # floor follows the five-word margin above.
    assert len(pairs) >= 0.75 * len(b), (len(pairs), len(b))
    drift = np.mean([abs(x.start - y.start) + abs(x.end - y.end) for x, y in pairs]) / 2
    assert drift <= 0.1, drift  # 0.003 s measured: word times come from the same audio frames
    assert any(w.start >= first.size / 16000 + 2.0 for w in a)  # placed after the pause


def test_tiny_random_checkpoint_loads_by_path_and_decodes(tmp_path):
    torch.manual_seed(0)
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**TINY_DIMS))
    # Whisper leaves this one uninitialised (torch.empty): it may hold NaN.
    torch.nn.init.normal_(model.decoder.positional_embedding, std=0.02)
    path = tmp_path / "tiny.pt"
    torch.save({"dims": TINY_DIMS, "model_state_dict": model.state_dict()}, path)

    engine = OpenAIWhisperEngine(str(path), AsrOptions(beam_size=1, vad=False, device="cpu"),
                                 max_tokens=4)
    assert asdict(engine.model.dims) == TINY_DIMS
    loaded = engine.model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in model.state_dict().items())

    samples = np.random.default_rng(0).standard_normal(16000 * 2).astype(np.float32) * 0.1
    raw = list(engine.segments(samples))
    assert raw, "the decoder produced nothing"
    for seg in raw:
        assert 0 <= seg.start <= seg.end <= 30
        assert len(seg.words) <= 4  # never more words than the capped tokens
    # The guards see every raw segment; what passes them is a subset.
    kept = list(engine.transcribe(samples))
    assert all(any(k.text == r.text for r in raw) for k in kept)


def test_piece_maps_joined_time_back_across_cut_silence():
    piece = Piece([(16000, 32000), (80000, 96000)])  # 1–2 s and 5–6 s of the whole audio
    assert piece.original_time(0.5) == pytest.approx(1.5)
    assert piece.original_time(1.0) == pytest.approx(2.0)  # the end of the first span
    assert piece.original_time(1.25) == pytest.approx(5.25)
    segment = {"start": 0.0, "end": 2.0, "text": " twee woorden", "avg_logprob": -0.2,
               "no_speech_prob": 0.1, "compression_ratio": 1.0,
               "words": [{"word": " twee", "start": 0.2, "end": 0.6, "probability": 0.9},
                         {"word": " woorden", "start": 1.1, "end": 1.7, "probability": 0.8}]}
    seg = piece.restore(segment)
    assert [(w.text, w.start, w.end) for w in seg.words] == [
        ("twee", 1.2, 1.6), ("woorden", 5.1, 5.7)]
    assert (seg.start, seg.end) == (1.2, 5.7)


def test_speech_pieces_skip_silence_and_stay_under_the_piece_limit():
    samples, _ = speech_episode(pause_s=2.5)
    pieces = speech_pieces(samples, vad=True, limit_s=8.0)
    spans = [span for piece in pieces for span in piece.spans]  # in order, apart:
    assert len(pieces) >= 2
    assert all(sum(b - a for a, b in p.spans) <= 8 * 16000 for p in pieces)
    assert all(a1 < b1 <= a2 for (a1, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    assert sum(b - a for a, b in spans) < samples.size - 4 * 16000  # the pauses are cut out
    assert speech_pieces(np.zeros(16000 * 5, dtype=np.float32), vad=True) == []
    whole = speech_pieces(np.zeros(1600, dtype=np.float32), vad=False)
    assert [p.spans for p in whole] == [[(0, 1600)]]
