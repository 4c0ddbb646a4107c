"""Subtitle conformance over episodes, for the closing note of the subtitles issue.

    python benchmarks/subtitles_report.py transcripts/*/            # published episode folders
    python benchmarks/subtitles_report.py path/to/episode.json ...
    python benchmarks/subtitles_report.py ../shared/data/nl-dev/episodes/dev-episode-*.json

The last form builds episodes from the dataset's reference utterances (times, speakers, Dutch and
English text, topic boundaries as chapters; no word times), to measure the cue builder apart from
recognition. For each language it prints the share of cues within every hard limit, the share
within the 17 cps target, characters per line, and whether every word survived, in order.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.document import Chapter, Episode, Segment, Source  # noqa: E402
from pipeline.formats.conformance import check, parse_srt  # noqa: E402
from pipeline.formats.cues import (  # noqa: E402
    PROFILES,
    cue_chars,
    cue_words,
    episode_cues,
    segment_text,
    segment_words,
)
from pipeline.formats.subtitles import to_srt  # noqa: E402


def load(path: Path) -> Episode:
    if path.is_dir():
        return Episode.load(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    if "utterances" not in data:
        return Episode.from_dict(data)
    return reference_episode(path.stem, data)


def reference_episode(slug: str, data: dict) -> Episode:
    """An episode from a dataset reference file: utterances become segments."""
    segments = [
        Segment(f"u{n}", u["start"], u["end"], u["nl"], en=u.get("en"), speaker=u.get("speaker"))
        for n, u in enumerate(data["utterances"])
    ]
    bounds = [0.0, *data.get("topic_boundaries_s", []), data["duration_s"]]
    chapters = [Chapter(f"c{k}", a, b, f"topic {k}") for k, (a, b) in enumerate(pairwise(bounds))]
    source = Source(slug, "", data["duration_s"], 0)
    return Episode(slug, slug, source, segments=segments, chapters=chapters)


@dataclass
class Tally:
    episodes: int = 0
    cues: int = 0
    within_hard: int = 0
    within_target: int = 0
    line_lengths: list[int] = field(default_factory=list)
    words_kept: int = 0
    seconds: float = 0.0

    def add(self, episode: Episode, lang: str, norms) -> None:
        started = time.perf_counter()
        cues = episode_cues(episode, lang, norms)
        self.seconds += time.perf_counter() - started
        # Judge the file as written, with the same checker producers run.
        violations = check(parse_srt(to_srt(cues)), norms)
        broken = {v.cue for v in violations if v.hard}
        self.episodes += 1
        self.cues += len(cues)
        self.within_hard += len(cues) - len(broken)
        self.within_target += sum(
            cue_chars(c.lines) / (c.end - c.start) <= norms.target_cps + 1e-6 for c in cues
        )
        self.line_lengths += [len(line) for c in cues for line in c.lines]
        self.words_kept += cue_words(cues) == segment_words(episode.segments, lang)

    def row(self, lang: str) -> str:
        def share(n: int) -> str:
            return f"{100 * n / self.cues:.1f}%" if self.cues else "-"

        mean = f"{statistics.mean(self.line_lengths):.1f}" if self.line_lengths else "-"
        longest = max(self.line_lengths, default=0)
        return (
            f"| {lang} | {self.episodes} | {self.cues} | {share(self.within_hard)} "
            f"| {share(self.within_target)} | {mean} | {longest} "
            f"| {self.words_kept}/{self.episodes} | {self.seconds:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path, help="episode folders or JSON files")
    parser.add_argument("--profile", default="netflix-nl", choices=sorted(PROFILES))
    args = parser.parse_args()
    norms = PROFILES[args.profile]
    episodes = [load(p) for p in args.paths]
    print(f"profile {args.profile}: {len(episodes)} episodes")
    print(
        "| lang | episodes | cues | within hard limits | within 17 cps "
        "| mean chars/line | max chars/line | words preserved | build s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for lang in ("nl", "en"):
        tally = Tally()
        for episode in episodes:
            if any(segment_text(s, lang).strip() for s in episode.segments):
                tally.add(episode, lang, norms)
        print(tally.row(lang))


if __name__ == "__main__":
    main()
