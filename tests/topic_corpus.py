"""Multi-topic Dutch texts built from the topic blocks in tests/data/topic_blocks.txt."""

from __future__ import annotations

import random
from pathlib import Path

from nltk.metrics.segmentation import pk

from pipeline.document import Segment

BLOCKS_FILE = Path(__file__).parent / "data" / "topic_blocks.txt"
SENTENCE_S = 11.0  # synthetic time a sentence takes, so a 4-sentence topic outlasts 45 s


def topic_blocks() -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {}
    name = None
    for line in BLOCKS_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
            blocks[name] = []
        elif line.strip() and not line.startswith("#") and name:
            blocks[name].append(line.strip())
    return blocks


def multi_topic_texts(n: int) -> list[list[list[str]]]:
    """`n` texts, each 4-6 distinct topics of 4-6 sentences (deterministic)."""
    blocks = topic_blocks()
    names = sorted(blocks)
    texts = []
    for i in range(n):
        rng = random.Random(i)
        chosen = rng.sample(names, rng.randint(4, 6))
        texts.append([blocks[name][: rng.randint(4, len(blocks[name]))] for name in chosen])
    return texts


def timed_segments(topics: list[list[str]], seed: int = 0) -> list[Segment]:
    """One segment a sentence, with pauses of 0.3-1.5 s drawn at random (not at topic shifts)."""
    rng = random.Random(seed)
    segments, t = [], 0.0
    for sentence in (s for topic in topics for s in topic):
        segments.append(Segment(id=f"s{len(segments):04d}", start=t, end=t + SENTENCE_S,
                                nl=sentence))
        t += SENTENCE_S + rng.uniform(0.3, 1.5)
    return segments


def sentence_pk(topics: list[list[str]], starts: list[int]) -> float:
    """Pk over sentences, k = half the mean reference topic length (in sentences)."""
    n = sum(len(t) for t in topics)
    ref = ["0"] * n
    at = 0
    for topic in topics[:-1]:
        at += len(topic)
        ref[at] = "1"
    hyp = ["0"] * n
    for i in starts:
        hyp[i] = "1"
    k = max(1, round(n / len(topics) / 2))
    return pk("".join(ref), "".join(hyp), k=k, boundary="1")


def mean_pk(n_texts: int, embedder) -> tuple[float, list[float]]:
    """Segment n generated multi-topic texts from their text alone; the mean Pk and each Pk."""
    from pipeline.chapters.make import MIN_CHAPTER_S, find_starts
    from pipeline.chapters.signals import Signals

    pks = []
    for seed, topics in enumerate(multi_topic_texts(n_texts)):
        segments = timed_segments(topics, seed)
        starts = find_starts(segments, None, MIN_CHAPTER_S, embedder, Signals())
        pks.append(sentence_pk(topics, starts))
    return sum(pks) / len(pks), pks
