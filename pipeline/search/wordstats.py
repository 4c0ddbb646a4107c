"""The word statistics BM25 needs, kept in the index beside the text (ranking.py reads them):
`terms` holds every indexed word with its Dutch and English stems and its document frequency
in each language, `totals` the row and word counts."""

from __future__ import annotations

import sqlite3
from collections import Counter

from pipeline.search import textnorm

LANGS = ("nl", "en")


def count_words(db: sqlite3.Connection, rows: list[tuple], sign: int) -> None:
    """Add (sign=+1) or remove (-1) the rows' words to the document frequencies and totals."""
    df: dict[str, Counter[str]] = {lang: Counter() for lang in LANGS}
    words = Counter()
    for _, *texts in rows:
        for lang, text in zip(LANGS, texts, strict=True):
            folded = [textnorm.fold(w) for w in textnorm.words(text or "")]
            df[lang].update(set(folded))
            words[f"words_{lang}"] += len(folded)
    words["rows"] = len(rows)
    vocabulary = df["nl"].keys() | df["en"].keys()
    _add_terms(db, [(w, sign * df["nl"][w], sign * df["en"][w]) for w in vocabulary])
    _add_totals(db, {k: sign * n for k, n in words.items()})


def count_all_words(db: sqlite3.Connection, n_rows: int) -> None:
    # After a bulk load, FTS5's own vocabulary is far cheaper than tokenizing every row again.
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, 'text', 'col')")
    df: dict[str, dict[str, int]] = {}
    words = Counter({"rows": n_rows})
    for term, col, docs, count in db.execute("SELECT term, col, doc, cnt FROM temp.vocab"):
        df.setdefault(term, {})[col] = docs
        words[f"words_{col}"] += count
    db.execute("DROP TABLE temp.vocab")
    _add_terms(db, [(w, d.get("nl", 0), d.get("en", 0)) for w, d in df.items()])
    _add_totals(db, words)


def _add_terms(db: sqlite3.Connection, changes: list[tuple[str, int, int]]) -> None:
    db.executemany(
        "INSERT INTO terms VALUES (?, ?, ?, ?, ?) ON CONFLICT(term) DO UPDATE "
        "SET df_nl = df_nl + excluded.df_nl, df_en = df_en + excluded.df_en",
        [(w, textnorm.stem(w, "nl"), textnorm.stem(w, "en"), nl, en) for w, nl, en in changes],
    )


def _add_totals(db: sqlite3.Connection, changes: dict[str, int]) -> None:
    db.executemany(
        "UPDATE totals SET value = value + ? WHERE key = ?",
        [(n, key) for key, n in changes.items()],
    )
