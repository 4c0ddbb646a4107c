"""Speech recognition speed, memory and accuracy, as ratios against bare faster-whisper.

Runs each way of transcribing one dev episode in its own child process (so peak RSS is that run's
own), on the same audio and the embedded Whisper base weights:

  pipeline   `reportage process --no-translate --no-chapters` (decode, transcribe, save, publish)
  faster     bare faster-whisper, one 30 s window after the other, the pipeline's settings
             <- the baseline
  openai     bare openai-whisper on the exported checkpoint, the same decoding settings
  batched    bare faster-whisper's BatchedInferencePipeline over VAD chunks, as the pipeline
             decodes (pipeline/asr/faster.py)

Real-time factor = child wall time (imports and model load included) / audio duration; "asr" is
the transcription call alone; "cpu" is the child's user+system time, the steadier figure on a
machine shared with other work. WER against the reference (lower case, punctuation removed).
Targets: pipeline <= 1.10x the wall time of bare batched, its own decoder, at a WER no worse;
faster >= 4x quicker than openai; batched ASR time <= 0.6x faster's at a WER within 0.01.

    python benchmarks/asr_speed.py [--episode EP.mp3] [--seconds 120] [--threads N] [--runs ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pipeline.asr.faster import BATCH  # noqa: E402

DEFAULT_EPISODE = ROOT.parent / "shared/data/nl-dev/episodes/dev-episode-01.mp3"
RUNS = ("pipeline", "faster", "openai", "batched")
# The pipeline's decoding settings (pipeline/asr/faster.py), spelled out for the bare runs.
SETTINGS = dict(language="nl", beam_size=5, word_timestamps=True, condition_on_previous_text=False,
                vad_filter=True)
BATCHED_ONLY = dict(batch_size=BATCH, without_timestamps=False)


@dataclass
class Result:
    run: str
    wall_s: float
    cpu_s: float
    peak_mb: float
    asr_s: float | None
    text: str


# ---- children: each transcribes the wav and prints {"asr_s", "text"} as its last line ----

def child_faster(wav: str, batched: bool) -> dict:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from pipeline import audio, models

    samples = audio.decode(wav)
    model = WhisperModel(str(models.embedded_model_dir()), device="cpu", compute_type="int8",
                         local_files_only=True)
    started = time.monotonic()
    if batched:
        segments, _ = BatchedInferencePipeline(model).transcribe(samples, **SETTINGS,
                                                                 **BATCHED_ONLY)
    else:
        segments, _ = model.transcribe(samples, **SETTINGS)
    text = " ".join(s.text.strip() for s in segments)
    return {"asr_s": time.monotonic() - started, "text": text}


def child_openai(wav: str, checkpoint: str) -> dict:
    import whisper

    from pipeline import audio

    samples = audio.decode(wav)
    model = whisper.load_model(checkpoint, device="cpu")
    started = time.monotonic()
    result = model.transcribe(samples, **SETTINGS, fp16=False)
    return {"asr_s": time.monotonic() - started, "text": result["text"].strip()}


def child_prepare(episode: str, cut: str, wav: str, checkpoint: str) -> dict:
    """Cut the episode into a wav and export the checkpoint, away from the measuring parent:
    Linux carries a parent's memory high-water mark into the children it forks."""
    from audiogen import write_audio

    from pipeline import audio, models
    from pipeline.asr.export_openai import export_openai

    samples = audio.decode(episode)
    if cut != "all":
        samples = samples[: int(float(cut) * audio.SAMPLE_RATE)]
    write_audio(Path(wav), samples)
    if checkpoint != "-":
        export_openai(models.embedded_model_dir(), checkpoint)
    return {"duration_s": len(samples) / audio.SAMPLE_RATE}


def child_main(argv: list[str]) -> None:
    run, *rest = argv
    if run == "prepare":
        print(json.dumps(child_prepare(*rest)))
        return
    wav, extra = rest
    if run == "openai":
        out = child_openai(wav, extra)
    else:
        out = child_faster(wav, batched=run == "batched")
    print(json.dumps(out))


# ---- parent ----

def run_one(run: str, wav: Path, work: Path, checkpoint: Path, env: dict) -> Result:
    if run == "pipeline":
        library = work / "library"
        cmd = [sys.executable, "-m", "pipeline", "process", str(wav), "--library", str(library),
               "--json", "--force", "--no-translate", "--no-chapters"]
    else:
        cmd = [sys.executable, __file__, "--child", run, str(wav), str(checkpoint)]
    wall, cpu, peak, out = measure_child(cmd, env, run)
    if run == "pipeline":
        summary = json.loads(out.splitlines()[-1])
        episode = json.loads((Path(summary["folder"]) / "episode.json").read_text())
        text = " ".join(seg["nl"] for seg in episode["segments"])
        return Result(run, wall, cpu, peak, None, text)
    child = json.loads(out.splitlines()[-1])
    return Result(run, wall, cpu, peak, child["asr_s"], child["text"])


