"""Chapters of an episode: where they start (signals.py, placement.py), their titles (titles.py)
and keywords (keywords.py); and the same chapters regrouped after an editor moved their starts."""

from __future__ import annotations

import numpy as np

from pipeline.chapters.keywords import chapter_keywords
from pipeline.chapters.lexicon import chapter_text
from pipeline.chapters.placement import best_starts, estimate_count
from pipeline.chapters.signals import Signals, gap_evidence, sound_vectors
from pipeline.chapters.titles import TranslateTexts, chapter_titles
from pipeline.document import Chapter, Segment
from pipeline.embeddings import Embedder, load_embedder
from pipeline.errors import ReportageError

MIN_CHAPTER_S = 45.0
SAME_START_S = 0.05  # times this close are one (rounding in the JSON)
# Bumped when a change to this package makes different chapters or titles from the same input:
# the topics stage's fingerprint holds it, so a re-run redoes automatic chapters (never an
# editor's) once. 2: titles and their English as of stop 37; 3: titles are noun phrases (HanTa);
# 4: a word in an English or German spelling said once is no title word, confidence ranks, and a
# dictionary checks the English title; 5: an English title says nothing the Dutch does not, in
# its number, its verb first ("Brood bakken" / "Baking bread"); a title never spans a comma;
# a word in a foreign spelling said twice is title material only if heard clearly once;
# 6: a verb's -dt is its d-stem in the stems words are compared by (search/textnorm.py);
# 7: a demonstrative before a noun is its determiner whatever the tagger says ("die schildpad"),
# and "een", "het", "dit", "ons" or "elk(e)" before a plural none ("ons problemen" is misheard);
# an English title's noun is plural where the Dutch is ("Twee dagen" / "Two days", not "Two
# assign"; "Grote ogen" / "Big eyes") and after a number ("Honderd jaar" / "Hundred years").
METHOD = 7
# Which machine titles a regroup keeps: all (an editor moved a start: no title changes under
# their eyes), those of chapters whose segments did not change (a re-run), or none (a re-run
# after METHOD changed: the editor's own titles stay whatever happens).
ALL, UNCHANGED, EDITED = "all", "unchanged", "edited"


def make_chapters(
    segments: list[Segment],
    *,
    count: int | None = None,
    min_chapter_s: float = MIN_CHAPTER_S,
    embedder: Embedder | None = None,
    signals: Signals = Signals(),
    translate: TranslateTexts | None = None,
    audio: np.ndarray | None = None,
) -> list[Chapter]:
    """Chapters over the segments that hold speech; `count` forces the number of chapters;
    `translate` (a text translator) gives the English titles; `audio` (the episode's samples)
    lets how the speech sounds count too."""
    if count is not None and count < 1:
        raise ReportageError(f"chapter count must be at least 1, not {count}")
    spoken = spoken_segments(segments)
    if not spoken:
        return []
    embedder = embedder or load_embedder()
    starts = find_starts(spoken, count, min_chapter_s, embedder, signals, audio)
    return build_chapters(spoken, starts, embedder, translate=translate)


def spoken_segments(segments: list[Segment]) -> list[Segment]:
    return [s for s in segments if s.nl.strip()]


def find_starts(spoken: list[Segment], count: int | None, min_chapter_s: float,
                embedder: Embedder, signals: Signals,
                audio: np.ndarray | None = None) -> list[int]:
    """Indices into `spoken` where chapters after the first begin, in order."""
    times = np.array([s.start for s in spoken])
    end = spoken[-1].end
    duration = end - times[0]
    if len(spoken) < 2 or count == 1 or (count is None and duration < 2 * min_chapter_s):
        return []
    sound = (sound_vectors(audio, spoken, signals.sound_range_db)
             if audio is not None and signals.sound else None)
    evidence = gap_evidence(spoken, embedder, signals, sound)
    if count:
        min_chapter_s = min(min_chapter_s, duration / (2 * count))
    else:
        count = estimate_count(times, end, evidence, min_chapter_s)
    return best_starts(times, end, evidence, count, min_chapter_s)


