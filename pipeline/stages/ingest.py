"""Ingest: the episode's document, loaded or begun, and a copy of its audio in its folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline import audio
from pipeline.document import FILENAME, TITLE_CHARS, Episode, Source
from pipeline.errors import ReportageError
from pipeline.formats.markup import plain_title
from pipeline.timefmt import utc_now


@dataclass
class Origin:
    """Where a file that does not name its episode came from: a feed item's download."""

    title: str
    address: str  # the enclosure's URL: the source, as the download is deleted
    guid: str  # the item's: podcast apps know the episode by it
    published: str = ""  # the item's date (ISO 8601), if it gave one


def ingest(folder: Path, path: Path, info: audio.AudioInfo, replace: bool = False,
           origin: Origin | None = None) -> Episode:
    """The episode document for `path` (the one in `folder`, or a new one), its source
    described afresh (its audio is copied beside it by `keep_audio`, once it decodes). The same
    file changed (a new master) keeps its episode, and takes its title tag (or feed item's
    title) unless an editor renamed the episode; another recording that happens to give the
    same name is refused unless `replace` (--force: a new master from elsewhere)."""
    return _load_or_new(folder, path, info, replace, origin)


def _load_or_new(folder: Path, path: Path, info: audio.AudioInfo, replace: bool,
                 origin: Origin | None) -> Episode:
    where = origin.address if origin else _text(str(path.resolve()))
    source = Source(where, info.sha256, round(info.duration_s, 3), info.sample_rate,
                    sound=info.sound)
    if (folder / FILENAME).exists():
        return _again(Episode.load(folder), source, path, info, replace, origin)
    twin = None if replace or origin else processed_as(folder.parent, path, info.sha256)
    if twin:
        raise ReportageError(f"{path}: the same audio as the episode {twin}, already in the "
                             "library; use --force to give this file an episode of its own")
    named = origin or Origin("", where, info.sha256)
    title = _given_title(origin, info) or plain_title(_text(path.stem), TITLE_CHARS)
    return Episode(slug=folder.name, title=title or folder.name, source=source,
                   created=named.published or utc_now(), guid=named.guid)


def processed_as(library: Path, path: Path, sha256: str) -> str | None:
    """The episode whose copy of the audio is this very file (a copy renamed, processed again
    by mistake), if one is. (`process` refuses such twins given in one run before any is
    processed: neither would have a copy yet under --jobs.)"""
    for copy in library.glob("*/audio.*"):
        try:  # a copy another run is replacing at this moment is none
            if (copy.parent / FILENAME).is_file() and same_bytes(path, copy, sha256):
                return copy.parent.name
        except OSError:
            continue
    return None


def same_bytes(a: Path, b: Path, sha256_a: str | None = None) -> bool:
    """Whether two files hold the same bytes. Only files of the same size that start with the
    same 64 KB are hashed: a recorder's files are often all one size."""
    if a.stat().st_size != b.stat().st_size or _start(a) != _start(b):
        return False
    return (sha256_a or audio.sha256_file(a)) == audio.sha256_file(b)


def _start(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(1 << 16)


def _again(episode: Episode, source: Source, path: Path, info: audio.AudioInfo, replace: bool,
           origin: Origin | None) -> Episode:
    """The episode processed before, with this file as its source (the same file, or a new
    master: refused when it is another recording elsewhere, unless `replace`)."""
    old = episode.source
    changed = old.sha256 != source.sha256
    warned = bool(episode.provenance.get("audio", {}).get("warning"))
    same_sound = bool(old.sound) and old.sound == source.sound  # only the tags changed
    if not changed:
        source.sound = old.sound  # a document from before sounds were kept keeps its key
    elif same_sound and warned:  # a damaged file mended around the same packets
        for done in episode.provenance.values():
            done.pop("fingerprint", None)  # decoded again, and every stage after it
    if changed and old.path != source.path and not same_sound and not replace:
        raise ReportageError(f"{path}: the episode {episode.slug} is another recording "
                             f"({Path(old.path).name}); rename the file to give it an "
                             "episode of its own, or use --force to transcribe it into "
                             "this one (a new master)")
    if same_sound and not warned or warned and not changed:
        # What decoded, not what the file announces: a tag's bytes can lengthen that.
        source.duration_s = old.duration_s
    episode.guid = episode.guid or old.sha256  # a new master is the same episode to apps
    episode.source = source
    if changed and not episode.title_rev:
        episode.title = _given_title(origin, info) or episode.title
    return episode


def _given_title(origin: Origin | None, info: audio.AudioInfo) -> str:
    """The title a feed's item or the file's title tag gives, tidied; "" when none does."""
    given = (plain_title(t, TITLE_CHARS) for t in (origin.title if origin else "", info.title))
    return next(filter(None, given), "")


def _text(name: str) -> str:
    """A file name as text: bytes of no UTF-8 (an old archive's names) shown as "\ufffd"."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def keep_audio(folder: Path, path: Path, source: Source) -> None:
    """A copy of the audio beside the transcript, so pages can play it from the library. The
    runner calls it once the audio has decoded (or nothing needed decoding): a new master that
    turns out damaged never replaces the copy the published transcript plays."""
    name = "audio" + audio.stored_suffix(path)
    target = folder / name
    if not target.exists() or audio.sha256_file(target) != source.sha256:
        tmp = folder / f".{name}.tmp"
        try:
            shutil.copyfile(path, tmp)
            if audio.sha256_file(tmp) != source.sha256:  # written over since it was read
                raise ReportageError(f"{path}: the file changed while it was processed (the "
                                     "transcript is of the file before); run it again")
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)  # an interrupted copy
        for old in folder.glob("audio.*"):
            if old.name != name:
                old.unlink()
    source.file = name
