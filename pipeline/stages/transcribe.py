"""The transcribe stage: speech to Dutch segments with word timings, keeping human edits."""

from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import asdict, replace
from pathlib import Path

from pipeline import audio
from pipeline.asr import AsrSegment, English
from pipeline.atomic import write_atomic
from pipeline.document import Segment, Word, segment_id
from pipeline.stages.base import Context
from pipeline.stages.translate import settings_key


def to_segments(asr_segments: list[AsrSegment], taken: set[str]) -> list[Segment]:
    return [
        Segment(id=segment_id(a.start, taken), start=round(a.start, 3), end=round(a.end, 3),
                nl=a.text, words=a.words)
        for a in asr_segments
    ]


def merge_keeping_edits(old: list[Segment], new: list[AsrSegment], same_audio: bool = True
                        ) -> list[Segment]:
    """New machine segments replace the old ones, except where a human edited a segment:
    an edited segment is kept, and new segments that overlap it are dropped. Of the same audio
    (not a new master, whose times may have moved), a new segment takes the speaker of the old
    one it overlaps most: the speakers stage matches its voices to those ids, so a name an
    editor gave stays with its voice."""
    kept = [seg for seg in old if any(seg.edited.values())]  # text or speaker
    fresh = to_segments([a for a in new if not any(_overlaps(a, k) for k in kept)],
                        {seg.id for seg in kept})
    voiced = sorted((s for s in old if s.speaker), key=lambda s: s.start) if same_audio else []
    starts = [v.start for v in voiced]
    for seg in fresh:
        seg.speaker = _speaker_at(voiced, starts, seg)
    return sorted(kept + fresh, key=lambda s: (s.start, s.end))


def _speaker_at(voiced: list[Segment], starts: list[float], seg: Segment) -> str | None:
    """The speaker of the segment of `voiced` (by start: `starts`) that overlaps `seg` most."""
    i = bisect_left(starts, seg.end)  # those before i start before it ends
    overlaps = []
    for other in (voiced[j] for j in range(i - 1, -1, -1)):
        if other.end <= seg.start:
            break  # a transcript's lines follow one another: none earlier reaches it
        overlaps.append((min(other.end, seg.end) - max(other.start, seg.start), other.speaker))
    return max(overlaps, default=(0.0, None))[1]


def _overlaps(a: AsrSegment, seg: Segment) -> bool:
    return a.start < seg.end and seg.start < a.end


# What a run finished so far, written after each piece of a long episode: a run that is stopped
# resumes after the last finished piece.
CHECKPOINT = "transcribe.partial.json"


class TranscribeStage:
    name = "transcribe"
    scratch = (CHECKPOINT,)  # gone once the segments are saved

    def enabled(self, ctx: Context) -> bool:
        return True

    def inputs(self, ctx: Context) -> dict:
        s = ctx.settings
        asr = asdict(s.asr) | {"device": None}  # where and how fast it runs: same text
        # A new glossary applies to what is transcribed from now on (or --force): re-running a
        # folder to add one episode must not transcribe the whole back catalogue again.
        del asr["threads"], asr["hotwords"]
        return {"audio": ctx.episode.source.audio_key, "engine": s.engine,
                "model": s.model or "base", "asr": asr}

    def run(self, ctx: Context) -> dict:
        total = ctx.episode.source.duration_s
        ctx.progress("decoding audio", 0, total)
        samples = ctx.audio  # decode first: a damaged file fails before a model loads
        ctx.progress("loading speech model", 0, total)
        engine = ctx.engines.asr()
        along = _english_along(ctx, engine)
        key = json.dumps([self.inputs(ctx), along], sort_keys=True, default=str)
        found, english, done = _resumed(ctx.folder, key, along)
        # Said now: the first batch's segments come only when it is decoded (a short episode's
        # all at once), and until then the bar would still say the model is loading.
        ctx.progress("transcribing", min(done / audio.SAMPLE_RATE, total), total)
        for start, end in audio.pieces(samples):
            if end <= done:
                continue  # finished by a run that was stopped
            offset = start / audio.SAMPLE_RATE
            part = English() if along else None
            extra = {"english": part} if along else {}
            for seg in engine.transcribe(samples[start:end], **extra):  # as each batch is done
                found.append(_shifted(seg, offset))
                ctx.progress("transcribing", min(found[-1].end, total), total)
            if part is not None:
                english.pieces += [(a + offset, b + offset, text) for a, b, text in part.pieces]
                english.cpu_s += part.cpu_s
            if end < len(samples):
                _checkpoint(ctx.folder, key, found, english, end)
        ctx.progress("transcribing", total, total)
        heard = ctx.episode.source.audio_key
        same_audio = ctx.episode.provenance.get("transcribe", {}).get("audio") == heard
        ctx.episode.segments = merge_keeping_edits(ctx.episode.segments, found, same_audio)
        details = {"engine": engine.name, "model": engine.model_name, "audio": heard}
        if english is not None:
            details["english"] = {"settings": settings_key(ctx.settings), "pieces": english.pieces,
                                  "cpu_s": round(english.cpu_s, 3)}
        if ctx.settings.asr.hotwords:
            details["hotwords"] = ctx.settings.asr.hotwords
        if done:
            details["resumed_at_s"] = round(done / audio.SAMPLE_RATE, 3)
        return details


def _english_along(ctx: Context, engine) -> bool:
    """Whether the run's English is decoded along with the Dutch, from the same encoding of
    the audio (the whisper translator on an engine that can)."""
    t = ctx.settings.translate
    return t.enabled and t.translator == "whisper" and getattr(engine, "speaks_english", False)


def _checkpoint(folder: Path, key: str, found: list[AsrSegment], english: English | None,
                done: int) -> None:
    state = {"key": key, "done": done, "segments": [asdict(seg) for seg in found],
             "english": asdict(english) if english is not None else None}
    write_atomic(folder / CHECKPOINT, json.dumps(state))


def _resumed(folder: Path, key: str, along: bool) -> tuple[list[AsrSegment], English | None, int]:
    """The segments, English and end sample of the checkpoint if made with these inputs."""
    try:
        state = json.loads((folder / CHECKPOINT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    if state.get("key") != key:
        return [], English() if along else None, 0
    found = [AsrSegment(**seg | {"words": [Word(**w) for w in seg["words"]]})
             for seg in state["segments"]]
    english = state["english"]
    pieces = [tuple(p) for p in english["pieces"]] if english else []
    return found, English(pieces, english["cpu_s"]) if english else None, state["done"]


def _shifted(seg: AsrSegment, offset: float) -> AsrSegment:
    """A piece's segment in the episode's time."""
    words = [replace(w, start=w.start + offset, end=w.end + offset) for w in seg.words]
    return replace(seg, start=seg.start + offset, end=seg.end + offset, words=words)
