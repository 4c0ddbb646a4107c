"""Subtitle cues that meet broadcast norms, built from an episode's segments.

Words are grouped into cues by dynamic programming (fewest cues, breaks at phrase boundaries,
readable speed), each cue's text is laid out in balanced lines, and a timing pass stretches cues
into following pauses until they are slow enough to read. Hard limits (line length, lines,
duration, overlaps, gaps, 20 cps) hold by construction, except for a single word that is itself
longer than a line.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import pairwise

from pipeline.document import Episode, Segment
from pipeline.errors import ReportageError
from pipeline.formats.markup import plain, tidy_markup


@dataclass(frozen=True)
class Norms:
    max_chars: int = 42  # characters a line
    max_lines: int = 2
    max_cps: float = 20.0  # hard reading-speed limit, characters a second
    target_cps: float = 17.0  # met where timing allows
    min_duration: float = 5 / 6  # seconds (20 frames at 24 fps)
    max_duration: float = 7.0
    min_gap: float = 0.083  # between cues that do not touch (2 frames)


NETFLIX_NL = Norms()
# Podcasting 2.0 recommendation for SRT transcripts: 2 lines of at most 32 characters.
PODCAST = replace(NETFLIX_NL, max_chars=32)
PROFILES = {"netflix-nl": NETFLIX_NL, "podcast": PODCAST}


def profile_norms(
    profile: str,
    max_cps: float | None = None,
    max_chars: int | None = None,
    max_lines: int | None = None,
) -> Norms:
    """A named profile's norms with any limits the user overrides."""
    if profile not in PROFILES:
        raise ReportageError(f"unknown profile {profile!r}: choose {' or '.join(PROFILES)}")
    norms = PROFILES[profile]
    if max_cps is not None:
        norms = replace(norms, max_cps=max_cps, target_cps=min(norms.target_cps, max_cps))
    if max_chars is not None:
        norms = replace(norms, max_chars=max_chars)
    if max_lines is not None:
        norms = replace(norms, max_lines=max_lines)
    return norms


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str]
    speaker: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def cue_chars(lines: Sequence[str]) -> int:
    """Characters counted for reading speed: the text with lines joined by one space."""
    return len(" ".join(lines))


@dataclass
class _Token:
    text: str
    start: float
    end: float
    speaker: str | None
    forced_break: bool  # a new cue must start here (new speaker, chapter, long pause)
    segment_end: bool  # last token of its segment
    glued: bool = False  # no cue may start here (inside a speaker's name)


# A cue may not run on across a silence this long: the text would show before it is spoken.
_MAX_INNER_PAUSE = 2.0
# How much earlier than its speech a cue may appear to be read at target speed.
_MAX_LEAD_IN_MS = 500
_GAP_MS_SAFETY = 1  # ms added to the gap so rounding to milliseconds cannot go under it
_NAME_SPACE = "\u00a0"  # joins a speaker's name to a turn's first word (_named); then a space

_SENTENCE_END = re.compile(r"[.?!…]['\"’”)]*$")
_CLAUSE_END = re.compile(r"[,;:]['\"’”)]*$|^[-–—]$")
# Conjunctions and prepositions a line or cue may start with (nl, en).
# fmt: off
_PHRASE_STARTERS = {
    "en", "maar", "of", "want", "dus", "omdat", "dat", "die", "als", "wanneer", "toen",
    "terwijl", "hoewel", "zodat", "doordat", "voordat", "nadat", "tot", "sinds", "in", "op",
    "aan", "met", "van", "voor", "naar", "bij", "uit", "over", "onder", "door", "tegen",
    "tussen", "zonder", "na", "om", "achter", "naast", "binnen", "buiten", "langs", "rond",
    "tijdens", "vanaf", "vanuit", "and", "but", "or", "because", "so", "that", "which", "who",
    "when", "while", "if", "although", "since", "until", "on", "at", "to", "for", "with",
    "from", "by", "about", "into", "through", "between", "without", "after", "before", "during",
}
# fmt: on
# Words that bind to what follows: never end a line or cue with them.
_BINDERS = {"de", "het", "een", "the", "a", "an", "'t", "'n"}


def _bare(word: str) -> str:
    return word.strip(".,;:!?…'\"’”“()[]").lower()


