"""Resumable downloads with urllib: bytes go to `NAME.part`, a later try asks for the rest with a
Range header; a size limit, a time-out, and a refusal of what is not audio."""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pipeline import __version__, audio
from pipeline.errors import ReportageError

CHUNK = 1 << 16
USER_AGENT = f"reportage/{__version__}"
NOT_AUDIO = ("text/", "application/xml", "application/json", "application/xhtml",
             "application/rss", "application/atom", "image/")


def open_url(url: str, timeout: float, headers: dict | None = None):
    """urlopen with one-line errors: HTTP status, unreachable host, time-out."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise ReportageError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except TimeoutError:
        raise ReportageError(f"{url}: no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise ReportageError(f"{url}: no answer within {timeout:g} s") from None
        raise ReportageError(f"{url}: cannot be reached ({exc.reason})") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # e.g. InvalidURL
        raise ReportageError(f"{url}: cannot be fetched ({exc})") from None


def read_all(url: str, timeout: float, max_bytes: int) -> bytes:
    """A whole (small) document, e.g. a feed."""
    with open_url(url, timeout) as response:
        try:
            data = response.read(max_bytes + 1)
        except TimeoutError:
            raise ReportageError(f"{url}: no answer within {timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise ReportageError(f"{url}: download broke off ({exc})") from None
    if len(data) > max_bytes:
        raise ReportageError(f"{url}: larger than {max_bytes // 2**20} MB")
    return data


def audio_suffix(url: str, content_type: str | None) -> str | None:
    """The audio file extension for a URL and its type, or None when it is not audio."""
    from pipeline.formats.feed import AUDIO_TYPES

    kind = (content_type or "").split(";")[0].strip().lower()
    if kind.startswith(NOT_AUDIO):
        return None
    suffix = Path(urlsplit(url).path).suffix.lower()
    if audio.is_audio_path(Path("x" + suffix)):
        return suffix
    for known, mime in AUDIO_TYPES.items():
        if mime == kind:
            return known
    return ".mp3" if kind.startswith(("audio/", "video/")) else None


def download(url: str, target: Path, *, max_bytes: int, timeout: float,
             progress: Callable[[int, int | None], None] = lambda *_: None) -> Path:
    """`url` into `target`, through `target.part`: a part left by an interrupted try is
    continued with a Range request. Over `max_bytes`, or not audio: a ReportageError and no
    part kept; a time-out keeps the part for the next try."""
    part = target.with_name(target.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have and urlsplit(url).scheme != "file" else {}
    try:
        response = open_url(url, timeout, headers)
    except ReportageError as exc:
        if have and "HTTP 416" in str(exc):  # the part is stale: start again
            part.unlink()
            return download(url, target, max_bytes=max_bytes, timeout=timeout,
                            progress=progress)
        raise
    with response:
        status = getattr(response, "status", 200)
        if status != 206:
            have = 0
        content_type = response.headers.get("Content-Type")
        if audio_suffix(url, content_type) is None:
            raise ReportageError(f"{url}: not audio ({content_type or 'no type'})")
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        if total is not None and total > max_bytes:
            part.unlink(missing_ok=True)
            raise ReportageError(f"{url}: {total / 2**20:.1f} MB is over the limit of "
                                 f"{max_bytes / 2**20:g} MB (--max-mb)")
        done = have
        progress(done, total)
        with open(part, "ab" if have else "wb") as out:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except TimeoutError:
                    raise ReportageError(f"{url}: stalled for {timeout:g} s; "
                                         f"{done} bytes kept, run again to resume") from None
                except (OSError, http.client.HTTPException) as exc:  # IncompleteRead too
                    raise ReportageError(f"{url}: download broke off ({exc}); "
                                         f"{done} bytes kept, run again to resume") from None
                if not chunk:
                    break
                done += len(chunk)
                if done > max_bytes:
                    out.close()
                    part.unlink(missing_ok=True)
                    raise ReportageError(f"{url}: over the limit of {max_bytes / 2**20:g} MB "
                                         f"(--max-mb)")
                out.write(chunk)
                progress(done, total)
    if total is not None and done < total:
        raise ReportageError(f"{url}: broke off at {done} of {total} bytes; run again to resume")
    part.replace(target)
    return target
