"""Topic segmentation quality and speed on the nl-dev episodes.

    python benchmarks/topics.py [--data DIR] [--library transcripts] [--text nl en both]
                                [--embedder auto|e5|lexical|MODEL] [--long-minutes 60]

For each `<episode>.json` in DATA (with `utterances` and `topic_boundaries_s`) it segments the
pipeline's own transcript when LIBRARY holds one (`<library>/<slug>/episode.json`, slug = file
stem), else the reference utterances' Dutch/English text and times. Scores, on a 1-second grid
with k = half the mean reference topic length: Pk and WindowDiff (nltk), and how many chapter
starts fall within 10 s of a reference boundary. Baselines in the same run: nltk's
TextTilingTokenizer on the same text, an even split into the reference count, no boundaries.
Then times the topics stage on an episode of LONG_MINUTES built from the dev utterances.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from nltk.metrics.segmentation import pk, windowdiff
from nltk.tokenize.texttiling import TextTilingTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devdata import NL_DEV_EPISODES, need  # noqa: E402

from pipeline.chapters.tiling import Tiling, make_chapters, similarity_curve  # noqa: E402
from pipeline.document import Episode, Segment  # noqa: E402
from pipeline.embeddings import Embedder, load_embedder  # noqa: E402
from pipeline.search.stopwords import DUTCH  # noqa: E402

NEAR_S = 10.0
GAP_SLACK_S = 1.5  # a reference boundary this close to a gap between segments marks that gap


class CachedEmbedder:
    """Embeds each (text, language) once, so comparing inputs and methods stays cheap."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.cache = inner, inner.name, {}

    def embed(self, texts: list[str], language: str) -> np.ndarray:
        if self.inner.name == "lexical":  # its columns depend on the whole batch
            return self.inner.embed(texts, language)
        todo = [t for t in dict.fromkeys(texts) if (t, language) not in self.cache]
        if todo:
            for t, row in zip(todo, self.inner.embed(todo, language), strict=True):
                self.cache[t, language] = row
        return np.array([self.cache[t, language] for t in texts])


def reference_segments(data: dict) -> list[Segment]:
    return [
        Segment(id=f"u{i:04d}", start=u["start"], end=u["end"], nl=u["nl"], en=u.get("en"))
        for i, u in enumerate(data["utterances"])
    ]


def episode_segments(path: Path, data: dict, library: Path | None) -> tuple[list[Segment], str]:
    if library and (library / path.stem / "episode.json").exists():
        return Episode.load(library / path.stem).segments, "pipeline"
    return reference_segments(data), "reference"


def grid(boundaries: list[float], duration: float) -> str:
    cells = ["0"] * math.ceil(duration)
    for b in boundaries:
        cells[min(int(b), len(cells) - 1)] = "1"
    return "".join(cells)


def scores(ref: list[float], hyp: list[float], duration: float) -> dict:
    k = max(1, round(duration / (len(ref) + 1) / 2))
    r, h = grid(ref, duration), grid(hyp, duration)
    near = sum(any(abs(b - x) <= NEAR_S for x in ref) for b in hyp)
    return {
        "pk": pk(r, h, k=k, boundary="1"),
        "wd": windowdiff(r, h, k, boundary="1"),
        "n": len(hyp),
        "near": near,
    }


def texttiling_starts(segments: list[Segment]) -> list[float]:
    text = "\n\n".join(s.nl.strip() for s in segments)
    try:
        pieces = TextTilingTokenizer(stopwords=list(DUTCH)).tokenize(text)
    except ValueError:  # too little text to tile
        return []
    starts, offset = [], 0
    for piece in pieces[:-1]:
        offset += len(piece)
        starts.append(segments[text[:offset].count("\n\n")].start)
    return sorted(set(starts) - {segments[0].start})


def even_starts(segments: list[Segment], count: int) -> list[float]:
    first, last = segments[0].start, segments[-1].end
    step = (last - first) / count
    return [first + step * i for i in range(1, count)]


def gap_dissimilarity(segments: list[Segment], embedder, text: str) -> np.ndarray:
    """The topics stage's curve, negated: one value per gap, higher = more of a topic shift."""
    return -similarity_curve(segments, embedder, text, Tiling())[1:]


def boundary_gaps(segments: list[Segment], ref: list[float]) -> np.ndarray:
    return np.array([
        any(a.end - GAP_SLACK_S <= b <= z.start + GAP_SLACK_S for b in ref)
        for a, z in zip(segments, segments[1:], strict=False)
    ])


