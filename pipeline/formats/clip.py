"""A moment of an episode as a shareable clip: its audio (mp3 or m4a) and its subtitles re-timed
to the clip (SRT and WebVTT per language).

The cut never splits a word: a start inside a word moves back to that word's start, an end
inside a word moves on to its end (from the segments' word timings; segments without words
count as one word). The audio is read from the episode's own copy with PyAV at its native rate
and channels (pydub's own reading calls ffprobe, which no one need install), given short fades,
peak-normalised, and encoded by pydub through the ffmpeg binary of `imageio-ffmpeg`. The
subtitles are the episode's segments inside the span, shifted to the clip's time, through the
same cue builder and writers as the published files.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pipeline.atomic import check_writable, write_atomic
from pipeline.document import Episode, Segment, Word
from pipeline.errors import ReportageError
from pipeline.formats.cues import Cue, build_cues
from pipeline.formats.subtitles import to_srt, to_vtt

FADE_MS = 50
HEADROOM_DB = 1.0  # peak after normalising: -1 dBFS leaves room for the encoder's overshoot
# extension -> pydub/ffmpeg format, codec, bitrate
ENCODINGS = {".mp3": ("mp3", "libmp3lame", "192k"), ".m4a": ("ipod", "aac", "160k")}
LANGS = {"nl": ("nl",), "en": ("en",), "both": ("nl", "en")}
NAMES = {"nl": "Dutch", "en": "English"}
TIME_RE = re.compile(r"^(?:(?:(\d+):)?(\d+):)?(\d+(?:\.\d*)?|\.\d+)$")


@dataclass
class ClipResult:
    audio: Path
    start: float  # the cut, in episode time
    end: float
    subtitles: list[Path]
    warnings: list[str]


def parse_time(text: str) -> float:
    """Seconds from `75.5`, `1:15.5` or `0:01:15.5`."""
    match = TIME_RE.match(text.strip())
    if not match and text.strip().startswith("-"):
        raise ReportageError(f"{text.strip()}: a time cannot be negative")
    if not match:
        raise ReportageError(f"not a time: {text!r} (use seconds, MM:SS or H:MM:SS)")
    hours, minutes, seconds = match.groups()
    if (hours or minutes) and float(seconds) >= 60:
        raise ReportageError(f"not a time: {text!r} (seconds must be below 60)")
    if len((hours or "") + (minutes or "")) > 12:  # past any episode, and past float's range
        raise ReportageError(f"not a time: {text.strip()[:20]!r}… (too large)")
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)


def clip_name(slug: str, start: float, end: float, fmt: str = "mp3") -> str:
    """`<slug>-<start>-<end>.<fmt>`, the times of the clip as cut (tenths of seconds)."""
    return f"{slug}-{start + 0.0:.1f}-{end:.1f}.{fmt}"  # + 0.0: never "-0.0"


def snap(episode: Episode, start: float, end: float) -> tuple[float, float]:
    """The cut at word boundaries: a start inside a word moves back to the word's start, an end
    inside a word on to its end; a time in a pause between words stays where it is."""
    spans = [(w.start, w.end) for seg in episode.segments for w in _words(seg)]
    for lo, hi in spans:
        if lo < start < hi:
            start = lo
        if lo < end < hi:
            end = hi
    return start, end


def _words(segment: Segment) -> list[Word]:
    return segment.words or [Word(segment.nl, segment.start, segment.end)]


def check_out(out: Path) -> tuple[str, str, str]:
    """The encoding for `out`'s extension; and a file can be written beside it, before any work."""
    encoding = ENCODINGS.get(out.suffix.lower())
    if encoding is None:
        raise ReportageError(f"{out}: unknown clip extension {out.suffix or '(none)'!r}; "
                             f"use {' or '.join(ENCODINGS)}")
    check_writable(out)
    return encoding


