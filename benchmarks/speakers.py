"""Speaker labels (pipeline.speakers): error, speaker count, turns and cost on recorded speech.

    python benchmarks/speakers.py [--data ../shared/data] [--asr-cache DIR [--transcribe]]

Cases, each as segments with reference speakers:
- nl-dev-interviews (two actors taking turns): the reference utterances' spans as segments
  (no words); with ASR-CACHE, the recogniser's segments with words (`<case>.asr.json`, made by
  --transcribe with the project's default engine), and the same with every other pair of
  neighbouring segments by different speakers joined into one, to find the turn inside.
- built from nl-dev's clips of the same two voices, unlike the interviews' layout: monologues
  of each voice (must be one speaker), an interview where the guest has a sixth of the lines,
  three voices (the two plus cc0-flemish's reader, with a tenth of the talk).
- cc0-flemish's five sentences joined (one reader): must be one speaker.

Speaker error: the share of the time where reference and segments overlap (10 ms grid) that
has the wrong label under the best one-to-one mapping of labels to speakers. Splits: found at
exactly the first word of the second speaker, over the joins whose both sides last >= 1 s; and
splits elsewhere (in a monologue they are all wrong). Cost: CPU seconds of label_speakers per
second of audio, the encoder loaded beforehand, and the peak memory it adds.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devdata import DATA, need  # noqa: E402

from pipeline.audio import decode  # noqa: E402
from pipeline.evaluate import metrics  # noqa: E402
from pipeline.evaluate.metrics import GRID, Span  # noqa: E402
from pipeline.speakers import Segment, Word, label_speakers  # noqa: E402
from pipeline.speakers.encoder import load_encoder  # noqa: E402

RATE = 16000


def speaker_error(ref: list[Span], segments: list[Segment], result) -> float:
    """evaluate's speaker error, over the labelled pieces: segments cut at their splits."""
    cuts: dict[int, list] = {i: [] for i in range(len(segments))}
    for sp in result.splits:
        cuts[sp.segment].append((segments[sp.segment].words[sp.word].start, sp.speaker))
    hyp = []
    for i, seg in enumerate(segments):
        pieces = [(seg.start, result.labels[i]), *cuts[i], (seg.end, None)]
        hyp += [(a, b, label) for (a, label), (b, _) in pairwise(pieces)]
    end = max(e for _, e, _ in [*ref, *hyp])
    error = metrics.speaker_error(ref, hyp, end)
    return 1.0 if error is None else error  # nothing overlaps: nothing right


def coverage(ref: list[Span], segments: list[Segment]) -> float:
    """The share of the reference utterances' time that the segments cover (the clips hold
    silence at their ends, which the recogniser rightly leaves out)."""
    end = int(max(max(e for _, e, _ in ref), max(s.end for s in segments)) * GRID) + 1
    said, covered = np.zeros(end, bool), np.zeros(end, bool)
    for s, e, _ in ref:
        said[int(s * GRID):int(e * GRID)] = True
    for seg in segments:
        covered[int(seg.start * GRID):int(seg.end * GRID)] = True
    return (said & covered).sum() / max(1, said.sum())


def majority(seg: Segment, ref) -> str | None:
    overlap: dict[str, float] = {}
    for a, b, r in ref:
        if min(b, seg.end) > max(a, seg.start):
            overlap[r] = overlap.get(r, 0) + min(b, seg.end) - max(a, seg.start)
    return max(overlap, key=overlap.get) if overlap else None


def joined(segments: list[Segment], ref) -> tuple[list[Segment], dict[int, int]]:
    """Every other pair of neighbours by different speakers made one segment; for each such
    segment, the index of its first word of the second speaker."""
    who = [majority(s, ref) for s in segments]
    out, expect, i = [], {}, 0
    while i < len(segments):
        if i + 1 < len(segments) and who[i] != who[i + 1] and i % 2 == 0:
            a, b = segments[i], segments[i + 1]
            expect[len(out)] = len(a.words)
            out.append(Segment(a.start, b.end, a.words + b.words))
            i += 2
        else:
            out.append(segments[i])
            i += 1
    return out, expect


