"""`reportage check`: parse an SRT or WebVTT file and report where it breaks subtitle norms.

The parsers are strict and our own, so that a malformed file is reported with the line where it
first goes wrong rather than half-read by a forgiving library.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ReportageError
from pipeline.formats.cues import Norms, cue_chars

# Times in files have millisecond precision; rounding may cost up to half of one.
_EPS = 0.0005


@dataclass
class FileCue:
    number: int  # position in the file, from 1
    line: int  # line number of its timing line
    start: float
    end: float
    lines: list[str]  # text as shown: markup removed, entities decoded


@dataclass
class Violation:
    cue: int
    rule: str
    message: str
    hard: bool  # a hard limit (the file is rejected) or a target (a warning)


class SubtitleParseError(ReportageError):
    def __init__(self, path: Path | str, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.line = line


# ---------------------------------------------------------------- parsing

_SRT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})"
_SRT_TIMING = re.compile(rf"^{_SRT_TIME} --> {_SRT_TIME}(?:\s.*)?$")
_VTT_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TIMING = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t].*)?$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _shown(line: str) -> str:
    return html.unescape(_TAG.sub("", line))


def _blocks(lines: list[str], first: int = 0) -> Iterator[tuple[int, list[str]]]:
    """(line number of the block's first line, its lines) for blank-line separated blocks."""
    block: list[str] = []
    for n, line in enumerate(lines[first:], first + 1):
        if line.strip():
            if not block:
                start = n
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse_srt(text: str, path: Path | str = "<srt>") -> list[FileCue]:
    cues: list[FileCue] = []
    for n, block in _blocks(text.splitlines()):
        if not block[0].strip().isdigit():
            raise SubtitleParseError(path, n, f"expected a cue number, found {block[0]!r}")
        if len(block) < 2:
            raise SubtitleParseError(path, n + 1, "expected a timing line after the cue number")
        timing = _SRT_TIMING.match(block[1].strip())
        if timing is None:
            raise SubtitleParseError(
                path, n + 1, f"expected 'HH:MM:SS,mmm --> HH:MM:SS,mmm', found {block[1]!r}"
            )
        if len(block) < 3:
            raise SubtitleParseError(path, n + 1, "cue has no text")
        g = timing.groups()
        cues.append(
            FileCue(
                len(cues) + 1,
                n + 1,
                _seconds(*g[:4]),
                _seconds(*g[4:]),
                [_shown(x) for x in block[2:]],
            )
        )
    return cues


def parse_vtt(text: str, path: Path | str = "<vtt>") -> list[FileCue]:
    lines = text.splitlines()
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise SubtitleParseError(path, 1, "a WebVTT file must start with 'WEBVTT'")
    header_end = next((k for k, line in enumerate(lines) if not line.strip()), len(lines))
    cues: list[FileCue] = []
    for n, block in _blocks(lines, header_end):
        if re.match(r"^(NOTE|STYLE|REGION)(?:[ \t]|$)", block[0]):
            continue
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise SubtitleParseError(
                path, n, f"expected a cue timing line with '-->', found {block[0]!r}"
            )
        timing = _VTT_TIMING.match(block[timing_at])
        if timing is None:
            raise SubtitleParseError(
                path,
                n + timing_at,
                f"expected '[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm', found {block[timing_at]!r}",
            )
        payload = block[timing_at + 1 :]
        for k, line in enumerate(payload):
            if "-->" in line:
                raise SubtitleParseError(path, n + timing_at + 1 + k, "cue text may not hold '-->'")
        g = timing.groups()
        start, end = _seconds(*g[:4]), _seconds(*g[4:])
        cues.append(FileCue(len(cues) + 1, n + timing_at, start, end, [_shown(x) for x in payload]))
    return cues


def parse_file(path: Path) -> list[FileCue]:
    parsers = {".srt": parse_srt, ".vtt": parse_vtt}
    parser = parsers.get(path.suffix.lower())
    if parser is None:
        raise ReportageError(f"{path}: not a subtitle file (expected .srt or .vtt)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SubtitleParseError(path, line, "not UTF-8 text") from None
    return parser(text, path)


# ---------------------------------------------------------------- checking


def check(cues: list[FileCue], norms: Norms) -> list[Violation]:
    """Every rule each cue breaks, in cue order."""
    found: list[Violation] = []
    prev: FileCue | None = None
    for cue in cues:
        found.extend(_check_cue(cue, norms))
        if prev is not None:
            found.extend(_check_pair(prev, cue, norms))
        prev = cue
    return found


def _check_cue(cue: FileCue, norms: Norms) -> Iterator[Violation]:
    n = cue.number
    duration = cue.end - cue.start
    if len(cue.lines) > norms.max_lines:
        yield Violation(n, "max-lines", f"{len(cue.lines)} lines (max {norms.max_lines})", True)
    for k, line in enumerate(cue.lines, 1):
        if len(line) > norms.max_chars:
            message = f"line {k} has {len(line)} characters (max {norms.max_chars})"
            yield Violation(n, "max-chars", message, True)
    if duration <= 0:
        yield Violation(n, "timing", "ends before it starts", True)
        return
    if duration < norms.min_duration - _EPS:
        message = f"lasts {duration:.3f} s (min {norms.min_duration:.3f} s)"
        yield Violation(n, "min-duration", message, True)
    if duration > norms.max_duration + _EPS:
        message = f"lasts {duration:.3f} s (max {norms.max_duration:g} s)"
        yield Violation(n, "max-duration", message, True)
    cps = cue_chars(cue.lines) / duration
    if cps > norms.max_cps + 1e-6:
        yield Violation(n, "max-cps", f"{cps:.1f} characters/s (max {norms.max_cps:g})", True)
    elif cps > norms.target_cps + 1e-6:
        message = f"{cps:.1f} characters/s (target {norms.target_cps:g})"
        yield Violation(n, "target-cps", message, False)


def _check_pair(prev: FileCue, cue: FileCue, norms: Norms) -> Iterator[Violation]:
    gap = cue.start - prev.end
    if gap < -_EPS:
        yield Violation(
            cue.number, "overlap", f"starts {-gap:.3f} s before cue {prev.number} ends", True
        )
    elif _EPS < gap < norms.min_gap - _EPS:
        message = f"{gap * 1000:.0f} ms after cue {prev.number} (min {norms.min_gap * 1000:.0f} ms)"
        yield Violation(cue.number, "gap", message, True)


@dataclass
class Report:
    path: Path
    cues: int
    violations: list[Violation]

    @property
    def hard(self) -> list[Violation]:
        return [v for v in self.violations if v.hard]

    def lines(self) -> list[str]:
        out = [
            f"cue {v.cue}: {'error' if v.hard else 'warning'} [{v.rule}] {v.message}"
            for v in self.violations
        ]
        verdict = "breaks hard limits" if self.hard else "conforms"
        soft = len(self.violations) - len(self.hard)
        out.append(
            f"{self.path}: {self.cues} cues, {len(self.hard)} errors, {soft} warnings: {verdict}"
        )
        return out


def check_file(path: Path, norms: Norms) -> Report:
    cues = parse_file(path)
    return Report(path, len(cues), check(cues, norms))
