"""The library as a podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces.

One `<item>` per episode folder: its audio copy as the enclosure, and a `<podcast:transcript>`
for every published transcript file and `<podcast:chapters>` for chapters.json that exist.
Channel fields come from an optional `feed.toml` in the library. The XML is built with
ElementTree, which escapes every text and attribute.
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import SplitResult, quote, unquote, urlsplit

from pipeline import __version__
from pipeline.atomic import write_atomic
from pipeline.document import FILENAME, Episode
from pipeline.errors import ReportageError
from pipeline.library import episode_slugs, find_episode, locked

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FEED_FILE = "feed.xml"
# Apple Podcasts' categories (the top level: the one <itunes:category> a feed gets here)
APPLE_CATEGORIES = (
    "Arts", "Business", "Comedy", "Education", "Fiction", "Government", "Health & Fitness",
    "History", "Kids & Family", "Leisure", "Music", "News", "Religion & Spirituality",
    "Science", "Society & Culture", "Sports", "Technology", "True Crime", "TV & Film",
)
GUIDS_FILE = ".feed-guids.json"  # every guid a feed ever gave, by slug: never handed on
CONFIG_FILE = "feed.toml"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
NAMESPACES = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM}
for _prefix, _uri in NAMESPACES.items():  # written with these prefixes, never ns0:
    ET.register_namespace(_prefix, _uri)
LOCK_FILE = ".feed.lock"  # held while feed.xml is read to be written again

# The published files a podcast app can use, in the order they are listed: (files, type,
# language), the first file of each that holds something. SRT: the podcast profile, else the
# broadcast one of an episode published before there was one.
TRANSCRIPTS = [
    (("transcript.json",), "application/json", "nl"),
    (("nl.vtt",), "text/vtt", "nl"),
    (("en.vtt",), "text/vtt", "en"),
    (("nl.podcast.srt", "nl.srt"), "application/x-subrip", "nl"),
    (("en.podcast.srt", "en.srt"), "application/x-subrip", "en"),
]
CHAPTERS = ("chapters.json", "application/json+chapters")
AUDIO_TYPES = {
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".mp4": "audio/mp4", ".aac": "audio/aac",
    ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg", ".wav": "audio/wav",
    ".flac": "audio/flac", ".webm": "audio/webm", ".mka": "audio/x-matroska",
    ".mkv": "audio/x-matroska", ".aif": "audio/aiff", ".aiff": "audio/aiff",
    ".wma": "audio/x-ms-wma", ".mov": "video/quicktime",
}
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


@dataclass
class FeedConfig:
    """The channel's fields (`feed.toml` keys of the same names, all strings)."""

    title: str = "reportage"
    author: str = ""
    language: str = "nl"
    image: str = ""  # URL of the cover art
    description: str = ""
    link: str = ""  # the podcast's web site; default: the base URL
    category: str = ""  # an Apple Podcasts category, e.g. "News" or "Society & Culture"


@dataclass
class FeedResult:
    path: Path
    items: int
    warnings: list[str] = field(default_factory=list)
    damaged: int = 0  # episodes left out because their document is damaged


