"""Chapter quality and speed on the dev sets (nl-dev and nl-dev-interviews).

    python benchmarks/topics.py [--data DIR] [--sets nl-dev nl-dev-interviews]
                                [--library ROOT] [--embedder auto|e5|lexical|MODEL]
                                [--long-minutes 60]

For each `<episode>.json` of a set (with `utterances` and `topic_boundaries_s`) it makes chapters
from the pipeline's own transcript when ROOT holds one (`ROOT/<set>/<slug>/episode.json`), else
from the reference utterances' text and times, with the sound of `<episode>.mp3`. Scores, on a
1-second grid with k = half the mean reference topic length: Pk and WindowDiff (nltk) of the
automatic chapters, of the same from the text alone (no sound), of `--chapters` set
to the true count, and in the same run of an even split into the automatic count and into the
true count, of no boundaries and of nltk's TextTiling. Titles: the share whose every word was
said (normalised) in the reference Dutch of the chapter's time span, the share of one word, and
duplicates; the share of English titles whose every word (stemmed) is in the reference English
of the span, and how many have none. Then times the topics stage on an episode of LONG_MINUTES
built from the utterances.
Targets (issue 17, each set's mean): automatic below the even split and below no boundaries;
the true count <= 0.8x the even split's Pk; >= 80% of titles said; <= 20% one-word titles.
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
from devdata import DATA, need  # noqa: E402

from pipeline.audio import SAMPLE_RATE, decode  # noqa: E402
from pipeline.chapters.make import make_chapters, spoken_segments  # noqa: E402
from pipeline.chapters.signals import Signals, gap_evidence, sound_vectors  # noqa: E402
from pipeline.document import Chapter, Episode, Segment  # noqa: E402
from pipeline.embeddings import Embedder, load_embedder  # noqa: E402
from pipeline.search.stopwords import DUTCH  # noqa: E402
from pipeline.search.textnorm import fold_text, stem, words  # noqa: E402

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


METHODS = ["auto", "text-only", "true-count", "even-auto", "even-true", "none", "texttiling"]


def evaluate(name: str, files: list[Path], library: Path | None, embedder) -> dict:
    """Scores of every method on one set's episodes, printed per episode; the means returned."""
    totals: dict[str, list[dict]] = {m: [] for m in METHODS}
    titles: list[tuple[bool, int]] = []
    english: list[bool | None] = []  # per title: its English in the reference English, or none
    duplicates = 0
    signal = []
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        segments, origin = episode_segments(path, data, library)
        ref, duration = data["topic_boundaries_s"], data["duration_s"]
        spoken = spoken_segments(segments)
        audio = decode(path.with_suffix(".mp3"))
        sound = sound_vectors(audio, spoken, Signals().sound_range_db)
        evidence = gap_evidence(spoken, embedder, Signals(), sound)[1:]
        signal.append((evidence, boundary_gaps(spoken, ref)))
        auto = make_chapters(segments, embedder=embedder, audio=audio)
        forced = make_chapters(segments, count=len(ref) + 1, embedder=embedder, audio=audio)
        hyps = {
            "auto": [c.start for c in auto[1:]],
            "text-only": [c.start for c in make_chapters(segments, embedder=embedder)[1:]],
            "true-count": [c.start for c in forced[1:]],
            "even-auto": even_starts(spoken, len(auto)),
            "even-true": even_starts(spoken, len(ref) + 1),
            "none": [],
            "texttiling": texttiling_starts(spoken),
        }
        print(f"{name}/{path.stem} ({origin}, {duration:.0f} s, {len(ref)} reference boundaries)")
        for m in METHODS:
            s = scores(ref, hyps[m], duration)
            totals[m].append(s)
            print(f"  {m:11} Pk {s['pk']:.3f}  WD {s['wd']:.3f}  boundaries {s['n']:2}  "
                  f"within {NEAR_S:.0f} s {s['near']}")
        for chapter in auto:
            said = title_said(chapter, data["utterances"])
            titles.append((said, len(chapter.title.split())))
            english.append(english_said(chapter, data["utterances"]))
            print(f"    {chapter.start:6.1f}s {'said ' if said else 'NOT  '}"
                  f"{chapter.title} / {chapter.title_en}")
        duplicates += len(auto) - len({c.title.lower() for c in auto})
    means = {m: {k: statistics.mean(r[k] for r in totals[m]) for k in ("pk", "wd")}
             for m in METHODS}
    print(f"\n{name}: mean over {len(files)} episodes")
    for m in METHODS:
        print(f"  {m:11} Pk {means[m]['pk']:.3f}  WD {means[m]['wd']:.3f}  "
              f"boundaries {sum(r['n'] for r in totals[m])}")
    values, positive = (np.concatenate(x) for x in zip(*signal, strict=True))
    said_share = sum(s for s, _ in titles) / len(titles)
    one_word = sum(n == 1 for _, n in titles) / len(titles)
    print(f"  titles: {said_share:.0%} fully said in the chapter, {one_word:.0%} of one word, "
          f"{duplicates} duplicates ({len(titles)} titles)")
    print(f"  English titles: {english.count(True) / len(english):.0%} with every word in the "
          f"reference English of the chapter (stemmed; a loose reference), "
          f"{english.count(None)} none")
    print(f"  evidence AUC {auc(values, positive):.3f} (boundary gaps against the others; "
          "0.5 = no signal)")
    verdict(means, said_share, one_word, duplicates)
    return means