def clip_subtitles(episode: Episode, start: float, end: float, lang: str) -> list[Cue]:
    """Cues for the segments inside [start, end], in clip time (0 = start). A segment cut by the
    span keeps the Dutch words inside it (by word timings); its English, which has no word
    timings, is kept when most of the segment is inside."""
    length = end - start
    shifted = []
    for seg in episode.segments:
        if seg.end <= start or seg.start >= end:
            continue
        inside = min(seg.end, end) - max(seg.start, start)
        mostly = inside >= 0.5 * max(seg.end - seg.start, 1e-9)
        words = [w for w in seg.words if start <= (w.start + w.end) / 2 < end]
        spelled = " ".join(w.text.strip() for w in seg.words).split() == seg.nl.split()
        if seg.words and (len(words) == len(seg.words) or spelled):
            nl = seg.nl if len(words) == len(seg.words) else " ".join(w.text.strip() for w in words)
        else:  # no word timings, or they time an older text (edited since): all or nothing
            nl, words = (seg.nl if mostly else ""), []
        shifted.append(replace(
            seg, start=max(seg.start - start, 0.0), end=min(seg.end - start, length), nl=nl,
            en=seg.en if mostly else "",
            words=[replace(w, start=max(w.start - start, 0.0), end=min(w.end - start, length))
                   for w in words],
        ))
    chapters = [c.start - start for c in episode.chapters if start < c.start < end]
    cues = build_cues(shifted, lang, chapters)
    # The timing pass may stretch the last cue into the silence after the clip: keep it inside.
    cues = [replace(c, end=min(c.end, length), speaker=episode.speaker_name(c.speaker))
            for c in cues if c.start < length]
    return [c for c in cues if c.end > c.start]


def decode_span(path: Path, start: float, end: float):
    """[start, end] of the audio file at its native rate (mono or stereo, 16 bit) as a pydub
    AudioSegment. Seeks near the start, so a long episode is never decoded whole."""
    import av

    AudioSegment = _pydub()[0]
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, OSError) as exc:
        raise ReportageError(f"{path}: not a readable audio file ({exc})") from None
    with container:
        if not container.streams.audio:
            raise ReportageError(f"{path}: has no audio track")
        stream = container.streams.audio[0]
        rate = stream.rate or stream.codec_context.sample_rate
        channels = 2 if stream.codec_context.channels >= 2 else 1
        resampler = av.AudioResampler(format="s16", layout="stereo" if channels == 2 else "mono",
                                      rate=rate)
        # The transcript's times count from the first sample decoded (pipeline.audio), the
        # container's from its own origin (an mp3's first frame may say 0.025 s): cut on the
        # transcript's clock.
        origin = float(stream.start_time * stream.time_base) if stream.start_time and \
            stream.time_base else 0.0
        if start > 1.0 and stream.time_base:
            container.seek(int((origin + start - 1.0) / stream.time_base), stream=stream)
        first, chunks, count = None, [], 0
        try:
            for frame in container.decode(stream):
                if first is None:
                    first = (frame.time if frame.time is not None else origin) - origin
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    count += out.samples
                if first + count / rate >= end:
                    break
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.FFmpegError as exc:
            raise ReportageError(f"{path}: audio is damaged ({exc})") from None
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    lo = max(round((start - (first or 0.0)) * rate), 0) * channels
    hi = max(round((end - (first or 0.0)) * rate), 0) * channels
    piece = samples[lo:hi]
    if len(piece) == 0:
        raise ReportageError(f"{path}: no audio between {start:.2f} s and {end:.2f} s")
    return AudioSegment(data=piece.astype("<i2").tobytes(), sample_width=2, frame_rate=rate,
                        channels=channels)


def _pydub():
    """pydub's AudioSegment and normalize, encoding through imageio-ffmpeg's ffmpeg binary.
    (pydub warns at import when no ffmpeg is on PATH; it never uses that one here.)"""
    import imageio_ffmpeg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
        from pydub.effects import normalize
    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    return AudioSegment, normalize


