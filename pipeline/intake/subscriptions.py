"""The feeds a library follows: `feeds.json` in the library, written atomically, each change
read, made and written under the library's feeds lock (a `feed add` during a sync's record of
an item, or two adds at once, would otherwise lose one of them).

{"feeds": [{"name": ..., "source": URL or absolute path, "done": {guid: slug},
            "failed": {guid: syncs that failed on it}}]}
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.errors import ReportageError
from pipeline.formats.feed import web_address
from pipeline.library import locked, slugify, valid_slug

FILE = "feeds.json"
LOCK = ".feeds.lock"


@dataclass
class Subscription:
    name: str
    source: str  # an http(s) URL or an absolute file path
    done: dict[str, str] = field(default_factory=dict)  # guid -> episode slug
    failed: dict[str, int] = field(default_factory=dict)  # guid -> failed syncs in a row


OTHER_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]+:")  # ftp:, file:...; not a drive's "C:"


def is_url(source: str) -> bool:
    return source.lower().startswith(("http:", "https:"))


def load(library: Path) -> list[Subscription]:
    path = library / FILE
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        feeds = [Subscription(f["name"], f["source"], dict(f.get("done", {})),
                              {k: int(v) for k, v in f.get("failed", {}).items()})
                 for f in data["feeds"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
        raise ReportageError(f"{path}: not a feeds file ({exc})") from None
    for feed in feeds:  # a file anyone can change: a name is a file name in the library
        texts = [feed.name, feed.source, *feed.done, *feed.done.values(), *feed.failed]
        if not all(isinstance(t, str) for t in texts) or not valid_slug(feed.name) \
                or not all(valid_slug(slug) for slug in feed.done.values()):
            raise ReportageError(f"{path}: not a feeds file (feed {feed.name!r} is damaged); "
                                 "fix it by hand")
    return feeds


def save(library: Path, feeds: list[Subscription]) -> None:
    data = {"feeds": [{"name": f.name, "source": f.source, "done": f.done, "failed": f.failed}
                      for f in feeds]}
    try:
        write_atomic(library / FILE, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise ReportageError(f"cannot write {library / FILE}: {exc.strerror or exc}") from None


def add(library: Path, feed: str, name: str | None = None) -> tuple[Subscription, bool]:
    """Remember `feed` (an http(s) URL or a local file); returns it and whether it is new."""
    feed = feed.strip()
    if not feed:
        raise ReportageError("give a feed: a local file or an http(s) URL")
    if is_url(feed):
        parts = web_address(feed, "the feed")
        source = feed
        stem = Path(parts.path).stem or parts.hostname or "feed"
    elif OTHER_SCHEME.match(feed):
        raise ReportageError(f"a feed is a local file or an http(s) URL, not {feed!r}")
    else:
        path = Path(feed).expanduser()
        if not path.is_file():
            what = "a folder, not a feed" if path.is_dir() else "no such file"
            raise ReportageError(f"{feed}: {what}")
        source, stem = str(path.resolve()), path.stem
    with locked(library, LOCK):
        return _added(library, source, name, stem)


def _added(library: Path, source: str, name: str | None, stem: str
           ) -> tuple[Subscription, bool]:
    """The feed at `source` added to the feeds on disk, named `name` (else after `stem`); or
    the feed remembered already with that source."""
    feeds = load(library)
    for known in feeds:
        if known.source == source:
            return known, False
    taken = {f.name for f in feeds}
    if name is not None:  # the producer's own name: kept, or refused (never renamed)
        if not any(c.isalnum() for c in name):
            raise ReportageError(f"{name!r} cannot name a feed: give letters or digits")
        if slugify(name) in taken:
            raise ReportageError(f"a feed is named {slugify(name)!r} already: give another "
                                 "--name")
    name = slugify(name or stem)
    base, n = name, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    subscription = Subscription(name, source)
    save(library, feeds + [subscription])
    return subscription, True


def mark_done(library: Path, name: str, guid: str, slug: str) -> None:
    """Record one processed item (re-read first, so nothing else written meanwhile is lost)."""
    def done(feed: Subscription) -> None:
        feed.done[guid] = slug
        feed.failed.pop(guid, None)

    _change(library, done, name)


def mark_failed(library: Path, name: str, guid: str) -> int:
    """Count one more failed sync of an item; returns how many there were in a row."""
    def failed(feed: Subscription) -> None:
        feed.failed[guid] = feed.failed.get(guid, 0) + 1

    changed = _change(library, failed, name)
    if not changed:
        raise ReportageError(f"no feed {name!r} in {library / FILE} any more")
    return changed[0].failed[guid]


def forget_failures(library: Path) -> None:
    """`feed sync --retry`: the items given up on are tried again."""
    _change(library, lambda feed: feed.failed.clear())


def _change(library: Path, change: Callable[[Subscription], None], name: str | None = None
            ) -> list[Subscription]:
    """Change the feed called `name` (else every feed) as now on disk; the feeds changed."""
    with locked(library, LOCK):
        feeds = load(library)
        changed = [feed for feed in feeds if name is None or feed.name == name]
        for feed in changed:
            change(feed)
        save(library, feeds)
    return changed