def measure_child(cmd: list[str], env: dict, run: str) -> tuple[float, float, float, str]:
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env)
    # Read both pipes to the end, then reap the child ourselves to get its own rusage.
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if proc.returncode:
        sys.exit(f"{run} failed (exit {proc.returncode}):\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def cut_reference(episode: Path, seconds: float | None) -> tuple[float | None, str]:
    """The reference text, and a cut point in the pause after the last utterance that fits."""
    meta = json.loads(episode.with_suffix(".json").read_text())
    utterances = meta["utterances"]
    if seconds is None or seconds >= meta["duration_s"]:
        return None, " ".join(u["nl"] for u in utterances)
    kept = [u for u in utterances if u["end"] <= seconds]
    following = utterances[len(kept)]["start"] if len(kept) < len(utterances) else kept[-1]["end"]
    return (kept[-1]["end"] + following) / 2, " ".join(u["nl"] for u in kept)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]+", " ", text.lower()).split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episode", type=Path, default=DEFAULT_EPISODE)
    parser.add_argument("--seconds", type=float, help="use only the first N seconds")
    parser.add_argument("--threads", type=int,
                        help="OMP_NUM_THREADS for every run (torch and CTranslate2 follow it)")
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS))
    args = parser.parse_args()

    import jiwer

    work = Path(tempfile.mkdtemp(prefix="asr-speed-"))
    cut, reference = cut_reference(args.episode, args.seconds)
    wav = work / f"{args.episode.stem}.wav"
    checkpoint = work / "whisper-base-openai.pt"
    prepare = [sys.executable, __file__, "--child", "prepare", str(args.episode),
               "all" if cut is None else str(cut), str(wav),
               str(checkpoint) if "openai" in args.runs else "-"]
    duration = json.loads(subprocess.run(prepare, check=True, capture_output=True, text=True,
                                         cwd=ROOT).stdout.splitlines()[-1])["duration_s"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)

    print(f"{args.episode.name}: {duration:.1f} s of audio, threads "
          f"{args.threads or 'library default'}, {os.cpu_count()} CPUs; one run each")
    results = {}
    for run in args.runs:
        results[run] = run_one(run, wav, work, checkpoint, env)
        r = results[run]
        print(f"  done {run:9} wall {r.wall_s:7.1f} s", flush=True)
    report(results, duration, normalise(reference), jiwer)


def report(results: dict[str, Result], duration: float, reference: str, jiwer) -> None:
    base = results.get("faster")
    print(f"\n{'run':9} {'RTF':>6} {'wall s':>7} {'cpu s':>7} {'asr s':>7} {'peak MB':>8} "
          f"{'WER':>6} {'wall/faster':>11} {'cpu/faster':>10} {'asr/faster':>10} "
          f"{'RSS/faster':>10}")
    for r in results.values():
        wer = jiwer.wer(reference, normalise(r.text))
        asr = f"{r.asr_s:7.1f}" if r.asr_s is not None else f"{'-':>7}"
        ratios = ["-", "-", "-", "-"]
        if base:
            ratios = [f"{r.wall_s / base.wall_s:.2f}x", f"{r.cpu_s / base.cpu_s:.2f}x",
                      f"{r.asr_s / base.asr_s:.2f}x" if r.asr_s is not None else "-",
                      f"{r.peak_mb / base.peak_mb:.2f}x"]
        print(f"{r.run:9} {r.wall_s / duration:6.3f} {r.wall_s:7.1f} {r.cpu_s:7.1f} {asr} "
              f"{r.peak_mb:8.0f} {wer:6.3f} {ratios[0]:>11} {ratios[1]:>10} {ratios[2]:>10} "
              f"{ratios[3]:>10}")
    if base:
        targets(results, base, reference, jiwer)


def targets(results: dict[str, Result], base: Result, reference: str, jiwer) -> None:
    wer = {run: jiwer.wer(reference, normalise(r.text)) for run, r in results.items()}
    print()
    own = "batched" if "batched" in results else "faster"
    if "pipeline" in results:
        ratio = results["pipeline"].wall_s / results[own].wall_s
        print(f"pipeline / bare {own} wall: {ratio:.2f}x (target <= 1.10x: {ratio <= 1.1}); "
              f"WER {wer['pipeline']:.3f} vs {wer[own]:.3f} (no worse: "
              f"{wer['pipeline'] <= wer[own] + 1e-9})")
    if "openai" in results:
        speedup = results["openai"].asr_s / base.asr_s
        wall = results["openai"].wall_s / base.wall_s
        print(f"faster-whisper speed-up over openai-whisper: {speedup:.1f}x ASR, {wall:.1f}x wall "
              f"(target >= 4x: {speedup >= 4})")
    if "batched" in results:
        ratio = results["batched"].asr_s / base.asr_s
        gap = wer["batched"] - wer["faster"]
        print(f"batched / sequential ASR time: {ratio:.2f}x (target <= 0.6x: {ratio <= 0.6}); "
              f"WER {wer['batched']:.3f} vs {wer['faster']:.3f} (within 0.01: {gap <= 0.01})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
    else:
        main()
