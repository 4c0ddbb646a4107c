"""A 60-minute episode through `reportage process`, against plain faster-whisper on the same audio.

Loops a dev episode to the wanted length and encodes it as mp3. In the same run, each in its own
child process (so each peak RSS is its own):
  pipeline  `reportage process` with its defaults (transcribe, English, speakers, chapters)
  plain     plain sequential faster-whisper transcription (benchmarks/asr_speed.py's `faster`
            child: one 30 s window after the other, beam 5) <- the baseline
and prints wall and CPU ratios, peak memory, and the pipeline's CPU per stage, the English
(decoded in the transcribe stage with the Dutch, plus the translate stage) apart from the Dutch.
Targets (issue 22): pipeline wall <= 1.2x plain; English CPU <= 0.6x the Dutch; peak < 1.5 GB.
Quality (WER, chrF) on the dev episodes: benchmarks/translate.py.

    python benchmarks/long_input.py [--minutes 60] [--source EPISODE.mp3] [PROCESS OPTIONS]

Options it does not know (e.g. --no-translate) go to `reportage process`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from asr_speed import measure_child  # noqa: E402
from audiogen import write_audio  # noqa: E402

from pipeline import audio  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared/data/nl-dev/episodes/dev-episode-01.mp3"


def looped(source: Path, minutes: float) -> np.ndarray:
    once = audio.decode(source)
    repeats = int(np.ceil(minutes * 60 * audio.SAMPLE_RATE / len(once)))
    return np.tile(once, repeats)[: int(minutes * 60 * audio.SAMPLE_RATE)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--keep", type=Path, help="keep the library here")
    args, process_options = parser.parse_known_args()
    work = Path(tempfile.mkdtemp(prefix="long-input-"))
    episode = write_audio(work / f"long-{args.minutes:g}min.mp3", looped(args.source, args.minutes))
    library = args.keep or work / "library"
    command = [sys.executable, "-m", "pipeline", "process", str(episode), "--library",
               str(library), "--json", "--force", *process_options]
    wall, cpu, peak, out = measure_child(command, dict(os.environ), "pipeline")
    plain = [sys.executable, str(ROOT / "benchmarks/asr_speed.py"), "--child", "faster",
             str(episode), "-"]
    plain_wall, plain_cpu, plain_peak, _ = measure_child(plain, dict(os.environ), "plain")
    summary = json.loads(out.splitlines()[-1])
    seconds = args.minutes * 60
    print(f"input      {args.minutes:g} min ({episode.stat().st_size / 1e6:.1f} MB mp3)")
    print(f"pipeline   wall {wall:5.0f} s (real-time factor {wall / seconds:.3f})  CPU {cpu:5.0f} s"
          f"  peak {peak:5.0f} MB (target < 1536 MB: {peak < 1536})")
    print(f"plain      wall {plain_wall:5.0f} s (real-time factor {plain_wall / seconds:.3f})"
          f"  CPU {plain_cpu:5.0f} s  peak {plain_peak:5.0f} MB")
    print(f"ratio      wall {wall / plain_wall:.2f}x  CPU {cpu / plain_cpu:.2f}x"
          "  (target wall <= 1.2x)")
    print(f"segments   {summary['segments']}  stages run: {', '.join(summary['ran'])}")
    done = json.loads((Path(summary["folder"]) / "episode.json").read_text())["provenance"]
    along = done.get("transcribe", {}).get("english", {}).get("cpu_s", 0.0)
    stages = {name: d["cpu_s"] for name, d in done.items() if "cpu_s" in d}
    stages["transcribe"] -= along
    stages["translate"] = stages.get("translate", 0.0) + along
    for name, stage_cpu in stages.items():
        print(f"  {name:12}  CPU {stage_cpu:7.1f} s  {stage_cpu / plain_cpu:.2f}x plain")
    if stages.get("translate"):
        print(f"  English CPU / Dutch CPU: {stages['translate'] / stages['transcribe']:.2f}"
              " (target <= 0.6; the English decoded with the Dutch counts as translate)")


if __name__ == "__main__":
    main()