def web_address(value: str, what: str) -> SplitResult:
    """`value` split, if it is an http(s) URL with a host (and a valid port, if any) and no
    spaces or control characters; else one error line naming `what`."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (reading it checks it: "x:abc", "x:99999" raise)
    except ValueError as exc:
        raise ReportageError(f"{what} is not a valid URL ({exc}): {value!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ReportageError(f"{what} must be an http:// or https:// URL, not {value!r}")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ReportageError(f"{what} must not hold spaces or control characters: {value!r}")
    return parts


NOT_IN_URLS = '"<>\\^`{|}'  # never in a URL unescaped (RFC 3986): apps would misread a link


def base_url(value: str) -> str:
    """An http(s) URL with a host, ending in "/" (added if missing): episode files hang below it."""
    value = value.strip()
    parts = web_address(value, "--base-url")
    if "?" in value or "#" in value:  # an empty one too: every link would be the same page
        raise ReportageError(f"--base-url must be a plain folder URL (no ? or #): {value!r}")
    if bad := set(value) & set(NOT_IN_URLS):
        raise ReportageError(f"--base-url cannot hold {''.join(sorted(bad))!r} (escape them as "
                             f"%XX): {value!r}")
    if re.search(r"%(?![0-9A-Fa-f]{2})", value):  # "%zz": apps would each read it their way
        raise ReportageError(f"--base-url has a % that begins no %XX escape (write % as %25): "
                             f"{value!r}")
    value = _ascii(parts)
    return value if value.endswith("/") else value + "/"


def _ascii(parts: SplitResult) -> str:
    """The URL as every app reads it: a non-ASCII host in IDNA ("één.nl" → "xn--n-cia.nl"),
    other non-ASCII characters %-escaped as UTF-8."""
    try:
        netloc = parts.netloc.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ReportageError(f"--base-url has a host no app can look up ({exc}): "
                             f"{parts.geturl()!r}") from None
    path = quote(parts.path, safe="/%!$&'()*+,;=:@~")
    return parts._replace(netloc=netloc, path=path).geturl()


def load_config(library: Path) -> FeedConfig:
    """`feed.toml` in the library, or the defaults; any problem with it is one line."""
    path = library / CONFIG_FILE
    if not path.is_file():
        return FeedConfig()
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise ReportageError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReportageError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ReportageError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    known = [f.name for f in fields(FeedConfig)]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ReportageError(f"{path}: unknown key {unknown[0]!r}; known keys: {', '.join(known)}")
    for key, value in data.items():
        if not isinstance(value, str):
            raise ReportageError(f"{path}: {key} must be a string, not {type(value).__name__}")
    config = FeedConfig(**{k: v.strip() for k, v in data.items()})
    if not config.title:
        raise ReportageError(f"{path}: title must not be empty")
    if not LANGUAGE_RE.match(config.language):
        raise ReportageError(f"{path}: language must be a language code such as nl or nl-NL, "
                             f"not {config.language!r}")
    for key in ("image", "link"):
        value = getattr(config, key)
        if value:
            web_address(value, f"{path}: {key}")
    return config


def audio_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return AUDIO_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def pub_date(episode: Episode, folder: Path) -> datetime:
    """When the episode was made (Episode.created; naive times are UTC), else its document's
    modification time."""
    try:
        when = datetime.fromisoformat(episode.created.strip().replace("Z", "+00:00"))
    except ValueError:
        when = datetime.fromtimestamp((folder / FILENAME).stat().st_mtime, timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


# What XML 1.0 cannot hold at all, which ElementTree writes as it is (a file name's control
# character in an episode's title made the feed no XML).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: NOT_XML.sub("", v) for k, v in attrib.items()})
    if text is not None:
        element.text = NOT_XML.sub("", text)
    return element


def _q(ns: str, tag: str) -> str:
    return f"{{{NAMESPACES[ns]}}}{tag}"


def item(channel: ET.Element, folder: Path, episode: Episode, url: str, when: datetime,
          guid: str) -> None:
    """The episode's `<item>`, its folder published at `url`, appended to `channel`."""
    audio = folder / episode.source.file
    entry = _sub(channel, "item")
    _sub(entry, "title", episode.title or episode.slug)
    if (folder / "index.html").is_file():  # the listener page: read along, search, jump
        _sub(entry, "link", url + "index.html")
    if episode.chapters:
        lines = [f"{c.title}" + (f" / {c.title_en}" if c.title_en else "")
                 for c in episode.chapters]
        # Apps read a description as HTML: a title's "<" is text there too.
        _sub(entry, "description", html.escape("\n".join(lines), quote=False))
    _sub(entry, "enclosure", url=url + quote(episode.source.file),
         length=str(audio.stat().st_size), type=audio_type(episode.source.file))
    _sub(entry, "guid", guid, isPermaLink="false")
    _sub(entry, "pubDate", format_datetime(when))
    _sub(entry, _q("itunes", "duration"), str(round(episode.source.duration_s)))
    for tag, attrib in episode_links(folder, url):
        _sub(entry, _q("podcast", tag), **attrib)


def episode_links(folder: Path, url: str) -> list[tuple[str, dict[str, str]]]:
    """The Podcasting 2.0 elements of an episode folder published at `url` (ending in "/"):
    ("transcript", attributes) for each transcript file that exists, then ("chapters", ...)."""
    links = []
    for names, kind, language in TRANSCRIPTS:
        name = next((n for n in names if _has_content(folder / n)), None)
        if name:
            extra = {"rel": "captions"} if kind != "application/json" else {}
            links.append(("transcript", {"url": url + name, "type": kind, "language": language,
                                         **extra}))
    name, kind = CHAPTERS
    if _has_content(folder / name):
        links.append(("chapters", {"url": url + name, "type": kind}))
    return links


