"""User queries: what they mean, and that no query can break or change the index."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import search
from pipeline.errors import ReportageError
from pipeline.search import query
from tests.test_search import CREDIT, WEATHER


def kinds(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(t.kind, t.words) for t in query.parse(text).terms]


def test_words_phrases_and_prefixes():
    assert kinds('Krediet "Zwarte  Lijst" coöp* e-mail') == [
        ("word", ("krediet",)),
        ("phrase", ("zwarte", "lijst")),
        ("prefix", ("coop",)),
        ("phrase", ("e", "mail")),
    ]
    assert kinds('"zwarte lij"*') == [("prefix", ("zwarte", "lij"))]


def test_a_word_is_one_word_in_any_unicode_form():
    decomposed = "e\u0301e\u0301n coo\u0308peratie"  # as some keyboards and pastes give it
    assert kinds(decomposed) == [("word", ("een",)), ("word", ("cooperatie",))]
    assert kinds("li\u200bcht\ufeff") == kinds("li\u200echt") == [("word", ("licht",))]  # marks


def test_operators_are_only_words():
    assert kinds("NOT a AND b OR c NEAR(d e)") == [
        ("word", (w,)) for w in ("not", "a", "and", "b", "or", "c")
    ] + [("phrase", ("near", "d")), ("word", ("e",))]
    assert kinds("-krediet +lijst ^x col:y") == [
        ("word", ("krediet",)),
        ("word", ("lijst",)),
        ("word", ("x",)),
        ("phrase", ("col", "y")),
    ]


def test_unclosed_quote_runs_to_the_end():
    assert kinds('krediet "zwarte lijst') == [
        ("word", ("krediet",)),
        ("phrase", ("zwarte", "lijst")),
    ]


def test_one_letter_is_too_short_for_a_prefix():
    assert kinds("a*") == [("word", ("a",))]
    assert kinds("ab*") == [("prefix", ("ab",))]
    assert kinds('"zwarte l"*') == [("phrase", ("zwarte", "l"))]


def test_a_star_without_a_word_is_ignored():
    assert kinds("krediet *") == [("word", ("krediet",))]
    assert kinds("(* krediet") == [("word", ("krediet",))]


@pytest.mark.parametrize("text", ["", "   ", '"', '""', "*", "-", "'; --", "(*)", '"*"'])
def test_no_words_is_one_clear_error(text):
    with pytest.raises(ReportageError, match="nothing to search for"):
        query.parse(text)


def test_a_query_longer_than_a_paragraph_is_one_clear_error():
    assert len(query.parse("woord " * 166).terms) == 166  # 996 characters: searched
    with pytest.raises(ReportageError, match="at most 1000 characters, not 12000") as exc:
        query.parse("🙂 " * 6000)
    assert len(str(exc.value)) < 100  # the query is not echoed


def test_fts_expression_quotes_every_word():
    expanded = query.parse('AND "NEAR lijst" xy*').fts("both", lambda w, lang: [w, w + "s"])
    assert expanded == (
        '(nl : ("and" OR "ands") OR en : ("and" OR "ands")) AND ({nl en} : "near lijst") '
        'AND ({nl en} : "xy" *)'
    )


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("library")
    for episode in (CREDIT, WEATHER):
        search.index_episode(path, episode)
    return path


def digest(library: Path) -> str:
    return hashlib.sha256(search.index_path(library).read_bytes()).hexdigest()


NASTY = [
    "AND OR NOT",
    "krediet AND",
    "OR",
    'zwarte "lijst',
    '"""',
    "krediet*",
    "*krediet",
    "**",
    "-",
    "--",
    "NEAR(",
    "NEAR(zwarte lijst, 2)",
    "'; DROP TABLE segments; --",
    "\"; DROP TABLE text; SELECT '",
    "nl: krediet",
    "{nl en}: krediet",
    "^krediet",
    "krediet + lijst",
    "rowid = 1",
    "\x00krediet",
    "kr\u00e9diet\u0301",
    "🙂 krediet",
]


@pytest.mark.parametrize("text", NASTY)
def test_nasty_queries_neither_fail_nor_write(library, text):
    before = digest(library)
    try:
        hits = search.search(library, text)
    except ReportageError as exc:
        assert "nothing to search for" in str(exc)
    else:
        assert isinstance(hits, list)
    assert digest(library) == before
    assert search.search(library, "kredietsysteem")  # the index still answers


ALPHABET = st.sampled_from(
    list("\"*-()^:{}+;',.=\\ \t\n")
    + ["AND", "OR", "NOT", "NEAR", "zwarte", "lijst", "krediet", "é"]
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(ALPHABET | st.text(max_size=3), max_size=12))
def test_any_query_is_safe(library, parts):
    text = "".join(parts)
    before = digest(library)
    for lang in ("nl", "en", "both"):
        try:
            search.search(library, text, lang=lang, limit=3)
        except ReportageError as exc:
            # The only complaint a query may earn; "index unreadable" would mean a bad FTS5 query.
            assert "nothing to search for" in str(exc)
    assert digest(library) == before
