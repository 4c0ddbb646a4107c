"""WER of `reportage process` next to bare faster-whisper, same model and settings, same audio.

The pipeline must lose no accuracy: its text comes from the same decoder, through VAD,
guards and the document. Both are scored with pipeline.evaluate.metrics' Dutch normaliser.

    python benchmarks/asr_accuracy.py [EPISODES_DIR] [--library DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faster_whisper import WhisperModel  # noqa: E402

from pipeline import audio, models  # noqa: E402
from pipeline.document import Episode  # noqa: E402
from pipeline.evaluate.metrics import error_rates  # noqa: E402

DEFAULT_EPISODES = ROOT.parent / "shared/data/nl-dev/episodes"


def bare_text(model: WhisperModel, path: Path) -> str:
    """faster-whisper as its README shows it, with the pipeline's decoding settings."""
    segments, _ = model.transcribe(
        audio.decode(path), language="nl", beam_size=5, word_timestamps=True, vad_filter=True,
        condition_on_previous_text=False,
    )
    return " ".join(s.text.strip() for s in segments)


def pipeline_text(path: Path, library: Path) -> str:
    # Only transcription matters here: English and chapters would only cost time.
    subprocess.run([sys.executable, "-m", "pipeline", "process", str(path), "--library",
                    str(library), "--quiet", "--no-translate", "--no-chapters"],
                   check=True, cwd=ROOT)
    episode = Episode.load(library / path.stem)
    return " ".join(seg.nl for seg in episode.segments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("episodes", type=Path, nargs="?", default=DEFAULT_EPISODES)
    parser.add_argument("--library", type=Path, default=Path("/tmp/asr-accuracy-library"))
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    files = sorted(args.episodes.glob("*.mp3"))[: args.limit]
    model = WhisperModel(str(models.embedded_model_dir()), device="cpu", compute_type="int8")
    refs, bare, piped = [], [], []
    print(f"{'episode':18} {'bare WER':>9} {'pipeline WER':>13} {'bare s':>7}")
    for path in files:
        started = time.monotonic()
        bare.append(bare_text(model, path))
        seconds = time.monotonic() - started
        piped.append(pipeline_text(path, args.library))
        refs.append(path.with_suffix(".nl.txt").read_text(encoding="utf-8"))
        one_bare = error_rates(refs[-1:], bare[-1:])["wer"]
        one_pipe = error_rates(refs[-1:], piped[-1:])["wer"]
        print(f"{path.stem:18} {one_bare:9.3f} {one_pipe:13.3f} {seconds:7.0f}")
    total_bare, total_pipe = error_rates(refs, bare)["wer"], error_rates(refs, piped)["wer"]
    print(f"{'corpus':18} {total_bare:9.3f} {total_pipe:13.3f}")
    print(f"pipeline - bare = {total_pipe - total_bare:+.4f} WER (must be <= 0)")


if __name__ == "__main__":
    main()
