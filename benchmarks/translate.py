"""Translate-stage benchmark: quality, speed and memory of the segment-aligned English.

For each episode of a dataset folder (mp3 + .en.txt reference, one utterance a line):
- the pipeline's English (transcribe, then the translate stage with the whisper translator),
  joined in segment order, scored with sacrebleu BLEU and chrF against the joined reference;
- next to it bare faster-whisper task="translate" on the whole file with the same model;
- the translate stage's time relative to the transcribe stage on the same episode;
- the share of segments with Dutch that got English; the process's peak RSS.

    python benchmarks/translate.py ../shared/data/nl-dev/episodes --episodes 2
    python benchmarks/translate.py ../shared/data/nl-dev/episodes/dev-episode-03.mp3
    python benchmarks/translate.py EPISODE.mp3 --seconds 60   # only its first minute
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import wave
from pathlib import Path

import sacrebleu

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devdata import need  # noqa: E402

from pipeline import audio  # noqa: E402
from pipeline.asr import AsrOptions  # noqa: E402
from pipeline.document import Episode  # noqa: E402
from pipeline.runner import Engines, Settings, process_file  # noqa: E402
from pipeline.translators import TranslateOptions  # noqa: E402


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scores(hypothesis: str, reference: str) -> dict:
    return {"bleu": round(sacrebleu.corpus_bleu([hypothesis], [[reference]]).score, 2),
            "chrf": round(sacrebleu.corpus_chrf([hypothesis], [[reference]]).score, 2)}


def excerpt(path: Path, seconds: float, folder: Path) -> tuple[Path, str]:
    """The first `seconds` of an episode as a wav, and the English of the utterances in it."""
    samples = audio.decode(path)[: int(seconds * 16000)]
    target = folder / f"{path.stem}-{seconds:g}s.wav"
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((samples.clip(-1, 1) * 32767).astype("<i2").tobytes())
    utterances = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["utterances"]
    return target, " ".join(u["en"] for u in utterances if u["end"] <= seconds)


def run_episode(path: Path, library: Path, engines: Engines, settings: Settings,
                seconds: float | None) -> dict:
    if seconds:
        path, reference = excerpt(path, seconds, library)
    else:
        reference = path.with_suffix(".en.txt").read_text(encoding="utf-8")
    reference = " ".join(reference.split())
    settings.translate.enabled = False
    transcribed = process_file(path, library, settings, engines)
    settings.translate.enabled = True
    translated = process_file(path, library, settings, engines)  # transcribe is up to date
    assert translated.ran == ["translate"], translated.ran
    episode = Episode.load(translated.folder)
    spoken = [s for s in episode.segments if s.nl.strip()]
    ours = " ".join(s.en for s in spoken if s.en)

    started = time.monotonic()
    found, _ = engines.asr().model.transcribe(
        audio.decode(path), language="nl", task="translate", beam_size=settings.asr.beam_size)
    bare = " ".join(seg.text.strip() for seg in found)
    bare_s = time.monotonic() - started
    return {
        "episode": path.stem, "duration_s": round(transcribed.duration_s, 1),
        "segments": len(spoken),
        "with_english": round(sum(bool(s.en) for s in spoken) / max(len(spoken), 1), 4),
        "pipeline": scores(ours, reference), "bare": scores(bare, reference),
        "transcribe_s": round(transcribed.elapsed_s, 1),
        "translate_s": round(translated.elapsed_s, 1),
        "translate_vs_transcribe": round(translated.elapsed_s / transcribed.elapsed_s, 2),
        "bare_translate_s": round(bare_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a folder of episodes, or one episode's mp3")
    parser.add_argument("--episodes", type=int, default=0, help="first N episodes (0: all)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--seconds", type=float, help="only the first seconds of each episode")
    args = parser.parse_args()
    folder = need(args.folder, "*.mp3")
    found = [folder] if folder.is_file() else sorted(folder.glob("*.mp3"))
    paths = found[: args.episodes or None]
    # Without chapters: the stage times compare transcription and translation alone.
    settings = Settings(asr=AsrOptions(device=args.device), no_chapters=True,
                        translate=TranslateOptions(translator="whisper"))
    engines = Engines(settings)
    engines.asr()  # load once, outside the timed stages
    print(f"model loaded, peak RSS {peak_rss_mib():.0f} MiB", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as library:
        for path in paths:
            row = run_episode(path, Path(library), engines, settings, args.seconds)
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {
        "episodes": len(rows),
        "pipeline": scores_mean(rows, "pipeline"), "bare": scores_mean(rows, "bare"),
        "translate_vs_transcribe": round(
            sum(r["translate_s"] for r in rows) / sum(r["transcribe_s"] for r in rows), 2),
        "with_english": round(
            sum(r["with_english"] * r["segments"] for r in rows) / sum(r["segments"] for r in rows),
            4),
        "peak_rss_mib": round(peak_rss_mib()),
    }
    print(json.dumps({"summary": summary}))


def scores_mean(rows: list[dict], key: str) -> dict:
    return {m: round(sum(r[key][m] for r in rows) / len(rows), 2) for m in ("bleu", "chrf")}


if __name__ == "__main__":
    main()
