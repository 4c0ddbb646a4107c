"""The Episode document: everything known about one episode, saved as `episode.json`.

Every other file in an episode folder is derived from this document (see publish.py).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.atomic import write_atomic
from pipeline.errors import ReportageError

# 2: speaker names (Episode.speakers); 3: chapter edits (Chapter.edited); 4: glossary fixes;
# 5: the audio's sound key (Source.sound), and the title's rev: a reportage from before reads
# "newer ...: upgrade", not a broken document. Each only adds fields with defaults, so an
# older document needs no change.
SCHEMA = 5
FILENAME = "episode.json"
TITLE_CHARS = 200  # an episode's title at most: longer, a tag or a name is a description


@dataclass
class Word:
    text: str
    start: float
    end: float
    probability: float = 1.0


@dataclass
class Segment:
    id: str
    start: float
    end: float
    nl: str
    en: str | None = None
    speaker: str | None = None
    words: list[Word] = field(default_factory=list)
    edited: dict[str, bool] = field(default_factory=lambda: {"nl": False, "en": False})
    rev: int = 0
    # The Dutch text `en` was translated from: English is stale when this differs from `nl`.
    en_for: str | None = None
    # The translator returned nothing for this segment, even with more context.
    en_missing: bool = False
    # What the glossary's post-pass replaced: {lang, was, now, at (a character offset)}
    fixes: list[dict] = field(default_factory=list)

    @property
    def en_stale(self) -> bool:
        return bool(self.nl.strip()) and not self.edited.get("en") and self.en_for != self.nl


@dataclass
class Chapter:
    id: str
    start: float
    end: float
    title: str
    title_en: str | None = None
    keywords: list[str] = field(default_factory=list)
    keywords_en: list[str] = field(default_factory=list)
    segment_ids: list[str] = field(default_factory=list)
    # "start", "title", "title_en": what an editor set; a re-run keeps the chapters then
    edited: dict[str, bool] = field(default_factory=dict)


@dataclass
class Source:
    path: str
    sha256: str
    duration_s: float
    sample_rate: int
    file: str = ""  # the copy of the audio inside the episode folder
    # audio.sound_digest: the stages' key to the audio, so a file retagged keeps them; ""
    # in documents from before it (their stages keep the file's SHA-256 as their key)
    sound: str = ""

    @property
    def audio_key(self) -> str:
        return self.sound or self.sha256


@dataclass
class Episode:
    slug: str
    title: str
    source: Source
    title_rev: int = 0  # bumped by every rename of the title: a stale one is refused
    title_en: str | None = None  # an editor's English for it (there is no machine one)
    created: str = ""
    language: str = "nl"
    # speaker id ("S1", as segments hold it) -> the name an editor gave; unnamed ids show as is
    speakers: dict[str, str] = field(default_factory=dict)
    speakers_rev: int = 0  # bumped by every rename: a stale rename is refused
    segments: list[Segment] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    chapters_rev: int = 0  # bumped by every chapter edit: a stale one is refused
    # stage name -> {fingerprint, engine, model, version, started, finished, ...}
    provenance: dict[str, dict] = field(default_factory=dict)
    # The feed's id for the episode, kept across new masters: its first audio's SHA-256, or
    # the producer's guid of a feed item. "": the audio's SHA-256 (documents before it).
    guid: str = ""
    schema: int = SCHEMA

    def segment(self, segment_id: str) -> Segment:
        for seg in self.segments:
            if seg.id == segment_id:
                return seg
        raise KeyError(segment_id)

    def speaker_name(self, speaker: str | None) -> str | None:
        return self.speakers.get(speaker, speaker) if speaker else None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Episode:
        data = migrate(dict(data))
        return cls(
            slug=data["slug"],
            title=data["title"],
            source=Source(**data["source"]),
            title_rev=data.get("title_rev", 0),
            title_en=data.get("title_en"),
            created=data.get("created", ""),
            language=data.get("language", "nl"),
            speakers=data.get("speakers", {}),
            speakers_rev=data.get("speakers_rev", 0),
            segments=[_segment_from_dict(s) for s in data.get("segments", [])],
            chapters=[Chapter(**c) for c in data.get("chapters", [])],
            chapters_rev=data.get("chapters_rev", 0),
            provenance=data.get("provenance", {}),
            guid=data.get("guid", ""),
            schema=SCHEMA,
        )

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / FILENAME
        write_atomic(path, _dumps(self))
        return path

    @classmethod
    def load(cls, folder: str | Path) -> Episode:
        path = Path(folder) / FILENAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ReportageError(f"no episode document at {path}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ReportageError(f"{path} is not a valid episode document: {exc}") from None
        if not isinstance(data, dict):
            raise ReportageError(f"{path} is not a valid episode document: it holds a "
                                 f"{type(data).__name__}, not an object")
        try:
            episode = _checked(cls.from_dict(data))
        except KeyError as exc:
            raise ReportageError(f"{path} is not a valid episode document: it has no "
                                 f"{exc.args[0]!r}") from None
        except (TypeError, AttributeError, ValueError) as exc:
            raise ReportageError(f"{path} is not a valid episode document: {exc!r}") from None
        if valid_slug(path.parent.name):  # in a library, an episode is its folder: a copied or
            episode.slug = path.parent.name  # renamed one is the episode of its new name
        return episode


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def valid_slug(slug: str) -> bool:
    """An episode's name: its folder's in the library, and its address on the web."""
    return bool(SLUG_RE.match(slug)) and ".." not in slug


def _dumps(episode: Episode) -> str:
    """JSON with one line per segment and chapter: readable, diffable, and fast enough for an
    editor's save of a long episode (json's C encoder runs only without `indent`, and
    `default=vars` encodes the dataclasses without copying them first)."""

    def enc(value: object) -> str:
        return json.dumps(value, default=vars, ensure_ascii=False)

    parts = []
    for key, value in vars(episode).items():
        if isinstance(value, list) and value:
            items = ",\n  ".join(enc(item) for item in value)
            parts.append(f" {enc(key)}: [\n  {items}\n ]")
        else:
            parts.append(f" {enc(key)}: {enc(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _segment_from_dict(data: dict) -> Segment:
    data = dict(data)
    data["words"] = [Word(**w) for w in data.get("words", [])]
    return Segment(**data)


def _checked(episode: Episode) -> Episode:
    """The episode, if every value a hand edit could have broken has its type (times finite
    numbers, texts strings): else a ValueError naming it, not a traceback in a later command."""
    _expect(_texts(episode.slug, episode.title, episode.created, episode.language, episode.guid,
                   *([episode.title_en] if episode.title_en is not None else []))
            and _counts(episode.speakers_rev, episode.chapters_rev, episode.title_rev),
            "slug, title, title_en, created, language, guid or a rev")
    _expect(_texts(episode.source.path, episode.source.sha256, episode.source.file,
                   episode.source.sound)
            and _times(episode.source.duration_s), "source")
    copy = episode.source.file  # the audio copy: a file in the episode's folder, nowhere else
    if copy and (Path(copy).name != copy or copy in (".", "..")):
        raise ValueError(f"source file {copy!r}: not a file name in the episode's folder")
    _expect(isinstance(episode.speakers, dict) and _texts(*episode.speakers,
                                                          *episode.speakers.values()), "speakers")
    _expect(isinstance(episode.provenance, dict)
            and all(isinstance(v, dict) for v in episode.provenance.values()), "provenance")
    ids = [seg.id for seg in episode.segments]
    if len(set(ids)) < len(ids):
        twice = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f"segment {twice!r}: its id is given to two segments")
    for seg in episode.segments:
        _expect(_texts(seg.id, seg.nl) and _times(seg.start, seg.end) and _counts(seg.rev)
                and isinstance(seg.edited, dict)
                and _texts(*(v for v in (seg.en, seg.speaker) if v is not None))
                and all(_texts(w.text) and _times(w.start, w.end, w.probability)
                        for w in seg.words), f"segment {seg.id!r}")
    for chapter in episode.chapters:
        _expect(isinstance(chapter.segment_ids, list)
                and _texts(chapter.id, chapter.title, *chapter.segment_ids)
                and _times(chapter.start, chapter.end)
                and _texts(*([chapter.title_en] if chapter.title_en is not None else [])),
                f"chapter {chapter.id!r}")
    return episode


def _expect(holds: bool, what: str) -> None:
    if not holds:
        raise ValueError(f"{what}: a value of the wrong type")


def _texts(*values: object) -> bool:
    return all(isinstance(v, str) for v in values)


def _counts(*values: object) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


MAX_TIME = 1e7  # seconds (116 days): a time past it is a slip of a hand edit, not audio


def _times(*values: object) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= MAX_TIME
               for v in values)


def migrate(data: dict) -> dict:
    """Bring an older document up to SCHEMA; refuse one from a newer reportage."""
    schema = data.get("schema", SCHEMA)
    if schema > SCHEMA:
        raise ReportageError(
            f"episode document has schema {schema}, newer than this reportage ({SCHEMA}): upgrade"
        )
    return data


def segment_id(start: float, taken: set[str]) -> str:
    """A stable id from the start time (centiseconds), unique within `taken`."""
    base = f"s{round(start * 100):07d}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def free_speaker_id(taken: Iterable[str]) -> str:
    """The first of S1, S2, ... that is no speaker's id or name in `taken` (in any letters):
    two voices never show one label."""
    folded = {t.casefold() for t in taken}
    return next(f"S{n}" for n in itertools.count(1) if f"s{n}" not in folded)
