"""Who speaks when: a speaker label for every transcript segment, and turns inside segments.

Each segment's speech is cut into 1.6 s windows, 0.5 s apart, and each window embedded. The
windows are clustered (Ward linkage on unit vectors, i.e. on cosine distance); the number of
voices is the cut with the best silhouette among those where every voice holds a fair share of
the talk and differs clearly from the others, else one. Each window then takes the nearest
voice: a segment takes its windows' mean's voice, and a run of windows with another voice that
lasts long enough splits it at a word boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform

from pipeline.audio import FRAMES_PER_S, mel_frames
from pipeline.speakers.encoder import WINDOW_FRAMES, embed, normalise_volume, speech_frames

MAX_SPEAKERS = 8
HOP_FRAMES = 50  # between windows inside a segment: 0.5 s of speech, a turn's resolution
MAX_UNITS = 2000  # more windows are subsampled for the clustering (its cost grows with the square)
MIN_ANCHOR_S = 1.0  # shorter segments are too noisy to cluster; they take the nearest voice
MIN_SHARE = 0.05  # a voice must hold this share of the clustered talk time...
MIN_VOICE_S = 5.0  # ...and this much of it: a few seconds give too noisy a centroid
SAME_VOICE = 0.84  # two voices whose centroids are this similar (cosine) are one
MIN_TURN_S = 0.8  # a change of voice inside a segment must last this long


@dataclass(frozen=True)
class Word:
    start: float
    end: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Split:
    segment: int  # index of the segment in the input
    word: int  # index of the first word of the new speaker in that segment
    speaker: str


@dataclass
class SpeakerResult:
    labels: list[str]  # per segment: the speaker of its first word
    splits: list[Split] = field(default_factory=list)  # in time order
    count: int = 0  # speakers in the labels
    note: str = ""


def as_segment(item) -> Segment:
    """A Segment from (start, end[, words]) with words as (start, end) tuples, or from any
    object with .start, .end and .words (whose items have .start and .end)."""
    if isinstance(item, Segment):
        return item
    if isinstance(item, tuple | list):
        start, end, *rest = item
        words = rest[0] if rest else ()
    else:
        start, end, words = item.start, item.end, getattr(item, "words", None) or ()
    return Segment(float(start), float(end), tuple(
        Word(float(w[0]), float(w[1])) if isinstance(w, tuple | list)
        else Word(float(w.start), float(w.end)) for w in words))


def label_speakers(audio: np.ndarray, segments, count: int | None = None,
                   progress: Callable[[float], None] = lambda share: None) -> SpeakerResult:
    """Speaker labels S1, S2, ... (in order of first appearance) for 16 kHz mono `audio` and
    its transcript `segments` (see as_segment); `count` forces the number of speakers;
    `progress` hears the share of the voices embedded, 0 to 1.

    The result holds each segment's label (its first word's speaker), the splits where another
    speaker takes over inside a segment, the number of speakers and, when a count was forced
    and the voices suggest another, a note saying so."""
    if count is not None and count < 1:
        raise ValueError(f"a speaker count must be 1 or more, not {count}")
    segs = [as_segment(s) for s in segments]
    if not segs:
        return SpeakerResult([], note="no segments")
    frames, windows, owner, embeddings = _embed_segments(audio, segs, progress)
    voices = _unit(np.stack([embeddings[owner == i].mean(0) for i in range(len(segs))]))
    speech = np.array([len(f) / FRAMES_PER_S for f in frames])

    # Windows, not segments, are clustered: a segment that holds two voices would average them
    # into a third, and a transcript may have many such segments. A window's talk is its share
    # of its segment's speech; windows of segments under MIN_ANCHOR_S are left out.
    talk = speech[owner] / np.bincount(owner)[owner]
    anchors = speech[owner] >= MIN_ANCHOR_S
    if anchors.sum() < 2:
        anchors[:] = True
    centroids, estimate = _cluster(embeddings[anchors], talk[anchors], count)

    seg_voice = np.argmax(voices @ centroids.T, axis=1)
    window_voice = np.argmax(embeddings @ centroids.T, axis=1)
    runs = [_turns(window_voice[owner == i], windows[i][0], frames[i], segs[i].words,
                   seg_voice[i]) for i in range(len(segs))]

    names: dict[int, str] = {}
    order = sorted(range(len(segs)), key=lambda i: segs[i].start)
    for i in order:
        for _, voice in runs[i]:
            names.setdefault(int(voice), f"S{len(names) + 1}")
    labels = [names[int(runs[i][0][1])] for i in range(len(segs))]
    splits = [Split(i, word, names[int(voice)]) for i in order for word, voice in runs[i][1:]]
    note = ""
    if count and len(names) < count:
        note = f"asked for {_speakers(count)}, found voices for {len(names)}"
    elif count and estimate != count:
        note = f"asked for {_speakers(count)}; the voices alone suggest {estimate}"
    return SpeakerResult(labels, splits, len(names), note)


def _speakers(n: int) -> str:
    return "1 speaker" if n == 1 else f"{n} speakers"


def _embed_segments(audio: np.ndarray, segs: list[Segment], progress: Callable[[float], None]):
    """Each segment's speech frames, its windows (offsets into those frames, frame indices),
    the segment each window belongs to, and the windows' embeddings."""
    mel = mel_frames(audio)
    frames = speech_frames(mel, [_speech_span(s) for s in segs])
    normalise_volume(mel, audio, np.concatenate(frames))
    windows = [_windows(f) for f in frames]
    owner = np.repeat(np.arange(len(segs)), [len(offsets) for offsets, _ in windows])
    embeddings = embed(mel, [w for _, ws in windows for w in ws], done=progress)
    return frames, windows, owner, embeddings


