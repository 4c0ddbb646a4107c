"""A tiny randomly initialised Marian translation model, built and saved by the tests themselves
(no network, no committed binaries): the real loading and generation code runs on it."""

from __future__ import annotations

import io
import json
from pathlib import Path

SENTENCES = [
    "De straat van Gibraltar is een zee-engte aan het uiteinde van de Middellandse Zee.",
    "Dat kan met betrekkelijk weinig geld.",
    "Ik geloof in deze dialoog en we zullen deze dialoog voeren.",
    "We zullen de uitkomsten op deze werkterreinen afwachten.",
    "Rogier Creemers woont in Shenzhen en telt 350 en 950 punten.",
    "The Strait of Gibraltar is a narrow sea at the end of the Mediterranean.",
    "That can be done with relatively little money.",
    "I believe in this dialogue and we will hold this dialogue.",
    "We will await the outcomes in these fields of work.",
    "Rogier Creemers lives in Shenzhen and counts 350 and 950 points.",
]


def build(folder: Path, eos_bias: float = 0.0) -> Path:
    """Save tokenizer and model in `folder`. eos_bias > 0 makes a model that only ever ends at
    once (empty output); < 0 one that never ends before its token limit."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    model_proto = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(SENTENCES * 20), model_writer=model_proto, vocab_size=200,
        hard_vocab_limit=False, character_coverage=1.0, bos_id=-1, eos_id=1, unk_id=2,
        pad_id=0, minloglevel=2,
    )
    spm_path = folder / "spm.model"
    spm_path.write_bytes(model_proto.getvalue())
    processor = spm.SentencePieceProcessor(model_file=str(spm_path))
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    vocab["<pad>"], vocab["</s>"], vocab["<unk>"] = 0, 1, 2
    (folder / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = MarianTokenizer(str(spm_path), str(spm_path), str(folder / "vocab.json"),
                                source_lang="nl", target_lang="en")
    config = MarianConfig(
        vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
        decoder_ffn_dim=32, max_position_embeddings=128, pad_token_id=0, eos_token_id=1,
        decoder_start_token_id=0, forced_eos_token_id=1,
    )
    torch.manual_seed(0)
    model = MarianMTModel(config)
    with torch.no_grad():
        model.final_logits_bias[0, 1] = eos_bias
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder
