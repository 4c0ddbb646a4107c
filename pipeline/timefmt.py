"""Time stamps as people and subtitle formats write them."""

from __future__ import annotations

from datetime import datetime, timezone


def clock(seconds: float) -> str:
    """12:34, or 1:02:03 past an hour."""
    total = int(max(seconds, 0))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def hms_millis(seconds: float, sep: str) -> str:
    """00:01:02,345 (SRT, sep=',') or 00:01:02.345 (WebVTT, sep='.')."""
    millis = round(max(seconds, 0) * 1000)
    h, rem = divmod(millis, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def utc_now() -> str:
    """Now as an ISO time stamp in UTC, to the millisecond: `reportage evaluate` measures a
    stage's cost from these stamps."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")