def _speech_span(seg: Segment) -> tuple[float, float]:
    """The words' extent when there are words (segment bounds often hold silence)."""
    if seg.words:
        return min(w.start for w in seg.words), max(w.end for w in seg.words)
    return seg.start, seg.end


def _windows(frames: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """A segment's speech frames cut into 1.6 s windows about HOP_FRAMES apart, the first and
    last flush with its ends (shorter speech is one window); and where each window starts."""
    if len(frames) <= WINDOW_FRAMES:
        return np.zeros(1, dtype=int), [frames]
    n = int(np.ceil((len(frames) - WINDOW_FRAMES) / HOP_FRAMES)) + 1
    offsets = np.linspace(0, len(frames) - WINDOW_FRAMES, n).round().astype(int)
    return offsets, [frames[o:o + WINDOW_FRAMES] for o in offsets]


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def _cluster(x: np.ndarray, weight: np.ndarray, count: int | None) -> tuple[np.ndarray, int]:
    """The voices' centroids among the unit rows of `x` (weighted by talk time), `count` of
    them if given; and the count the voices alone suggest."""
    if len(x) > MAX_UNITS:
        step = -(-len(x) // MAX_UNITS)
        x, weight = x[::step], weight[::step]
    if len(x) == 1:
        return x, 1
    # Ward on unit vectors (squared Euclidean = 2 x cosine distance) cuts into clusters of
    # comparable size; average linkage splits off one odd window first, which then decides.
    tree = linkage(x, "ward")
    distance = squareform(pdist(x, "cosine"))
    estimate, best, best_score = 1, np.zeros(len(x), dtype=int), -np.inf
    for k in range(2, min(MAX_SPEAKERS, len(x)) + 1):
        groups = _refine(x, weight, fcluster(tree, k, "maxclust") - 1)
        if groups.max() + 1 < k:
            continue
        talk = np.bincount(groups, weight)
        centroids = _centroids(x, weight, groups)
        closest = (centroids @ centroids.T - 2 * np.eye(k)).max()
        if talk.min() < max(MIN_VOICE_S, MIN_SHARE * talk.sum()) or closest > SAME_VOICE:
            continue
        score = _silhouette(distance, groups)
        if score > best_score:
            estimate, best, best_score = k, groups, score
    if count:
        best = _refine(x, weight, fcluster(tree, min(count, len(x)), "maxclust") - 1)
    return _centroids(x, weight, best), estimate


def _refine(x: np.ndarray, weight: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """A few rounds of (spherical) k-means from a cut of the tree: a cut can leave some
    windows of one voice with the other, which pulls the two centroids together."""
    for _ in range(10):
        nearest = np.argmax(x @ _centroids(x, weight, groups).T, axis=1)
        if np.array_equal(nearest, groups) or len(np.unique(nearest)) < groups.max() + 1:
            break
        groups = nearest
    return groups


def _centroids(x: np.ndarray, weight: np.ndarray, groups: np.ndarray) -> np.ndarray:
    return _unit(np.stack([weight[groups == g] @ x[groups == g] for g in range(groups.max() + 1)]))


def _silhouette(distance: np.ndarray, groups: np.ndarray) -> float:
    """Mean silhouette; a point alone in its cluster scores 0, as in scikit-learn."""
    k = groups.max() + 1
    sums = np.stack([distance[:, groups == g].sum(1) for g in range(k)], axis=1)
    sizes = np.bincount(groups, minlength=k).astype(float)
    own_size = sizes[groups] - 1
    own = sums[np.arange(len(groups)), groups] / np.maximum(own_size, 1)
    mean_to = sums / sizes
    mean_to[np.arange(len(groups)), groups] = np.inf
    other = mean_to.min(1)
    score = np.where(own_size > 0, (other - own) / np.maximum(np.maximum(own, other), 1e-12), 0)
    return float(score.mean())


def _turns(window_voice: np.ndarray, offsets: np.ndarray, frames: np.ndarray,
           words: tuple[Word, ...], segment_voice: int) -> list[tuple[int, int]]:
    """[(first word, voice), ...] for a segment: one entry unless a change of voice lasting
    MIN_TURN_S of speech shows in its windows and its words allow a split.

    Positions are counted in the segment's speech frames. A window takes the voice that fills
    most of it, so a change lies near the middle of the first window with the new voice. The
    split goes to the word boundary there, or to a pause near it: speakers rarely change
    without one, so a second of pause outweighs a second of distance."""
    if len(words) < 2 or len(offsets) < 2:
        return [(0, segment_voice)]
    voice = window_voice.copy()
    while True:  # brief runs (a back-channel, a window straddling a change) join a neighbour
        starts = np.flatnonzero(np.diff(voice)) + 1  # first window of each new run
        edges = np.concatenate([[0], offsets[starts] + WINDOW_FRAMES // 2, [len(frames)]])
        lengths = np.diff(edges) / FRAMES_PER_S
        i = int(np.argmin(lengths))
        if len(lengths) == 1 or lengths[i] >= MIN_TURN_S:
            break
        bounds = np.concatenate([[0], starts, [len(voice)]])
        j = max((j for j in (i - 1, i + 1) if 0 <= j < len(lengths)), key=lambda j: lengths[j])
        voice[bounds[i]:bounds[i + 1]] = voice[bounds[j]]
    if len(lengths) == 1:
        return [(0, segment_voice)]
    between = np.array([(a.end + b.start) / 2 for a, b in pairwise(words)])
    where = np.searchsorted(frames, between * FRAMES_PER_S)  # in speech frames
    pause = np.array([b.start - a.end for a, b in pairwise(words)])
    result = [(0, int(voice[0]))]
    for k, first in enumerate(starts, start=1):
        score = pause - np.abs(where - edges[k]) / FRAMES_PER_S
        score[(where <= edges[k - 1]) | (where >= edges[k + 1])] = -np.inf  # not past a turn
        gap = int(np.argmax(score))
        if np.isfinite(score[gap]) and gap + 1 > result[-1][0] and voice[first] != result[-1][1]:
            result.append((gap + 1, int(voice[first])))
    return result
