"""The speakers stage: a speaker for every segment, and a segment split where the voice changes
inside it, so no segment holds two speakers' words. The logic lives in pipeline/speakers/.

Runs after transcription and before translation (the English follows the split segments).
Segments an editor changed keep their text and speaker; names given by editors live in
`Episode.speakers` and survive every re-run.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace

from pipeline.document import Segment, Word, free_speaker_id, segment_id
from pipeline.stages.base import Context


class SpeakersStage:
    name = "speakers"

    def enabled(self, ctx: Context) -> bool:
        return not ctx.settings.no_speakers

    def inputs(self, ctx: Context) -> dict:
        # The transcript it labels, by the transcribe stage's fingerprint: the stage's own
        # splits change the segments, so they cannot be the key.
        transcript = ctx.episode.provenance.get("transcribe", {}).get("fingerprint")
        return {"transcript": transcript, "count": ctx.settings.speakers, "model": MODEL}

    def run(self, ctx: Context) -> dict:
        from pipeline.speakers import label_speakers

        total = ctx.episode.source.duration_s
        ctx.progress("speakers", 0, total)
        segments = ctx.episode.segments
        result = label_speakers(ctx.audio, segments, ctx.settings.speakers,
                                lambda share: ctx.progress("speakers", share * total, total))
        named = set(ctx.episode.speakers) | set(ctx.episode.speakers.values())
        ids = kept_ids(segments, result.labels, result.splits, named)
        splits = [replace(split, speaker=ids[split.speaker]) for split in result.splits]
        ctx.episode.segments = apply_labels(segments, [ids[x] for x in result.labels], splits)
        ctx.progress("speakers", total, total)
        return {"engine": "resemblyzer", "model": MODEL, "speakers": result.count,
                **({"note": result.note} if result.note else {})}


MODEL = "GE2E voice encoder (resemblyzer 0.1.4 weights)"


def speakers_available() -> bool:
    """Whether the speakers extra is installed (found without importing it)."""
    return all(importlib.util.find_spec(name) for name in ("torch", "resemblyzer", "scipy"))


def kept_ids(segments: list[Segment], labels: list[str], splits, named: set[str]
             ) -> dict[str, str]:
    """Each new label (of a segment's first word, or of a voice that takes over inside one:
    `splits`) -> the id it goes by. A re-run clusters afresh and numbers voices in order of
    appearance, so a voice may come out as another number: each takes the id of the earlier
    speaker it shares the most talk time with (an optimal one-to-one matching), so a name an
    editor gave stays with its voice. A voice matching none gets an id no one holds, nor is
    any id or name in `named`."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    new = sorted(set(labels) | {split.speaker for split in splits})
    old = sorted({seg.speaker for seg in segments if seg.speaker})
    shared = np.zeros((len(new), len(old)))
    for seg, label in zip(segments, labels, strict=True):
        if seg.speaker:
            shared[new.index(label), old.index(seg.speaker)] += seg.end - seg.start
    rows, cols = linear_sum_assignment(shared, maximize=True)
    ids = {new[r]: old[c] for r, c in zip(rows, cols, strict=True) if shared[r, c] > 0}
    taken = set(old) | named | set(ids.values())
    for label in new:
        if label not in ids:
            clash = label.casefold() in {t.casefold() for t in taken}
            ids[label] = free_speaker_id(taken) if clash else label
            taken.add(ids[label])
    return ids


def apply_labels(segments: list[Segment], labels: list[str], splits) -> list[Segment]:
    """Segments with their speakers, split at every change of voice inside one. A segment a
    human edited keeps its text, words and speaker (only an unset speaker is filled in)."""
    cuts: dict[int, list[tuple[int, str]]] = {}
    for split in splits:
        cuts.setdefault(split.segment, []).append((split.word, split.speaker))
    taken = {seg.id for seg in segments}
    out = []
    for i, (seg, label) in enumerate(zip(segments, labels, strict=True)):
        if any(seg.edited.values()):
            seg.speaker = seg.speaker or label
            out.append(seg)
            continue
        seg.speaker = label
        out += split_segment(seg, cuts.get(i, []), taken)
    return out


def split_segment(seg: Segment, cuts: list[tuple[int, str]], taken: set[str]) -> list[Segment]:
    """`seg` cut before each word index in `cuts`, each part with its own speaker."""
    if not cuts:
        return [seg]
    bounds = [0] + [word for word, _ in cuts] + [len(seg.words)]
    speakers = [seg.speaker] + [speaker for _, speaker in cuts]
    parts = []
    for (a, b), speaker in zip(zip(bounds, bounds[1:], strict=False), speakers, strict=True):
        words: list[Word] = seg.words[a:b]
        if not words:
            continue
        start = seg.start if a == 0 else words[0].start
        end = seg.end if b == len(seg.words) else words[-1].end
        ident = seg.id if a == 0 else segment_id(start, taken)
        parts.append(Segment(id=ident, start=round(start, 3), end=round(end, 3),
                             nl=" ".join(w.text for w in words), speaker=speaker, words=words))
    return parts