def verdict(means: dict, said: float, one_word: float, duplicates: int) -> None:
    checks = {
        "auto < even split (same count)": means["auto"]["pk"] < means["even-auto"]["pk"],
        "auto < no boundaries": means["auto"]["pk"] < means["none"]["pk"],
        "true count <= 0.8x even split": means["true-count"]["pk"]
        <= 0.8 * means["even-true"]["pk"],
        ">= 80% titles said": said >= 0.8,
        "<= 20% one-word titles": one_word <= 0.2,
        "no duplicate titles": duplicates == 0,
    }
    ratio = means["true-count"]["pk"] / means["even-true"]["pk"]
    print(f"  true count / even split Pk ratio {ratio:.2f}")
    for check, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'} {check}")


def title_said(chapter: Chapter, utterances: list[dict]) -> bool:
    """Every word of the Dutch title occurs in the reference Dutch spoken in the chapter; a
    Dutch compound written apart on either side counts as said ("Linux gebruikers" for
    "Linuxgebruikers", "hetzelfde" for "het zelfde")."""
    said: set[str] = set()
    for u in utterances:
        if u["end"] > chapter.start and u["start"] < chapter.end:
            spoken = _words(u["nl"])
            said |= set(spoken) | {a + b for a, b in zip(spoken, spoken[1:], strict=False)}
    words = _words(chapter.title)
    if not words:
        return False
    for i in range(len(words)):
        joined = [words[i]] + ["".join(words[j:i + 1]) for j in range(i)]  # with those before
        joined += ["".join(words[i:j]) for j in range(i + 2, len(words) + 1)]  # and after
        if not any(w in said for w in joined):
            return False
    return True


def english_said(chapter: Chapter, utterances: list[dict]) -> bool | None:
    """Whether every word of the English title occurs (stemmed) in the reference English spoken
    in the chapter; None without an English title."""
    if not chapter.title_en:
        return None
    said = {stem(w, "en") for u in utterances if u["end"] > chapter.start
            and u["start"] < chapter.end for w in _words(u.get("en") or "")}
    return all(stem(w, "en") in said for w in _words(chapter.title_en))


def _words(text: str) -> list[str]:
    return words(fold_text(text))


def long_episode(files: list[Path], minutes: float) -> tuple[list[Segment], np.ndarray]:
    """The dev utterances and their audio end to end, repeated until the episode lasts
    `minutes`."""
    segments: list[Segment] = []
    sounds = {path: decode(path.with_suffix(".mp3")) for path in files}
    played: list[np.ndarray] = []
    offset = 0.0
    while offset < minutes * 60:
        for path in files:
            data = json.loads(path.read_text(encoding="utf-8"))
            played.append(np.resize(sounds[path], int(data["duration_s"] * SAMPLE_RATE)))
            for u in data["utterances"]:
                if offset + u["end"] > minutes * 60:
                    return segments, np.concatenate(played)
                segments.append(Segment(id=f"u{len(segments):05d}", start=offset + u["start"],
                                        end=offset + u["end"], nl=u["nl"], en=u.get("en")))
            offset += data["duration_s"]
    return segments, np.concatenate(played)


def time_long(files: list[Path], minutes: float, spec: str | None) -> None:
    segments, audio = long_episode(files, minutes)
    embedder = load_embedder(spec)  # fresh: no cache, model load included
    began = time.perf_counter()
    chapters = make_chapters(segments, embedder=embedder, audio=audio)
    took = time.perf_counter() - began
    print(f"\n{minutes:.0f}-minute episode, {len(segments)} segments, {embedder.name}: "
          f"{len(chapters)} chapters in {took:.1f} s ({minutes * 60 / took:.0f}x real time)")
    began = time.perf_counter()
    sound_vectors(audio, spoken_segments(segments), Signals().sound_range_db)
    print(f"  the sound signal alone, timed again: {time.perf_counter() - began:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sets", nargs="+", default=["nl-dev", "nl-dev-interviews"])
    parser.add_argument("--library", type=Path, help="ROOT/<set>/<slug>: processed episodes")
    parser.add_argument("--embedder", default=None, help="auto, e5, lexical or a model")
    parser.add_argument("--long-minutes", type=float, default=60.0, help="0 skips timing")
    args = parser.parse_args()
    embedder = CachedEmbedder(load_embedder(args.embedder))
    print(f"embedder {embedder.name}; data {args.data}")
    files = []
    for name in args.sets:
        folder = need(args.data / name / "episodes", "*.json")
        files += sorted(folder.glob("*.json"))
        evaluate(name, sorted(folder.glob("*.json")),
                 args.library / name if args.library else None, embedder)
    if args.long_minutes:
        time_long(files, args.long_minutes, args.embedder)


if __name__ == "__main__":
    main()