def _non_empty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _has_content(path: Path) -> bool:
    """A file a podcast app can use: one with no cue, segment or chapter (an episode of
    silence publishes them so), or damaged, is left out of a feed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return False
    if path.suffix != ".json":
        return "-->" in text  # a cue, in SRT or WebVTT
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and bool(data.get("segments") or data.get("chapters"))


def _guids(episodes: list[Episode], published: dict[str, str]) -> dict[str, str]:
    """A stable id per episode: the one the feed gave it before (`published`), else its guid
    (its first audio's SHA-256, or a synced item's guid), or `reportage:SLUG:HASH` when that
    is missing or an older episode holds it already. So ids never change when an episode is
    added, nor when one is removed (a copy of it would take its id: apps would take the copy
    for the episode removed)."""
    taken, guids, older = set(), {}, set()
    for episode in reversed(episodes):  # oldest first
        guid = published.get(episode.slug)
        # Only one of its own: another recording processed under a removed one's name is new.
        own = own_guids(episode)
        if not _basis(episode) or _basis(episode) in older:  # a copy, named as feeds before
            own.add(f"reportage:{episode.slug}")  # the hash named one (`reportage:SLUG`)
        if guid in own and guid not in taken:
            guids[episode.slug] = guid
            taken.add(guid)
        older.add(_basis(episode))
    for episode in reversed(episodes):
        if episode.slug not in guids:
            guid = _basis(episode)
            given = {g for slug, g in published.items() if slug != episode.slug}
            free = guid and guid not in taken and guid not in given
            guids[episode.slug] = guid if free else _named(episode)
            taken.add(guids[episode.slug])
    return guids


def own_guids(episode: Episode) -> set[str]:
    """The guids that are the episode's own: its first audio's, a synced item's, its name's."""
    return {_basis(episode), episode.source.sha256, _named(episode)} - {""}


def _basis(episode: Episode) -> str:
    """What the episode is to apps: its first audio's SHA-256 (kept across new masters), or a
    synced item's guid."""
    return episode.guid or episode.source.sha256


def _named(episode: Episode) -> str:
    """An id of the episode's name and first audio: another recording under a removed
    episode's name gets another one, a new master of this one the same."""
    basis = _basis(episode)
    if basis and not re.fullmatch(r"[0-9a-f]{64}", basis):
        basis = hashlib.sha256(basis.encode()).hexdigest()
    return f"reportage:{episode.slug}:{basis[:12]}".rstrip(":")