@lru_cache(maxsize=65536)
def _break_cost(before: str, after: str | None) -> float:
    """How bad it is to break a line or cue between two words (0 = natural boundary)."""
    if after is None or _SENTENCE_END.search(before):
        return 0.0
    if _CLAUSE_END.search(before):
        return 0.3
    # After an article or preposition, or leaving a sentence's last word dangling.
    if (
        _bare(before) in _BINDERS
        or _bare(before) in _PHRASE_STARTERS
        or _SENTENCE_END.search(after)
    ):
        return 3.0
    if _bare(after) in _PHRASE_STARTERS:
        return 0.6
    return 1.5


# ---------------------------------------------------------------- tokens from segments


def segment_text(segment: Segment, lang: str) -> str:
    """A segment's text in `lang`, its markup tidied."""
    return tidy_markup([(segment.nl if lang == "nl" else segment.en) or ""])[0]


def listener_text(segment: Segment, lang: str) -> str:
    """What a reader of the transcript sees: the words, an editor's markup gone."""
    return plain(segment_text(segment, lang))


def segment_words(segments: Iterable[Segment], lang: str) -> list[str]:
    """The words of the document in one language, in order: what the cues must hold."""
    return [w for seg in segments for w in segment_text(seg, lang).split()]


TimedWord = tuple[str, float, float]


def _timed_words(segment: Segment, lang: str) -> list[TimedWord]:
    """Words of a segment's text with times: from its word timestamps (Dutch), else the
    segment's span shared out by length."""
    words = segment_text(segment, lang).split()
    if lang == "nl" and segment.words:
        timed = [(piece, w.start, w.end) for w in segment.words for piece in w.text.split()]
        return _align(words, timed, segment.start, segment.end)
    return _spread(words, segment.start, segment.end)


def _align(words: list[str], timed: list[TimedWord], start: float, end: float) -> list[TimedWord]:
    """Times for `words` from timed words that may spell an older text (before an edit):
    unchanged words keep their times, changed ones share the time of what they replace."""
    if words == [t for t, _, _ in timed]:
        return timed  # the text the recogniser timed, as nearly every segment is
    ops = SequenceMatcher(a=[t for t, _, _ in timed], b=words, autojunk=False).get_opcodes()
    out: list[TimedWord] = []
    for tag, a0, a1, b0, b1 in ops:
        if tag == "equal":
            out += timed[a0:a1]
        elif b1 > b0:
            lo = timed[a0][1] if a1 > a0 else (timed[a0 - 1][2] if a0 else start)
            hi = timed[a1 - 1][2] if a1 > a0 else (timed[a0][1] if a0 < len(timed) else end)
            out += _spread(words[b0:b1], lo, max(lo, hi))
    return out


def _spread(words: list[str], start: float, end: float) -> list[TimedWord]:
    """Each word gets the share of [start, end] that its characters take in the text."""
    total = max(len(" ".join(words)), 1)
    span = max(end - start, 0.0)
    timed, offset = [], 0
    for w in words:
        timed.append((w, start + span * offset / total, start + span * (offset + len(w)) / total))
        offset += len(w) + 1
    return timed


def _tokens(
    segments: Sequence[Segment], lang: str, chapter_starts: Sequence[float],
    names: Callable[[str], str] | None = None,
) -> list[_Token]:
    chapters = sorted(chapter_starts)
    tokens: list[_Token] = []
    for seg in segments:
        timed = _timed_words(seg, lang)
        glued = 0  # tokens after the first that belong to the speaker's name
        turn = seg.speaker != (tokens[-1].speaker if tokens else None)
        if timed and names and seg.speaker and turn:
            named = _named(names(seg.speaker) or seg.speaker, timed)
            timed, glued = named, len(named) - len(timed)
        for k, (text, start, end) in enumerate(timed):
            prev = tokens[-1] if tokens else None
            # Word times from a recogniser can run backwards slightly; keep them monotonic.
            if prev is not None:
                start = max(start, prev.start)
            end = max(end, start)
            forced = prev is None or (
                (k == 0 and seg.speaker != prev.speaker)
                or start - prev.end > _MAX_INNER_PAUSE
                or bisect_right(chapters, start) > bisect_right(chapters, prev.start)
            )
            tokens.append(_Token(text, start, end, seg.speaker, forced, k == len(timed) - 1,
                                 0 < k <= glued))
    return tokens


