"""The evaluation metrics on texts and times whose right answers are worked out by hand."""

import pytest

from pipeline.evaluate.metrics import (
    boundary_grid,
    error_rates,
    even_split,
    normalise_nl,
    segmentation_scores,
    translation_scores,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Zie je dat schrijfblok? Dat is onze kans!", "zie je dat schrijfblok dat is onze kans"),
        ("\u201cHallo,\u201d zei hij \u2014 zo\u2019n auto's...", "hallo zei hij zo'n auto's"),
        ("Desktop/Line  up\tIcons", "desktop line up icons"),
        ("De zee-engte - ja", "de zee-engte ja"),
        ("1.000 mensen, 3,5 km. En 3 of drie.", "1.000 mensen 3,5 km en 3 of drie"),
        ("'s Avonds \"Ideeën\"", "s avonds ideeën"),
        ("...", ""),
    ],
)
def test_normaliser(raw, expected):
    assert normalise_nl(raw) == expected


def test_error_rates_are_corpus_level_over_normalised_text():
    # 1 deletion in 4 reference words; punctuation and case differences cost nothing.
    rates = error_rates(["Hallo, wereld!", "twee woorden"], ["hallo wereld", "twee"])
    assert rates["wer"] == pytest.approx(0.25)
    assert rates["ref_words"] == 4
    assert rates["deletions"] == 1 and rates["substitutions"] == 0
    # " woorden" (8 characters) missing of 24 normalised reference characters.
    assert rates["cer"] == pytest.approx(8 / 24)


def test_translation_scores_reward_the_right_translation():
    refs = ["the small fish swims in the big sea today"]
    good = translation_scores(refs, ["the small fish swims in the big sea today"])
    bad = translation_scores(refs, ["a cat sleeps on warm stones"])
    assert good["bleu"] == pytest.approx(100) and good["chrf"] == pytest.approx(100)
    assert bad["bleu"] < 5 and bad["chrf"] < good["chrf"]


def test_boundary_grid_marks_the_second_a_topic_starts_in():
    assert boundary_grid([2.5, 7.0], 10.0) == "0010000100"
    # A boundary at 0 or past the end is no boundary.
    assert boundary_grid([0, 12], 10.2) == "0" * 11


def test_even_split():
    assert even_split(4, 100) == [25, 50, 75]
    assert even_split(1, 100) == []


def test_segmentation_scores():
    ref = [100.0, 200.0]
    perfect = segmentation_scores(ref, ref, 300)
    assert perfect == {"pk": 0, "windowdiff": 0}
    none = segmentation_scores(ref, [], 300)
    near = segmentation_scores(ref, [105.0, 195.0], 300)
    assert 0 < near["pk"] < none["pk"]
    assert 0 < near["windowdiff"] < none["windowdiff"]
    # Without a reference boundary there is nothing to score.
    assert segmentation_scores([], [50.0], 300) is None
