"""`feed sync`: each remembered feed read, the enclosures not yet processed (by guid) downloaded
into `<library>/.downloads/` and processed, and `<library>/feeds/<name>.xml` written: the
producer's feed, byte for byte, with the transcript and chapters tags added to processed items.

A bad feed or a bad item is one line through `report`; the others go on."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from pipeline.atomic import write_atomic
from pipeline.document import FILENAME
from pipeline.errors import ReportageError
from pipeline.formats.feed import base_url as check_base_url
from pipeline.formats.feed import episode_links
from pipeline.formats.feed_insert import insert_item_links
from pipeline.intake import subscriptions
from pipeline.intake.download import audio_suffix, download, read_all
from pipeline.library import FEEDS, episode_slug
from pipeline.runner import Engines, Settings, process_file
from pipeline.stages.ingest import Origin

DOWNLOADS = ".downloads"
MAX_FEED_BYTES = 50 * 2**20
GIVE_UP_AFTER = 3  # failed syncs of an item (a dead link): then a warning, not an error each time
SYNC_LOCK = ".feed-sync.lock"


@dataclass
class Item:
    number: int  # among the channel's <item>s, in document order
    guid: str
    title: str
    url: str
    type: str
    published: str = ""  # its pubDate, ISO 8601; "" where it has none or one unreadable


class Reporter:
    """How sync talks to the user: one line per event, progress bars per item."""

    def line(self, message: str, label: str) -> None:  # pragma: no cover - interface
        pass

    def bar(self, name: str) -> AbstractContextManager:
        """A context giving (download(done, total), stage(stage, done, total)) callbacks."""
        raise NotImplementedError  # pragma: no cover


@dataclass
class Options:
    base_url: str | None = None
    max_bytes: int = 500 * 2**20
    timeout: float = 30.0


def fetch(source: str, timeout: float) -> bytes:
    if subscriptions.is_url(source):
        return read_all(source, timeout, MAX_FEED_BYTES)
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise ReportageError(f"{source}: cannot be read ({exc.strerror or exc})") from None


def items(data: bytes, source: str) -> list[Item]:
    """The items with an enclosure; a feed that is not XML, not RSS or has no enclosure at all
    is a ReportageError."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ReportageError(f"not XML ({exc})") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise ReportageError(f"not an RSS feed (the document is <{root.tag}>)")
    base = source if subscriptions.is_url(source) else Path(source).resolve().as_uri()
    found = []
    for number, item in enumerate(channel.findall("item")):
        enclosure = item.find("enclosure")
        url = (enclosure.get("url") or "").strip() if enclosure is not None else ""
        if not url:
            continue
        url = _joined(base, url)
        guid = (item.findtext("guid") or "").strip() or url
        title = (item.findtext("title") or "").strip()
        found.append(Item(number, guid, title, url, enclosure.get("type") or "",
                          _iso(item.findtext("pubDate"))))
    if not found:
        raise ReportageError("no item has an enclosure")
    return found


def _iso(date: str | None) -> str:
    """An RSS date (RFC 822) as ISO 8601, or "" where it cannot be read."""
    try:
        return parsedate_to_datetime(date.strip()).isoformat() if date else ""
    except (TypeError, ValueError, IndexError):
        return ""


def _joined(base: str, url: str) -> str:
    """The enclosure's address against the feed's; one that cannot be parsed stays as written
    (it fails, one line, when its item is fetched)."""
    try:
        return urljoin(base, url)
    except ValueError:
        return url


def subscribe(library: Path, feed: str, name: str | None = None
              ) -> tuple[subscriptions.Subscription, bool]:
    """`subscriptions.add`, once a local file proved to be an RSS feed with enclosures (an
    address is read at sync time: it may be down now and fine then)."""
    feed = feed.strip()
    path = Path(feed).expanduser()
    if feed and not subscriptions.is_url(feed) and path.is_file():
        try:
            items(fetch(str(path), 0), str(path))
        except ReportageError as exc:
            raise ReportageError(f"{feed}: {exc}") from None
    return subscriptions.add(library, feed, name)


def _check_address(url: str) -> None:
    try:
        urlsplit(url).port  # noqa: B018  (reading it checks it)
    except ValueError as exc:
        raise ReportageError(f"{url}: not a valid address ({exc})") from None


def _may_fetch(url: str, source: str) -> bool:
    """http(s) from any feed; a local file only from a feed that is itself a local file."""
    scheme = urlsplit(url).scheme
    return scheme in ("http", "https") or (scheme == "file" and not subscriptions.is_url(source))


@contextmanager
def syncing(library: Path) -> Iterator[None]:
    """The library's sync lock, not waited for: two syncs at once (a scheduled one beside a
    producer's) would download the same enclosure into the same part file."""
    with open(os.open(library / SYNC_LOCK, os.O_RDONLY | os.O_CREAT, 0o666)) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReportageError(f"another `reportage feed sync` is running on {library}: "
                                 "this one stops (run it again when that one is done)") from None
        yield


