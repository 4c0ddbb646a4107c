"""The sentence-transformers embedder loads a model folder (a tiny random one built here)."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from pipeline.chapters.make import make_chapters
from pipeline.document import Segment
from pipeline.embeddings import SentenceTransformerEmbedder, load_embedder
from pipeline.errors import ReportageError

pytestmark = pytest.mark.model
WORDS = ["de", "het", "een", "trein", "rijdt", "niet", "vandaag", "koken", "met", "boter", "en",
         "uien"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-sbert")
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab))
    config = BertConfig(vocab_size=len(WORDS) + 5, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64)
    transformer_dir = folder / "transformer"
    BertModel(config).save_pretrained(transformer_dir)
    tokenizer.save_pretrained(transformer_dir)
    word = Transformer(str(transformer_dir))
    pooling = Pooling(word.get_embedding_dimension(), pooling_mode="mean")
    model_dir = folder / "model"
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(model_dir))
    return model_dir


def test_a_model_folder_embeds_and_segments(tiny_model):
    embedder = load_embedder(str(tiny_model))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    rows = embedder.embed(["de trein rijdt niet", "koken met boter"], "nl")
    assert rows.shape == (2, 32)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-4)
    segments = [Segment(id=f"s{i}", start=i * 12.0, end=i * 12.0 + 11, nl=text)
                for i, text in enumerate(["de trein rijdt niet vandaag"] * 6
                                         + ["koken met boter en uien"] * 6)]
    # A random model cannot tell topics apart: this checks the plumbing, not the quality.
    chapters = make_chapters(segments, count=2, embedder=embedder)
    assert len(chapters) == 2
    assert [sid for c in chapters for sid in c.segment_ids] == [s.id for s in segments]


def test_a_short_name_is_found_in_the_cache_as_sentence_transformers_would(tiny_model, tmp_path):
    """`--embedder NAME` without an organisation is sentence-transformers/NAME, from the local
    Hugging Face cache only (a fresh process: the hub reads its cache folder on import)."""
    repo = tmp_path / "hub" / "models--sentence-transformers--tiny-sbert"
    shutil.copytree(tiny_model, repo / "snapshots" / ("0" * 40))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    code = ("from pipeline.embeddings import load_embedder; "
            "print(load_embedder('tiny-sbert').embed(['de trein rijdt'], 'nl').shape)")
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert found.returncode == 0 and found.stdout.strip() == "(1, 32)", found.stderr[-500:]
    with pytest.raises(ReportageError, match="unknown embedding model 'no-such-sbert'"):
        load_embedder("no-such-sbert")
