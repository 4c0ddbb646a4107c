"""Search at scale: build an index of 1,000,000 segments and time queries against it.

Segments are synthesised from the dev set's utterances (Dutch with their English translation):
each is one or two utterances picked at random, dealt out over 5,000 fake episodes. Prints the
build rate, the index size against the raw text size, and query latency percentiles over 200
mixed queries, each next to its target.

    python benchmarks/search_scale.py [--segments 1000000] [--episodes 5000] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devdata import NL_DEV_EPISODES, need  # noqa: E402

from pipeline import search
from pipeline.document import Episode, Segment, Source
from pipeline.search import index as searchindex
from pipeline.search import query, textnorm

DATA = NL_DEV_EPISODES
TARGETS = {"p95_ms": 20.0, "size_ratio": 2.5, "build_rate": 20_000}


def utterances(data: Path) -> list[tuple[str, str]]:
    pairs = []
    for path in sorted(data.glob("*.json")):
        for u in json.loads(path.read_text(encoding="utf-8"))["utterances"]:
            if u["nl"].strip():
                pairs.append((u["nl"].strip(), (u.get("en") or "").strip()))
    return pairs


def episodes(pairs, n_segments: int, n_episodes: int, rng: random.Random) -> Iterator[Episode]:
    per = n_segments // n_episodes
    for e in range(n_episodes):
        segments, t = [], 0.0
        for i in range(per):
            picked = rng.sample(pairs, rng.choice((1, 1, 2)))
            nl = " ".join(p[0] for p in picked)
            en = " ".join(p[1] for p in picked)
            segments.append(Segment(f"s{i:05d}", t, t + 4.0, nl, en))
            t += 4.5
        yield Episode(
            slug=f"ep-{e:05d}",
            title=f"Aflevering {e}",
            source=Source(f"ep-{e}.mp3", "0" * 64, t, 16000),
            created=f"2026-{1 + e % 12:02d}-{1 + e % 28:02d}",
            segments=segments,
        )


def mixed_queries(pairs, rng: random.Random, n: int = 200) -> list[str]:
    """Common and rare single words, phrases and prefixes, from both languages."""
    counts = {lang: Counter() for lang in ("nl", "en")}
    for nl, en in pairs:
        counts["nl"].update(w.lower() for w in textnorm.words(nl))
        counts["en"].update(w.lower() for w in textnorm.words(en))
    queries = []
    kinds = ("common", "rare", "phrase", "prefix", "two")
    for i in range(n):
        lang = ("nl", "en")[i % 2]
        ranked = [w for w, _ in counts[lang].most_common() if len(w) > 2]
        kind = kinds[i % len(kinds)]
        if kind == "common":
            queries.append(rng.choice(ranked[:30]))
        elif kind == "rare":
            queries.append(rng.choice([w for w in ranked if counts[lang][w] == 1]))
        elif kind == "prefix":
            queries.append(rng.choice([w for w in ranked if len(w) > 6])[:5] + "*")
        else:
            text = rng.choice(pairs)[0 if lang == "nl" else 1]
            words = textnorm.words(text)
            start = rng.randrange(max(1, len(words) - 2))
            piece = " ".join(words[start : start + (2 if kind == "phrase" else 3)])
            queries.append(f'"{piece}"' if kind == "phrase" else piece)
    return queries


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--episodes", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--keep", type=Path, help="build the index in this folder and keep it")
    args = parser.parse_args()

    rng = random.Random(7)
    pairs = utterances(need(args.data, "*.json"))
    library = args.keep or Path(tempfile.mkdtemp(prefix="search-scale-"))
    library.mkdir(parents=True, exist_ok=True)
    raw = 0
    synthesis = 0.0  # CPU seconds spent making up episodes, not indexing them

    def counted() -> Iterator[Episode]:
        nonlocal raw, synthesis
        made = episodes(pairs, args.segments, args.episodes, rng)
        while True:
            t = time.process_time()
            ep = next(made, None)
            if ep is not None:
                raw += sum(len(s.nl.encode()) + len(s.en.encode()) for s in ep.segments)
            synthesis += time.process_time() - t
            if ep is None:
                return
            yield ep

    started, cpu = time.perf_counter(), time.process_time()
    _, n_segments = searchindex.build(search.index_path(library), counted())
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu - synthesis
    size = search.index_path(library).stat().st_size

    queries = mixed_queries(pairs, rng, args.queries)
    ours = time_queries(queries, lambda q: search.search(library, q))
    baseline = time_queries(queries, partial(fts5_bm25, library))

    target = TARGETS["build_rate"]
    load = os.getloadavg()[0]
    print(f"utterances: {len(pairs)}  segments: {n_segments}  episodes: {args.episodes}")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (wall times suffer with load)")
    for label, seconds in (("wall clock", build_s), ("CPU time", build_cpu)):
        rate = n_segments / seconds
        print(
            f"build, {label}: {seconds:.1f} s = {rate:,.0f} segments/s = {rate / target:.2f}x "
            f"the {target:,}/s target"
        )
    print(f"  (CPU time leaves out {synthesis:.1f} s of synthesising episodes; wall time does not)")
    print(
        f"size: index {size / 1e6:.1f} MB, raw text {raw / 1e6:.1f} MB: {size / raw:.2f}x raw "
        f"(target <= {TARGETS['size_ratio']}x)"
    )
    print(f"queries: {len(queries)}, with hits: {sum(ours.hits)}")
    for name, run in (("reportage search", ours), ("baseline FTS5 bm25()", baseline)):
        for label, values in (("wall", run.wall_ms), ("CPU", run.cpu_ms)):
            p50, p95, p99 = (percentile(values, p) for p in (50, 95, 99))
            print(
                f"{name:22} {label:4} ms: p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f}  "
                f"p95 = {p95 / TARGETS['p95_ms']:.2f}x the {TARGETS['p95_ms']:.0f} ms target"
            )
    speedup = percentile(baseline.wall_ms, 95) / percentile(ours.wall_ms, 95)
    print(f"p95 speed-up over FTS5's bm25(), same queries and index: {speedup:.1f}x")
    slowest = sorted(zip(ours.wall_ms, queries, strict=True), reverse=True)[:5]
    print("slowest:", ", ".join(f"{q} {ms:.0f} ms" for ms, q in slowest))
    if not args.keep:
        shutil.rmtree(library)


@dataclass
class Timings:
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    hits: list[bool] = field(default_factory=list)


def time_queries(queries: list[str], run) -> Timings:
    run(queries[0])  # open the file once: time queries, not the first read from disk
    timings = Timings()
    for q in queries:
        t, c = time.perf_counter(), time.process_time()
        found = run(q)
        timings.wall_ms.append((time.perf_counter() - t) * 1000)
        timings.cpu_ms.append((time.process_time() - c) * 1000)
        timings.hits.append(bool(found))
    return timings


def fts5_bm25(library: Path, text: str) -> list:
    """The plain way: the same FTS5 query ranked by FTS5's bm25(), joined to its segments."""
    with searchindex.reader(library) as db:
        match = query.parse(text).fts("both", cache(partial(search._expand, db)))
        return db.execute(
            "SELECT s.* FROM text JOIN segments s ON s.id = text.rowid WHERE text MATCH ? "
            "ORDER BY bm25(text) LIMIT 20",
            (match,),
        ).fetchall()


if __name__ == "__main__":
    main()