def peak_added(fn):
    """(result, CPU seconds, peak resident memory added in MiB) of fn()."""
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
    before, cpu = _status("VmRSS"), time.process_time()
    result = fn()
    return result, time.process_time() - cpu, (_status("VmHWM") - before) / 1024


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cases(data: Path):
    """(name, audio, reference spans, expected count) for every case."""
    parts, ref, t = [], [], 0.0
    for wav in sorted((data / "cc0-flemish").glob("*.wav")):
        a = decode(wav)
        ref.append((t, t + len(a) / RATE, "reader"))
        parts += [a, np.zeros(RATE // 2, np.float32)]
        t += len(a) / RATE + 0.5
    flemish, flemish_ref = np.concatenate(parts), ref
    yield "cc0-flemish", flemish, flemish_ref, 1
    for mp3 in sorted((data / "nl-dev-interviews/episodes").glob("*.mp3")):
        utterances = json.loads(mp3.with_suffix(".json").read_text())["utterances"]
        yield mp3.stem, decode(mp3), [(u["start"], u["end"], u["speaker"]) for u in utterances], 2

    clips = data / "nl-dev/clips"
    manifest = json.loads((clips / "manifest.json").read_text())
    rng = random.Random(1)
    by = {v: [c for c in manifest if c["speaker"] == v] for v in ("small-fish", "big-fish")}
    for lines in by.values():
        rng.shuffle(lines)

    def build(lines):
        """(clip, who) lines joined with pauses of 0.2-1.0 s."""
        parts, ref, t = [], [], 0.0
        for clip, who in lines:
            a = decode(clips / f"{clip['id']}.ogg")
            pause = np.zeros(int(rng.uniform(0.2, 1.0) * RATE), np.float32)
            ref.append((t, t + len(a) / RATE, who))
            parts += [a, pause]
            t += (len(a) + len(pause)) / RATE
        return np.concatenate(parts), ref

    for voice in by:
        for part in range(2):
            audio, ref = build([(c, voice) for c in by[voice][part * 50:part * 50 + 50]])
            yield f"mono-{voice}-{part}", audio, ref, 1
    lines = [(c, "host") for c in by["small-fish"][100:160]]
    for i, c in enumerate(by["big-fish"][100:112]):
        lines.insert(5 * i + rng.randint(1, 4), (c, "guest"))
    yield "rare-guest", *build(lines), 2
    lines = [(c, "small") for c in by["small-fish"][190:210]]
    lines += [(c, "big") for c in by["big-fish"][150:170]]
    rng.shuffle(lines)
    audio, ref = build(lines)
    # Five stretches of the fish dialogue, each followed by one of the Flemish sentences.
    pieces, ref3, t, per = [], [], 0.0, len(ref) // 5
    for k, (fs, fe, _) in enumerate(flemish_ref):
        chunk = ref[k * per:(k + 1) * per] if k < 4 else ref[k * per:]
        a0, a1 = int(chunk[0][0] * RATE), int(chunk[-1][1] * RATE)
        ref3 += [(s - chunk[0][0] + t, e - chunk[0][0] + t, r) for s, e, r in chunk]
        t += (a1 - a0) / RATE + 0.5
        reader = flemish[int(fs * RATE):int(fe * RATE)]
        ref3.append((t, t + len(reader) / RATE, "reader"))
        pieces += [audio[a0:a1], np.zeros(RATE // 2, np.float32), reader,
                   np.zeros(RATE // 2, np.float32)]
        t += len(reader) / RATE + 0.5
    yield "three-voices", np.concatenate(pieces), ref3, 3


def asr_segments(name: str, audio: np.ndarray, cache: Path, transcribe: bool):
    path = cache / f"{name}.asr.json"
    if not path.exists():
        if not transcribe:
            return None, None
        from pipeline.asr import AsrOptions, load_engine

        engine = load_engine("faster-whisper", None, AsrOptions())
        cpu = time.process_time()
        segments = list(engine.transcribe(audio))
        path.write_text(json.dumps({"cpu_s": time.process_time() - cpu, "segments": [
            {"start": s.start, "end": s.end, "words": [[w.text, w.start, w.end] for w in s.words]}
            for s in segments]}))
    data = json.loads(path.read_text())
    return [Segment(s["start"], s["end"], tuple(Word(w[1], w[2]) for w in s["words"]))
            for s in data["segments"] if s["words"]], data.get("cpu_s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--asr-cache", type=Path, default=None)
    parser.add_argument("--transcribe", action="store_true", help="fill ASR-CACHE where empty")
    args = parser.parse_args()
    _, cpu, mib = peak_added(load_encoder)
    print(f"encoder load: {cpu:.1f} CPU s, +{mib:.0f} MiB")
    print("case: count/expected, speaker error | on ASR segments | ASR with joined turns")
    errors: dict[str, list[float]] = {"spans": [], "asr": [], "joined": []}
    cost, asr_cost, seconds, splits_right, splits_due, stray = 0.0, 0.0, 0.0, 0, 0, 0
    for name, audio, ref, want in cases(need(args.data)):
        spans = [Segment(s, e) for s, e, _ in ref]
        result, cpu, mib = peak_added(lambda a=audio, s=spans: label_speakers(a, s))
        error = speaker_error(ref, spans, result) if want > 1 else 0.0
        line = f"  {name:20s} {result.count}/{want}" + ("" if result.count == want else " (!)")
        line += f" {error:6.1%}" if want > 1 else "       "
        if want > 1 and name.startswith("dev-"):
            errors["spans"].append(error)
        segments, asr_cpu = (None, None) if args.asr_cache is None else asr_segments(
            name, audio, args.asr_cache, args.transcribe)
        if segments:
            result, cpu, mib = peak_added(lambda a=audio, s=segments: label_speakers(a, s))
            error = speaker_error(ref, segments, result) if want > 1 else 0.0
            line += (f" | {result.count}/{want} {error:6.1%} (coverage "
                     f"{coverage(ref, segments):.0%}), {len(result.splits)} splits")
            if name.startswith("dev-"):
                errors["asr"].append(error)
                cost, seconds = cost + cpu, seconds + len(audio) / RATE
                asr_cost += asr_cpu or 0.0
                merged, expect = joined(segments, ref)
                result = label_speakers(audio, merged)
                errors["joined"].append(speaker_error(ref, merged, result))
                found = {(sp.segment, sp.word) for sp in result.splits}
                due = [(k, w) for k, w in expect.items()
                       if min(merged[k].words[w - 1].end - merged[k].words[0].start,
                              merged[k].words[-1].end - merged[k].words[w].start) >= 1.0]
                right = sum(d in found for d in due)
                elsewhere = sum(sp.segment not in expect for sp in result.splits)
                splits_right, splits_due = splits_right + right, splits_due + len(due)
                line += (f" | {result.count}/{want} {errors['joined'][-1]:6.1%}, "
                         f"{right}/{len(due)} joins split right, {elsewhere} other splits")
            elif want == 1:
                stray += len(result.splits)
        print(f"{line}; {cpu / (len(audio) / RATE):.3f} CPU s/s, +{mib:.0f} MiB", flush=True)
    for key, values in errors.items():
        if values:
            print(f"mean speaker error on nl-dev-interviews, {key}: {np.mean(values):.1%}")
    if seconds:
        print(f"turns inside joined segments split at the right word: {splits_right}/{splits_due}"
              f"; splits in monologues: {stray}")
        print(f"cost on the interviews' ASR segments: {cost / seconds:.4f} CPU s per audio s"
              + (f" ({cost / asr_cost:.0%} of transcription's CPU)" if asr_cost else ""))


if __name__ == "__main__":
    main()