def slug_for(item: Item, library: Path, taken: set[str]) -> str:
    """The episode slug: from the title (else the guid), made unique among episodes that are
    not this item's."""
    base = episode_slug(item.title or item.guid)[:90].rstrip("-")  # as a slug is: no "-" at its end
    slug, n = base, 2
    while slug in taken or (library / slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def sync_feed(library: Path, feed: subscriptions.Subscription, settings: Settings,
              engines: Engines, options: Options, report: Reporter) -> int:
    """One feed through; returns the number of failures (the feed itself, or items)."""
    try:
        data = fetch(feed.source, options.timeout)
        found = items(data, feed.source)
    except ReportageError as exc:
        report.line(f"{feed.name}: {exc}", "error")
        return 1
    failures = 0
    downloads = library / DOWNLOADS
    downloads.mkdir(exist_ok=True)
    taken = set(feed.done.values())
    for item in found:
        if item.guid in feed.done:
            continue
        if feed.failed.get(item.guid, 0) >= GIVE_UP_AFTER:
            report.line(f"{feed.name}: {item.title or item.guid}: left out, it failed "
                        f"{GIVE_UP_AFTER} syncs in a row (--retry tries it again)", "warning")
            continue
        slug = (_pending_slug(downloads, item, library, taken)
                or slug_for(item, library, taken | _others_pending(downloads, item)))
        name = f"{feed.name}: {item.title or item.guid}"
        path = None  # the download, once it is whole
        try:
            _check_address(item.url)
            if not _may_fetch(item.url, feed.source):
                why = ("a feed on the web cannot point at files on this machine"
                       if urlsplit(item.url).scheme == "file" else "only http(s) is fetched")
                raise ReportageError(f"{item.url}: not an http(s) address ({why})")
            suffix = audio_suffix(item.url, item.type)
            if suffix is None:
                raise ReportageError(f"{item.url}: not audio ({item.type})")
            _remember_slug(downloads, item, slug)
            with report.bar(slug) as (on_bytes, on_stage):
                path = download(item.url, downloads / f"{slug}{suffix}",
                                max_bytes=options.max_bytes, timeout=options.timeout,
                                progress=on_bytes)
                origin = Origin(item.title, item.url, item.guid, item.published)
                result = process_file(path, library, settings, engines, on_stage, slug, origin)
        except (ReportageError, OSError) as exc:
            message = str(exc) if isinstance(exc, ReportageError) else exc.strerror or str(exc)
            # Counted against the item only where getting it failed (a dead link, no audio):
            # what failed after (a model, a full disk) would park every item.
            report.line(f"{name}: {message}{_strike(library, feed, item) if path is None else ''}",
                        "error")
            failures += 1
            continue
        path.unlink(missing_ok=True)
        (downloads / _slug_file(item)).unlink(missing_ok=True)
        subscriptions.mark_done(library, feed.name, item.guid, result.slug)
        feed.done[item.guid] = result.slug
        taken.add(result.slug)
        report.line(f"{name} → {result.folder}  {result.segments} segments", "✓")
        if result.warning:
            report.line(f"{name}: {result.warning}", "warning")
    if options.base_url:
        try:
            path = write_augmented(library, feed, data, found, options.base_url)
            report.line(f"{path}", "✓")
            if any(urlsplit(item.url).scheme not in ("http", "https") for item in found):
                report.line(f"{path}: its enclosures are the feed's local files, which podcast "
                            "apps cannot fetch; `reportage feed build` makes a feed of the "
                            "library's own audio copies", "warning")
        except ReportageError as exc:
            report.line(f"{feed.name}: {exc}", "warning")
    return failures


def _strike(library: Path, feed: subscriptions.Subscription, item: Item) -> str:
    """One more failed sync of the item, and what it means for the next ones."""
    try:
        left = GIVE_UP_AFTER - subscriptions.mark_failed(library, feed.name, item.guid)
    except ReportageError:  # feeds.json changed under us: not counted
        return ""
    return (f" (tried {left} more time{'s' * (left > 1)} by the next syncs)" if left > 0
            else " (left out from now on)")


def write_augmented(library: Path, feed: subscriptions.Subscription, data: bytes,
                    found: list[Item], url: str) -> Path:
    url = check_base_url(url)
    links = {}
    for item in found:
        slug = feed.done.get(item.guid)
        if slug and (library / slug).is_dir():
            links[item.number] = episode_links(library / slug, url + quote(slug) + "/")
    augmented = insert_item_links(data, {n: tags for n, tags in links.items() if tags})
    folder = library / FEEDS
    folder.mkdir(exist_ok=True)
    path = folder / f"{feed.name}.xml"
    try:
        write_atomic(path, augmented)
    except OSError as exc:
        raise ReportageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


# An interrupted item's slug is kept beside its part, so the next sync resumes the same file.
def _slug_file(item: Item) -> str:
    return "." + hashlib.sha256(item.guid.encode()).hexdigest()[:16] + ".slug"


def _pending_slug(downloads: Path, item: Item, library: Path, taken: set[str]) -> str | None:
    """The slug an interrupted sync gave the item, while no other episode has it."""
    path = downloads / _slug_file(item)
    slug = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    if not slug:
        return None
    free = slug not in taken and (not (library / slug / FILENAME).exists()
                                  or _guid_at(library / slug) == item.guid)
    if free:
        return slug
    for part in downloads.glob(f"{slug}.*.part"):  # the interrupted download, of no use now
        part.unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    return None


def _others_pending(downloads: Path, item: Item) -> set[str]:
    """The slugs other items' interrupted syncs keep for them: none of them is this item's."""
    mine = _slug_file(item)
    return {p.read_text(encoding="utf-8").strip() for p in downloads.glob(".*.slug")
            if p.name != mine} - {""}


def _guid_at(folder: Path) -> str:
    """The feed guid of the episode in `folder` ("" where there is none)."""
    try:
        guid = json.loads((folder / FILENAME).read_text(encoding="utf-8")).get("guid", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return guid if isinstance(guid, str) else ""


def _remember_slug(downloads: Path, item: Item, slug: str) -> None:
    write_atomic(downloads / _slug_file(item), slug)

