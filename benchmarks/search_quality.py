"""Search quality and cost, per mode: does a listener find the moment, in Dutch or in English?

Takes libraries of the dev episodes processed with the defaults (`reportage process` on
../shared/data/nl-dev/episodes/*.mp3 and nl-dev-interviews/episodes/*.mp3, so slugs are the file
names) and the reference `.json` files under --data. For 10 reference utterances per episode,
the query is the two rarest content words of the reference Dutch, and separately of the reference
English (rarest over every reference utterance; stop words and words under four letters left
out): what a listener remembers, not what the recogniser wrote. Found = one of the top 5 hits in
the right episode, within 5 s of the utterance. Reports:

- recall@5 per mode (exact, semantic, hybrid) and query language, and for hybrid with each kind
  of vector left out, without the alike words (both kinds) and without the sound-alikes alone
  (they pay for themselves; vectors of the English did not: dropped), and without FreeDict's
  Dutch for English words;
- indexing time per episode, words and vectors apart, against the episode's processing time;
- index size per hour of audio;
- query latency p50/p95 per mode on a synthetic library of --segments segments (dev utterances
  dealt out as in search_scale.py); its passage vectors are random unit vectors (embedding
  300,000 passages would take hours; a scan costs the same whatever the numbers), its word
  vectors and queries are encoded by the real e5 model, as in a real search, and made-up words
  with random vectors bring its vocabulary to --words words, as large as a real library's.

The libraries are only read: each is indexed afresh into a temporary folder, once with its vectors
and once without (the difference is the vectors' indexing time). The load average is printed
with the numbers: the cores may be shared.

    python benchmarks/search_quality.py --library LIB [--library LIB2] [--data DIR]
        [--segments 100000] [--words 50000] [--per-episode 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from devdata import DATA, need  # noqa: E402
from search_scale import episodes as synthetic_episodes  # noqa: E402
from search_scale import mixed_queries, percentile, utterances  # noqa: E402

from pipeline import embeddings, search  # noqa: E402
from pipeline.chapters.make import spoken_segments  # noqa: E402
from pipeline.chapters.signals import text_vectors  # noqa: E402
from pipeline.document import FILENAME, Episode  # noqa: E402
from pipeline.errors import ReportageError  # noqa: E402
from pipeline.library import slugify  # noqa: E402
from pipeline.search import index as searchindex  # noqa: E402
from pipeline.search import textnorm, vectors  # noqa: E402
from pipeline.search.stopwords import STOP_WORDS  # noqa: E402

SETS = ("nl-dev", "nl-dev-interviews")
TOP = 5
TOLERANCE_S = 5.0
MODES = ("exact", "semantic", "hybrid")


@dataclass
class Probe:
    slug: str
    start: float
    end: float
    queries: dict[str, str]  # language -> two rare words


def references(data: Path) -> dict[str, list[dict]]:
    found = {}
    for name in SETS:
        folder = need(data / name / "episodes", "*.json")
        for path in sorted(folder.glob("*.json")):
            found[slugify(path.stem)] = json.loads(path.read_text(encoding="utf-8"))["utterances"]
    return found


def content_words(text: str, lang: str) -> list[str]:
    words = [textnorm.fold(w) for w in textnorm.words(text or "")]
    return [w for w in dict.fromkeys(words) if len(w) >= 4 and w not in STOP_WORDS[lang]]


def probes(refs: dict[str, list[dict]], slugs: list[str], per: int, rng: random.Random
           ) -> list[Probe]:
    df = {lang: Counter() for lang in ("nl", "en")}
    for utts in refs.values():
        for u in utts:
            for lang in df:
                df[lang].update(content_words(u.get(lang), lang))
    picked = []
    for slug in slugs:
        usable = [u for u in refs[slug]
                  if all(len(content_words(u.get(g), g)) >= 2 for g in ("nl", "en"))]
        for u in rng.sample(usable, min(per, len(usable))):
            queries = {}
            for lang in ("nl", "en"):
                words = sorted(content_words(u[lang], lang), key=lambda w: (df[lang][w], w))
                queries[lang] = " ".join(words[:2])
            picked.append(Probe(slug, u["start"], u["end"], queries))
    return picked


def found(library: Path, probe: Probe, lang: str, mode: str) -> bool:
    try:
        hits = search.search(library, probe.queries[lang], limit=TOP, mode=mode)
    except ReportageError:
        return False
    return any(h.episode == probe.slug
               and max(0.0, h.start - probe.end, probe.start - h.end) <= TOLERANCE_S
               for h in hits)


def recall(libraries: list[Path], picked: dict[Path, list[Probe]], lang: str, mode: str) -> float:
    hits = sum(found(lib, p, lang, mode) for lib in libraries for p in picked[lib])
    return hits / max(1, sum(len(p) for p in picked.values()))


def copy_with_vectors(library: Path, into: Path) -> tuple[float, int]:
    """A fresh index of the library's documents, every vector embedded (passages and words):
    (seconds, passages embedded)."""
    into.mkdir(parents=True)
    counted = [0]

    def embed(texts: list[str]) -> np.ndarray:
        counted[0] += len(texts)
        return vectors.embed_passages(texts)

    embeddings.forget_passages()  # a rebuild: none embedded before
    started = time.perf_counter()
    searchindex.build(search.index_path(into), documents(library), embed=embed)
    return time.perf_counter() - started, counted[0]


def run_index_s(library: Path, into: Path) -> float:
    """Seconds indexing the library's documents takes in the runs that process them, each
    episode in turn after its chapters stage embedded its Dutch lines (`process` keeps those
    vectors for the index: embeddings.KEPT_PASSAGES)."""
    into.mkdir()
    seconds = 0.0
    for episode in documents(library):
        embeddings.forget_passages()  # none from the episode before
        text_vectors(spoken_segments(episode.segments), embeddings.E5Embedder())
        started = time.perf_counter()
        search.index_episode(into, episode)
        seconds += time.perf_counter() - started
    return seconds


def documents(library: Path) -> list[Episode]:
    return [Episode.load(p.parent) for p in sorted(library.glob(f"*/{FILENAME}"))]


def processing_s(episode: Episode) -> float:
    """The wall time the pipeline's stages took on this episode."""
    from datetime import datetime

    total = 0.0
    for step in episode.provenance.values():
        if step.get("started") and step.get("finished"):
            total += (datetime.fromisoformat(step["finished"])
                      - datetime.fromisoformat(step["started"])).total_seconds()
    return total