def build_chapters(spoken: list[Segment], starts: list[int], embedder: Embedder,
                   keep: list[Chapter | None] | None = None, titles: str = UNCHANGED,
                   translate: TranslateTexts | None = None) -> list[Chapter]:
    """Chapters from start indices; the first begins at 0 s so the chapters cover the audio.
    `keep[n]`, where given, is the chapter n was before: its id, and its titles where an editor
    wrote them, stay; and the machine's where `titles` says (ALL, UNCHANGED or EDITED)."""
    groups = split_at(spoken, starts)
    keep = keep or [None] * len(groups)
    fixed = {n: old.title for n, old in enumerate(keep)
             if old and old.title and _title_stays(old, groups[n], titles)}
    named = chapter_titles(groups, embedder, fixed, translate)
    nl_words = chapter_keywords([chapter_text(g, "nl") for g in groups], "nl")
    has_en = any(s.en and s.en.strip() for s in spoken)
    en_words = chapter_keywords([chapter_text(g, "en") for g in groups], "en") if has_en else None
    chapters = []
    for n, group in enumerate(groups):
        start = 0.0 if n == 0 else group[0].start
        old = keep[n]
        title, title_en = named[n]
        if n in fixed or old and old.edited.get("title_en"):
            title_en = old.title_en
        chapters.append(Chapter(
            id=old.id if old else f"c{round(start * 100):07d}",
            start=start,
            end=groups[n + 1][0].start if n + 1 < len(groups) else group[-1].end,
            title=title,
            title_en=title_en,
            keywords=nl_words[n],
            keywords_en=en_words[n] if en_words else [],
            segment_ids=[s.id for s in group],
            edited=dict(old.edited) if old else {},
        ))
    return chapters


def split_at(spoken: list[Segment], starts: list[int]) -> list[list[Segment]]:
    bounds = [0, *starts, len(spoken)]
    return [spoken[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _title_stays(old: Chapter, group: list[Segment], titles: str) -> bool:
    """An editor's English was written for the Dutch beside it: the pair stays together."""
    if titles == ALL or old.edited.get("title") or old.edited.get("title_en"):
        return True
    return titles == UNCHANGED and old.segment_ids == [s.id for s in group]


def regroup(segments: list[Segment], chapters: list[Chapter], embedder: Embedder,
            starts: list[float] | None = None, titles: str = UNCHANGED,
            translate: TranslateTexts | None = None) -> list[Chapter]:
    """`chapters` over (new) segments (or at `starts`, an editor's new start times, one per
    chapter), each starting at the spoken segment that holds its start, or the first after it:
    a chapter whose lines were all blanked begins where its speech would, never inside the
    chapter before. Of two starting on one segment, one an editor changed stays over one they
    did not, else the one nearer to it. Titles an editor wrote stay, and the machine's as
    `titles` says (build_chapters)."""
    spoken = spoken_segments(segments)
    if not spoken or not chapters:
        return []
    wanted = starts if starts is not None else [c.start for c in chapters]
    found: dict[int, tuple[tuple, Chapter]] = {}  # segment index -> ((machine's, how far), it)
    for chapter, at in zip(chapters[1:], wanted[1:], strict=True):
        i = _segment_at(spoken, at)
        if not i:  # no speech from there on, or the first chapter's segment
            continue
        rank = (not any(chapter.edited.values()), abs(spoken[i].start - at))
        if i not in found or rank < found[i][0]:
            found[i] = (rank, chapter)
    at_segments = sorted(found)
    keep = [chapters[0]] + [found[i][1] for i in at_segments]
    return build_chapters(spoken, at_segments, embedder, keep, titles, translate)


def _segment_at(spoken: list[Segment], at: float) -> int | None:
    """The spoken segment that starts at `at`, or else the first that ends after it."""
    return next((i for i, s in enumerate(spoken) if abs(s.start - at) <= SAME_START_S),
                next((i for i, s in enumerate(spoken) if s.end > at + SAME_START_S), None))