def _named(name: str, timed: list[TimedWord]) -> list[TimedWord]:
    """A turn's words opened by "Name:", whose last word is joined to the first word said, so
    that no line ends with the name (and no cue: see _Token.glued)."""
    *head, last = f"{name}:".split()
    text, start, end = timed[0]
    return [(w, start, start) for w in head] + [(last + _NAME_SPACE + text, start, end), *timed[1:]]


# ---------------------------------------------------------------- line layout


@lru_cache(maxsize=4096)
def layout(words: tuple[str, ...], max_chars: int, max_lines: int) -> tuple[tuple[str, ...], float]:
    """Best split of words into the fewest lines that fit, balanced and at phrase boundaries.

    Returns (lines, cost); lines is empty when the words do not fit in max_lines lines.
    A single word longer than max_chars gets a line of its own (it cannot be broken).
    """
    if len(" ".join(words)) <= max_chars or len(words) == 1:
        return (" ".join(words),), 0.0
    for k in range(2, min(max_lines, len(words)) + 1):
        found = _LineSplitter(words, max_chars, k).solve(0, k)
        if found is not None:
            cost, ends = found
            starts = (0, *ends[:-1])
            return tuple(" ".join(words[a:b]) for a, b in zip(starts, ends, strict=True)), cost
    return (), math.inf


class _LineSplitter:
    """Cheapest split of words into exactly k lines: balanced widths, good break points."""

    def __init__(self, words: tuple[str, ...], max_chars: int, k: int) -> None:
        self.words = words
        self.max_chars = max_chars
        self.offsets = [0]
        for w in words:
            self.offsets.append(self.offsets[-1] + len(w) + 1)
        self.target = self.width(0, len(words)) / k
        self.memo: dict[tuple[int, int], tuple[float, tuple[int, ...]] | None] = {}

    def width(self, i: int, j: int) -> int:
        return self.offsets[j] - self.offsets[i] - 1

    def line_cost(self, i: int, j: int) -> float | None:
        if self.width(i, j) > self.max_chars and j - i > 1:
            return None
        return (self.width(i, j) - self.target) ** 2 / 100

    def solve(self, i: int, lines: int) -> tuple[float, tuple[int, ...]] | None:
        """(cost, line end indices) for words[i:] in `lines` lines, or None if they don't fit."""
        n = len(self.words)
        if (i, lines) in self.memo:
            return self.memo[(i, lines)]
        result = None
        if lines == 1:
            cost = self.line_cost(i, n)
            result = None if cost is None else (cost, (n,))
        else:
            # The rest must fit in lines - 1 lines: skip first lines too short to leave that.
            most_rest = (lines - 1) * (self.max_chars + 1) - 1
            first_end = bisect_left(self.offsets, self.offsets[n] - 1 - most_rest)
            for j in range(max(i + 1, first_end), n - lines + 2):
                cost = self.line_cost(i, j)
                if cost is None:
                    break
                rest = self.solve(j, lines - 1)
                if rest is None:
                    continue
                cost += _break_cost(self.words[j - 1], self.words[j]) + rest[0]
                if result is None or cost < result[0]:
                    result = (cost, (j, *rest[1]))
        self.memo[(i, lines)] = result
        return result


# ---------------------------------------------------------------- grouping words into cues


Cues = tuple[tuple[int, int, tuple[str, ...]], ...]


def _group(tokens: list[_Token], norms: Norms) -> list[tuple[int, int, tuple[str, ...]]]:
    """Split tokens into cues (i, j, lines) with least total cost.

    No cue spans a forced break, so each run of tokens between two of them is solved on its
    own, and remembered: an editor's save of one segment re-solves only the run it touched.
    """
    bounds = [i for i, t in enumerate(tokens) if i == 0 or t.forced_break] + [len(tokens)]
    cues = []
    for a, b in pairwise(bounds):
        before = tokens[a - 1].end if a else None
        after = tokens[b].start if b < len(tokens) else None
        run = tuple((t.text, t.start, t.end, t.segment_end, t.glued) for t in tokens[a:b])
        cues += [(a + i, a + j, lines) for i, j, lines in _group_run(run, before, after, norms)]
    return cues