def encode(audio, out: Path) -> bytes:
    """Fades, peak normalisation, and the encoding `out`'s extension names."""
    fmt, codec, bitrate = ENCODINGS[out.suffix.lower()]
    normalize = _pydub()[1]
    fade = min(FADE_MS, len(audio) // 4)
    audio = normalize(audio, headroom=HEADROOM_DB).fade_in(fade).fade_out(fade)
    buffer = io.BytesIO()
    try:
        audio.export(buffer, format=fmt, codec=codec, bitrate=bitrate)
    except Exception as exc:  # pydub's CouldntEncodeError carries ffmpeg's whole log
        raise ReportageError(f"{out}: encoding failed ({str(exc).splitlines()[0]})") from None
    return buffer.getvalue()


MIN_CLIP_S = 0.1


def make_clip(folder: Path, start: float, end: float, out: Path | None = None,
              lang: str = "both", replace: bool = True) -> ClipResult:
    """Cut [start, end] (snapped to word boundaries) of the episode in `folder` into `out`
    (by default `clip_name` in the current folder) and its subtitles beside it
    (`<out stem>.<lang>.srt` and `.vtt`); `replace=False` refuses to write over a file."""
    if lang not in LANGS:
        raise ReportageError(f"unknown language {lang!r}: choose nl, en or both")
    episode = Episode.load(folder)
    duration = episode.source.duration_s
    if end <= start:
        raise ReportageError(f"the end ({end:g} s) must come after the start ({start:g} s)")
    if start < 0 or start >= duration:
        raise ReportageError(f"{start:g}–{end:g} s is outside the episode "
                             f"(0–{duration:.1f} s)")
    notes = []
    if end > duration + 1e-3:  # what the producer meant: up to the end
        notes.append(f"the episode ends at {duration:.1f} s: the clip ends there")
        end = duration
    audio_path = folder / episode.source.file
    if not episode.source.file or not audio_path.is_file():
        raise ReportageError(f"{episode.slug}: no audio copy in {folder}")
    start, end = snap(episode, start, end)
    start, end = max(start, 0.0), min(end, duration)
    if end - start < MIN_CLIP_S:  # e.g. the last moment of the episode: nothing to hear
        raise ReportageError(f"{start:g}–{end:g} s holds no sound to clip")
    if out is None or out.is_dir():  # a folder: the clip's own name inside it
        out = (out or Path()) / clip_name(episode.slug, start, end)
    check_out(out)

    texts = {}
    for language in LANGS[lang]:
        if language == "en" and not any(seg.en for seg in episode.segments):
            if lang == "en":
                raise ReportageError(f"{episode.slug} has no English")
            notes.append(f"{episode.slug} has no English: Dutch subtitles only")
            continue
        cues = clip_subtitles(episode, start, end, language)
        if not cues:
            notes.append(f"no {NAMES[language]} line is said in {start:.1f}–{end:.1f} s: its "
                         "subtitles are empty")
        texts[f"{out.stem}.{language}.srt"] = to_srt(cues)
        texts[f"{out.stem}.{language}.vtt"] = to_vtt(cues)

    for name in texts:
        check_writable(out.parent / name)
    # An earlier clip's subtitles of this name that this one does not write: they would pass
    # for this clip's; --force removes them.
    stale = [p for language in LANGS["both"] for ext in ("srt", "vtt")
             if (p := out.parent / f"{out.stem}.{language}.{ext}").name not in texts
             and p.exists()]
    taken = [p for p in (out, *(out.parent / n for n in texts), *stale) if p.exists()]
    if taken and not replace:
        raise ReportageError(f"{taken[0]} exists: --force replaces it")
    data = encode(decode_span(audio_path, start, end), out)
    written = []
    try:
        for path, content in [(out, data), *((out.parent / n, t) for n, t in texts.items())]:
            write_atomic(path, content)
            written.append(path)
    except OSError as exc:
        for path in written:  # a clip without its subtitles is no clip: none of it stays
            path.unlink(missing_ok=True)
        raise ReportageError(f"cannot write beside {out}: {exc.strerror or exc}") from None
    for path in stale:
        path.unlink(missing_ok=True)
    return ClipResult(out, start, end, written[1:], notes)
