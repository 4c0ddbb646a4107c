"""Search recall on the dev set: are reference phrases found where they were said?

Takes a library of dev episodes processed by the pipeline (`reportage process` on the dev mp3s,
so slugs are the file names) and the folder of reference `.json` files. Picks 30 phrases from
the references (not from the pipeline's transcripts): 2-3 consecutive words of at least four
letters from one utterance, spread evenly over the episodes. A phrase is found when one of the
top 5 hits is in the right episode and its segment lies within 5 s of the utterance's time.
Each phrase is searched twice: as typed words (the default), and quoted, as an exact phrase,
which is the baseline that shows what stemming and word order leniency add.

    python benchmarks/search_recall.py LIBRARY [--references DIR] [--phrases 30] [--lang nl]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devdata import NL_DEV_EPISODES, need  # noqa: E402

from pipeline import search
from pipeline.errors import ReportageError
from pipeline.library import slugify
from pipeline.search import textnorm

REFERENCES = NL_DEV_EPISODES
TOP = 5
TOLERANCE_S = 5.0


@dataclass
class Phrase:
    slug: str
    text: str
    start: float
    end: float


def phrases(references: Path, n: int, lang: str, rng: random.Random) -> list[Phrase]:
    files = sorted(references.glob("*.json"))
    if not files:
        raise ReportageError(f"no reference .json files in {references}")
    picked: list[Phrase] = []
    for i, path in enumerate(files):
        utterances = json.loads(path.read_text(encoding="utf-8"))["utterances"]
        share = n // len(files) + (i < n % len(files))
        candidates = [p for u in utterances if (p := _phrase(u, lang, rng))]
        for text, u in rng.sample(candidates, min(share, len(candidates))):
            picked.append(Phrase(slugify(path.stem), text, u["start"], u["end"]))
    return picked


def _phrase(utterance: dict, lang: str, rng: random.Random) -> tuple[str, dict] | None:
    words = textnorm.words(utterance.get(lang) or "")
    runs = [
        words[i : i + k]
        for k in (3, 2)
        for i in range(len(words) - k + 1)
        if all(len(w) >= 4 for w in words[i : i + k])
    ]
    return (" ".join(rng.choice(runs)), utterance) if runs else None


def found(library: Path, phrase: Phrase, query: str, lang: str) -> bool:
    try:
        hits = search.search(library, query, lang=lang, limit=TOP)
    except ReportageError:
        return False
    return any(
        hit.episode == phrase.slug
        and max(0.0, hit.start - phrase.start, phrase.start - hit.end) <= TOLERANCE_S
        for hit in hits
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", type=Path)
    parser.add_argument("--references", type=Path, default=REFERENCES)
    parser.add_argument("--phrases", type=int, default=30)
    parser.add_argument("--lang", choices=("nl", "en"), default="nl")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    try:
        references = need(args.references, "*.json")
        picked = phrases(references, args.phrases, args.lang, random.Random(args.seed))
        search.search(args.library, "test")  # a missing index fails here, once
    except ReportageError as exc:
        sys.exit(f"error: {exc}")
    words_found = quoted_found = 0
    for phrase in picked:
        as_words = found(args.library, phrase, phrase.text, args.lang)
        as_phrase = found(args.library, phrase, f'"{phrase.text}"', args.lang)
        words_found += as_words
        quoted_found += as_phrase
        mark = "✓" if as_words else "✗"
        print(f"{mark} {phrase.slug} {phrase.start:7.1f} s  {phrase.text}")
    n = len(picked)
    print(f"found in the top {TOP}, right episode, within {TOLERANCE_S:.0f} s:")
    print(f"  as words:          {words_found}/{n} = {words_found / n:.0%}")
    print(f"  as quoted phrases: {quoted_found}/{n} = {quoted_found / n:.0%} (baseline)")


if __name__ == "__main__":
    main()