@lru_cache(maxsize=4096)
def _group_run(
    run: tuple[tuple[str, float, float, bool, bool], ...], before: float | None,
    after: float | None, norms: Norms,
) -> Cues:
    """The cues of one run, with only what its costs see of its neighbours: when the speech
    before it ends (lead-in room) and when the speech after it starts (stretch room)."""
    tokens = [_Token(text, start, end, None, k == 0, seg_end, glued)
              for k, (text, start, end, seg_end, glued) in enumerate(run)]
    lo = 0
    if before is not None:
        tokens.insert(0, _Token("", before, before, None, True, True))
        lo = 1
    if after is not None:
        tokens.append(_Token("", after, after, None, True, True))
    found = _solve(tokens, lo, lo + len(run), norms)
    return tuple((i - lo, j - lo, lines) for i, j, lines in found)


def _solve(tokens: list[_Token], lo: int, hi: int, norms: Norms) -> Cues:
    """Split tokens[lo:hi] into cues with least total cost, by dynamic programming; the
    tokens around them are context only."""
    n = len(tokens)
    best = [math.inf] * (n + 1)
    choice: list[tuple[int, tuple[str, ...]]] = [(0, ())] * (n + 1)
    best[lo] = 0.0
    for i in range(lo, hi):
        if best[i] == math.inf:
            continue
        chars, pause, sentence_inside = len(tokens[i].text), 0.0, False
        used_lines, line_width = 1, len(tokens[i].text)  # greedy fill: the fewest lines
        for j in range(i + 1, hi + 1):
            last = tokens[j - 1]
            if j > i + 1:
                prev = tokens[j - 2]
                chars += len(last.text) + 1
                if line_width + 1 + len(last.text) <= norms.max_chars:
                    line_width += 1 + len(last.text)
                else:
                    used_lines, line_width = used_lines + 1, len(last.text)
                if (
                    last.forced_break
                    or used_lines > norms.max_lines
                    or last.end - tokens[i].start > norms.max_duration
                ):
                    break
                # Silence inside a cue shows text long before it is spoken.
                pause += max(0.0, last.start - prev.end - 0.3)
                sentence_inside = sentence_inside or bool(_SENTENCE_END.search(prev.text))
            cost = (
                best[i]
                + 1.0
                + 2 * pause
                + _end_cost(tokens, j, sentence_inside)
                + _speed_cost(tokens, i, j, chars, norms)
            )
            if cost >= best[j]:  # laying out the lines only adds cost
                continue
            words = tuple(t.text for t in tokens[i:j])
            lines, line_cost = layout(words, norms.max_chars, norms.max_lines)
            if cost + line_cost < best[j]:
                best[j] = cost + line_cost
                choice[j] = (i, lines)
    cues = []
    j = hi
    while j > lo:
        i, lines = choice[j]
        cues.append((i, j, lines))
        j = i
    return tuple(cues[::-1])


def _end_cost(tokens: list[_Token], j: int, sentence_inside: bool) -> float:
    """Cost of ending a cue before tokens[j]."""
    after = tokens[j] if j < len(tokens) else None
    if after is None or after.forced_break:
        return 0.0
    if after.glued:  # a name too long for one cue is still cut, at a cost no other cut has
        return 100.0
    last = tokens[j - 1]
    cost = min(_break_cost(last.text, after.text), 0.2 if last.segment_end else math.inf)
    # A sentence that starts inside a cue should end inside it too.
    return 2 * cost + (2.0 if cost > 0 and sentence_inside else 0.0)


def _speed_cost(tokens: list[_Token], i: int, j: int, chars: int, norms: Norms) -> float:
    """Cost of the reading speed a cue needs, given the time it can stretch into."""
    start, end = tokens[i].start, tokens[j - 1].end
    if i > 0:  # the timing pass may lead in from the pause before
        start -= min(_MAX_LEAD_IN_MS / 1000, max(0.0, start - tokens[i - 1].end) / 2)
    room = tokens[j].start - norms.min_gap - start if j < len(tokens) else norms.max_duration
    cps = chars / max(min(norms.max_duration, max(end - start, room)), 1e-3)
    if cps > norms.max_cps:
        return 20 + 5 * (cps - norms.max_cps)
    if cps > norms.target_cps:
        return 2 + (cps - norms.target_cps)
    return 0.0


