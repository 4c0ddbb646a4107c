"""Where chapters start: how many there are, and the best places for them.

The count comes from the evidence: as many chapters as there are clear, well separated peaks
(or the producer's `--chapters N`). The places come from dynamic programming over the gaps:
the starts that maximise the evidence at the chosen gaps minus a prior that wants chapters of
equal length. Where the evidence is weak, the prior wins and the result is an even split moved
to the best nearby gaps (sentence starts, pauses); where it is strong, it wins.
"""

from __future__ import annotations

import numpy as np

PRIOR = 1.0  # weight of ((length - mean length) / mean length)^2 per chapter, in evidence sd
PEAK_CUTOFF_SD = -1.0  # a peak counts when its prominence is above mean + this many sd
MOST_CHAPTERS = 20  # what a listener scans in a podcast app: a long episode's longer chapters


def estimate_count(times: np.ndarray, end: float, evidence: np.ndarray,
                   min_chapter_s: float) -> int:
    """1 + the number of prominent evidence peaks that lie min_chapter_s apart (and from both
    ends), the most prominent first; never more chapters than the duration holds, nor than
    MOST_CHAPTERS."""
    duration = end - times[0]
    most = max(1, min(int(duration // min_chapter_s), MOST_CHAPTERS))
    prominence = peak_prominence(evidence)
    peaks = np.flatnonzero(prominence > 0)
    if most == 1 or len(peaks) == 0:
        return 1
    values = prominence[peaks]
    cutoff = values.mean() + PEAK_CUTOFF_SD * values.std()
    kept: list[float] = [times[0], end]
    for i in sorted(peaks[values >= cutoff], key=lambda i: -prominence[i]):
        if all(abs(times[i] - t) >= min_chapter_s for t in kept):
            kept.append(times[i])
    return min(len(kept) - 1, most)


def peak_prominence(evidence: np.ndarray) -> np.ndarray:
    """How far the curve falls on both sides of each local maximum (0 elsewhere)."""
    n = len(evidence)
    out = np.zeros(n)
    for i in range(1, n):
        higher_neighbour = max(evidence[max(i - 1, 1)], evidence[min(i + 1, n - 1)])
        if higher_neighbour > evidence[i]:
            continue
        left = i
        while left > 1 and evidence[left - 1] <= evidence[left]:
            left -= 1
        right = i
        while right < n - 1 and evidence[right + 1] <= evidence[right]:
            right += 1
        out[i] = (evidence[i] - evidence[left]) + (evidence[i] - evidence[right])
    return out


def best_starts(times: np.ndarray, end: float, evidence: np.ndarray, count: int,
                min_chapter_s: float) -> list[int]:
    """Indices (into `times`, never 0) where chapters 2..count start."""
    if count < 2 or len(times) < 2:
        return []
    count = min(count, len(times))
    starts = _dynamic_programme(times, end, evidence, count, min_chapter_s, PRIOR)
    if starts is None:  # the minimum length cannot be met: equal-ish chapters instead
        starts = _dynamic_programme(times, end, evidence, count, 0.0, PRIOR)
    return starts or []


def _dynamic_programme(times: np.ndarray, end: float, evidence: np.ndarray, count: int,
                       min_chapter_s: float, prior: float) -> list[int] | None:
    n = len(times)
    mean = (end - times[0]) / count
    edges = np.append(times, end)  # edges[n] is the episode's end

    def cost(length: np.ndarray) -> np.ndarray:
        penalty = prior * ((length - mean) / mean) ** 2
        return np.where(length >= min_chapter_s, penalty, np.inf)

    # between[i, j]: the cost of a chapter from edges[i] to edges[j]
    between = cost(edges[None, :] - edges[:, None])
    between[np.tril_indices(n + 1)] = np.inf
    score = evidence[1:] - between[0, 1:n]  # one start chosen, at gap j (index j - 1 here)
    back = []
    for _ in range(count - 2):
        options = score[:, None] - between[1:n, 1:n]  # from the last start i to the next j
        back.append(options.argmax(axis=0))
        score = evidence[1:] + options.max(axis=0)
    final = score - between[1:n, n]
    if not np.isfinite(final.max()):
        return None
    j = int(final.argmax())
    starts = [j]
    for pointers in reversed(back):
        j = int(pointers[j])
        starts.append(j)
    return sorted(s + 1 for s in starts)
