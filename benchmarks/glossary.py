"""Glossary benchmark: do the show's terms get spelled right, and at what WER?

Two ways of using the terms: as hotwords primed into the decoder (`--hotwords`), and the
post-pass that puts a term in place of unsure words that sound like it (glossary/fixes.py, the
default). Two kinds of material, each transcribed by the pipeline's engine (faster-whisper,
batched, as `reportage process` does) without a glossary and with one:
- a Dutch text written for this benchmark, full of names, read by espeak-ng (ESPEAK_TEXT; its
  glossary is GLOSSARY);
- the nl-dev episodes: each episode's glossary is built from its reference (names: capitalised
  words not at a sentence start; rare words: Zipf frequency below RARE_ZIPF, at least 6
  letters), and each episode is transcribed with its own glossary ("same") and with the next
  episode's ("other": terms that are not said, which must not hurt).
Term recall = occurrences of glossary terms in the reference found in the hypothesis (each
term counted at most as often as the reference says it), normalised as for WER.
Targets (issue 19): term recall +30 points with the glossary; WER not worse (within 0.005).

    python benchmarks/glossary.py [--episodes N] [--no-espeak]
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devdata import NL_DEV_EPISODES, need  # noqa: E402

from pipeline import audio  # noqa: E402
from pipeline.asr import AsrOptions, load_engine  # noqa: E402
from pipeline.document import Segment  # noqa: E402
from pipeline.evaluate.metrics import error_rates, normalise_nl  # noqa: E402
from pipeline.glossary import Term  # noqa: E402
from pipeline.glossary.fixes import fix_dutch  # noqa: E402

ESPEAK_TEXT = (
    "Rogier Creemers is onderzoeker aan de Universiteit Leiden. Hij bestudeert het sociale "
    "kredietsysteem van China. Volgens Creemers is het systeem minder centraal dan vaak wordt "
    "gedacht. Bedrijven als Alibaba en Tencent bouwden hun eigen scores, zoals Sesame Credit. "
    "In de stad Rongcheng kregen inwoners punten voor goed gedrag. De overheid in Beijing wil "
    "vooral dat bedrijven de regels naleven. Xi Jinping noemt vertrouwen de basis van de markt. "
    "Critici in Hongkong en Taiwan zien vooral controle. Creemers vergelijkt het met de "
    "Belastingdienst. Het kredietsysteem van Shanghai verschilt van dat van Hangzhou. Volgens "
    "Creemers blijft Sesame Credit een product van Alibaba."
)
GLOSSARY = ["Rogier Creemers", "Creemers", "Leiden", "kredietsysteem", "Alibaba", "Tencent",
            "Sesame Credit", "Rongcheng", "Beijing", "Xi Jinping", "Hongkong", "Taiwan",
            "Belastingdienst", "Shanghai", "Hangzhou"]
RARE_ZIPF = 2.5


def term_recall(reference: str, hypothesis: str, terms: list[str]) -> tuple[int, int]:
    """(occurrences found, occurrences in the reference) of the terms; a longer term's words
    are not counted again for a shorter term inside it."""
    ref, hyp = f" {normalise_nl(reference)} ", f" {normalise_nl(hypothesis)} "
    found = total = 0
    for term in sorted({normalise_nl(t) for t in terms}, key=len, reverse=True):
        said = ref.count(f" {term} ")
        if said:
            total += said
            found += min(said, hyp.count(f" {term} "))
            ref, hyp = ref.replace(f" {term} ", "  "), hyp.replace(f" {term} ", "  ")
    return found, total


def episode_terms(reference: str) -> list[str]:
    """Names and rare words of a reference text."""
    from wordfreq import zipf_frequency

    terms = []
    for sentence in re.split(r"(?<=[.!?])\s+", reference):
        words = re.findall(r"\w[\w'-]*", sentence)
        for i, word in enumerate(words):
            name = i > 0 and word[0].isupper()
            rare = len(word) >= 6 and zipf_frequency(word.lower(), "nl") < RARE_ZIPF
            if (name or rare) and word not in terms:
                terms.append(word)
    return terms


def transcribe(engine_for, samples, terms: list[str] | None) -> list[Segment]:
    from pipeline.glossary import hotwords

    engine = engine_for(hotwords([Term(t) for t in terms])[0] if terms else None)
    return [Segment(str(n), a.start, a.end, a.text, words=a.words)
            for n, a in enumerate(engine.transcribe(samples))]


def fixed(segments: list[Segment], terms: list[str]) -> list[Segment]:
    segments = copy.deepcopy(segments)
    fix_dutch(segments, [Term(t) for t in terms])
    return segments


def measure(name: str, samples, reference: str, glossaries: dict[str, list[str]], engine_for,
            terms: list[str]) -> dict:
    """Each condition: none; NAME-fix (the post-pass on the plain decoding, the default);
    NAME-hotwords; NAME-both. NAME: same (its own terms) or other (another episode's)."""
    plain = transcribe(engine_for, samples, None)
    runs = {"none": plain}
    for label, given in glossaries.items():
        primed = transcribe(engine_for, samples, given)
        runs |= {f"{label}-fix": fixed(plain, given), f"{label}-hotwords": primed,
                 f"{label}-both": fixed(primed, given)}
    row = {"material": name}
    for label, segments in runs.items():
        text = " ".join(seg.nl for seg in segments)
        found, total = term_recall(reference, text, terms)
        row[label] = {"wer": round(error_rates([reference], [text])["wer"], 4),
                      "found": found, "terms": total}
    print(json.dumps(row), flush=True)
    return row


def espeak(text: str, folder: Path):
    path = folder / "glossary.wav"
    subprocess.run(["espeak-ng", "-v", "nl", "-s", "140", "-w", str(path), text], check=True)
    return audio.decode(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=0, help="first N dev episodes (0: all)")
    parser.add_argument("--no-espeak", action="store_true")
    args = parser.parse_args()
    engines: dict[str | None, object] = {}

    def engine_for(words: str | None):
        if words not in engines:
            engines.clear()  # one model in memory at a time
            engines[words] = load_engine("faster-whisper", None, AsrOptions(hotwords=words))
        return engines[words]

    rows = []
    if not args.no_espeak:
        with tempfile.TemporaryDirectory() as work:
            rows.append(measure("espeak", espeak(ESPEAK_TEXT, Path(work)), ESPEAK_TEXT,
                                {"same": GLOSSARY}, engine_for, GLOSSARY))
    paths = sorted(need(NL_DEV_EPISODES, "*.mp3").glob("*.mp3"))[: args.episodes or None]
    references = [" ".join(p.with_suffix(".nl.txt").read_text(encoding="utf-8").split())
                  for p in paths]
    for i, path in enumerate(paths):
        own = episode_terms(references[i])
        other = episode_terms(references[(i + 1) % len(paths)])
        rows.append(measure(path.stem, audio.decode(path), references[i],
                            {"same": own, "other": other}, engine_for, own))
    summary = {}
    for label in ("none", *(f"{g}-{way}" for g in ("same", "other")
                            for way in ("fix", "hotwords", "both"))):
        for kind, chosen in (("espeak", [r for r in rows if r["material"] == "espeak"]),
                             ("nl-dev", [r for r in rows if r["material"] != "espeak"])):
            chosen = [r for r in chosen if label in r]
            if chosen:
                summary[f"{kind} {label}"] = {
                    "term_recall": round(sum(r[label]["found"] for r in chosen)
                                         / max(sum(r[label]["terms"] for r in chosen), 1), 3),
                    "wer": round(sum(r[label]["wer"] for r in chosen) / len(chosen), 4)}
    print(json.dumps({"summary": summary}))


if __name__ == "__main__":
    main()