def _published_guids(library: Path) -> dict[str, str]:
    """slug -> guid of every episode a feed gave one: those remembered (GUIDS_FILE), and the
    items of the feed written last (an item's slug: the folder of its enclosure)."""
    try:
        remembered = json.loads((library / GUIDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        remembered = {}
    if not isinstance(remembered, dict):
        remembered = {}
    return {slug: guid for slug, guid in remembered.items() if isinstance(guid, str)
            } | _feed_guids(library)


def _channel(library: Path) -> ET.Element | None:
    """The channel of the `feed.xml` written last; None where it cannot be read."""
    try:
        return ET.parse(library / FEED_FILE).getroot().find("channel")
    except (OSError, ET.ParseError):
        return None


def built_for(library: Path) -> str | None:
    """The base URL `feed.xml` was written for (its self link), None without one."""
    return base_of(_channel(library))


def base_of(channel: ET.Element | None) -> str | None:
    """The base URL a feed's channel was written for (its self link), None without one."""
    link = channel.find(_q("atom", "link")) if channel is not None else None
    href = link.get("href", "") if link is not None else ""
    return href.removesuffix(FEED_FILE) if href.endswith("/" + FEED_FILE) else None


def _feed_guids(library: Path) -> dict[str, str]:
    """slug -> guid of the items of `feed.xml`; none where it cannot be read."""
    channel = _channel(library)
    items = channel.findall("item") if channel is not None else []
    return {slug: guid for slug, guid in zip(item_slugs(items), (
        (i.findtext("guid") or "").strip() for i in items), strict=True) if slug and guid}


def item_slugs(items: list[ET.Element]) -> list[str]:
    """The slug of each item: the folder of its enclosure ("" where it names none)."""
    slugs = []
    for element in items:
        enclosure = element.find("enclosure")
        try:
            url = enclosure.get("url", "") if enclosure is not None else ""
            parts = urlsplit(url).path.split("/")
        except ValueError:  # a hand-edited URL such as "https://[x": no slug to read
            parts = []
        slugs.append(unquote(parts[-2]) if len(parts) >= 2 else "")
    return slugs


def feed_xml(library: Path, url: str, config: FeedConfig | None = None
             ) -> tuple[bytes, int, list[str], int]:
    """The feed of every episode in `library`, newest first, below the base URL `url`;
    returns the XML, the number of items, a warning for each episode left out, and how many
    of those were left out for a damaged document."""
    url = base_url(url)
    config = config or load_config(library)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", config.title)
    _sub(channel, "link", config.link or url)
    _sub(channel, "description", config.description or
         f"{config.title}: Dutch spoken word with Dutch and English transcripts and chapters")
    _sub(channel, "language", config.language)
    _sub(channel, "generator", f"reportage {__version__}")
    _sub(channel, _q("atom", "link"), href=url + FEED_FILE, rel="self",
         type="application/rss+xml")
    if config.author:
        _sub(channel, _q("itunes", "author"), config.author)
    if config.image:
        image = _sub(channel, "image")
        _sub(image, "url", config.image)
        _sub(image, "title", config.title)
        _sub(image, "link", config.link or url)
        _sub(channel, _q("itunes", "image"), href=config.image)
    if config.category:
        # Its name is `text`, an attribute: not _sub's element text.
        ET.SubElement(channel, _q("itunes", "category"), {"text": NOT_XML.sub("", config.category)})
    _sub(channel, _q("itunes", "explicit"), "false")

    warnings, episodes, damaged = [], [], 0
    for slug in episode_slugs(library):
        try:
            folder = find_episode(library, slug)
            episode = Episode.load(folder)
        except ReportageError as exc:
            warnings.append(f"{slug}: left out of the feed ({exc})")
            damaged += 1
            continue
        audio = folder / episode.source.file
        if not episode.source.file or not _non_empty(audio):
            warnings.append(f"{slug}: left out of the feed (no audio copy in {folder})")
            continue
        episodes.append((pub_date(episode, folder), slug, folder, episode))
    episodes.sort(key=lambda e: (e[0], e[1]), reverse=True)
    if episodes:
        _sub(channel, "pubDate", format_datetime(episodes[0][0]))
    guids = _guids([e[3] for e in episodes], _published_guids(library))
    for when, slug, folder, episode in episodes:
        item(channel, folder, episode, url + quote(slug) + "/", when, guids[slug])
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n", len(episodes), \
        warnings, damaged


def write_feed(library: Path, url: str) -> FeedResult:
    """Write `feed.xml` in the library, atomically."""
    if not library.is_dir():
        raise ReportageError(f"no library folder {library}")
    try:
        with locked(library, LOCK_FILE):  # an edit's item (feed_item.py) is not lost
            return _write_feed(library, url)
    except OSError as exc:  # the lock's file: a read-only library
        raise ReportageError(f"cannot write {library / FEED_FILE}: {exc.strerror}") from None


def _write_feed(library: Path, url: str) -> FeedResult:
    xml, items, warnings, damaged = feed_xml(library, url)
    if not items:
        warnings.append(f"no episodes in {library}: the feed has no items")
    config = load_config(library)
    missing = [key for key in ("image", "category") if not getattr(config, key)]
    where = library / CONFIG_FILE
    if config.category and NOT_XML.sub("", config.category) not in APPLE_CATEGORIES:
        warnings.append(f"{where}: category {config.category!r} is not one of Apple Podcasts' "
                        f"({', '.join(APPLE_CATEGORIES)}), so Apple lists the feed under none")
    if missing:
        said = f"{where} gives no" if where.is_file() else f"no {where}: no"
        warnings.append(f"{said} {' or '.join(missing)}, and Apple Podcasts lists no feed "
                        "without both")
    path = library / FEED_FILE
    given = _published_guids(library)
    try:
        write_atomic(path, xml)
        # Remembered beyond this feed: an episode left out of it for a while (its audio being
        # uploaded) comes back with its own guid, never with a removed one's.
        write_atomic(library / GUIDS_FILE, json.dumps(given | _feed_guids(library), indent=0))
    except OSError as exc:
        raise ReportageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return FeedResult(path, items, warnings, damaged)