def auc(values: np.ndarray, positive: np.ndarray) -> float:
    """Chance that a boundary gap scores above another gap (ties half): 0.5 is no signal."""
    pos, neg = values[positive], values[~positive]
    above = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(above / (len(pos) * len(neg)))


def evaluate(files: list[Path], library: Path | None, embedder, inputs: list[str]) -> None:
    methods = [f"reportage-{t}" for t in inputs] + ["texttiling", "even", "none"]
    totals: dict[str, list[dict]] = {m: [] for m in methods}
    signal: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {t: [] for t in inputs}
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        segments, origin = episode_segments(path, data, library)
        ref, duration = data["topic_boundaries_s"], data["duration_s"]
        spoken = [s for s in segments if s.nl.strip()]
        hyps = {}
        for t in inputs:
            signal[t].append((gap_dissimilarity(spoken, embedder, t), boundary_gaps(spoken, ref)))
            chapters = make_chapters(segments, embedder=embedder, text=t)
            hyps[f"reportage-{t}"] = [c.start for c in chapters[1:]]
        hyps["texttiling"] = texttiling_starts(segments)
        hyps["even"] = even_starts(segments, len(ref) + 1)
        hyps["none"] = []
        print(f"{path.stem} ({origin}, {duration:.0f} s, {len(ref)} reference boundaries)")
        for m in methods:
            s = scores(ref, hyps[m], duration)
            totals[m].append(s)
            print(f"  {m:14} Pk {s['pk']:.3f}  WD {s['wd']:.3f}  "
                  f"boundaries {s['n']:2}  within {NEAR_S:.0f} s {s['near']}")
    n_ref = sum(len(json.loads(p.read_text())["topic_boundaries_s"]) for p in files)
    print(f"\nmean over {len(files)} episodes ({n_ref} reference boundaries)")
    for m in methods:
        rows = totals[m]
        hyp = sum(r["n"] for r in rows)
        near = sum(r["near"] for r in rows)
        print(f"  {m:14} Pk {statistics.mean(r['pk'] for r in rows):.3f}  "
              f"WD {statistics.mean(r['wd'] for r in rows):.3f}  "
              f"boundaries {hyp:3}  within {NEAR_S:.0f} s {near} ({near / max(hyp, 1):.0%})")
    print("\nsignal: AUC of the similarity curve, reference-boundary gaps against the other gaps "
          "(0.5 = none, 1 = every boundary gap is the least similar)")
    for t, pairs in signal.items():
        values, positive = (np.concatenate(x) for x in zip(*pairs, strict=True))
        print(f"  reportage-{t:5} AUC {auc(values, positive):.3f}  "
              f"({positive.sum()} boundary gaps of {len(positive)})")


def long_episode(files: list[Path], minutes: float) -> list[Segment]:
    """The dev utterances end to end, repeated until the episode lasts `minutes`."""
    segments: list[Segment] = []
    offset = 0.0
    while offset < minutes * 60:
        for path in files:
            data = json.loads(path.read_text(encoding="utf-8"))
            for u in data["utterances"]:
                if offset + u["end"] > minutes * 60:
                    return segments
                segments.append(Segment(id=f"u{len(segments):05d}", start=offset + u["start"],
                                        end=offset + u["end"], nl=u["nl"], en=u.get("en")))
            offset += data["duration_s"]
    return segments


def time_long(files: list[Path], minutes: float, spec: str | None) -> None:
    segments = long_episode(files, minutes)
    for t in ("nl", "both"):
        embedder = load_embedder(spec)  # fresh: no cache, model load included
        began = time.perf_counter()
        chapters = make_chapters(segments, embedder=embedder, text=t)
        took = time.perf_counter() - began
        print(f"{minutes:.0f}-minute episode, {len(segments)} segments, input {t}, "
              f"{embedder.name}: {len(chapters)} chapters in {took:.1f} s "
              f"({minutes * 60 / took:.0f}x real time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--library", type=Path, help="folder of processed episodes")
    parser.add_argument("--text", nargs="+", default=["nl", "en", "both"])
    parser.add_argument("--embedder", default=None, help="auto, e5, lexical or a model")
    parser.add_argument("--long-minutes", type=float, default=60.0, help="0 skips timing")
    args = parser.parse_args()
    data = need(args.data or NL_DEV_EPISODES, "*.json")
    files = sorted(data.glob("*.json"))
    embedder = CachedEmbedder(load_embedder(args.embedder))
    print(f"embedder {embedder.name}; data {data}")
    evaluate(files, args.library, embedder, args.text)
    if args.long_minutes:
        time_long(files, args.long_minutes, args.embedder)


if __name__ == "__main__":
    main()