def word_index_s(library: Path, into: Path) -> float:
    """Seconds to index the library's documents into words only (vectors made instantly)."""
    def zeros(texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), vectors.DIM), np.float32)

    into.mkdir()
    started = time.perf_counter()
    real, vectors.embed_words = vectors.embed_words, zeros  # the word vectors too
    try:
        searchindex.build(search.index_path(into), documents(library), embed=zeros)
    finally:
        vectors.embed_words = real
    return time.perf_counter() - started


_RANDOM = np.random.default_rng(7)


def random_unit(texts: list[str]) -> np.ndarray:
    m = _RANDOM.standard_normal((len(texts), vectors.DIM)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)



def latency(data: Path, n_segments: int, n_words: int, n_queries: int, work: Path
            ) -> dict[str, list[float]]:
    rng = random.Random(7)
    pairs = [p for name in SETS for p in utterances(data / name / "episodes")]
    library = work / "synthetic"
    library.mkdir()
    started = time.perf_counter()
    searchindex.build(search.index_path(library),
                      synthetic_episodes(pairs, n_segments, max(1, n_segments // 200), rng),
                      embed=random_unit)
    words = add_words(library, n_words, rng)
    print(f"synthetic library: {n_segments:,} segments and {words:,} distinct Dutch words built "
          f"in {time.perf_counter() - started:.0f} s (random passage vectors), index "
          f"{search.index_path(library).stat().st_size / 1e6:.0f} MB")
    queries = mixed_queries(pairs, rng, n_queries)
    timings = {mode: query_ms(library, queries, mode) for mode in MODES}
    with_alike, search.ALIKE_WORDS = search.ALIKE_WORDS, 0
    timings["hybrid without alike words"] = query_ms(library, queries, "hybrid")
    search.ALIKE_WORDS = with_alike
    return timings


def add_words(library: Path, n_words: int, rng: random.Random) -> int:
    """Made-up Dutch-looking words (the start of one real word, the end of another) with
    random vectors, up to `n_words` words in all: the dev utterances hold ~1,000 distinct words, a
    library of this size tens of thousands, and the look-alike scans go over every one of them.
    No line says them, so they change no hit, only what a search costs. The number held."""
    db = sqlite3.connect(search.index_path(library))
    real = [w for (w,) in db.execute("SELECT term FROM word_vectors")]
    made = set(real)
    while real and len(made) < n_words:
        a, b = rng.choice(real), rng.choice(real)
        made.add(a[: rng.randint(2, len(a))] + b[rng.randint(1, len(b) - 1):])
    new = sorted(made - set(real))
    vectors_ = random_unit(new).astype(np.float16)
    with db:
        db.executemany("INSERT INTO word_vectors VALUES (?, ?)",
                       ((w, v.tobytes()) for w, v in zip(new, vectors_, strict=True)))
    held = db.execute("SELECT count(*) FROM word_vectors").fetchone()[0]
    db.close()
    return held


def query_ms(library: Path, queries: list[str], mode: str) -> list[float]:
    search.search(library, "eerste zoekvraag", mode=mode)  # load the model and the vectors
    wall = []
    for q in queries:
        t = time.perf_counter()
        with suppress(ReportageError):  # a query of stop words only, say
            search.search(library, q, mode=mode)
        wall.append((time.perf_counter() - t) * 1000)
    return wall


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, action="append", required=True,
                        help="a library of processed dev episodes (repeatable)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--per-episode", type=int, default=10)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=50_000,
                        help="distinct Dutch words of the synthetic library (made up past ~1,000)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"start: {load()}")
    refs = references(args.data)
    work = Path(tempfile.mkdtemp(prefix="search-quality-"))
    try:
        run(args, refs, work)
    except ReportageError as exc:
        sys.exit(f"error: {exc}")
    finally:
        shutil.rmtree(work)
    print(f"end: {load()}")


def run(args, refs: dict[str, list[dict]], work: Path) -> None:
    rng = random.Random(args.seed)
    copies, picked = [], {}
    build_s = run_s = words_s = processed_s = audio_s = 0.0
    n_episodes = size = 0
    for i, library in enumerate(args.library):
        docs = documents(library)
        slugs = [d.slug for d in docs if d.slug in refs]
        if not slugs:
            raise ReportageError(f"no episode of {library} has a reference under {args.data}")
        copy = work / f"lib{i}"
        seconds, passages = copy_with_vectors(library, copy)
        build_s += seconds
        words_s += word_index_s(library, work / f"words{i}")
        run_s += run_index_s(library, work / f"run{i}")
        processed_s += sum(processing_s(d) for d in docs)
        audio_s += sum(d.source.duration_s for d in docs)
        n_episodes += len(docs)
        size += search.index_path(copy).stat().st_size
        print(f"{library}: {len(docs)} episodes indexed with vectors ({passages} passages and "
              f"the words) in {seconds:.1f} s")
        copies.append(copy)
        picked[copy] = probes(refs, slugs, args.per_episode, rng)

    vectors_s, run_vectors_s = build_s - words_s, run_s - words_s
    print(f"\nindexing per episode: words {words_s / n_episodes:.2f} s; vectors in a rebuild "
          f"{vectors_s / n_episodes:.1f} s, in a run {run_vectors_s / n_episodes:.1f} s (after "
          f"the chapters stage) = {run_vectors_s / processed_s:.1%} of the "
          f"{processed_s / n_episodes:.0f} s the pipeline took per episode (target <= 10%)")
    print(f"index size: {size / 1e6:.1f} MB for {audio_s / 3600:.2f} h of audio = "
          f"{size / 1e6 / (audio_s / 3600):.1f} MB per hour")

    n = sum(len(p) for p in picked.values())
    print(f"\nrecall@{TOP} (right episode, within {TOLERANCE_S:.0f} s), {n} utterances, "
          f"query = the two rarest words of the reference:")
    print(f"{'mode':28} {'nl':>6} {'en':>6}")
    for mode in MODES:
        nl, en = (recall(copies, picked, lang, mode) for lang in ("nl", "en"))
        print(f"{mode:28} {nl:6.2f} {en:6.2f}")
    kinds = search.MEANING_KINDS
    for kind in kinds:
        search.MEANING_KINDS = tuple(k for k in kinds if k != kind)
        nl, en = (recall(copies, picked, g, "hybrid") for g in ("nl", "en"))
        print(f"{'hybrid without ' + kind + ' vectors':28} {nl:6.2f} {en:6.2f}")
    search.MEANING_KINDS = kinds
    with_alike, search.ALIKE_WORDS = search.ALIKE_WORDS, 0
    nl, en = (recall(copies, picked, g, "hybrid") for g in ("nl", "en"))
    print(f"{'hybrid without alike words':28} {nl:6.2f} {en:6.2f}")
    search.ALIKE_WORDS = with_alike
    with_sounds, search.sounds.alike = search.sounds.alike, lambda *args: {}
    nl, en = (recall(copies, picked, g, "hybrid") for g in ("nl", "en"))
    print(f"{'hybrid without sound-alikes':28} {nl:6.2f} {en:6.2f}")
    search.sounds.alike = with_sounds
    with_dictionary, search.dictionary.dutch = search.dictionary.dutch, lambda word: []
    nl, en = (recall(copies, picked, g, "hybrid") for g in ("nl", "en"))
    print(f"{'hybrid without dictionary':28} {nl:6.2f} {en:6.2f}")
    search.dictionary.dutch = with_dictionary
    if not search.dictionary.installed():
        print(f"(no English-Dutch dictionary here: {search.dictionary.INSTALL})")
    print("targets: nl >= 0.90, en >= 0.70")

    print(f"\nlatency, {load()}:")
    timings = latency(args.data, args.segments, args.words, args.queries, work)
    for mode, wall in timings.items():
        p50, p95 = percentile(wall, 50), percentile(wall, 95)
        print(f"{mode:28} wall ms: p50 {p50:6.1f}  p95 {p95:6.1f}")
    without = timings["hybrid without alike words"]
    ratio = percentile(timings["hybrid"], 95) / percentile(without, 95)
    print(f"hybrid p95 with alike words / without: {ratio:.2f}x (hybrid target p95 <= 50 ms)")


if __name__ == "__main__":
    main()
