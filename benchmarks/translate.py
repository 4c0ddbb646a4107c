"""Translate benchmark: quality and cost of the English, against plain faster-whisper.

For each episode of a dataset folder (mp3 + .nl.txt / .en.txt references, one utterance a line),
in one process on the embedded Whisper base model:
- the pipeline (transcribe with the English decoded along, translate, chapters; no speakers):
  chrF/BLEU of its English, WER of its Dutch, and its CPU split between the Dutch and the
  English (the English decode inside the transcribe stage plus the translate stage);
- the same segments translated as before issue 22: sentence windows encoded again
  (`WhisperTranslator`), beam 5: chrF and CPU, the quality the shared encoding must keep;
- plain sequential faster-whisper transcription of the same audio (`WhisperModel.transcribe`,
  beam 5): CPU, wall and WER, the baseline of the pipeline's ratios.

Targets (issue 22): English CPU <= 0.6x the Dutch; pipeline wall <= 1.2x plain transcription;
chrF no more than 0.3 below the sentence windows; WER unchanged.

    python benchmarks/translate.py ../shared/data/nl-dev/episodes --episodes 2
    python benchmarks/translate.py ../shared/data/nl-dev/episodes/dev-episode-03.mp3
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devdata import need  # noqa: E402

from pipeline import audio  # noqa: E402
from pipeline.asr import TRANSLATE_BEAM, AsrOptions  # noqa: E402
from pipeline.document import Episode  # noqa: E402
from pipeline.evaluate.metrics import error_rates, translation_scores  # noqa: E402
from pipeline.runner import Engines, Settings, process_file  # noqa: E402
from pipeline.stages.translate import translate_segments  # noqa: E402
from pipeline.translators import TranslateOptions, whisper  # noqa: E402


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def chrf(episode: Episode, reference: str) -> float:
    english = " ".join(s.en for s in episode.segments if s.en)
    return round(translation_scores([reference], [english])["chrf"], 2)


def run_episode(path: Path, library: Path, engines: Engines, settings: Settings) -> dict:
    nl_ref = " ".join(path.with_suffix(".nl.txt").read_text(encoding="utf-8").split())
    en_ref = " ".join(path.with_suffix(".en.txt").read_text(encoding="utf-8").split())
    result = process_file(path, library, settings, engines)
    episode = Episode.load(result.folder)
    done = episode.provenance
    along = done["transcribe"].get("english", {}).get("cpu_s", 0.0)
    dutch_cpu, english_cpu = done["transcribe"]["cpu_s"] - along, along + done["translate"]["cpu_s"]
    row = {
        "episode": path.stem, "duration_s": round(result.duration_s, 1),
        "wer": round(error_rates([nl_ref], [" ".join(s.nl for s in episode.segments)])["wer"], 4),
        "chrf": chrf(episode, en_ref), "missing": done["translate"].get("missing", 0),
        "dutch_cpu_s": round(dutch_cpu, 1), "english_cpu_s": round(english_cpu, 1),
        "english_vs_dutch": round(english_cpu / dutch_cpu, 2), "wall_s": round(result.elapsed_s, 1),
    }
    samples = audio.decode(path)
    began = cpu_s()
    whisper.TRANSLATE_BEAM = 5  # as before issue 22
    translate_segments(episode, [s.id for s in episode.segments], engines.translator(), samples)
    whisper.TRANSLATE_BEAM = TRANSLATE_BEAM
    row |= {"windows_chrf": chrf(episode, en_ref), "windows_cpu_s": round(cpu_s() - began, 1)}

    began, wall = cpu_s(), time.monotonic()
    found, _ = engines.asr().model.transcribe(samples, language="nl", beam_size=5)
    plain = " ".join(seg.text.strip() for seg in found)
    row |= {"plain_cpu_s": round(cpu_s() - began, 1),
            "plain_wall_s": round(time.monotonic() - wall, 1),
            "plain_wer": round(error_rates([nl_ref], [plain])["wer"], 4)}
    row["wall_vs_plain"] = round(row["wall_s"] / row["plain_wall_s"], 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a folder of episodes, or one episode's mp3")
    parser.add_argument("--episodes", type=int, default=0, help="first N episodes (0: all)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    args = parser.parse_args()
    folder = need(args.folder, "*.mp3")
    found = [folder] if folder.is_file() else sorted(folder.glob("*.mp3"))
    paths = found[: args.episodes or None]
    settings = Settings(asr=AsrOptions(device=args.device), no_speakers=True,
                        translate=TranslateOptions(translator="whisper"))
    engines = Engines(settings)
    engines.asr()  # load once, outside the timed stages
    rows = []
    with tempfile.TemporaryDirectory() as library:
        for path in paths:
            rows.append(run_episode(path, Path(library), engines, settings))
            print(json.dumps(rows[-1]), flush=True)
    mean = {key: round(sum(r[key] for r in rows) / len(rows), 4)
            for key in ("wer", "plain_wer", "chrf", "windows_chrf")}
    total = {key: sum(r[key] for r in rows) for key in
             ("dutch_cpu_s", "english_cpu_s", "windows_cpu_s", "wall_s", "plain_wall_s")}
    summary = mean | {
        "english_vs_dutch_cpu": round(total["english_cpu_s"] / total["dutch_cpu_s"], 2),
        "windows_vs_dutch_cpu": round(total["windows_cpu_s"] / total["dutch_cpu_s"], 2),
        "wall_vs_plain": round(total["wall_s"] / total["plain_wall_s"], 2),
        "peak_rss_mib": round(peak_rss_mib()),
    }
    print(json.dumps({"summary": summary}))


if __name__ == "__main__":
    main()
