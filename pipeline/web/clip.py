"""`GET /api/episodes/{slug}/clip`: a moment of an episode as a downloaded mp3 or m4a, or a
zip of the mp3 with its subtitles (SRT and WebVTT, re-timed to the clip).

Finite times and at most MAX_SPAN seconds are checked here, and at most CUTTING clips are cut
at once (the request after them is a 503); the span itself (inside the
episode, end after start) by `pipeline.formats.clip.make_clip`, which cuts the clip into a
temporary folder that is gone before the reply. A bad query is a 400 with a clear message
either way.
"""

from __future__ import annotations

import io
import math
import tempfile
import threading
import zipfile
from pathlib import Path
from urllib.parse import quote

from fastapi import HTTPException
from fastapi.responses import Response

from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.formats.clip import ClipResult, clip_name, make_clip

MAX_SPAN = 600.0  # seconds: a moment, not the episode
MEDIA_TYPES = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "zip": "application/zip"}
WARNING_HEADER = "X-Reportage-Warning"  # %-escaped UTF-8: a header is Latin-1
CUTTING = threading.BoundedSemaphore(2)  # each clip is seconds of ffmpeg and ~0.5 GB at most


def check_span(start: float, end: float, duration: float) -> None:
    """400 unless [start, end] is finite and at most MAX_SPAN long, its end taken to the
    episode's (make_clip checks that it lies inside the episode, end after start)."""
    if not (math.isfinite(start) and math.isfinite(end)):
        raise HTTPException(400, "start and end must be numbers of seconds")
    if min(end, duration) - start > MAX_SPAN:
        raise HTTPException(400, f"a clip is at most {MAX_SPAN / 60:g} minutes "
                                 f"({end - start:.1f} s asked)")


def served_audio(library: Path, folder: Path, name: str) -> Path:
    """The episode's audio copy, where a request may read it: a plain file name in the
    episode's folder and no link leading out of the library; else 404."""
    path = (folder / name).resolve()
    if not name or Path(name).name != name or not path.is_relative_to(library) \
            or not path.is_file():
        raise HTTPException(404, "no audio for this episode")
    return path


def clip_download(library: Path, folder: Path, episode: Episode, start: float, end: float,
                  lang: str, fmt: str) -> Response:
    """The clip of [start, end] (snapped to whole words) as an attachment."""
    check_span(start, end, episode.source.duration_s)
    served_audio(library, folder, episode.source.file)
    if not CUTTING.acquire(blocking=False):
        raise HTTPException(503, "other clips are being cut: try again in a moment",
                            headers={"Retry-After": "5"})
    try:
        return _cut(folder, episode, start, end, lang, fmt)
    finally:
        CUTTING.release()


def _cut(folder: Path, episode: Episode, start: float, end: float, lang: str,
         fmt: str) -> Response:
    audio = "mp3" if fmt == "zip" else fmt
    with tempfile.TemporaryDirectory(prefix="reportage-clip-") as tmp:
        try:
            result = make_clip(folder, start, end, Path(tmp) / f"clip.{audio}", lang)
            name = clip_name(episode.slug, result.start, result.end, fmt)
            data = _zipped(result, Path(name).stem) if fmt == "zip" else result.audio.read_bytes()
        except ReportageError as exc:
            raise HTTPException(400, str(exc)) from None
        except OSError as exc:  # no room for the temporary file
            raise HTTPException(507, f"could not cut the clip: {exc.strerror or exc}") from None
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if result.warnings:  # e.g. the end moved to the episode's end: the page shows it
        headers[WARNING_HEADER] = quote("; ".join(result.warnings), safe=" ;:,.()'/")
    return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)


def _zipped(result: ClipResult, stem: str) -> bytes:
    """The clip's audio and subtitle files, named `<stem>.mp3`, `<stem>.nl.srt`, ..."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:  # audio hardly compresses: store, it's quick
        for path in (result.audio, *result.subtitles):
            bundle.write(path, stem + path.name[len(result.audio.stem):])
    return buffer.getvalue()