# ---------------------------------------------------------------- timing


def _timing(spans: list[tuple[float, float, int, float]], norms: Norms
            ) -> list[tuple[float, float]]:
    """Cue times in whole milliseconds from speech spans (start, end, chars, floor): a cue
    never starts before its floor, the start of its chapter.

    A cue starts with its speech and ends when read at target_cps, stretched into the
    pause after it up to the next speech. If even max_cps does not fit, it starts earlier
    (into the pause before) and, as a last resort, pushes the next cue later.
    """
    gap = round(norms.min_gap * 1000) + _GAP_MS_SAFETY
    min_ms = math.ceil(norms.min_duration * 1000)
    max_ms = math.floor(norms.max_duration * 1000)
    ms = [(round(s * 1000), round(e * 1000), c, round(f * 1000)) for s, e, c, f in spans]
    times: list[tuple[float, float]] = []
    prev_end = -math.inf
    for k, (speech_start, speech_end, chars, floor) in enumerate(ms):
        earliest = max(floor, 0 if prev_end == -math.inf else prev_end + gap)
        start = max(speech_start, earliest)
        need = max(min_ms, math.ceil(chars * 1000 / norms.max_cps))
        want = max(min_ms, math.ceil(chars * 1000 / norms.target_cps))
        limit = ms[k + 1][0] - gap if k + 1 < len(ms) else math.inf
        end = min(max(speech_end, start + want), start + max_ms, limit)
        if end - start < want:  # lead in from the pause before, a little
            start = max(earliest, min(start, end - want), speech_start - _MAX_LEAD_IN_MS)
        if end - start < need:
            start = max(earliest, min(start, end - need))
        end = min(max(end, start + need), start + max_ms)
        times.append((start / 1000, end / 1000))
        prev_end = end
    return times


def build_cues(
    segments: Sequence[Segment],
    lang: str = "nl",
    chapter_starts: Sequence[float] = (),
    norms: Norms = NETFLIX_NL,
    names: Callable[[str], str] | None = None,
) -> list[Cue]:
    """Subtitle cues for the segments' text in `lang` ("nl" or "en"); with `names`, a new
    speaker's first cue opens with "Name:" (SRT has no voice tag)."""
    tokens = _tokens(segments, lang, chapter_starts, names)
    groups = _group(tokens, norms)
    chapters = sorted(chapter_starts)
    spans = [(tokens[i].start, tokens[j - 1].end, cue_chars(lines),
              _chapter_start(chapters, tokens[i].start)) for i, j, lines in groups]
    # Each cue stands alone: formatting that runs on across cues is closed and reopened.
    texts = tidy_markup(["\n".join(lines) for _, _, lines in groups])
    return [
        Cue(start, end, text.replace(_NAME_SPACE, " ").split("\n"), tokens[i].speaker)
        for (start, end), (i, _, _), text in zip(_timing(spans, norms), groups, texts, strict=True)
    ]


def _chapter_start(chapters: list[float], t: float) -> float:
    """The start of the chapter that holds time `t` (0 before the first)."""
    k = bisect_right(chapters, t + 0.0005)  # a word a rounding's width early still opens it
    return chapters[k - 1] if k else 0.0


def episode_cues(
    episode: Episode, lang: str, norms: Norms = NETFLIX_NL, names_in_text: bool = False
) -> list[Cue]:
    """The episode's cues, each speaker shown by the name editors gave (a new speaker always
    starts a new cue, so an SRT cue never needs the '- ' of a change of speaker);
    `names_in_text` also opens each turn with the name, as podcast apps read SRT."""
    names = episode.speaker_name if names_in_text else None
    cues = build_cues(episode.segments, lang, [c.start for c in episode.chapters], norms, names)
    if not episode.speakers:
        return cues
    return [replace(c, speaker=episode.speaker_name(c.speaker)) for c in cues]


def cue_words(cues: Iterable[Cue]) -> list[str]:
    return [w for cue in cues for w in cue.text.split()]
