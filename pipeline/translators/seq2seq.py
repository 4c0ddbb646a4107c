"""Text translation with a transformers seq2seq model (Marian, NLLB, M2M100, mBART, T5, ...):
sentences joined from segment fragments, translated in batches, split back over the segments."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline import models
from pipeline.document import Segment
from pipeline.errors import ReportageError
from pipeline.translators.groups import sentence_groups, spread

BATCH = 16
BEAMS = 4
MAX_INPUT_TOKENS = 512
# Language codes of multilingual models whose tokenizer takes a source language.
LANGUAGE_CODES = {"nl": ("nld_Latn", "nl"), "en": ("eng_Latn", "en")}


def _transformers():
    try:
        import transformers
    except ImportError:
        raise ReportageError(
            "the transformers translator needs the mt extra: pip install 'reportage[mt]'"
        ) from None
    # Its loading bars and notices would break into the run's own progress display.
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return transformers


def resolve_mt_model(ref: str | None) -> str:
    """A model folder: `ref` itself, or a model of that name in the local Hugging Face cache;
    checked to be a seq2seq (encoder-decoder) model."""
    if not ref:
        raise ReportageError("--translator transformers needs --mt-model NAME_OR_FOLDER")
    transformers = _transformers()
    path = Path(ref).expanduser()
    if not path.exists():
        path = models.hf_cached(ref, "MT model")
    if not (path / "config.json").is_file():
        raise ReportageError(f"{ref}: not a transformers model folder (no config.json)")
    try:
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
    except Exception as exc:  # every malformed config lands here
        raise ReportageError(f"{ref}: unreadable model config: {_first_line(exc)}") from None
    if not getattr(config, "is_encoder_decoder", False):
        raise ReportageError(
            f"{ref}: a {config.model_type} model is not a seq2seq translation model "
            "(give a Marian, NLLB, M2M100 or similar encoder-decoder model)"
        )
    return str(path)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class Seq2SeqTranslator:
    name = "transformers"
    needs_audio = False
    chunk_size = 32

    def __init__(self, ref: str | None, source: str = "nl", target: str = "en"):
        transformers = _transformers()
        path = resolve_mt_model(ref)
        self.model_name = ref or path
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = transformers.AutoModelForSeq2SeqLM.from_pretrained(
                path, local_files_only=True
            )
        except Exception as exc:  # missing vocabulary, unknown architecture, bad weights
            raise ReportageError(
                f"{ref}: cannot load as a seq2seq translation model: {_first_line(exc)}"
            ) from None
        self.model.eval()
        self.generate_options = self._languages(source, target)

    def _languages(self, source: str, target: str) -> dict:
        """Multilingual models (NLLB, M2M100, mBART) need the source and target named."""
        if not hasattr(self.tokenizer, "src_lang"):
            return {}
        vocab = self.tokenizer.get_vocab()
        src = next((c for c in LANGUAGE_CODES[source] if c in vocab), None)
        tgt = next((c for c in LANGUAGE_CODES[target] if c in vocab), None)
        if src is None or tgt is None:
            raise ReportageError(f"{self.model_name}: the model has no {source}→{target} codes")
        self.tokenizer.src_lang = src
        return {"forced_bos_token_id": self.tokenizer.convert_tokens_to_ids(tgt)}

    def translate(self, segments: list[Segment], audio: np.ndarray | None = None) -> list[str]:
        groups = sentence_groups(segments, max_span_s=float("inf"))
        sources = [" ".join(segments[i].nl.strip() for i in g) for g in groups]
        english = self.translate_texts(sources)
        return spread(segments, groups, english)

    def translate_texts(self, texts: list[str]) -> list[str]:
        """English for each text on its own (no sentence grouping): chapter titles."""
        import torch

        # Batches of similar length waste little on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = [""] * len(texts)
        for at in range(0, len(order), BATCH):
            batch = order[at:at + BATCH]
            inputs = self.tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True,
                                    truncation=True, max_length=MAX_INPUT_TOKENS)
            with torch.inference_mode():
                tokens = self.model.generate(
                    **inputs, num_beams=BEAMS, max_new_tokens=2 * inputs["input_ids"].shape[1] + 8,
                    **self.generate_options,
                )
            decoded = self.tokenizer.batch_decode(tokens, skip_special_tokens=True)
            for i, text in zip(batch, decoded, strict=True):
                out[i] = text.strip()
        return out
