"""Topic segmentation: split an episode's segments into chapters at topic shifts.

TextTiling with embeddings: every gap between two segments gets the cosine similarity of the
text in a window of time before it and a window after it; a gap in a valley of that curve gets a
depth score (how far the curve climbs on both sides). The deepest valleys become chapter starts,
as many as stand out from the depth-score distribution and fit the minimum chapter length, each
moved to the longest pause close by.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.chapters.titles import titles_and_keywords
from pipeline.document import Chapter, Segment
from pipeline.embeddings import Embedder, load_embedder
from pipeline.errors import ReportageError

MIN_CHAPTER_S = 45.0
TEXT_INPUTS = ("nl", "en", "both")
PAUSE_GAIN_S = 0.1  # a boundary moves only for a clearly longer pause


@dataclass(frozen=True)
class Tiling:
    """Settings of the similarity curve and the boundary choice (defaults tuned on nl-dev)."""

    window_s: float = 30.0  # text on each side of a gap that is compared
    smoothing: int = 0  # gaps on each side averaged into the curve
    cutoff_sd: float = -0.5  # boundaries are valleys deeper than mean + cutoff_sd * sd
    snap_s: float = 5.0  # how far a boundary may move to reach a longer pause
    snap_depth: float = 0.3  # ...to a gap at most this share of the valley's depth higher
    center: bool = True  # subtract the episode's mean vector: what all segments share


def make_chapters(
    segments: list[Segment],
    *,
    count: int | None = None,
    min_chapter_s: float = MIN_CHAPTER_S,
    embedder: Embedder | None = None,
    text: str = "nl",
    tiling: Tiling = Tiling(),
) -> list[Chapter]:
    """Chapters over the segments that hold speech; `count` forces the number of chapters."""
    if count is not None and count < 1:
        raise ReportageError(f"chapter count must be at least 1, not {count}")
    if text not in TEXT_INPUTS:
        raise ReportageError(f"topic text must be one of {', '.join(TEXT_INPUTS)}, not {text!r}")
    spoken = [s for s in segments if s.nl.strip()]
    if not spoken:
        return []
    starts = find_chapter_starts(
        spoken, count, min_chapter_s, embedder or load_embedder(), text, tiling
    )
    return build_chapters(spoken, starts)


def find_chapter_starts(
    spoken: list[Segment],
    count: int | None,
    min_chapter_s: float,
    embedder: Embedder,
    text: str,
    tiling: Tiling,
) -> list[int]:
    """Indices into `spoken` where chapters after the first begin, in order."""
    duration = spoken[-1].end - spoken[0].start
    wanted = min(count, len(spoken)) if count else None
    if len(spoken) < 2 or wanted == 1 or (wanted is None and duration < 2 * min_chapter_s):
        return []
    sim = similarity_curve(spoken, embedder, text, tiling)
    depth = depth_scores(sim)
    if wanted:
        min_chapter_s = min(min_chapter_s, duration / (2 * wanted))
    return choose_starts(spoken, sim, depth, wanted, min_chapter_s, tiling)


def similarity_curve(
    spoken: list[Segment], embedder: Embedder, text: str, tiling: Tiling
) -> np.ndarray:
    """sim[i]: how alike the text before and after the gap in front of segment i is."""
    vectors = segment_vectors(spoken, embedder, text)
    if tiling.center:
        vectors = vectors - vectors.mean(axis=0)
    return gap_similarity(vectors, np.array([s.start for s in spoken]), tiling)


def segment_vectors(spoken: list[Segment], embedder: Embedder, text: str) -> np.ndarray:
    """One row per segment; "both" puts the Dutch and English vectors side by side."""
    parts = []
    if text in ("nl", "both"):
        parts.append(_unit_rows(embedder.embed([s.nl for s in spoken], "nl")))
    if text in ("en", "both"):
        english = [s.en if s.en and s.en.strip() else s.nl for s in spoken]
        parts.append(_unit_rows(embedder.embed(english, "en")))
    return np.hstack(parts)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    # Equal weight for each language when both are used; empty bags stay zero.
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def gap_similarity(vectors: np.ndarray, times: np.ndarray, tiling: Tiling) -> np.ndarray:
    """sim[i]: cosine between the windows before and after the gap in front of segment i
    (sim[0] is unused and set to 1)."""
    n = len(vectors)
    cumulative = np.vstack([np.zeros((1, vectors.shape[1])), np.cumsum(vectors, axis=0)])
    sim = np.ones(n)
    for i in range(1, n):
        lo = min(int(np.searchsorted(times, times[i] - tiling.window_s)), i - 1)
        hi = max(int(np.searchsorted(times, times[i] + tiling.window_s)), i + 1)
        sim[i] = _cosine(cumulative[i] - cumulative[lo], cumulative[hi] - cumulative[i])
    if tiling.smoothing and n > 2:
        sim[1:] = _moving_average(sim[1:], tiling.smoothing)
    return sim


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norm) if norm > 0 else 0.0


def _moving_average(values: np.ndarray, half: int) -> np.ndarray:
    padded = np.pad(values, half, mode="edge")
    kernel = np.ones(2 * half + 1) / (2 * half + 1)
    return np.convolve(padded, kernel, mode="valid")


def depth_scores(sim: np.ndarray) -> np.ndarray:
    """How far the curve rises on both sides of each gap (0 where the gap is no valley)."""
    n = len(sim)
    depth = np.zeros(n)
    for i in range(1, n):
        if (i > 1 and sim[i - 1] < sim[i]) or (i < n - 1 and sim[i + 1] < sim[i]):
            continue
        left = i
        while left > 1 and sim[left - 1] >= sim[left]:
            left -= 1
        right = i
        while right < n - 1 and sim[right + 1] >= sim[right]:
            right += 1
        depth[i] = (sim[left] - sim[i]) + (sim[right] - sim[i])
    return depth


def choose_starts(
    spoken: list[Segment],
    sim: np.ndarray,
    depth: np.ndarray,
    wanted: int | None,
    min_chapter_s: float,
    tiling: Tiling,
) -> list[int]:
    """Deepest valleys first, each snapped to a pause, kept if every chapter stays long enough.

    Without a wanted count, only valleys deeper than the cutoff count, and no more chapters
    than the duration allows."""
    valleys = np.flatnonzero(depth > 0)
    if wanted is None:
        if len(valleys) == 0:
            return []
        cutoff = depth[valleys].mean() + tiling.cutoff_sd * depth[valleys].std()
        candidates = [i for i in valleys if depth[i] > cutoff]
        limit = len(spoken)
    else:
        candidates = list(range(1, len(spoken)))
        limit = wanted
    candidates.sort(key=lambda i: (-depth[i], sim[i]))
    first, last = spoken[0].start, spoken[-1].end
    chosen: list[int] = []
    for i in candidates:
        if len(chosen) + 1 >= limit:
            break
        j = snap_to_pause(spoken, sim, depth[i], i, tiling)
        edges = sorted([first, last] + [spoken[k].start for k in chosen])
        at = spoken[j].start
        if j not in chosen and all(abs(at - e) >= min_chapter_s for e in edges):
            chosen.append(j)
    return sorted(chosen)


def snap_to_pause(
    spoken: list[Segment], sim: np.ndarray, depth: float, i: int, tiling: Tiling
) -> int:
    """The gap near gap i (in time and in similarity) with the longest pause before it."""
    best, best_pause = i, _pause(spoken, i)
    ceiling = sim[i] + tiling.snap_depth * depth
    for j in range(1, len(spoken)):
        near = abs(spoken[j].start - spoken[i].start) <= tiling.snap_s
        if near and sim[j] <= ceiling and _pause(spoken, j) > best_pause + PAUSE_GAIN_S:
            best, best_pause = j, _pause(spoken, j)
    return best


def _pause(spoken: list[Segment], i: int) -> float:
    return spoken[i].start - spoken[i - 1].end


def build_chapters(spoken: list[Segment], starts: list[int]) -> list[Chapter]:
    """Chapters from start indices; the first begins at 0 s so the chapters cover the audio."""
    bounds = [0, *starts, len(spoken)]
    groups = [spoken[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    nl = titles_and_keywords([_joined(g, "nl") for g in groups], "nl")
    has_en = any(s.en and s.en.strip() for s in spoken)
    en = titles_and_keywords([_joined(g, "en") for g in groups], "en") if has_en else None
    chapters = []
    for n, group in enumerate(groups):
        start = 0.0 if n == 0 else group[0].start
        end = groups[n + 1][0].start if n + 1 < len(groups) else group[-1].end
        chapters.append(
            Chapter(
                id=f"c{round(start * 100):07d}",
                start=start,
                end=end,
                title=nl[n][0],
                title_en=(en[n][0] or None) if en else None,
                keywords=nl[n][1],
                keywords_en=en[n][1] if en else [],
                segment_ids=[s.id for s in group],
            )
        )
    return chapters


def _joined(group: list[Segment], language: str) -> str:
    texts = (s.nl if language == "nl" else s.en for s in group)
    return " ".join(t.strip() for t in texts if t and t.strip())
