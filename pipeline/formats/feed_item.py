"""An editor's change reaches a feed built before: the episode's `<item>` in `feed.xml` is
written again from its document (its title, the chapters in its description, its transcript and
chapter links) whenever the episode is published, the rest of the feed as `feed build` wrote it
(ElementTree keeps no comments: a feed is the build's, not edited by hand). An episode the feed
does not list stays out of it, and so does another recording under a removed one's name: new
episodes join with `reportage feed build` (or a publish of the whole library), when the producer
says the feed is ready for them."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

from pipeline.atomic import write_atomic
from pipeline.document import Episode
from pipeline.errors import ReportageError
from pipeline.formats import feed
from pipeline.library import locked

log = logging.getLogger(__name__)


def follow(folder: Path, episode: Episode) -> bool:
    """Bring the episode's item of its library's feed up to date; True when the feed changed.
    A feed that cannot be read or written is left as it is, with a warning in the log: the
    edit that published the episode is saved whatever becomes of the feed."""
    library = folder.parent
    if not (library / feed.FEED_FILE).is_file():
        return False
    try:
        with locked(library, feed.LOCK_FILE):
            return _follow(library, folder, episode)
    except (OSError, ET.ParseError, ReportageError) as exc:
        log.warning("%s: its item of %s is not updated (%s)", folder.name, feed.FEED_FILE, exc)
        return False


def _follow(library: Path, folder: Path, episode: Episode) -> bool:
    tree = ET.parse(library / feed.FEED_FILE)
    channel = tree.getroot().find("channel")
    url = feed.base_of(channel)
    items = [] if url is None else channel.findall("item")
    slugs = feed.item_slugs(items)
    if folder.name not in slugs:
        return False
    old = items[slugs.index(folder.name)]
    guid = (old.findtext("guid") or "").strip()
    if guid not in feed.own_guids(episode) | {f"reportage:{folder.name}"}:
        return False  # another recording under a removed one's name: new, for `feed build`
    made = ET.Element("channel")
    feed.item(made, folder, episode, url + quote(folder.name) + "/",
              feed.pub_date(episode, folder), guid)
    new = made[0]
    new.find("pubDate").text = old.findtext("pubDate") or new.findtext("pubDate")
    before = ET.tostring(tree.getroot())
    position = list(channel).index(old)
    channel.remove(old)
    channel.insert(position, new)
    ET.indent(tree)
    if ET.tostring(tree.getroot()) == before:
        return False
    write_atomic(library / feed.FEED_FILE,
                 ET.tostring(tree.getroot(), encoding="utf-8", xml_declaration=True) + b"\n")
    return True
