"""Quality metrics against references: WER/CER, BLEU/chrF, Pk/WindowDiff, speaker error.

Pure functions over texts and times; `evaluate.py` decides what to compare with what.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

NORMALISER_DOC = (
    "Before WER/CER both texts are normalised the same way: Unicode NFKC; lower case; "
    "punctuation and quote marks removed (typographic apostrophes become ', and an apostrophe "
    "or hyphen inside a word stays: zo'n, auto's, zee-engte); whitespace folded to single "
    "spaces. Numbers are left as written: 3 and drie differ, and a point or comma between "
    "digits stays (1.000, 3,5). Accents stay (ë, é)."
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
# Kept only where they join two word characters: ' and - inside words, . and , inside numbers.
_JOINERS = re.compile(r"(?<=\w)['\-](?=\w)|(?<=\d)[.,](?=\d)")
_KEEP = "\x00"


def normalise_nl(text: str) -> str:
    """Dutch text as compared for WER/CER (see NORMALISER_DOC)."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    # Protect joiners, blank out every other punctuation mark, then restore the joiners.
    text = _JOINERS.sub(lambda m: _KEEP + m.group(0), text)
    out = []
    for i, ch in enumerate(text):
        if ch == _KEEP:
            continue
        protected = i > 0 and text[i - 1] == _KEEP
        out.append(ch if protected or not unicodedata.category(ch).startswith("P") else " ")
    return " ".join("".join(out).split())


def error_rates(refs: Sequence[str], hyps: Sequence[str]) -> dict:
    """Corpus WER and CER over normalised pairs (errors summed, divided by reference length).

    References that normalise to nothing must be left out by the caller.
    """
    import jiwer

    refs = [normalise_nl(r) for r in refs]
    hyps = [normalise_nl(h) for h in hyps]
    words = jiwer.process_words(refs, hyps)
    chars = jiwer.process_characters(refs, hyps)
    return {
        "wer": words.wer, "cer": chars.cer,
        "ref_words": sum(len(r.split()) for r in refs),
        "substitutions": words.substitutions, "deletions": words.deletions,
        "insertions": words.insertions,
    }


def translation_scores(refs: Sequence[str], hyps: Sequence[str]) -> dict:
    """Corpus BLEU and chrF (sacrebleu defaults; 0-100)."""
    import sacrebleu

    return {
        "bleu": sacrebleu.corpus_bleu(list(hyps), [list(refs)]).score,
        "chrf": sacrebleu.corpus_chrf(list(hyps), [list(refs)]).score,
    }


def boundary_times(value: object) -> list[float]:
    """Topic boundaries as a reference gives them: a list of increasing times in seconds ("12"
    is no list of 1 and 2, and NaN is no time); else ValueError."""
    if not isinstance(value, list) or not all(
            isinstance(b, (int, float)) and not isinstance(b, bool) and 0 <= b < 1e7
            for b in value) or value != sorted(value):
        raise ValueError("topic_boundaries_s must be increasing times in seconds")
    return [float(b) for b in value]


def boundary_grid(boundaries: Sequence[float], duration_s: float) -> str:
    """One character a second: '1' where a new topic starts in that second, else '0'."""
    cells = ["0"] * max(1, math.ceil(duration_s))
    for b in boundaries:
        if 0 < b < duration_s:
            cells[min(int(b), len(cells) - 1)] = "1"
    return "".join(cells)


def even_split(topics: int, duration_s: float) -> list[float]:
    """Boundaries cutting the duration into `topics` equal parts."""
    return [duration_s * j / topics for j in range(1, topics)]


def segmentation_scores(
    ref: Sequence[float], hyp: Sequence[float], duration_s: float
) -> dict | None:
    """Pk and WindowDiff on a 1-second grid (0 best, 1 worst); None without a reference boundary.

    The window is half the mean reference topic length, as Beeferman et al. propose.
    """
    from nltk.metrics.segmentation import pk, windowdiff

    ref_grid, hyp_grid = boundary_grid(ref, duration_s), boundary_grid(hyp, duration_s)
    if "1" not in ref_grid:
        return None
    k = max(1, round(len(ref_grid) / (2 * (ref_grid.count("1") + 1))))
    if k >= len(ref_grid):
        return None
    return {
        "pk": pk(ref_grid, hyp_grid, k=k),
        "windowdiff": windowdiff(ref_grid, hyp_grid, k),
    }


Span = tuple[float, float, str]  # (start s, end s, speaker)
GRID = 100  # speaker scoring grid: 10 ms


def span(start: object, end: object, speaker: object) -> Span:
    """A reference utterance's span; ValueError unless 0 <= start <= end (finite seconds)."""
    if isinstance(start, bool) or isinstance(end, bool):
        raise ValueError("an utterance's start and end must be seconds")
    a, b = float(start), float(end)  # type: ignore[arg-type]
    if not (math.isfinite(a) and math.isfinite(b) and 0 <= a <= b):
        raise ValueError(f"an utterance from {start} to {end} s is no span of time")
    return a, b, str(speaker)


def speaker_error(ref: Sequence[Span], hyp: Sequence[Span], duration_s: float) -> float | None:
    """The share of the time both label (10 ms grid, within the episode's duration) that has
    the wrong speaker under the best one-to-one mapping of predicted labels to reference
    speakers; None where none overlap."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    truth, truth_ids = _labelled(ref, duration_s)
    guess, guess_ids = _labelled(hyp, duration_s)
    both = (truth >= 0) & (guess >= 0)
    if not both.any():
        return None
    overlap = np.zeros((len(truth_ids), len(guess_ids)))
    np.add.at(overlap, (truth[both], guess[both]), 1)
    rows, cols = linear_sum_assignment(-overlap)
    return float(1 - overlap[rows, cols].sum() / both.sum())


def _labelled(spans: Sequence[Span], duration_s: float) -> tuple[np.ndarray, list[str]]:
    """A label index every 10 ms of the episode (-1: none)."""
    import numpy as np

    cells = int(duration_s * GRID) + 1
    grid = np.full(cells, -1, dtype=np.int16)
    ids = sorted({who for _, _, who in spans})
    for start, stop, who in spans:
        grid[min(int(start * GRID), cells):min(int(stop * GRID), cells)] = ids.index(who)
    return grid, ids
