"""A 60-minute episode through `reportage process`: wall time and peak memory.

Loops a dev episode to the wanted length, encodes it as mp3, runs the CLI in a child process
and reads the child's peak RSS. Target: peak RSS < 1.5 GB.

    python benchmarks/long_input.py [--minutes 60] [--source EPISODE.mp3] [PROCESS OPTIONS]

Options it does not know (e.g. --no-translate) go to `reportage process`.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

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
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "process", str(episode), "--library", str(library),
         "--json", "--force", *process_options], capture_output=True, text=True, cwd=ROOT,
    )
    wall = time.monotonic() - started
    if proc.returncode:
        sys.exit(proc.stderr)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = json.loads(proc.stdout.splitlines()[-1])
    print(f"input           {args.minutes:g} min ({episode.stat().st_size / 1e6:.1f} MB mp3)")
    print(f"wall time       {wall:.0f} s  (real-time factor {wall / (args.minutes * 60):.3f})")
    print(f"peak RSS        {peak_mb:.0f} MB  (target < 1536 MB: {peak_mb < 1536})")
    print(f"segments        {summary['segments']}  stages run: {', '.join(summary['ran'])}")
    document = json.loads((Path(summary["folder"]) / "episode.json").read_text())
    for stage, done in document["provenance"].items():
        print(f"  {stage:12}  CPU {done.get('cpu_s', 0):7.1f} s")


if __name__ == "__main__":
    main()
